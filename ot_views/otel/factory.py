"""``otel_tracer()``: the OpenTracing tracer a settings file names, exporting OTLP/HTTP."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import trace as otel_trace
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import Sampler

from . import flush
from .propagators import load_propagator
from .semconv import Conventions
from .shim import OTelTracer

__all__ = ["otel_tracer"]


def otel_tracer(
    service_name: str | None = None,
    *,
    endpoint: str | None = None,
    headers: Mapping[str, str] | None = None,
    exporter: SpanExporter | None = None,
    span_processor: SpanProcessor | None = None,
    sampler: Sampler | None = None,
    resource_attributes: Mapping[str, Any] | None = None,
    propagator: str | Sequence[str] | TextMapPropagator | None = None,
    tracer_provider: TracerProvider | None = None,
    set_global_provider: bool = False,
    flush_on_exit: bool = True,
    meter_provider: Any = None,
    metric_reader: Any = None,
    semconv_opt_in: str | None = None,
) -> OTelTracer:
    """An OpenTracing tracer that exports OTLP/HTTP through the OpenTelemetry SDK.

    With no arguments everything comes from the standard environment variables:
    ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``..._TRACES_ENDPOINT``, ``..._METRICS_ENDPOINT``,
    ``..._HEADERS``, ...), ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``,
    ``OTEL_TRACES_SAMPLER[_ARG]``, ``OTEL_BSP_*``, ``OTEL_METRIC_EXPORT_INTERVAL``,
    ``OTEL_METRICS_EXPORTER=none``, ``OTEL_PROPAGATORS`` and ``OTEL_SEMCONV_STABILITY_OPT_IN``.
    Arguments given here win over the environment, as with the SDK itself.

    - ``service_name``: the ``service.name`` resource attribute.
    - ``endpoint``: base URL of the collector (``http://localhost:4318``); ``headers``: for it.
    - ``exporter``: another ``SpanExporter`` (batched); ``span_processor``: used as given instead
      of batching and exporting (tests: ``SimpleSpanProcessor(InMemorySpanExporter())``).
    - ``sampler``, ``resource_attributes``: for the provider.
    - ``propagator``: ``"tracecontext"`` (W3C ``traceparent``), ``"b3"``, ``"b3multi"``,
      ``"jaeger"``, a list of them, or a ``TextMapPropagator``. Default: OpenTelemetry's global
      propagator (W3C trace context + baggage unless ``OTEL_PROPAGATORS`` is set).
    - ``tracer_provider``: reuse an SDK provider configured elsewhere (nothing is added to it
      unless ``exporter``/``span_processor``/``endpoint`` is given).
    - ``set_global_provider``: also install the provider as OpenTelemetry's global one, so
      OpenTelemetry-native instrumentations (requests, psycopg) report to the same place.
    - ``meter_provider``: where the HTTP server metrics go; ``metric_reader``: a reader for a
      ``MeterProvider`` built here (tests: ``InMemoryMetricReader()``). Without either, a
      provider exporting OTLP/HTTP is built when the spans are exported over OTLP (not for a
      given ``exporter``/``span_processor``), unless ``OTEL_METRICS_EXPORTER=none``.
    - ``semconv_opt_in``: which attribute names, as ``OTEL_SEMCONV_STABILITY_OPT_IN`` (``""``:
      the old ones, ``"http,database"``: the stable ones, ``"http/dup,database/dup"``: both).
    - ``flush_on_exit``: flush buffered spans and metrics at process exit (``atexit``) and on
      SIGTERM (a handler chained before the server's own; installed here when the tracer is
      built in the main thread, else by ``ot_views``' ``AppConfig.ready()``).
    """
    resource = None
    otlp = False
    if tracer_provider is None:
        attributes = dict(resource_attributes or {})
        if service_name:
            attributes["service.name"] = service_name
        resource = Resource.create(attributes)
        tracer_provider = TracerProvider(
            sampler=sampler, resource=resource, shutdown_on_exit=flush_on_exit
        )
        if span_processor is None and exporter is None:
            exporter = _otlp_exporter(endpoint, headers)
            otlp = True
    elif endpoint is not None and exporter is None and span_processor is None:
        exporter = _otlp_exporter(endpoint, headers)
        otlp = True
    if span_processor is not None:
        tracer_provider.add_span_processor(span_processor)
    if exporter is not None:
        tracer_provider.add_span_processor(BatchSpanProcessor(exporter))
    if set_global_provider:
        otel_trace.set_tracer_provider(tracer_provider)
    if meter_provider is None:
        if metric_reader is None and otlp and _metrics_exported():
            metric_reader = _otlp_metric_reader(endpoint, headers)
        if metric_reader is not None:
            from opentelemetry.sdk.metrics import MeterProvider

            meter_provider = MeterProvider(
                metric_readers=[metric_reader],
                resource=resource or getattr(tracer_provider, "resource", None),
                shutdown_on_exit=flush_on_exit,
            )
    if flush_on_exit:
        flush.register(tracer_provider)
        if meter_provider is not None and hasattr(meter_provider, "force_flush"):
            flush.register(meter_provider)
        flush.install_sigterm_flush()
    conventions = (
        Conventions.from_opt_in(semconv_opt_in)
        if semconv_opt_in is not None
        else Conventions.from_env()
    )
    return OTelTracer(
        tracer_provider,
        propagator=load_propagator(propagator) if propagator is not None else None,
        meter_provider=meter_provider,
        conventions=conventions,
    )


def _metrics_exported() -> bool:
    return os.environ.get("OTEL_METRICS_EXPORTER", "otlp").strip().lower() != "none"


def _signal_endpoint(endpoint: str, signal: str) -> str:
    """``endpoint=`` is a base URL like ``OTEL_EXPORTER_OTLP_ENDPOINT``; the exporters want the
    signal URL."""
    endpoint = endpoint.rstrip("/")
    suffix = f"/v1/{signal}"
    return endpoint if endpoint.endswith(suffix) else endpoint + suffix


def _missing_extra(exc: ImportError) -> ImportError:
    return ImportError(
        f'otel_tracer() exports OTLP/HTTP: pip install "ot-views[otel]" (missing: {exc.name})'
    )


def _otlp_exporter(endpoint: str | None, headers: Mapping[str, str] | None) -> SpanExporter:
    # Imported here: building a tracer around an in-memory processor must not need (or touch)
    # an OTLP endpoint.
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError as exc:
        raise _missing_extra(exc) from exc

    return OTLPSpanExporter(
        endpoint=_signal_endpoint(endpoint, "traces") if endpoint else None,
        headers=dict(headers) if headers else None,
    )


def _otlp_metric_reader(endpoint: str | None, headers: Mapping[str, str] | None) -> Any:
    try:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    except ImportError as exc:
        raise _missing_extra(exc) from exc

    exporter = OTLPMetricExporter(
        endpoint=_signal_endpoint(endpoint, "metrics") if endpoint else None,
        headers=dict(headers) if headers else None,
    )
    return PeriodicExportingMetricReader(exporter)
