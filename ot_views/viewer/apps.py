from __future__ import annotations

from django.apps import AppConfig
from django.core.signals import setting_changed


class ViewerConfig(AppConfig):
    name = "ot_views.viewer"
    label = "ot_views_viewer"
    verbose_name = "Trace viewer"

    def ready(self) -> None:
        from .recorder import install, installed_apps_changed

        install()  # record every span through the resolved tracer from now on
        setting_changed.connect(installed_apps_changed, dispatch_uid="ot_views.viewer.apps")
