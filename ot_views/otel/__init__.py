"""OpenTelemetry for ot-views: OpenTracing over the OpenTelemetry SDK, exporting OTLP.

``otel_tracer()`` (in ``factory``) builds the OpenTelemetry OpenTracing shim (``shim``) over an
SDK ``TracerProvider`` of its own, exporting OTLP/HTTP. Spans leave the process with the span
kind, status and attribute names of OpenTelemetry's semantic conventions (``semconv``); request
spans also feed the HTTP server metrics (``metrics``). ``flush`` exports what is still buffered
when the process is told to stop, and ``propagators`` turns propagation format names into
OpenTelemetry propagators.

Needs the ``otel`` extra. Importing this package has no side effect: the SIGTERM flush is
installed by ``otel_tracer()`` (in the main thread) or by ``ot_views``' ``AppConfig.ready()``
when the settings name this factory.

Usable as ``OPENTRACING_TRACER_CALLABLE = "ot_views.otel.otel_tracer"``.
"""

from __future__ import annotations

try:
    import opentelemetry.sdk.trace
    import opentelemetry.shim.opentracing_shim  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised by a test that hides the packages
    raise ImportError(
        "ot_views.otel needs the OpenTelemetry SDK, OpenTracing shim and OTLP exporter: "
        f'pip install "ot-views[otel]" (missing: {exc.name or exc})'
    ) from exc

from .factory import otel_tracer
from .flush import install_sigterm_flush
from .propagators import load_propagator
from .semconv import Conventions
from .shim import OTelSpan, OTelTracer

__all__ = [
    "Conventions",
    "OTelSpan",
    "OTelTracer",
    "install_sigterm_flush",
    "load_propagator",
    "otel_tracer",
]
