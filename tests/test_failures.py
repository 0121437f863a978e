"""A broken tracer never changes a response (docs/design.rst) and does not flood the log."""

from __future__ import annotations

import asyncio
import logging

import pytest
from django.test import AsyncClient, Client, override_settings
from opentracing.mocktracer.span import MockSpan

from ot_views import faults
from ot_views.testing import make_tracer

FAULTS = ["start", "extract", "set_tag", "log_kv", "finish", "activate", "rename"]

SYNC_URLS = [
    "/plain/",
    "/books/2/?token=x",
    "/named/",
    "/func/",
    "/missing/",
    "/status/503/",
    "/raise/permission/",
    "/untraced/",
    "/plain-func/",
    "/no/such/",
    "/file/",
]
ASYNC_URLS = [
    "/async-plain/",
    "/afunc-plain/",
    "/async-boom/",
    "/plain/",
    "/untraced/",
    "/no/such/",
]
RAISING = [("/boom/", ValueError), ("/func-boom/", ZeroDivisionError)]


class Broken(RuntimeError):
    pass


def boom(*args, **kwargs):
    raise Broken("tracer is broken")


def break_tracer(monkeypatch, tracer, fault):
    if fault == "start":
        monkeypatch.setattr(tracer, "start_span", boom)
    elif fault == "extract":
        monkeypatch.setattr(tracer, "extract", boom)
    elif fault == "activate":
        monkeypatch.setattr(tracer.scope_manager, "activate", boom)
    elif fault == "rename":
        monkeypatch.setattr(MockSpan, "set_operation_name", boom)
    else:
        monkeypatch.setattr(MockSpan, fault, boom)


def body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # the test client closes it at the end
    return response.content


def sync_results(urls):
    client = Client(raise_request_exception=False)
    return [(r.status_code, body(r)) for r in (client.get(u) for u in urls)]


def async_results(urls):
    async def run():
        client = AsyncClient(raise_request_exception=False)
        return [await client.get(u) for u in urls]

    return [(r.status_code, body(r)) for r in asyncio.run(run())]


@pytest.fixture(params=[False, True], ids=["no-middleware", "middleware"])
def middleware_on(request, settings):
    if request.param:
        settings.MIDDLEWARE = ["ot_views.middleware.OpenTracingMiddleware", *settings.MIDDLEWARE]
    return request.param


@pytest.fixture
def fresh_faults(monkeypatch):
    monkeypatch.setattr(faults, "_counts", {})


@pytest.mark.parametrize("fault", FAULTS)
def test_sync_responses_unchanged(fault, middleware_on, monkeypatch, fresh_faults):
    baseline = sync_results(SYNC_URLS)
    tracer = make_tracer()
    break_tracer(monkeypatch, tracer, fault)
    with override_settings(OPENTRACING_TRACER=tracer):
        assert sync_results(SYNC_URLS) == baseline
    if fault != "rename" or middleware_on:  # only the middleware renames a started span
        assert faults.counts(), "the fault was not reported"


@pytest.mark.parametrize("fault", FAULTS)
def test_async_responses_unchanged(fault, middleware_on, monkeypatch, fresh_faults):
    baseline = async_results(ASYNC_URLS)
    tracer = make_tracer()
    break_tracer(monkeypatch, tracer, fault)
    with override_settings(OPENTRACING_TRACER=tracer):
        assert async_results(ASYNC_URLS) == baseline


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize(("url", "exc_type"), RAISING)
def test_view_exceptions_pass_through_unchanged(
    fault, url, exc_type, middleware_on, monkeypatch, fresh_faults
):
    tracer = make_tracer()
    break_tracer(monkeypatch, tracer, fault)
    with override_settings(OPENTRACING_TRACER=tracer), pytest.raises(exc_type) as info:
        Client().get(url)
    assert not isinstance(info.value, Broken)


@pytest.mark.parametrize("fault", FAULTS)
def test_failures_are_logged_without_one_line_per_request(
    fault, caplog, monkeypatch, fresh_faults, with_middleware
):
    caplog.set_level(logging.WARNING, logger="ot_views")
    tracer = make_tracer()
    break_tracer(monkeypatch, tracer, fault)
    requests = 60
    with override_settings(OPENTRACING_TRACER=tracer):
        client = Client()
        for _ in range(requests):
            assert client.get("/missing/").status_code == 404
    lines = [r for r in caplog.records if r.name == "ot_views"]
    assert lines, "a broken tracer must be reported"
    assert len(lines) <= 2 * len(faults.counts()) + 2
    assert len(lines) < requests / 4
    first = lines[0]
    assert "tracer is broken" in first.getMessage()
    assert first.exc_info is not None


def test_failure_counts_are_logged_at_powers_of_ten(caplog, fresh_faults):
    caplog.set_level(logging.WARNING, logger="ot_views")
    for _ in range(1000):
        faults.report("unit", Broken("x"))
    counts = [r.getMessage() for r in caplog.records if r.name == "ot_views"]
    assert len(counts) == 4
    assert "10 times" in counts[1] and "100 times" in counts[2] and "1000 times" in counts[3]
    assert faults.counts()[("unit", Broken)] == 1000


def test_start_failure_serves_the_request_untraced(monkeypatch, fresh_faults, tracer):
    break_tracer(monkeypatch, tracer, "start")
    assert Client().get("/plain/").content == b"plain"
    assert tracer.finished_spans() == []
    assert faults.counts() == {("start", Broken): 1}


def test_activation_failure_still_finishes_the_span(monkeypatch, fresh_faults, tracer):
    break_tracer(monkeypatch, tracer, "activate")
    assert Client().get("/plain/").content == b"plain"
    [span] = tracer.finished_spans()
    assert span.operation_name == "Plain.get"
    assert span.tags["http.status_code"] == 200


def test_tag_failure_still_finishes_the_span(monkeypatch, fresh_faults, tracer):
    break_tracer(monkeypatch, tracer, "set_tag")
    assert Client().get("/plain/").content == b"plain"
    [span] = tracer.finished_spans()
    assert span.tags["span.kind"] == "server"


def test_broken_tracer_setting_value_is_served_untraced(settings, caplog):
    settings.OPENTRACING_TRACER = "not a tracer"
    assert Client().get("/plain/").status_code == 200
