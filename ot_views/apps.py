from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class OtViewsConfig(AppConfig):
    name = "ot_views"
    verbose_name = "OpenTracing for views"

    def ready(self) -> None:
        from .checks import check_settings

        checks.register(check_settings, checks.Tags.compatibility)
