"""The OpenTelemetry OpenTracing shim, with span kinds, status, conventions and metrics.

The shim on its own would export every span as ``INTERNAL``, keep ``error`` as a plain attribute
and the OpenTracing tag names, so backends would draw no service graph, count no errors and find
none of the attributes their HTTP and database views key on. ``OTelTracer`` turns the
``span.kind`` tag into the OpenTelemetry ``SpanKind`` when the span starts, ``error`` into the
span status, error logs into ``exception`` events, and each tag into the semantic-convention
attributes (``semconv``) when it is set; request spans also feed the HTTP server metrics
(``metrics``). The spans leave the process as a native OpenTelemetry instrumentation would send
them, while the OpenTracing side (tags as set, ``MockTracer`` in tests) stays as it was.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any, cast

import opentracing
from opentelemetry import context as otel_context
from opentelemetry import trace as otel_trace
from opentelemetry.propagate import get_global_textmap
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.shim.opentracing_shim import SpanContextShim, SpanShim, TracerShim
from opentelemetry.trace import Link, NonRecordingSpan, SpanKind, Status, StatusCode
from opentracing import Format, Scope, ScopeManager, UnsupportedFormatException

from .metrics import RequestMetrics
from .semconv import Conventions, attribute, drop_host

__all__ = ["SPAN_KINDS", "OTelSpan", "OTelTracer"]

#: OpenTracing ``span.kind`` values (``opentracing.ext.tags``) -> OpenTelemetry span kinds.
SPAN_KINDS: dict[str, SpanKind] = {
    "server": SpanKind.SERVER,
    "client": SpanKind.CLIENT,
    "producer": SpanKind.PRODUCER,
    "consumer": SpanKind.CONSUMER,
}

_SCOPE_KEY = otel_context.create_key("ot_views.scope")
_ERROR_LOG_KEYS = frozenset({"event", "error.object", "error.kind", "message", "stack"})

# The request META behind the last extract() in this thread or task. The core extracts the
# parent context from a ``MetaCarrier`` and starts the request span right after, in the same
# call; the server span takes the META from here for what no tag carries (user agent, ports,
# protocol). Only the OpenTelemetry path pays for it.
_REQUEST_META: ContextVar[Mapping[str, Any] | None] = ContextVar(
    "ot_views_otel_request_meta", default=None
)


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


def _map(
    conventions: Conventions, kind: SpanKind, key: str, value: Any, out: dict[str, Any]
) -> None:
    """One tag into ``out`` as convention attributes, or as it is when no convention names it."""
    if kind is SpanKind.SERVER:
        mapped = conventions.server_tag(key, value, out)
    elif key.startswith("db."):
        mapped = conventions.db_tag(key, value, out)
    elif kind is SpanKind.CLIENT and key.startswith("http."):
        mapped = conventions.client_tag(key, value, out)
    else:
        mapped = False
    if not mapped:
        out[key] = attribute(value)


class _Request:
    """What a request span keeps for its metrics and ``error.type``."""

    __slots__ = ("active", "attributes", "has_host", "started")

    def __init__(self, attributes: dict[str, Any], has_host: bool) -> None:
        self.attributes = attributes
        self.has_host = has_host
        self.active: dict[str, Any] | None = None
        self.started = time.perf_counter()


class OTelSpan(SpanShim):
    """A shim span that maps ``error`` to the span status, error logs to exception events and
    tags to semantic-convention attributes."""

    def __init__(
        self,
        tracer: OTelTracer,
        context: SpanContextShim,
        span: Any,
        request: _Request | None = None,
    ) -> None:
        super().__init__(tracer, context, span)
        self._ot_tracer = tracer
        self._error_description: str | None = None
        self._error_type: str | None = None
        self._errored = False
        self._request = request

    def set_tag(self, key: str, value: Any) -> OTelSpan:
        if key == "error":
            if value is True or (isinstance(value, str) and value.lower() == "true"):
                self._errored = True
                self._otel_span.set_status(Status(StatusCode.ERROR, self._error_description))
            return self
        kind = getattr(self._otel_span, "kind", SpanKind.INTERNAL)
        if key == "span.kind" and _kind(value) == kind:
            # Already the span's kind; OpenTelemetry cannot change a kind after the start.
            return self
        if value is None:
            return self
        out: dict[str, Any] = {}
        _map(self._ot_tracer.conventions, kind, key, value, out)
        request = self._request
        if request is not None:
            if key == "http.url" and not request.has_host:
                drop_host(out)  # the URL again (redacted once the route is known)
            request.attributes.update(out)
        self._otel_span.set_attributes(out)
        return self

    def log_kv(
        self, key_values: Mapping[str, Any] | None, timestamp: float | None = None
    ) -> OTelSpan:
        key_values = key_values or {}
        when = int(timestamp * 1e9) if timestamp is not None else None
        exc = key_values.get("error.object")
        if key_values.get("event") == "error" or isinstance(exc, BaseException):
            name, attributes = "exception", self._exception_attributes(key_values)
            self._error_type = str(attributes["exception.type"])
            self._error_description = (
                f"{attributes['exception.type']}: {attributes['exception.message']}"
            )
            if self._errored:
                self._otel_span.set_status(Status(StatusCode.ERROR, self._error_description))
        else:
            name = str(key_values.get("event", "log"))
            attributes = {k: attribute(v) for k, v in key_values.items() if v is not None}
        self._otel_span.add_event(name, attributes, when)
        return self

    def finish(self, finish_time: float | None = None) -> None:
        request, self._request = self._request, None
        if request is not None:
            self._finish_request(request)
        super().finish(finish_time)

    def _finish_request(self, request: _Request) -> None:
        attributes = request.attributes
        if (
            self._errored
            and self._ot_tracer.conventions.http_new
            and "error.type" not in attributes
        ):
            # Failed without a 5xx status (the view raised and no response was seen): the
            # exception's type, as the convention asks.
            attributes["error.type"] = self._error_type or "_OTHER"
            self._otel_span.set_attribute("error.type", attributes["error.type"])
        metrics = self._ot_tracer.metrics
        if metrics is not None and request.active is not None:
            metrics.finished(attributes, request.active, time.perf_counter() - request.started)

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
                attributes[key] = attribute(value)
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
    """The OpenTelemetry OpenTracing shim, with span kinds, error status, the attribute names of
    the semantic conventions, the HTTP server metrics and a choice of propagation format.

    ``tracer_provider`` is the SDK provider its spans go through; ``meter_provider``, when
    given, records the request metrics; ``conventions`` picks old or stable attribute names
    (default: from ``OTEL_SEMCONV_STABILITY_OPT_IN``).
    """

    def __init__(
        self,
        tracer_provider: TracerProvider,
        propagator: TextMapPropagator | None = None,
        *,
        meter_provider: Any = None,
        conventions: Conventions | None = None,
    ) -> None:
        from opentelemetry.shim.opentracing_shim.version import __version__ as shim_version

        super().__init__(tracer_provider.get_tracer("ot_views", shim_version))
        self._scope_manager = OTelScopeManager(self)
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider
        #: ``None``: OpenTelemetry's global propagator (W3C trace context and baggage unless
        #: ``OTEL_PROPAGATORS`` says otherwise), read at each call.
        self.propagator = propagator
        self.conventions = conventions if conventions is not None else Conventions.from_env()
        self.metrics = (
            RequestMetrics(meter_provider, self.conventions) if meter_provider is not None else None
        )

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
        tags = tags or {}
        kind = _kind(tags.get("span.kind")) or SpanKind.INTERNAL
        conventions = self.conventions
        attributes: dict[str, Any] = {}
        error = False
        for key, value in tags.items():
            if key == "span.kind" and _kind(value) is not None:
                continue
            if key == "error":
                error = value is True
            elif value is not None:
                _map(conventions, kind, key, value, attributes)
        request = None
        if kind is SpanKind.SERVER:
            meta = _REQUEST_META.get()
            has_host = True
            if meta is not None:
                _REQUEST_META.set(None)
                has_host = conventions.server_meta(meta, attributes)
            request = _Request(attributes, has_host)
        elif "db.type" in tags or "db.statement" in tags:
            conventions.db_operation(operation_name or "", attributes)

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
        if request is not None:
            request.attributes = dict(attributes)
            if self.metrics is not None:
                request.active = self.metrics.started(request.attributes)
        shim = OTelSpan(self, SpanContextShim(span.get_span_context()), span, request)
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
        # A request's headers: keep its META for the request span about to start.
        _REQUEST_META.set(getattr(carrier, "_meta", None))
        ctx = self._propagator().extract(carrier, context=otel_context.Context())
        span_context = otel_trace.get_current_span(ctx).get_span_context()
        if not span_context.is_valid:
            return None
        return SpanContextShim(span_context)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Export the spans (and metrics) still buffered; ``True`` when all made it in time."""
        done = bool(self.tracer_provider.force_flush(timeout_millis))
        flush = getattr(self.meter_provider, "force_flush", None)
        if flush is not None:
            done = bool(flush(timeout_millis)) and done
        return done

    def shutdown(self) -> None:
        """Flush and stop exporting; done at process exit unless ``flush_on_exit=False``."""
        self.tracer_provider.shutdown()
        shutdown = getattr(self.meter_provider, "shutdown", None)
        if shutdown is not None:
            shutdown()
