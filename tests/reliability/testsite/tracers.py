"""Tracers for the reliability tests.

``SpanFileTracer`` lets a test read the spans of server processes it does not share memory
with: each finished span becomes one JSON line in a per-process file. ``FaultyTracer`` fails a
seeded share of every kind of call the package makes, to prove the failure policy.
"""

from __future__ import annotations

import json
import os
import random
import threading
from collections import Counter
from typing import Any

from opentracing.mocktracer import MockTracer
from opentracing.mocktracer.span import MockSpan
from opentracing.scope_managers.contextvars import ContextVarsScopeManager

TYPED_TAGS = {"http.status_code": int, "error": bool}


def span_record(span: MockSpan) -> dict[str, Any]:
    """Everything a test may assert on, JSON-ready (odd values become their repr)."""
    return {
        "pid": os.getpid(),
        "operation_name": span.operation_name,
        "trace_id": span.context.trace_id,
        "span_id": span.context.span_id,
        "parent_id": span.parent_id,
        "start": span.start_time,
        "finish": span.finish_time,
        "tags": dict(span.tags),
        "logs": [dict(log.key_values) for log in span.logs],
    }


class SpanFileTracer(MockTracer):
    """A MockTracer that appends each finished span to ``<directory>/spans-<pid>.jsonl``.

    One file per process and one ``os.write`` per line (``O_APPEND``) keep lines whole across
    gunicorn workers and threads. Span ids are random rather than MockTracer's per-process
    counter, so two workers never produce the same id and a mix-up cannot hide behind it.
    """

    def __init__(self, directory: str) -> None:
        super().__init__(scope_manager=ContextVarsScopeManager())
        self._directory = directory
        self._ids = random.Random(int.from_bytes(os.urandom(8), "big"))

    def _generate_id(self) -> int:
        with self._next_id_lock:
            return self._ids.getrandbits(62) + 1

    def _append_finished_span(self, span: MockSpan) -> None:
        line = json.dumps(span_record(span), default=repr) + "\n"
        path = os.path.join(self._directory, f"spans-{os.getpid()}.jsonl")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8", "backslashreplace"))
        finally:
            os.close(fd)


def file_tracer(directory: str) -> SpanFileTracer:
    """``OPENTRACING_TRACER_CALLABLE`` of the server processes."""
    if not directory:
        raise ValueError("OT_RELIABILITY_SPANS is not set")
    return SpanFileTracer(directory)


def read_spans(directory: str) -> list[dict[str, Any]]:
    """All spans every process of a server wrote to ``directory``."""
    spans = []
    for name in sorted(os.listdir(directory)):
        if name.startswith("spans-") and name.endswith(".jsonl"):
            with open(os.path.join(directory, name), encoding="utf-8") as fh:
                spans.extend(json.loads(line) for line in fh if line.strip())
    return spans


class InjectedFault(RuntimeError):
    """What the faulty tracer raises; a distinct type so the fault log can be counted."""


class FaultPlan:
    """Decides, from a seeded generator, which calls fail; counts what it injected."""

    def __init__(self, rate: float, seed: int) -> None:
        self.rate = rate
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.injected: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.enabled = True

    def maybe_fail(self, kind: str) -> None:
        with self._lock:
            self.calls[kind] += 1
            hit = self.enabled and self._rng.random() < self.rate
            if hit:
                self.injected[kind] += 1
        if hit:
            raise InjectedFault(f"injected {kind} fault")


class FaultySpan(MockSpan):
    plan: FaultPlan

    def set_tag(self, key: str, value: Any) -> Any:
        self.plan.maybe_fail("set_tag")
        return super().set_tag(key, value)

    def log_kv(self, key_values: Any, timestamp: Any = None) -> Any:
        self.plan.maybe_fail("log_kv")
        return super().log_kv(key_values, timestamp)

    def set_operation_name(self, operation_name: str) -> Any:
        self.plan.maybe_fail("set_operation_name")
        return super().set_operation_name(operation_name)

    def finish(self, finish_time: Any = None) -> None:
        self.plan.maybe_fail("finish")
        super().finish(finish_time)


class FaultyScopeManager(ContextVarsScopeManager):
    def __init__(self, plan: FaultPlan) -> None:
        super().__init__()
        self.plan = plan

    def activate(self, span: Any, finish_on_close: bool) -> Any:
        self.plan.maybe_fail("activate")
        return super().activate(span, finish_on_close)


class FaultyTracer(MockTracer):
    """A MockTracer whose start, extract, inject, tag, log, rename, finish and activation fail
    on a seeded share of calls."""

    def __init__(self, rate: float = 0.2, seed: int = 20240611) -> None:
        self.plan = FaultPlan(rate, seed)
        self._span_class = type("BoundFaultySpan", (FaultySpan,), {"plan": self.plan})
        super().__init__(scope_manager=FaultyScopeManager(self.plan))

    def start_span(self, *args: Any, **kwargs: Any) -> MockSpan:
        self.plan.maybe_fail("start_span")
        span = super().start_span(*args, **kwargs)
        span.__class__ = self._span_class
        return span

    def extract(self, format: Any, carrier: Any) -> Any:
        self.plan.maybe_fail("extract")
        return super().extract(format, carrier)

    def inject(self, span_context: Any, format: Any, carrier: Any) -> None:
        self.plan.maybe_fail("inject")
        super().inject(span_context, format, carrier)
