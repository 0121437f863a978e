"""The viewer's pages: the trace list, one waterfall per trace, its Jaeger JSON, the raw spans.

Every page first asks ``OPENTRACING_VIEWER_ACCESS`` (default: ``DEBUG`` is on, or the user is
active staff) and answers 404 when refused, so the viewer can stay installed in production
without showing anything to anyone else. The request that reads the pages is removed from the
buffer, so looking at traces does not push the traces you came for out of it.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timezone
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from .. import faults
from ..conf import conf, load_callable
from ..span import get_span
from . import traces
from .recorder import RecordingSpan, recorder

#: A peer's ``spans.json`` larger than this is refused (the peer's own bounds keep it smaller).
MAX_PEER_BYTES = 32 * 1024 * 1024
PEER_TIMEOUT = 2.0
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def default_access(request: HttpRequest) -> bool:
    """The pages answer when ``DEBUG`` is on, or to an active staff user."""
    if settings.DEBUG:
        return True
    user = getattr(request, "user", None)
    return bool(getattr(user, "is_active", False) and getattr(user, "is_staff", False))


def _allowed(request: HttpRequest) -> bool:
    setting = conf.snapshot().raw.get("OPENTRACING_VIEWER_ACCESS")
    if setting is None:
        return default_access(request)
    try:
        return bool(load_callable(setting)(request))
    except Exception as exc:  # a broken hook refuses, it never opens the pages
        faults.report("viewer access callback", exc)
        return False


def _guard(request: HttpRequest) -> None:
    """404 unless allowed; and keep this request's own spans out of the buffer."""
    span = get_span(request)
    if isinstance(span, RecordingSpan):
        recorder.ignore(span.trace_id)
    if not _allowed(request):
        raise Http404


def _peer_spans(notes: list[str]) -> list[dict[str, Any]]:
    spans: list[dict[str, Any]] = []
    for base in conf.snapshot().raw.get("OPENTRACING_VIEWER_PEERS") or ():
        url = f"{base.rstrip('/')}/spans.json"
        try:
            with _opener.open(url, timeout=PEER_TIMEOUT) as answer:
                body = answer.read(MAX_PEER_BYTES + 1)
            if len(body) > MAX_PEER_BYTES:
                raise ValueError(f"answer larger than {MAX_PEER_BYTES} bytes")
            received = json.loads(body)["spans"]
            spans.extend(span for span in received if _well_formed(span))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            notes.append(f"{url}: {exc}")
    return spans


def _well_formed(span: Any) -> bool:
    """A peer's span has the recorder's shape (anything else is left out, never a 500)."""
    if not isinstance(span, dict):
        return False
    texts = ("trace_id", "span_id", "operation", "service")
    if not all(isinstance(span.get(key), str) for key in texts):
        return False
    if not (span.get("parent_id") is None or isinstance(span.get("parent_id"), str)):
        return False
    numbers = (span.get("start"), span.get("duration"))
    if not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers):
        return False
    logs = span.get("logs")
    return (
        isinstance(span.get("tags"), dict)
        and isinstance(logs, list)
        and all(
            isinstance(log, dict)
            and isinstance(log.get("timestamp"), (int, float))
            and isinstance(log.get("fields"), dict)
            for log in logs
        )
        and (span.get("process") is None or isinstance(span.get("process"), dict))
    )


def _all_spans(with_peers: bool = True) -> tuple[list[dict[str, Any]], list[str]]:
    """This process's spans and its peers', redacted; plus notes on peers that did not answer."""
    notes: list[str] = []
    spans = recorder.spans()
    if with_peers:
        spans += _peer_spans(notes)
    return [traces.redacted(s) for s in spans], notes


def _trace(trace_id: str) -> list[dict[str, Any]]:
    spans, _ = _all_spans()
    found = [s for s in spans if s["trace_id"] == trace_id]
    if not found:
        raise Http404("No such trace in the buffer (it may have been evicted).")
    return traces.group_traces(found)[trace_id]


def _float(value: str | None) -> float | None:
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    return number if number is not None and number == number else None  # NaN is no filter


def _started(timestamp: float) -> dict[str, str]:
    """The start in UTC, as text: Django's date filter would convert to ``TIME_ZONE``."""
    at = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    clock = f"{at:%H:%M:%S}.{at.microsecond // 1000:03d}"
    return {"started_time": clock, "started": f"{at:%Y-%m-%d} {clock}"}


def trace_list(request: HttpRequest) -> HttpResponse:
    _guard(request)
    wanted = (request.GET.get("trace_id") or "").strip().lower()[:64]
    spans, notes = _all_spans()
    grouped = traces.group_traces(spans)
    if wanted:
        short = wanted.lstrip("0")
        match = next((t for t in grouped if t == wanted or t.lstrip("0") == short), None)
        if match is not None:
            return redirect(reverse("ot_views_viewer:trace-detail", args=[match]))
        notes.append(f"No trace {wanted!r} in the buffer (it may have been evicted).")
    filters = {
        "service": request.GET.get("service", ""),
        "operation": request.GET.get("operation", ""),
        "error": request.GET.get("error", ""),
        "min_duration": request.GET.get("min_duration", ""),
    }
    min_ms = _float(filters["min_duration"])
    summaries = [traces.summary(t) for t in grouped.values()]
    services = sorted({s for t in summaries for s in t["services"]})
    operations = sorted({o for t in summaries for o in t["operations"]})
    shown = []
    for item in summaries:
        if filters["service"] and filters["service"] not in item["services"]:
            continue
        if filters["operation"] and filters["operation"] not in item["operations"]:
            continue
        if filters["error"] == "1" and not item["error"]:
            continue
        if filters["error"] == "0" and item["error"]:
            continue
        if min_ms is not None and item["duration_ms"] < min_ms:
            continue
        item.update(_started(item["start"]))
        shown.append(item)
    shown.sort(key=lambda t: t["start"], reverse=True)
    held, total = recorder.counts()
    context = {
        "traces": shown,
        "notes": notes,
        "filters": filters,
        "filtered": any(filters.values()),
        "services": services,
        "operations": operations,
        "total": len(summaries),
        "held_traces": held,
        "held_spans": total,
        "max_traces": conf.snapshot().raw.get("OPENTRACING_VIEWER_MAX_TRACES"),
    }
    return render(request, "ot_views/viewer/trace_list.html", context)


def trace_detail(request: HttpRequest, trace_id: str) -> HttpResponse:
    _guard(request)
    spans = _trace(trace_id)
    rows, total_ms = traces.waterfall_rows(spans)
    summary = traces.summary(spans)
    summary.update(_started(summary["start"]))
    context = {
        "summary": summary,
        "rows": rows,
        "total_ms": total_ms,
        "ticks": [{"at": pct, "ms": total_ms * pct / 100} for pct in (0, 25, 50, 75, 100)],
        "processes": traces.processes(spans),
        "dropped": recorder.dropped().get(trace_id, 0),
    }
    return render(request, "ot_views/viewer/trace_detail.html", context)


def trace_json(request: HttpRequest, trace_id: str) -> JsonResponse:
    """The trace as Jaeger's API returns it (Jaeger's UI opens the file as is)."""
    _guard(request)
    data: dict[str, Any] = {"data": [traces.jaeger_trace(_trace(trace_id))], "total": 1}
    data.update(limit=0, offset=0, errors=None)
    return JsonResponse(data)


def spans_json(request: HttpRequest) -> JsonResponse:
    """This process's recorded spans, redacted: what a peer's viewer merges in."""
    _guard(request)
    spans, _ = _all_spans(with_peers=False)
    return JsonResponse({"spans": spans})
