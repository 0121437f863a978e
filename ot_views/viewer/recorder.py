"""Recording every finished span of this process, whatever tracer is configured.

The viewer never replaces the project's tracer. While the app is installed, the tracer that
``ot_views`` resolves is wrapped in a ``RecordingTracer``: an ``opentracing.Tracer`` that hands
every call on to the real tracer (so an OpenTracing backend or the OpenTelemetry bridge still gets
every span, with the same ids and the same active span) and, when a span finishes, keeps a plain
copy of it in a bounded, process-wide buffer. The request span, the SQL spans and a view's own
``get_tracer().start_active_span(...)`` children all go through the resolved tracer, so all of
them are recorded.

Bounds: at most ``OPENTRACING_VIEWER_MAX_TRACES`` traces (the least recently updated goes first)
and ``OPENTRACING_VIEWER_MAX_SPANS`` spans per trace (later spans are counted, not kept); each
span keeps at most ``MAX_TAGS`` tags and ``MAX_LOGS`` logs of ``MAX_FIELDS`` fields, every value
cut to ``MAX_VALUE_LENGTH`` characters. Memory therefore has a fixed ceiling however many
requests are served.

Ids come from the real tracer's span context (16 hex digits, or 32 for an OpenTelemetry trace
id), so the viewer's ids are the ones a backend shows. A tracer with no ids (the no-op
``opentracing.Tracer`` used when nothing is configured) gets random ones from the recorder, with
parents followed through the spans it wrapped.
"""

from __future__ import annotations

import contextvars
import os
import platform
import secrets
import socket
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from opentracing import Reference, Scope, ScopeManager, Span, SpanContext, Tracer

from .. import faults
from ..conf import conf

MAX_TAGS = 64
MAX_LOGS = 32
MAX_FIELDS = 16
MAX_VALUE_LENGTH = 4096
#: How many of the viewer's own trace ids are remembered so their late spans are not recorded.
MAX_IGNORED = 256

DEFAULT_MAX_TRACES = 100
DEFAULT_MAX_SPANS = 200

SpanDict = dict[str, Any]


def _plain(value: Any) -> Any:
    """A JSON-safe, bounded copy of a tag or log value (objects and exceptions become text)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[:MAX_VALUE_LENGTH] + "..."


def _hex_ids(context: Any) -> tuple[str, str] | None:
    """``(trace_id, span_id)`` in hex from a span context of any tracer, or ``None``.

    OpenTelemetry contexts (behind ``unwrap()``) have 128-bit trace ids: 32 digits, as W3C and
    every OpenTelemetry backend write them. Other tracers' integer ids are written with 16
    digits, or 32 when they do not fit in 64 bits.
    """
    if context is None:
        return None
    unwrap = getattr(context, "unwrap", None)
    if callable(unwrap):
        try:
            inner = unwrap()
        except Exception:
            inner = None
        trace_id = getattr(inner, "trace_id", None)
        span_id = getattr(inner, "span_id", None)
        if isinstance(trace_id, int) and isinstance(span_id, int) and trace_id and span_id:
            return f"{trace_id:032x}", f"{span_id:016x}"
    trace_id = getattr(context, "trace_id", None)
    span_id = getattr(context, "span_id", None)
    if isinstance(trace_id, int) and isinstance(span_id, int) and trace_id and span_id:
        width = 16 if trace_id < 1 << 64 else 32
        return f"{trace_id:0{width}x}", f"{span_id:016x}"
    return None


def _random_id() -> str:
    return f"{secrets.randbits(64) or 1:016x}"


# -- the buffer ----------------------------------------------------------------------------------


class _Trace:
    __slots__ = ("dropped", "spans")

    def __init__(self) -> None:
        self.spans: list[SpanDict] = []
        self.dropped = 0


def _limit(name: str, default: int) -> int:
    value = conf.snapshot().raw.get(name, default)
    return value if isinstance(value, int) and value > 0 else default


class Recorder:
    """The process-wide buffer of finished spans, grouped by trace, bounded both ways."""

    def __init__(self) -> None:
        self._traces: OrderedDict[str, _Trace] = OrderedDict()
        self._ignored: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, span: SpanDict) -> None:
        trace_id = span["trace_id"]
        max_traces = _limit("OPENTRACING_VIEWER_MAX_TRACES", DEFAULT_MAX_TRACES)
        max_spans = _limit("OPENTRACING_VIEWER_MAX_SPANS", DEFAULT_MAX_SPANS)
        with self._lock:
            if trace_id in self._ignored:
                return
            trace = self._traces.get(trace_id)
            if trace is None:
                trace = self._traces[trace_id] = _Trace()
            else:
                self._traces.move_to_end(trace_id)
            if len(trace.spans) < max_spans:
                trace.spans.append(span)
            else:
                trace.dropped += 1
            while len(self._traces) > max_traces:
                self._traces.popitem(last=False)

    def ignore(self, trace_id: str) -> None:
        """Forget ``trace_id`` and record none of its spans from now on (the viewer's own)."""
        with self._lock:
            self._traces.pop(trace_id, None)
            self._ignored[trace_id] = None
            self._ignored.move_to_end(trace_id)
            while len(self._ignored) > MAX_IGNORED:
                self._ignored.popitem(last=False)

    def spans(self) -> list[SpanDict]:
        """Every buffered span, oldest trace first."""
        with self._lock:
            return [span for trace in self._traces.values() for span in trace.spans]

    def dropped(self) -> dict[str, int]:
        """Per trace id, how many spans went over ``OPENTRACING_VIEWER_MAX_SPANS``."""
        with self._lock:
            return {tid: t.dropped for tid, t in self._traces.items() if t.dropped}

    def counts(self) -> tuple[int, int]:
        """``(traces, spans)`` held now: what the bounds limit."""
        with self._lock:
            return len(self._traces), sum(len(t.spans) for t in self._traces.values())

    def clear(self) -> None:
        with self._lock:
            self._traces.clear()
            self._ignored.clear()


recorder = Recorder()


# -- process and service -------------------------------------------------------------------------


def _process_of(tracer: Tracer) -> dict[str, Any]:
    """What the viewer shows as the span's process: the OpenTelemetry resource when there is
    one, this process's host, pid and runtime otherwise; ``service.name`` in both."""
    resource = getattr(getattr(tracer, "tracer_provider", None), "resource", None)
    attributes = getattr(resource, "attributes", None)
    if isinstance(attributes, Mapping) and attributes.get("service.name"):
        return {str(k): _plain(v) for k, v in attributes.items()}
    service = getattr(tracer, "service_name", None)
    if not isinstance(service, str) or not service:
        urlconf = getattr(settings, "ROOT_URLCONF", None)
        service = urlconf.split(".")[0] if isinstance(urlconf, str) and urlconf else "django"
    return {
        "service.name": service,
        "host.name": socket.gethostname(),
        "process.pid": os.getpid(),
        "process.runtime.name": sys.implementation.name,
        "process.runtime.version": platform.python_version(),
        "tracer": f"{type(tracer).__module__}.{type(tracer).__qualname__}",
    }


# -- the wrapper ---------------------------------------------------------------------------------


class RecordingSpan(Span):
    """A span of the real tracer, with a copy of what is written to it kept for the viewer.

    Attributes it does not define (``unwrap()`` of the OpenTelemetry shim, ``tags`` of a mock
    span) are the real span's.
    """

    def __init__(
        self,
        tracer: RecordingTracer,
        inner: Span,
        operation_name: str | None,
        tags: Mapping[str, Any] | None,
        ids: tuple[str, str],
        parent_id: str | None,
        start_time: float | None,
    ) -> None:
        super().__init__(tracer, inner.context)
        self.inner = inner
        self.trace_id, self.span_id = ids
        self.parent_id = parent_id
        self._operation = operation_name or ""
        self._tags: dict[str, Any] = dict(list(tags.items())[:MAX_TAGS]) if tags else {}
        self._logs: list[tuple[float, dict[str, Any]]] = []
        self._start = time.time() if start_time is None else start_time
        self._finished = False

    @property
    def context(self) -> SpanContext:
        return self.inner.context

    def set_operation_name(self, operation_name: str) -> RecordingSpan:
        self.inner.set_operation_name(operation_name)
        self._operation = operation_name
        return self

    def set_tag(self, key: str, value: Any) -> RecordingSpan:
        self.inner.set_tag(key, value)
        if len(self._tags) < MAX_TAGS or key in self._tags:
            self._tags[key] = value
        return self

    def log_kv(self, key_values: dict[str, Any], timestamp: float | None = None) -> RecordingSpan:
        self.inner.log_kv(key_values, timestamp)
        if len(self._logs) < MAX_LOGS:
            at = time.time() if timestamp is None else timestamp
            self._logs.append((at, dict(list(key_values.items())[:MAX_FIELDS])))
        return self

    def set_baggage_item(self, key: str, value: str) -> RecordingSpan:
        self.inner.set_baggage_item(key, value)
        return self

    def get_baggage_item(self, key: str) -> str | None:
        return self.inner.get_baggage_item(key)

    def finish(self, finish_time: float | None = None) -> None:
        self.inner.finish(finish_time)
        if self._finished:
            return
        self._finished = True
        end = time.time() if finish_time is None else finish_time
        try:
            recorder.add(self._record(end))
        except Exception as exc:
            faults.report("viewer record", exc)

    def _record(self, end: float) -> SpanDict:
        tracer = self.tracer
        assert isinstance(tracer, RecordingTracer)
        process = tracer.process
        return {
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "parent_id": self.parent_id,
            "operation": self._operation,
            "service": process["service.name"],
            "process": process,
            "start": self._start,
            "duration": max(0.0, end - self._start),
            "tags": {str(k): _plain(v) for k, v in self._tags.items()},
            "logs": [
                {"timestamp": at, "fields": {str(k): _plain(v) for k, v in fields.items()}}
                for at, fields in self._logs
            ],
        }

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not set yet: no recursion through __getattr__
            raise AttributeError(name)
        return getattr(self.inner, name)

    def __repr__(self) -> str:
        return f"RecordingSpan({self.inner!r})"


_ACTIVE: contextvars.ContextVar[RecordingScope | None] = contextvars.ContextVar(
    "ot_views_viewer_active", default=None
)


def _underlying(span: Any) -> Any:
    """The object that identifies a span across wrappers (the OpenTelemetry span for the shim)."""
    unwrap = getattr(span, "unwrap", None)
    if callable(unwrap):
        try:
            return unwrap()
        except Exception:
            return span
    return span


class RecordingScope(Scope):
    def __init__(
        self,
        manager: RecordingScopeManager,
        span: RecordingSpan,
        inner: Scope,
        finish_on_close: bool,
    ) -> None:
        super().__init__(manager, span)
        self.inner = inner
        self._finish_on_close = finish_on_close
        self._previous = _ACTIVE.get()
        _ACTIVE.set(self)

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            if _ACTIVE.get() is self:
                _ACTIVE.set(self._previous)
            if self._finish_on_close:
                self.span.finish()


class RecordingScopeManager(ScopeManager):
    """Activates the real span in the real tracer's scope manager, and knows its wrapper.

    ``active`` is the wrapper only while the real tracer agrees it is the active span; a span
    activated behind the wrapper's back (OpenTelemetry-native code, the real tracer used
    directly) is returned as the real tracer reports it.
    """

    def __init__(self, inner: ScopeManager) -> None:
        super().__init__()
        self.inner = inner

    def activate(self, span: Span, finish_on_close: bool) -> Scope:
        if not isinstance(span, RecordingSpan):
            return self.inner.activate(span, finish_on_close)
        return RecordingScope(self, span, self.inner.activate(span.inner, False), finish_on_close)

    @property
    def active(self) -> Scope | None:
        ours = _ACTIVE.get()
        if type(self.inner) is ScopeManager:  # the no-op one keeps nothing: ours is all there is
            return ours
        real = self.inner.active
        if real is None:
            return None
        if ours is not None:
            span = ours.span
            assert isinstance(span, RecordingSpan)
            if real.span is span.inner or _underlying(real.span) is _underlying(span.inner):
                return ours
        return real


class RecordingTracer(Tracer):
    """An ``opentracing.Tracer`` that delegates everything to ``inner`` and records spans."""

    def __init__(self, inner: Tracer) -> None:
        self.inner = inner
        self._process: dict[str, Any] | None = None
        super().__init__(scope_manager=RecordingScopeManager(inner.scope_manager))

    @property
    def process(self) -> dict[str, Any]:
        if self._process is None:
            self._process = _process_of(self.inner)
        return self._process

    def start_active_span(
        self,
        operation_name: str,
        child_of: Span | SpanContext | None = None,
        references: list[Reference] | None = None,
        tags: dict[str, Any] | None = None,
        start_time: float | None = None,
        ignore_active_span: bool = False,
        finish_on_close: bool = True,
    ) -> Scope:
        span = self.start_span(
            operation_name, child_of, references, tags, start_time, ignore_active_span
        )
        return self.scope_manager.activate(span, finish_on_close)

    def start_span(
        self,
        operation_name: str | None = None,
        child_of: Span | SpanContext | None = None,
        references: list[Reference] | None = None,
        tags: dict[str, Any] | None = None,
        start_time: float | None = None,
        ignore_active_span: bool = False,
    ) -> Span:
        parent: Any = child_of
        if parent is None and references:
            parent = references[0].referenced_context
        if parent is None and not ignore_active_span:
            scope = self.scope_manager.active
            if scope is not None:
                parent = child_of = scope.span
        inner_child_of = child_of.inner if isinstance(child_of, RecordingSpan) else child_of
        inner_refs = (
            [
                Reference(
                    r.type,
                    r.referenced_context.inner.context
                    if isinstance(r.referenced_context, RecordingSpan)
                    else r.referenced_context,
                )
                for r in references
            ]
            if references
            else references
        )
        inner = self.inner.start_span(
            operation_name,
            child_of=inner_child_of,
            references=inner_refs,
            tags=tags,
            start_time=start_time,
            ignore_active_span=ignore_active_span,
        )
        ids, parent_id = self._ids(inner, parent)
        return RecordingSpan(self, inner, operation_name, tags, ids, parent_id, start_time)

    @staticmethod
    def _ids(inner: Span, parent: Any) -> tuple[tuple[str, str], str | None]:
        if isinstance(parent, RecordingSpan):
            parent_ids: tuple[str, str] | None = (parent.trace_id, parent.span_id)
        elif isinstance(parent, Span):
            parent_ids = _hex_ids(parent.context)
        else:
            parent_ids = _hex_ids(parent)
        ids = _hex_ids(inner.context)
        if ids is None:  # a tracer without ids (the no-op one): number the spans here
            trace_id = parent_ids[0] if parent_ids is not None else _random_id() + _random_id()
            ids = (trace_id, _random_id())
        elif parent_ids is not None and parent_ids[0] != ids[0]:
            parent_ids = None  # the real tracer started a new trace after all
        return ids, parent_ids[1] if parent_ids is not None else None

    def inject(self, span_context: SpanContext, format: str, carrier: Any) -> None:
        self.inner.inject(span_context, format, carrier)

    def extract(self, format: str, carrier: Any) -> SpanContext:
        return self.inner.extract(format, carrier)

    def __getattr__(self, name: str) -> Any:
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def __repr__(self) -> str:
        return f"RecordingTracer({self.inner!r})"


# -- installation --------------------------------------------------------------------------------


class _Wrapper:
    """The tracer wrapper the app registers: one ``RecordingTracer`` per real tracer.

    Enabled while ``ot_views.viewer`` is in ``INSTALLED_APPS`` (re-read when a test overrides
    it); otherwise the tracer passes through untouched.
    """

    def __init__(self) -> None:
        self.enabled = False
        self._inner: Tracer | None = None
        self._wrapped: RecordingTracer | None = None
        self._lock = threading.Lock()

    def __call__(self, tracer: Tracer) -> Tracer:
        if not self.enabled or isinstance(tracer, RecordingTracer):
            return tracer
        wrapped = self._wrapped
        if self._inner is tracer and wrapped is not None:
            return wrapped
        with self._lock:
            if self._inner is not tracer or self._wrapped is None:
                self._wrapped, self._inner = RecordingTracer(tracer), tracer
            return self._wrapped


wrapper = _Wrapper()


def install() -> None:
    """Register the wrapper with ``ot_views`` (idempotent; called from the app's ``ready()``)."""
    from ..tracer import tracer_wrappers

    wrapper.enabled = True
    if wrapper not in tracer_wrappers:
        tracer_wrappers.append(wrapper)


def installed_apps_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "INSTALLED_APPS":
        from django.apps import apps

        wrapper.enabled = apps.is_installed("ot_views.viewer")


def recorded_spans() -> list[SpanDict]:
    """This process's recorded spans as plain dicts, oldest trace first."""
    return recorder.spans()
