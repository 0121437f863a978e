"""Traces from plain span dicts: grouping, trees, summaries, waterfall rows, Jaeger's JSON.

A span dict is what the recorder keeps (``recorder.RecordingSpan._record``): ``trace_id``,
``span_id``, ``parent_id``, ``operation``, ``service``, ``process``, ``start`` and ``duration``
(seconds), ``tags`` and ``logs`` (``timestamp`` and ``fields``). Spans fetched from a peer's
``spans.json`` have the same shape, so a trace that crossed services is drawn whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..conf import conf
from ..redaction import REDACTED, redact_text

SpanDict = dict[str, Any]


def group_traces(spans: Iterable[Mapping[str, Any]]) -> dict[str, list[SpanDict]]:
    """Spans by trace id (one copy per span id), each trace in start order, oldest trace first."""
    traces: dict[str, dict[str, SpanDict]] = {}
    for span in spans:
        traces.setdefault(span["trace_id"], {})[span["span_id"]] = dict(span)
    return {
        trace_id: sorted(by_id.values(), key=lambda s: s["start"])
        for trace_id, by_id in sorted(
            traces.items(), key=lambda item: min(s["start"] for s in item[1].values())
        )
    }


def span_tree(spans: Iterable[Mapping[str, Any]]) -> list[tuple[int, SpanDict]]:
    """The spans of one trace in display order, each with its depth.

    A span whose parent is not among them (evicted, dropped over the span limit, or in a
    service not asked) is shown as a root rather than lost.
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


def error_kind(spans: Iterable[Mapping[str, Any]]) -> str | None:
    """The exception type logged first in the trace (``error.kind``), if any."""
    for span in sorted(spans, key=lambda s: s["start"]):
        for log in span["logs"]:
            kind = log["fields"].get("error.kind")
            if log["fields"].get("event") == "error" and kind:
                return str(kind)
    return None


def request_of(root: Mapping[str, Any]) -> tuple[str, Any]:
    """``GET /api/books/1/`` and the status of a root span: two traces of a view differ here."""
    tags = root["tags"]
    url = str(tags.get("http.url", ""))
    path = url.split("://", 1)[-1].partition("/")[2] if "://" in url else url.lstrip("/")
    method = tags.get("http.method", "")
    request = f"{method} /{path}".strip() if (method or path) else ""
    return request, tags.get("http.status_code", "")


def summary(spans: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """What the list shows for one trace."""
    ordered = span_tree(spans)
    root = ordered[0][1]
    start = min(s["start"] for s in spans)
    end = max(s["start"] + s["duration"] for s in spans)
    errors = [s for s in spans if is_error(s)]
    request, status = request_of(root)
    return {
        "trace_id": root["trace_id"],
        "operation": root["operation"],
        "service": root["service"],
        "services": sorted({s["service"] for s in spans}),
        "operations": sorted({s["operation"] for s in spans}),
        "start": start,
        "duration": end - start,
        "duration_ms": (end - start) * 1000,
        "span_count": len(spans),
        "error": bool(errors),
        "error_kind": error_kind(spans) if errors else None,
        "request": request,
        "status": status,
    }


# -- redaction -----------------------------------------------------------------------------------


#: Keys ``ot_views`` writes itself, under the redaction policy already: matched by key they would
#: be hidden for a word they contain (``code`` in ``http.status_code``), not for what they hold.
OWN_KEYS = frozenset(
    {
        "span.kind",
        "component",
        "http.method",
        "http.url",
        "http.status_code",
        "http.route",
        "django.view",
        "drf.action",
        "peer.ipv4",
        "peer.ipv6",
        "error",
        "db.type",
        "db.instance",
        "db.statement",
        "event",
        "error.kind",
        "error.object",
        "message",
        "stack",
    }
)


def _redact(key: str, value: Any) -> Any:
    """Never show a value under a sensitive key, nor sensitive values inside ``a=b&c=d`` or a
    URL's userinfo: the package's redaction policy, applied again at display time.

    The spans ``ot_views`` writes are already redacted; this also covers the tags a project
    sets itself and the spans of peers.
    """
    policy = conf.REDACTED_KEYS
    if key not in OWN_KEYS and policy.matches(key):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value, policy)
    return value


def redacted(span: Mapping[str, Any]) -> SpanDict:
    out = dict(span)
    out["tags"] = {k: _redact(k, v) for k, v in span["tags"].items()}
    out["logs"] = [
        {**log, "fields": {k: _redact(k, v) for k, v in log["fields"].items()}}
        for log in span["logs"]
    ]
    process = span.get("process")
    if isinstance(process, Mapping):
        out["process"] = {k: _redact(k, v) for k, v in process.items()}
    return out


# -- the waterfall -------------------------------------------------------------------------------


def bar_label(left: float, width: float) -> dict[str, str]:
    """Where the duration goes: ``label_side`` (a CSS property) at ``label_at`` % of the track.

    After a bar that ends early, before one that starts and ends late, inside one that fills
    the track: it would run off the track or over the span names otherwise.
    """
    if left + width <= 70:
        return {"label_class": "after", "label_side": "left", "label_at": f"{left + width:.3f}"}
    if left >= 20:
        return {"label_class": "before", "label_side": "right", "label_at": f"{100 - left:.3f}"}
    end = 100 - left - width
    return {"label_class": "inside", "label_side": "right", "label_at": f"{end:.3f}"}


def waterfall_rows(spans: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], float]:
    """One row per span in tree order, with its bar in % of the trace, and the trace's ms.

    Each row says how the page nests it: ``children`` (how many spans its subtree holds; the
    template opens a collapsible group after a row that has any) and ``closes`` (how many
    groups end after it), so the page is drawn flat, without recursion, however deep the tree.
    """
    start = min(s["start"] for s in spans)
    end = max(s["start"] + s["duration"] for s in spans)
    total = max(end - start, 1e-9)
    ordered = span_tree(spans)
    depths = [depth for depth, _ in ordered]
    rows = []
    services: dict[str, int] = {}  # a colour per service, in order of appearance
    for index, (depth, span) in enumerate(ordered):
        left = (span["start"] - start) / total * 100
        width = max(span["duration"] / total * 100, 0.4)
        descendants = 0
        for later in depths[index + 1 :]:
            if later <= depth:
                break
            descendants += 1
        next_depth = depths[index + 1] if index + 1 < len(depths) else 0
        rows.append(
            {
                "span": span,
                "depth": depth,
                "indent": f"{min(depth, 40) * 1.25:.2f}",
                "service_index": services.setdefault(span["service"], len(services) + 1),
                "left": f"{left:.3f}",
                "width": f"{width:.3f}",
                **bar_label(left, width),
                "offset_ms": (span["start"] - start) * 1000,
                "duration_ms": span["duration"] * 1000,
                "error": is_error(span),
                "tags": sorted(span["tags"].items()),
                "logs": [
                    {"offset_ms": (log["timestamp"] - start) * 1000, "fields": log["fields"]}
                    for log in span["logs"]
                ],
                "descendants": descendants,
                "closes": range(max(0, depth - next_depth)) if not descendants else range(0),
            }
        )
    return rows, total * 1000


def processes(spans: Iterable[Mapping[str, Any]]) -> list[tuple[str, list[tuple[str, Any]]]]:
    """Each service of the trace with its process (resource) attributes, in order of appearance."""
    seen: dict[str, list[tuple[str, Any]]] = {}
    for span in spans:
        if span["service"] not in seen:
            process = span.get("process") or {}
            seen[span["service"]] = sorted(process.items()) if isinstance(process, dict) else []
    return list(seen.items())


# -- Jaeger's JSON -------------------------------------------------------------------------------


def _jaeger_kv(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        kind = "bool"
    elif isinstance(value, int):
        kind = "int64"
    elif isinstance(value, float):
        kind = "float64"
    else:
        kind, value = "string", "" if value is None else str(value)
    return {"key": key, "type": kind, "value": value}


def jaeger_trace(spans: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One trace in the JSON shape Jaeger's API returns and its UI loads from a file."""
    processes: dict[str, str] = {}
    process_tags: dict[str, list[dict[str, Any]]] = {}
    for span in spans:
        if span["service"] not in processes:
            processes[span["service"]] = f"p{len(processes) + 1}"
            process = span.get("process") or {}
            process_tags[span["service"]] = [
                _jaeger_kv(k, v) for k, v in sorted(process.items()) if k != "service.name"
            ]
    out = []
    for span in spans:
        references = []
        if span["parent_id"]:
            references.append(
                {"refType": "CHILD_OF", "traceID": span["trace_id"], "spanID": span["parent_id"]}
            )
        out.append(
            {
                "traceID": span["trace_id"],
                "spanID": span["span_id"],
                "operationName": span["operation"],
                "references": references,
                "startTime": round(span["start"] * 1_000_000),
                "duration": round(span["duration"] * 1_000_000),
                "tags": [_jaeger_kv(k, v) for k, v in span["tags"].items()],
                "logs": [
                    {
                        "timestamp": round(log["timestamp"] * 1_000_000),
                        "fields": [_jaeger_kv(k, v) for k, v in log["fields"].items()],
                    }
                    for log in span["logs"]
                ],
                "processID": processes[span["service"]],
                "warnings": None,
                "flags": 1,
            }
        )
    return {
        "traceID": spans[0]["trace_id"],
        "spans": out,
        "processes": {
            pid: {"serviceName": name, "tags": process_tags[name]}
            for name, pid in processes.items()
        },
        "warnings": None,
    }
