from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

#: The settings values that name the OpenTelemetry factory.
OTEL_FACTORIES = ("ot_views.otel.otel_tracer", "ot_views.tracers.otel_tracer")


class OtViewsConfig(AppConfig):
    name = "ot_views"
    verbose_name = "OpenTracing for views"

    def ready(self) -> None:
        from .checks import check_settings

        checks.register(check_settings, checks.Tags.compatibility)
        from .db import install as install_sql_spans

        install_sql_spans()  # child spans for SQL queries (OPENTRACING_TRACE_DB)
        install_otel_flush()
        from .tracer import install_global_tracer

        # OPENTRACING_SET_GLOBAL_TRACER: opentracing.global_tracer() is ours from start-up on.
        install_global_tracer()


def install_otel_flush() -> None:
    """Install the SIGTERM flush of the OpenTelemetry tracer when the settings name it.

    ``ready()`` runs in the main thread before the server takes requests, the one place Python
    allows a signal handler; the tracer itself is often first built in a worker thread (uvicorn
    runs sync code in one), too late and in the wrong thread.
    """
    factory = getattr(settings, "OPENTRACING_TRACER_CALLABLE", None)
    if not _is_otel_factory(factory):
        return
    parameters = getattr(settings, "OPENTRACING_TRACER_PARAMETERS", None) or {}
    if isinstance(parameters, dict) and parameters.get("flush_on_exit", True) is False:
        return
    try:
        from .otel.flush import install_sigterm_flush
    except ImportError:
        return  # the otel extra is missing: the system checks say so
    install_sigterm_flush()


def _is_otel_factory(factory: Any) -> bool:
    if isinstance(factory, str):
        return factory in OTEL_FACTORIES
    return (
        callable(factory)
        and getattr(factory, "__name__", None) == "otel_tracer"
        and str(getattr(factory, "__module__", "")).startswith("ot_views.otel")
    )
