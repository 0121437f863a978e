"""The former home of the OpenTelemetry tracer, kept so existing settings go on working.

``OPENTRACING_TRACER_CALLABLE = "ot_views.tracers.otel_tracer"`` still names the factory, now
in ``ot_views.otel``. Importing this module only re-exports; it installs nothing.
"""

from __future__ import annotations

from .otel import OTelTracer, load_propagator, otel_tracer

__all__ = ["OTelTracer", "load_propagator", "otel_tracer"]
