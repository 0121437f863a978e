"""Tracers for real backends: OpenTracing over the OpenTelemetry SDK, exporting OTLP.

``otel_tracer()`` builds the OpenTelemetry OpenTracing shim over an SDK ``TracerProvider`` of its
own (a global provider that the project set up for other instrumentations is left alone), with a
``BatchSpanProcessor`` and the OTLP/HTTP exporter. The standard ``OTEL_*`` environment variables
configure the endpoint, resource, sampler and batching, exactly as for any OpenTelemetry SDK.

The shim on its own would export every span as ``INTERNAL`` and keep ``error`` as a plain
attribute, so backends would draw no service graph and count no errors. ``OTelTracer`` therefore
turns the OpenTracing ``span.kind`` tag into the OpenTelemetry ``SpanKind`` when the span starts,
the ``error`` tag into the span status, and error logs into ``exception`` events: the spans leave
the process as a native OpenTelemetry instrumentation would send them.

Usable as ``OPENTRACING_TRACER_CALLABLE = "ot_views.tracers.otel_tracer"``.
"""

from __future__ import annotations

import os
import signal
import threading
import traceback
import weakref
from collections.abc import Mapping, Sequence
from importlib.metadata import entry_points
from typing import Any, cast

import opentracing
from opentracing import Format, Scope, ScopeManager, UnsupportedFormatException

try:
    from opentelemetry import context as otel_context
    from opentelemetry import trace as otel_trace
    from opentelemetry.propagate import get_global_textmap
    from opentelemetry.propagators.composite import CompositePropagator
    from opentelemetry.propagators.textmap import TextMapPropagator
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
    from opentelemetry.sdk.trace.sampling import Sampler
    from opentelemetry.shim.opentracing_shim import SpanContextShim, SpanShim, TracerShim
    from opentelemetry.trace import Link, NonRecordingSpan, SpanKind, Status, StatusCode
except ImportError as exc:  # pragma: no cover - exercised by a test that hides the packages
    raise ImportError(
        "ot_views.tracers needs the OpenTelemetry SDK, OpenTracing shim and OTLP exporter: "
        f'pip install "ot-views[otel]" (missing: {exc.name or exc})'
    ) from exc

__all__ = ["OTelTracer", "otel_tracer"]

#: OpenTracing ``span.kind`` values (``opentracing.ext.tags``) -> OpenTelemetry span kinds.
SPAN_KINDS: dict[str, SpanKind] = {
    "server": SpanKind.SERVER,
    "client": SpanKind.CLIENT,
    "producer": SpanKind.PRODUCER,
    "consumer": SpanKind.CONSUMER,
}

#: ``propagator=`` names whose package is not part of the ``otel`` extra.
_PROPAGATOR_PACKAGES = {
    "b3": "opentelemetry-propagator-b3",
    "b3multi": "opentelemetry-propagator-b3",
    "jaeger": "opentelemetry-propagator-jaeger",
}

_SCOPE_KEY = otel_context.create_key("ot_views.scope")
_ERROR_LOG_KEYS = frozenset({"event", "error.object", "error.kind", "message", "stack"})


def _attribute(value: Any) -> Any:
    """A value OpenTelemetry accepts as an attribute: OpenTracing tags may be anything, and the
    SDK would drop the others with a warning per call."""
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)) and all(
        isinstance(v, (str, bool, int, float)) for v in value
    ):
        return list(value)
    return str(value)


def _kind(value: Any) -> SpanKind | None:
    return SPAN_KINDS.get(value.lower()) if isinstance(value, str) else None


def _otel_context_of(obj: Any) -> otel_trace.SpanContext | None:
    """The OpenTelemetry span context behind an OpenTracing span or span context.

    Contexts of other tracers (a MockTracer's, say) carry nothing we can continue: ``None``.
    """
    unwrap = getattr(obj, "unwrap", None)
    if unwrap is None:
        return None
    inner = unwrap()
    if isinstance(inner, otel_trace.Span):
        inner = inner.get_span_context()
    if isinstance(inner, otel_trace.SpanContext) and inner.is_valid:
        return inner
    return None


class OTelSpan(SpanShim):
    """A shim span that maps ``error`` to the span status and error logs to exception events."""

    def __init__(self, tracer: OTelTracer, context: SpanContextShim, span: Any) -> None:
        super().__init__(tracer, context, span)
        self._error_description: str | None = None
        self._errored = False

    def set_tag(self, key: str, value: Any) -> OTelSpan:
        if key == "error":
            if value is True or (isinstance(value, str) and value.lower() == "true"):
                self._errored = True
                self._otel_span.set_status(Status(StatusCode.ERROR, self._error_description))
            return self
        if key == "span.kind" and _kind(value) == getattr(self._otel_span, "kind", None):
            # Already the span's kind; OpenTelemetry cannot change a kind after the start.
            return self
        self._otel_span.set_attribute(key, _attribute(value))
        return self

    def log_kv(
        self, key_values: Mapping[str, Any] | None, timestamp: float | None = None
    ) -> OTelSpan:
        key_values = key_values or {}
        when = int(timestamp * 1e9) if timestamp is not None else None
        exc = key_values.get("error.object")
        if key_values.get("event") == "error" or isinstance(exc, BaseException):
            name, attributes = "exception", self._exception_attributes(key_values)
            self._error_description = (
                f"{attributes['exception.type']}: {attributes['exception.message']}"
            )
            if self._errored:
                self._otel_span.set_status(Status(StatusCode.ERROR, self._error_description))
        else:
            name = str(key_values.get("event", "log"))
            attributes = {k: _attribute(v) for k, v in key_values.items() if v is not None}
        self._otel_span.add_event(name, attributes, when)
        return self

    @staticmethod
    def _exception_attributes(key_values: Mapping[str, Any]) -> dict[str, Any]:
        """OpenTelemetry's exception event from an OpenTracing error log.

        ``message`` wins over ``str(exc)``: callers pass it when the exception text could carry
        user input.
        """
        exc = key_values.get("error.object")
        kind = key_values.get("error.kind")
        if isinstance(kind, type):
            kind = kind.__name__
        if kind is None:
            kind = type(exc).__name__ if isinstance(exc, BaseException) else "Error"
        message = key_values.get("message")
        if message is None:
            message = str(exc) if exc is not None else ""
        stack = key_values.get("stack")
        if not isinstance(stack, str):
            if isinstance(exc, BaseException):
                stack = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            else:
                stack = "".join(traceback.format_tb(stack)) if stack is not None else ""
        attributes: dict[str, Any] = {
            "exception.type": str(kind),
            "exception.message": str(message),
            "exception.stacktrace": stack,
        }
        for key, value in key_values.items():
            if key not in _ERROR_LOG_KEYS and value is not None:
                attributes[key] = _attribute(value)
        return attributes


class OTelScope(Scope):
    """Activation in OpenTelemetry's context, which lives in contextvars: each thread and each
    asyncio task sees its own active span, and OpenTelemetry-native code sees ours."""

    def __init__(self, manager: OTelScopeManager, span: SpanShim, finish_on_close: bool) -> None:
        super().__init__(manager, span)
        self._finish_on_close = finish_on_close
        # The OTel span itself, typed (SpanShim.unwrap() carries no annotation).
        self.otel_span: otel_trace.Span = span.unwrap()  # type: ignore[no-untyped-call]
        ctx = otel_trace.set_span_in_context(self.otel_span)
        self._token = otel_context.attach(otel_context.set_value(_SCOPE_KEY, self, ctx))

    def close(self) -> None:
        otel_context.detach(self._token)
        if self._finish_on_close:
            self.span.finish()


class _ForeignScope(Scope):
    """The active span when OpenTelemetry-native code started it: visible, not ours to end."""

    def close(self) -> None:
        return None


class OTelScopeManager(ScopeManager):
    def __init__(self, tracer: OTelTracer) -> None:
        super().__init__()
        self._tracer = tracer

    def activate(self, span: opentracing.Span, finish_on_close: bool) -> Scope:
        # Only this tracer's spans reach its scope manager.
        return OTelScope(self, cast(SpanShim, span), finish_on_close)

    @property
    def active(self) -> Scope | None:
        current = otel_trace.get_current_span()
        if not current.get_span_context().is_valid:
            return None
        scope = otel_context.get_value(_SCOPE_KEY)
        if isinstance(scope, OTelScope) and scope.otel_span is current:
            return scope
        span = OTelSpan(self._tracer, SpanContextShim(current.get_span_context()), current)
        return _ForeignScope(self, span)


class OTelTracer(TracerShim):
    """The OpenTelemetry OpenTracing shim, with span kinds, error status and a choice of
    propagation format. ``tracer_provider`` is the SDK provider its spans go through."""

    def __init__(
        self,
        tracer_provider: TracerProvider,
        propagator: TextMapPropagator | None = None,
    ) -> None:
        from opentelemetry.shim.opentracing_shim.version import __version__ as shim_version

        super().__init__(tracer_provider.get_tracer("ot_views", shim_version))
        self._scope_manager = OTelScopeManager(self)
        self.tracer_provider = tracer_provider
        #: ``None``: OpenTelemetry's global propagator (W3C trace context and baggage unless
        #: ``OTEL_PROPAGATORS`` says otherwise), read at each call.
        self.propagator = propagator

    # Returns our OTelScope; the shim annotates a narrower ScopeShim than OpenTracing's Scope.
    def start_active_span(  # type: ignore[override]
        self,
        operation_name: str,
        child_of: Any = None,
        references: Sequence[opentracing.Reference] | None = None,
        tags: Mapping[str, Any] | None = None,
        start_time: float | None = None,
        ignore_active_span: bool = False,
        finish_on_close: bool = True,
    ) -> Scope:
        span = self.start_span(
            operation_name,
            child_of=child_of,
            references=references,
            tags=tags,
            start_time=start_time,
            ignore_active_span=ignore_active_span,
        )
        return self._scope_manager.activate(span, finish_on_close)

    def start_span(
        self,
        operation_name: str | None = None,
        child_of: Any = None,
        references: Sequence[opentracing.Reference] | None = None,
        tags: Mapping[str, Any] | None = None,
        start_time: float | None = None,
        ignore_active_span: bool = False,
    ) -> OTelSpan:
        attributes: dict[str, Any] = {}
        kind = SpanKind.INTERNAL
        error = False
        for key, value in (tags or {}).items():
            if key == "span.kind" and _kind(value) is not None:
                kind = _kind(value)  # type: ignore[assignment]
            elif key == "error":
                error = value is True
            elif value is not None:
                attributes[key] = _attribute(value)

        if child_of is None and not ignore_active_span:
            child_of = self.active_span
        parent = _otel_context_of(child_of) if child_of is not None else None
        links = []
        for ref in references or ():
            ref_context = _otel_context_of(ref.referenced_context)
            if ref_context is not None:
                links.append(Link(ref_context))
        if parent is None and links:
            parent = links[0].context
        # An explicit empty context makes a root span even when another span is active.
        ctx = (
            otel_trace.set_span_in_context(NonRecordingSpan(parent))
            if parent is not None
            else otel_context.Context()
        )
        span = self._otel_tracer.start_span(
            operation_name or "",
            context=ctx,
            kind=kind,
            attributes=attributes,
            links=links,
            start_time=int(start_time * 1e9) if start_time is not None else None,
        )
        shim = OTelSpan(self, SpanContextShim(span.get_span_context()), span)
        if error:
            shim.set_tag("error", True)
        return shim

    def _propagator(self) -> TextMapPropagator:
        return self.propagator if self.propagator is not None else get_global_textmap()

    def inject(self, span_context: Any, format: Any, carrier: Any) -> None:
        if format not in (Format.HTTP_HEADERS, Format.TEXT_MAP):
            raise UnsupportedFormatException(format)
        parent = _otel_context_of(span_context)
        if parent is None:
            return
        ctx = otel_trace.set_span_in_context(NonRecordingSpan(parent))
        self._propagator().inject(carrier, context=ctx)

    # None for "no context", as the shim does; types-opentracing says SpanContext only.
    def extract(  # type: ignore[override]
        self, format: Any, carrier: Any
    ) -> SpanContextShim | None:
        """The caller's context, or ``None`` when the carrier holds none (or a malformed one).

        Any ``Mapping`` works as carrier; lookups go through ``carrier.get``, so a
        case-insensitive mapping such as ``ot_views.propagation.MetaCarrier`` matches headers
        whatever their case.
        """
        if format not in (Format.HTTP_HEADERS, Format.TEXT_MAP):
            raise UnsupportedFormatException(format)
        ctx = self._propagator().extract(carrier, context=otel_context.Context())
        span_context = otel_trace.get_current_span(ctx).get_span_context()
        if not span_context.is_valid:
            return None
        return SpanContextShim(span_context)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Export the spans still buffered; ``True`` when all made it in time."""
        return bool(self.tracer_provider.force_flush(timeout_millis))

    def shutdown(self) -> None:
        """Flush and stop exporting; done at process exit unless ``flush_on_exit=False``."""
        self.tracer_provider.shutdown()


def load_propagator(spec: str | Sequence[str] | TextMapPropagator) -> TextMapPropagator:
    """A propagator from OpenTelemetry names (``"tracecontext"``, ``"baggage"``, ``"b3"`` for the
    single ``b3`` header, ``"b3multi"`` for ``X-B3-*``, ``"jaeger"`` for ``uber-trace-id``), a
    comma-separated string or list of them, or a propagator instance.

    Names resolve through the ``opentelemetry_propagator`` entry points, as ``OTEL_PROPAGATORS``
    does, so any installed propagator package works.
    """
    if isinstance(spec, TextMapPropagator):
        return spec
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    names = [n.strip().lower() for n in names if n.strip()]
    if not names:
        raise ValueError("propagator: give at least one name, e.g. 'tracecontext'")
    found = {ep.name: ep for ep in entry_points(group="opentelemetry_propagator")}
    propagators = []
    for name in names:
        ep = found.get(name)
        if ep is None:
            package = _PROPAGATOR_PACKAGES.get(name)
            if package is not None:
                raise ImportError(f"propagator {name!r} needs the package: pip install {package}")
            raise ValueError(
                f"unknown propagator {name!r}; installed: {', '.join(sorted(found)) or 'none'}"
            )
        propagators.append(ep.load()())
    return propagators[0] if len(propagators) == 1 else CompositePropagator(propagators)


def _traces_endpoint(endpoint: str) -> str:
    """``endpoint=`` is a base URL like ``OTEL_EXPORTER_OTLP_ENDPOINT``; the exporter wants the
    signal URL."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else endpoint + "/v1/traces"


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
) -> OTelTracer:
    """An OpenTracing tracer that exports OTLP/HTTP through the OpenTelemetry SDK.

    With no arguments everything comes from the standard environment variables:
    ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``..._TRACES_ENDPOINT``, ``..._HEADERS``, ...),
    ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER[_ARG]``,
    ``OTEL_BSP_*`` and ``OTEL_PROPAGATORS``. Arguments given here win over the environment, as
    with the SDK itself.

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
    - ``flush_on_exit``: flush buffered spans at process exit (``atexit``) and on SIGTERM (a
      handler chained before the server's own, set when the tracer is built in the main thread).
    """
    if tracer_provider is None:
        resource = dict(resource_attributes or {})
        if service_name:
            resource["service.name"] = service_name
        tracer_provider = TracerProvider(
            sampler=sampler,
            resource=Resource.create(resource),
            shutdown_on_exit=flush_on_exit,
        )
        if span_processor is None and exporter is None:
            exporter = _otlp_exporter(endpoint, headers)
    elif endpoint is not None and exporter is None and span_processor is None:
        exporter = _otlp_exporter(endpoint, headers)
    if span_processor is not None:
        tracer_provider.add_span_processor(span_processor)
    if exporter is not None:
        tracer_provider.add_span_processor(BatchSpanProcessor(exporter))
    if set_global_provider:
        otel_trace.set_tracer_provider(tracer_provider)
    if flush_on_exit:
        _flush_on_sigterm(tracer_provider)
    return OTelTracer(
        tracer_provider,
        propagator=load_propagator(propagator) if propagator is not None else None,
    )


def _otlp_exporter(endpoint: str | None, headers: Mapping[str, str] | None) -> SpanExporter:
    # Imported here: building a tracer around an in-memory processor must not need (or touch)
    # an OTLP endpoint.
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError as exc:
        raise ImportError(
            f'otel_tracer() exports OTLP/HTTP: pip install "ot-views[otel]" (missing: {exc.name})'
        ) from exc

    return OTLPSpanExporter(
        endpoint=_traces_endpoint(endpoint) if endpoint else None,
        headers=dict(headers) if headers else None,
    )


_flushed_on_sigterm: weakref.WeakSet[TracerProvider] = weakref.WeakSet()
_sigterm_hooked = False


def _flush_on_sigterm(provider: TracerProvider | None = None, timeout: float = 5.0) -> None:
    """Flush buffered spans when SIGTERM arrives, then let the previous handler act.

    ``atexit`` (the SDK's ``shutdown_on_exit``) is not enough: uvicorn re-raises SIGTERM with
    the handler it found at start-up after its graceful shutdown, and a process killed by a
    signal runs no ``atexit`` hook. One handler serves every provider; it is installed from the
    main thread only (Python's rule), at import of this module or when a tracer is built there.
    Installed before the server starts (import ``ot_views.tracers`` in settings or in the
    WSGI/ASGI module), it also flushes the requests the server drained during its shutdown.
    The flush runs in a thread joined with a timeout, so a lock held by the interrupted main
    thread can delay the exit but never hang it.
    """
    global _sigterm_hooked
    if provider is not None:
        _flushed_on_sigterm.add(provider)
    if _sigterm_hooked or threading.current_thread() is not threading.main_thread():
        return
    try:
        previous = signal.getsignal(signal.SIGTERM)
    except (ValueError, AttributeError):  # pragma: no cover - no SIGTERM on this platform
        return

    def flush_all() -> None:
        for each in list(_flushed_on_sigterm):
            each.force_flush(int(timeout * 1000))

    def on_sigterm(signum: int, frame: Any) -> None:
        flusher = threading.Thread(target=flush_all, daemon=True)
        flusher.start()
        flusher.join(timeout)
        if callable(previous):
            previous(signum, frame)
        elif previous in (signal.SIG_DFL, None):
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    try:
        signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # pragma: no cover - not the main interpreter
        return
    _sigterm_hooked = True


_flush_on_sigterm()
