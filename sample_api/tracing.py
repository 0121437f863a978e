"""The sample's in-process tracer: recent finished spans kept as plain dicts, printed as trees.

No collector is needed to see a trace. ``BufferTracer`` is an ``opentracing`` MockTracer that
follows threads and asyncio tasks (contextvars scope manager), draws random ids so two processes
never collide when their spans are merged, and keeps only the most recent finished spans in a
``deque(maxlen=...)`` so a long-running demo cannot grow without bound.

Spans are stored as plain dicts (see ``span_to_dict``) rather than span objects: they cross
process boundaries as JSON (``/_spans/``), are merged by trace id, and feed both the text tree
printed by the demo and the waterfall pages.
"""

from __future__ import annotations

import secrets
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from opentracing.mocktracer import MockTracer
from opentracing.mocktracer.span import MockSpan
from opentracing.scope_managers.contextvars import ContextVarsScopeManager

DEFAULT_MAXLEN = 2000

#: Tags worth a place on a tree line, in the order they are shown.
KEY_TAGS = ("http.method", "http.status_code", "http.route", "drf.action", "peer.service")

SpanDict = dict[str, Any]


def _hex(value: int | None) -> str | None:
    return None if value is None else f"{value:016x}"


def _plain(value: Any) -> Any:
    """A JSON-safe version of a tag or log value (exceptions and objects become text)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def span_to_dict(span: MockSpan, service: str) -> SpanDict:
    """One finished span as a plain dict: the only span shape the rest of the sample uses."""
    start = float(span.start_time)
    return {
        "trace_id": _hex(span.context.trace_id),
        "span_id": _hex(span.context.span_id),
        "parent_id": _hex(span.parent_id),
        "operation": span.operation_name,
        "service": service,
        "start": start,
        "duration": max(0.0, float(span.finish_time) - start),
        "tags": {str(k): _plain(v) for k, v in (span.tags or {}).items()},
        "logs": [
            {
                "timestamp": float(log.timestamp) if log.timestamp is not None else start,
                "fields": {str(k): _plain(v) for k, v in log.key_values.items()},
            }
            for log in span.logs
        ],
    }


class BufferTracer(MockTracer):
    """A MockTracer that keeps the last ``maxlen`` finished spans as dicts, nothing more."""

    def __init__(self, service_name: str = "sample", maxlen: int = DEFAULT_MAXLEN) -> None:
        super().__init__(scope_manager=ContextVarsScopeManager())
        self.service_name = service_name
        self._buffer: deque[SpanDict] = deque(maxlen=maxlen)
        self._buffer_lock = threading.Lock()

    def _generate_id(self) -> int:
        # MockTracer counts from 1; two processes would then reuse each other's ids.
        return secrets.randbits(63) or 1

    def _append_finished_span(self, span: MockSpan) -> None:
        record = span_to_dict(span, self.service_name)
        with self._buffer_lock:
            self._buffer.append(record)

    def spans(self) -> list[SpanDict]:
        """A copy of the buffered spans, oldest first."""
        with self._buffer_lock:
            return list(self._buffer)

    def reset(self) -> None:
        with self._buffer_lock:
            self._buffer.clear()


def buffer_tracer(service_name: str = "sample", maxlen: int = DEFAULT_MAXLEN) -> BufferTracer:
    """``OPENTRACING_TRACER_CALLABLE`` target for the sample's default, in-process tracer."""
    return BufferTracer(service_name=service_name, maxlen=maxlen)


# -- traces ----------------------------------------------------------------------------------


def group_traces(spans: Iterable[Mapping[str, Any]]) -> dict[str, list[SpanDict]]:
    """Spans by trace id (deduplicated by span id), each trace ordered by start time."""
    traces: dict[str, dict[str, SpanDict]] = {}
    for span in spans:
        traces.setdefault(span["trace_id"], {})[span["span_id"]] = dict(span)
    return {
        trace_id: sorted(by_id.values(), key=lambda s: s["start"])
        for trace_id, by_id in sorted(
            traces.items(), key=lambda item: min(s["start"] for s in item[1].values())
        )
    }


def tree(spans: Iterable[Mapping[str, Any]]) -> list[tuple[int, SpanDict]]:
    """The spans of one trace in display order, each with its depth.

    A span whose parent is not in the list (it was evicted from a buffer, or lives in a service
    we did not ask) is shown as a root rather than dropped.
    """
    items = sorted((dict(s) for s in spans), key=lambda s: s["start"])
    ids = {s["span_id"] for s in items}
    children: dict[str | None, list[SpanDict]] = {}
    for span in items:
        parent = span["parent_id"] if span["parent_id"] in ids else None
        children.setdefault(parent, []).append(span)
    out: list[tuple[int, SpanDict]] = []
    stack = [(0, s) for s in reversed(children.get(None, []))]
    while stack:
        depth, span = stack.pop()
        out.append((depth, span))
        stack.extend((depth + 1, c) for c in reversed(children.get(span["span_id"], [])))
    return out


def is_error(span: Mapping[str, Any]) -> bool:
    return span["tags"].get("error") is True


def summary(spans: list[Mapping[str, Any]]) -> dict[str, Any]:
    """What a list of traces shows for one trace: its root, services, duration, errors."""
    ordered = tree(spans)
    root = ordered[0][1]
    start = min(s["start"] for s in spans)
    end = max(s["start"] + s["duration"] for s in spans)
    return {
        "trace_id": root["trace_id"],
        "operation": root["operation"],
        "service": root["service"],
        "services": sorted({s["service"] for s in spans}),
        "start": start,
        "duration": end - start,
        "span_count": len(spans),
        "error": any(is_error(s) for s in spans),
    }


def format_span(span: Mapping[str, Any]) -> str:
    tags = span["tags"]
    parts = [f"{span['operation']} [{span['service']}] {span['duration'] * 1000:.1f} ms"]
    shown = [f"{key}={tags[key]}" for key in KEY_TAGS if key in tags]
    if shown:
        parts.append(" ".join(shown))
    if is_error(span):
        parts.append("ERROR")
    return "  ".join(parts)


def format_trace(spans: list[Mapping[str, Any]], title: str | None = None) -> str:
    """An indented tree, one line per span, error logs under the span that logged them."""
    lines = [f"trace {spans[0]['trace_id']}" + (f"  ({title})" if title else "")]
    for depth, span in tree(spans):
        indent = "  " * (depth + 1)
        lines.append(f"{indent}- {format_span(span)}")
        for log in span["logs"]:
            fields = log["fields"]
            if fields.get("event") == "error":
                kind = fields.get("error.kind", "error")
                lines.append(f"{indent}    ! {kind}: {fields.get('message', '')}")
    return "\n".join(lines)
