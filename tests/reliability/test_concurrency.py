"""Zero cross-talk under concurrency, on real servers (one span per request, scope).

Each request carries its own parent context and a unique id. The view (or the middleware,
through ``OPENTRACING_TRACED_ATTRIBUTES``) declares the id as a traced attribute and tags it on
a child span. Every span the server processes finished is read back from their span files, and
each request must own exactly one server span and one child, all pointing at each other.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
import requests

from .servers import REQUEST_TIMEOUT, Server, run_concurrently
from .testsite.tracers import read_spans

REQUESTS = 400
CLIENT_THREADS = 32
RID = "headers.x-request-id"

# (server, mode, [(path, operation name)]). Under the middleware, half the requests reach a
# traced view (the mixin enriches the middleware's span), half a plain view it alone traces.
COMBOS = [
    ("gunicorn", "mixin", [("/sync/mixin/", "SyncMixin.get")]),
    ("gunicorn", "middleware", [("/sync/mixin/", "SyncMixin.get"), ("/sync/plain/", "sync_plain")]),
    ("uvicorn", "mixin", [("/async/mixin/", "AsyncMixin.get")]),
    (
        "uvicorn",
        "middleware",
        [("/async/mixin/", "AsyncMixin.get"), ("/async/plain/", "async_plain")],
    ),
]


@dataclass(frozen=True)
class Call:
    path: str
    operation: str
    rid: str
    trace_id: int
    parent_id: int


def make_calls(kind: str, mode: str, paths: list[tuple[str, str]]) -> list[Call]:
    rng = random.Random(f"reliability-{kind}-{mode}")
    calls = []
    for i in range(REQUESTS):
        path, operation = paths[i % len(paths)]
        rid = f"{kind}-{mode}-{i:04d}-{rng.getrandbits(32):08x}"
        calls.append(Call(path, operation, rid, rng.getrandbits(62) + 1, rng.getrandbits(62) + 1))
    return calls


def send(session: requests.Session, call: Call, base_url: str) -> tuple[int, str]:
    headers = {
        "X-Request-Id": call.rid,
        "ot-tracer-traceid": f"{call.trace_id:x}",
        "ot-tracer-spanid": f"{call.parent_id:x}",
    }
    response = session.get(base_url + call.path, headers=headers, timeout=REQUEST_TIMEOUT)
    return response.status_code, response.text


def max_overlap(spans: list[dict]) -> int:
    """How many server spans were open at once at the busiest moment."""
    events = sorted([(s["start"], 1) for s in spans] + [(s["finish"], -1) for s in spans])
    best = current = 0
    for _, delta in events:
        current += delta
        best = max(best, current)
    return best


def check_no_cross_talk(server: Server, calls: list[Call]) -> dict[str, int]:
    """Every request's spans, checked against the request; returns the figures."""
    by_trace = {c.trace_id: c for c in calls}
    prefix = f"{server.kind}-{server.mode}-"
    spans = [
        s
        for s in read_spans(server.spans_dir)
        if s["trace_id"] in by_trace
        or str(s["tags"].get(RID, "")).startswith(prefix)
        or str(s["tags"].get("rid", "")).startswith(prefix)
    ]
    problems: list[str] = []
    servers_of: dict[int, list[dict]] = {}
    children_of: dict[int, list[dict]] = {}
    for s in spans:
        owner = by_trace.get(s["trace_id"])
        if owner is None:
            problems.append(f"span outside every request's trace: {s}")
            continue
        kind = s["tags"].get("span.kind")
        (servers_of if kind == "server" else children_of).setdefault(s["trace_id"], []).append(s)
    for call in calls:
        mine = servers_of.get(call.trace_id, [])
        if len(mine) != 1:
            problems.append(f"{call.rid}: {len(mine)} server spans")
            continue
        span = mine[0]
        if span["parent_id"] != call.parent_id:
            problems.append(f"{call.rid}: server span parented on {span['parent_id']}")
        if span["tags"].get(RID) != call.rid:
            problems.append(f"{call.rid}: server span carries id {span['tags'].get(RID)!r}")
        if span["operation_name"] != call.operation:
            problems.append(f"{call.rid}: server span named {span['operation_name']!r}")
        if span["tags"].get("http.status_code") != 200:
            problems.append(f"{call.rid}: status tag {span['tags'].get('http.status_code')!r}")
        kids = children_of.get(call.trace_id, [])
        if len(kids) != 1:
            problems.append(f"{call.rid}: {len(kids)} child spans")
            continue
        child = kids[0]
        if child["parent_id"] != span["span_id"] or child["pid"] != span["pid"]:
            problems.append(f"{call.rid}: child not nested under its server span")
        if child["tags"].get("rid") != call.rid:
            problems.append(f"{call.rid}: child carries id {child['tags'].get('rid')!r}")
    assert not problems, f"{len(problems)} cross-talk problems, first ones: {problems[:10]}"
    server_spans = [s for group in servers_of.values() for s in group]
    return {
        "requests": len(calls),
        "server_spans": len(server_spans),
        "child_spans": sum(len(g) for g in children_of.values()),
        "processes": len({s["pid"] for s in server_spans}),
        "max_concurrent": max_overlap(server_spans),
    }


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "mode", "paths"), COMBOS, ids=[f"{k}-{m}" for k, m, _ in COMBOS])
def test_no_cross_talk_under_concurrency(live_server_factory, kind, mode, paths):
    server = live_server_factory(kind, mode)
    calls = make_calls(kind, mode, paths)

    results = run_concurrently(
        calls, lambda session, call: send(session, call, server.base_url), CLIENT_THREADS
    )

    failed = [(c.rid, r) for c, r in zip(calls, results, strict=True) if r != (200, c.rid)]
    assert not failed, f"{len(failed)} requests failed or got another's answer: {failed[:5]}"
    figures = check_no_cross_talk(server, calls)
    print(f"\n{kind}/{mode}: {figures}")
    assert figures["server_spans"] == figures["child_spans"] == REQUESTS
    # The test only means something if requests really overlapped inside the server.
    assert figures["max_concurrent"] >= 4, figures
