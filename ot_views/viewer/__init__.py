"""The trace viewer: this process's recent spans as a list of traces and one waterfall each.

Add ``"ot_views.viewer"`` to ``INSTALLED_APPS`` and ``path("traces/",
include("ot_views.viewer.urls"))`` to the URLconf. The pages answer only when ``DEBUG`` is on or
to staff users (``OPENTRACING_VIEWER_ACCESS`` decides otherwise), 404 to everyone else.
"""

from __future__ import annotations

from .recorder import RecordingTracer, recorded_spans
from .traces import group_traces, span_tree
from .views import default_access

__all__ = ["RecordingTracer", "default_access", "group_traces", "recorded_spans", "span_tree"]
