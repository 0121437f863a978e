"""``path("traces/", include("ot_views.viewer.urls"))``: the viewer's pages under ``traces/``."""

from __future__ import annotations

from django.urls import path, register_converter

from . import views


class TraceIdConverter:
    """Hex trace ids only (16 or 32 digits in practice): nothing else reaches the views."""

    regex = "[0-9a-f]{1,32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TraceIdConverter, "ot_views_trace_id")

app_name = "ot_views_viewer"

urlpatterns = [
    path("", views.trace_list, name="trace-list"),
    path("spans.json", views.spans_json, name="spans-json"),
    path("<ot_views_trace_id:trace_id>.json", views.trace_json, name="trace-json"),
    path("<ot_views_trace_id:trace_id>/", views.trace_detail, name="trace-detail"),
]
