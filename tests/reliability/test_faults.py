"""A tracer that fails on a share of its calls never fails a request (docs/design.rst).

A seeded ``FaultyTracer`` fails 20% of start, extract, inject, tag, log, rename, finish and
scope activation calls while 16 threads drive the site through Django's ``WSGIHandler`` (the
object gunicorn calls). Every response must equal the one the site gives with tracing off, and
the ``ot_views`` logger must report the faults throttled (first of a kind, then at powers of ten).
"""

from __future__ import annotations

import logging
import random
from concurrent.futures import ThreadPoolExecutor

import opentracing
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory, override_settings

from ot_views import faults

from .testsite.tracers import FaultyTracer, InjectedFault

URLS = "tests.reliability.testsite.urls"
MIDDLEWARE = "ot_views.middleware.OpenTracingMiddleware"
REQUESTS = 1200
THREADS = 16
RATE = 0.2

HEADER_VARIANTS = [
    {},
    {"ot-tracer-traceid": "1f", "ot-tracer-spanid": "2e"},
    {"ot-tracer-traceid": "zz", "ot-tracer-spanid": "2e"},
]


def plan(paths: list[str]) -> list[tuple[str, dict[str, str]]]:
    rng = random.Random(6)
    calls = []
    for i in range(REQUESTS):
        headers = {"X-Request-Id": f"rid-{i:05d}", **rng.choice(HEADER_VARIANTS)}
        calls.append((f"{paths[i % len(paths)]}?n={i}", headers))
    return calls


def serve(handler: WSGIHandler, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    environ = RequestFactory().get(path, headers=headers).environ
    status: list[str] = []
    response = handler(environ, lambda s, h, exc_info=None: status.append(s))
    try:
        body = b"".join(response)
    finally:
        response.close()
    return int(status[0].split(" ", 1)[0]), body


def power_of_ten_lines(before: int, after: int) -> int:
    """How many log lines ``faults.report`` owes for counts before+1 .. after."""
    return sum(1 for n in range(before + 1, after + 1) if n == 1 or faults._is_power_of_ten(n))


@pytest.mark.slow
@pytest.mark.urls(URLS)
@pytest.mark.parametrize("middleware", [False, True], ids=["mixin", "middleware"])
def test_faulty_tracer_never_fails_a_request(settings, caplog, middleware):
    settings.MIDDLEWARE = [MIDDLEWARE] if middleware else []
    paths = ["/fault/ok/", "/fault/missing/", "/fault/boom/"]
    if middleware:
        paths.append("/fault/plain/")
    calls = plan(paths)
    logging.getLogger("django.request").disabled = True  # the 500s of /fault/boom/ are expected
    # As Django's test client does: these views use no database, and the suite's connection
    # (set up by earlier tests) must not be touched from here.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with override_settings(OPENTRACING_TRACER=opentracing.Tracer()):  # tracing off
            untraced_handler = WSGIHandler()
            expected = [serve(untraced_handler, p, h) for p, h in calls]

        tracer = FaultyTracer(rate=RATE, seed=6)
        with override_settings(OPENTRACING_TRACER=tracer):
            handler = WSGIHandler()
            before = faults.counts()
            caplog.clear()
            caplog.set_level(logging.WARNING, logger="ot_views")
            with ThreadPoolExecutor(THREADS) as pool:
                got = list(pool.map(lambda call: serve(handler, *call), calls))
            after = faults.counts()
    finally:
        logging.getLogger("django.request").disabled = False
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)

    wrong = [(c, e, g) for c, e, g in zip(calls, expected, got, strict=True) if e != g]
    assert not wrong, f"{len(wrong)} of {REQUESTS} responses differ from untraced: {wrong[:3]}"
    assert {s for s, _ in expected} == {200, 404, 500}

    kinds = {"start_span", "extract", "inject", "set_tag", "log_kv", "finish", "activate"}
    if middleware:
        kinds.add("set_operation_name")
    missing = kinds - {k for k, n in tracer.plan.injected.items() if n}
    assert not missing, f"no fault injected for {missing}: the test would prove nothing"
    injected = sum(tracer.plan.injected.values())
    assert injected >= REQUESTS, tracer.plan.injected
    # Spans still come out for the calls that did not fail.
    assert len(tracer.finished_spans()) > REQUESTS // 4

    # Every injected fault was counted by ot_views, under a kind of its own...
    ours = {k: n - before.get(k, 0) for k, n in after.items() if k[1] is InjectedFault}
    assert sum(ours.values()) == injected, (ours, tracer.plan.injected)
    # ...and logged throttled: exactly the lines the powers-of-ten rule allows, not one a request.
    records = [
        r for r in caplog.records if r.name == "ot_views" and "Tracing failed" in r.getMessage()
    ]
    owed = sum(power_of_ten_lines(before.get(k, 0), n) for k, n in after.items())
    assert len(records) == owed, (len(records), owed)
    assert len(records) <= 5 * len(after), len(records)
    print(
        f"\nfaults ({'middleware' if middleware else 'mixin'}): {REQUESTS} requests, "
        f"{injected} faults injected {dict(tracer.plan.injected)}, "
        f"{len(records)} log lines, 0 failed requests"
    )
