"""The sample's in-process tracer, and the demo's traces printed as text trees.

No collector is needed to see a trace: ``ot_views.viewer`` (installed in the sample's settings)
records every span this process makes and draws them at ``/traces/``. It needs a tracer to
record through, and with no OpenTelemetry endpoint the sample uses ``SampleTracer``: an
``opentracing`` MockTracer that follows threads and asyncio tasks (contextvars scope manager),
draws random ids so two processes never collide when their traces are merged, and keeps no
spans of its own (the viewer's buffer is bounded; MockTracer's list is not).

The text trees ``make demo`` prints are drawn from the viewer's JSON (``/traces/spans.json``),
the same plain span dicts the pages use.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from opentracing.mocktracer import MockTracer
from opentracing.mocktracer.span import MockSpan
from opentracing.scope_managers.contextvars import ContextVarsScopeManager

from ot_views.viewer import span_tree

#: Tags worth a place on a tree line, in the order they are shown.
KEY_TAGS = ("http.method", "http.status_code", "http.route", "drf.action", "peer.service")


class SampleTracer(MockTracer):
    """A MockTracer with random ids and a ``service_name``, keeping no finished span."""

    def __init__(self, service_name: str = "sample") -> None:
        super().__init__(scope_manager=ContextVarsScopeManager())
        self.service_name = service_name  # the viewer shows it as the spans' service

    def _generate_id(self) -> int:
        # MockTracer counts from 1; two processes would then reuse each other's ids.
        return secrets.randbits(63) or 1

    def _append_finished_span(self, span: MockSpan) -> None:
        pass  # the viewer keeps what is shown; a long-running demo must not grow


def sample_tracer(service_name: str = "sample") -> SampleTracer:
    """``OPENTRACING_TRACER_CALLABLE`` target for the sample's default, in-process tracer."""
    return SampleTracer(service_name=service_name)


# -- text trees for the demo -----------------------------------------------------------------


def is_error(span: Mapping[str, Any]) -> bool:
    return span["tags"].get("error") is True


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
    for depth, span in span_tree(spans):
        indent = "  " * (depth + 1)
        lines.append(f"{indent}- {format_span(span)}")
        for log in span["logs"]:
            fields = log["fields"]
            if fields.get("event") == "error":
                kind = fields.get("error.kind", "error")
                lines.append(f"{indent}    ! {kind}: {fields.get('message', '')}")
    return "\n".join(lines)
