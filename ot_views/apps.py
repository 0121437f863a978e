from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class OtViewsConfig(AppConfig):
    name = "ot_views"
    verbose_name = "OpenTracing for views"

    def ready(self) -> None:
        from .checks import check_settings

        checks.register(check_settings, checks.Tags.compatibility)
        from .db import install as install_sql_spans

        install_sql_spans()  # child spans for SQL queries (OPENTRACING_TRACE_DB)
        from .tracer import install_global_tracer

        # OPENTRACING_SET_GLOBAL_TRACER: opentracing.global_tracer() is ours from start-up on.
        install_global_tracer()
