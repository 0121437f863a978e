"""``/traces/``: the in-process span buffers as a list of traces and one waterfall per trace.

The pages read the same plain span dicts the demo prints (``sample_api.tracing``): this
process's buffer, merged with the buffers of the services in ``SAMPLE_PEER_SPANS_URLS`` so a
cross-service trace is drawn whole. They are excluded from tracing (``OPENTRACING_EXCLUDED_PATHS``)
and re-apply the ``OPENTRACING_REDACTED_KEYS`` patterns to every tag and log field they show.
``/traces/<id>.json`` gives the trace in Jaeger's JSON shape (loadable in Jaeger's UI).
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from ot_views import get_tracer
from ot_views.conf import conf
from ot_views.redaction import REDACTED, redact_text

from .. import tracing

_CONTRACT_TAGS = frozenset({"http.status_code", "http.url", "http.method", "http.route"})
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _redact(key: str, value: Any) -> Any:
    """Spans arrive redacted; a peer's span text is passed through the policy's shapes again.

    The contract's own tag names are not judged: ``http.status_code`` holds the word "code".
    """
    policy = conf.REDACTED_KEYS
    if key not in _CONTRACT_TAGS and policy.matches(key):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value, policy)
    return value


def _clean(span: dict[str, Any]) -> dict[str, Any]:
    span = dict(span)
    span["tags"] = {k: _redact(k, v) for k, v in span["tags"].items()}
    span["logs"] = [
        {**log, "fields": {k: _redact(k, v) for k, v in log["fields"].items()}}
        for log in span["logs"]
    ]
    return span


def all_spans() -> tuple[list[dict[str, Any]], list[str]]:
    """This process's spans and its peers', redacted; plus notes on peers that did not answer."""
    spans: list[dict[str, Any]] = []
    notes: list[str] = []
    local = getattr(get_tracer(), "spans", None)
    if callable(local):
        spans.extend(local())
    else:
        notes.append("The configured tracer keeps no spans in this process.")
    for base in getattr(settings, "SAMPLE_PEER_SPANS_URLS", []):
        url = f"{base.rstrip('/')}/_spans/"
        try:
            with _opener.open(url, timeout=2) as answer:
                spans.extend(json.loads(answer.read())["spans"])
        except (OSError, ValueError, KeyError) as exc:
            notes.append(f"{url}: {exc}")
    return [_clean(s) for s in spans], notes


def _trace(trace_id: str) -> list[dict[str, Any]]:
    spans, _ = all_spans()
    found = [s for s in spans if s["trace_id"] == trace_id]
    if not found:
        raise Http404("No such trace in the buffers (it may have been evicted).")
    return tracing.group_traces(found)[trace_id]


def _request_of(root: dict[str, Any]) -> tuple[str, Any]:
    """``GET /api/books/1/`` and the status of a root span: two traces of one view differ here."""
    tags = root["tags"]
    url = str(tags.get("http.url", ""))
    path = url.split("://", 1)[-1].partition("/")[2] if "://" in url else url.lstrip("/")
    method = tags.get("http.method", "")
    request = f"{method} /{path}".strip() if (method or path) else ""
    return request, tags.get("http.status_code", "")


def trace_list(request: HttpRequest) -> HttpResponse:
    spans, notes = all_spans()
    traces = []
    for trace in tracing.group_traces(spans).values():
        item = tracing.summary(trace)
        item["duration_ms"] = item["duration"] * 1000
        item["request"], item["status"] = _request_of(tracing.tree(trace)[0][1])
        traces.append(item)
    traces.sort(key=lambda t: t["start"], reverse=True)
    return render(request, "library/trace_list.html", {"traces": traces, "notes": notes})


def _bar_label(left: float, width: float) -> dict[str, str]:
    """Where the duration goes: ``label_side`` (a CSS property) at ``label_at`` % of the track."""
    if left + width <= 70:
        return {"label_class": "after", "label_side": "left", "label_at": f"{left + width:.3f}"}
    if left >= 20:
        return {"label_class": "before", "label_side": "right", "label_at": f"{100 - left:.3f}"}
    end = 100 - left - width
    return {"label_class": "inside", "label_side": "right", "label_at": f"{end:.3f}"}


def waterfall_rows(spans: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], float]:
    """One row per span in tree order, with the bar's offset and width in % of the trace.

    The duration is written where there is room for it: after a bar that ends early, before
    one that ends late and starts late, inside one that fills the track (it would run off the
    track or over the span names otherwise).
    """
    start = min(s["start"] for s in spans)
    end = max(s["start"] + s["duration"] for s in spans)
    total = max(end - start, 1e-9)
    rows = []
    services: dict[str, int] = {}  # a colour per service, in order of appearance
    for depth, span in tracing.tree(spans):
        left = (span["start"] - start) / total * 100
        width = max(span["duration"] / total * 100, 0.4)
        rows.append(
            {
                "span": span,
                "depth": depth,
                "indent": depth * 1.25,
                "service_index": services.setdefault(span["service"], len(services) + 1),
                "left": f"{left:.3f}",
                "width": f"{width:.3f}",
                **_bar_label(left, width),
                "offset_ms": (span["start"] - start) * 1000,
                "duration_ms": span["duration"] * 1000,
                "error": tracing.is_error(span),
                "tags": sorted(span["tags"].items()),
                "logs": [
                    {"offset_ms": (log["timestamp"] - start) * 1000, "fields": log["fields"]}
                    for log in span["logs"]
                ],
            }
        )
    return rows, total * 1000


def trace_detail(request: HttpRequest, trace_id: str) -> HttpResponse:
    spans = _trace(trace_id)
    rows, total_ms = waterfall_rows(spans)
    ticks = [{"at": pct, "ms": total_ms * pct / 100} for pct in (0, 25, 50, 75, 100)]
    context = {
        "summary": tracing.summary(spans),
        "rows": rows,
        "total_ms": total_ms,
        "ticks": ticks,
    }
    return render(request, "library/trace_detail.html", context)


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


def jaeger_trace(spans: list[dict[str, Any]]) -> dict[str, Any]:
    """One trace in the JSON shape Jaeger's API returns and its UI loads from a file."""
    processes: dict[str, str] = {}
    for span in spans:
        processes.setdefault(span["service"], f"p{len(processes) + 1}")
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
        "processes": {pid: {"serviceName": name, "tags": []} for name, pid in processes.items()},
        "warnings": None,
    }


def trace_json(request: HttpRequest, trace_id: str) -> JsonResponse:
    data = {"data": [jaeger_trace(_trace(trace_id))], "total": 1, "limit": 0, "offset": 0}
    data["errors"] = None
    return JsonResponse(data)
