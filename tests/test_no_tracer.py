"""With no tracer setting at all, everything works and nothing is recorded."""

from __future__ import annotations

import asyncio
import logging

import opentracing
import pytest
from django.test import AsyncClient, Client

from ot_views import get_span, get_tracer, inject_headers
from ot_views.conf import conf

URLS = [
    ("/plain/", 200),
    ("/books/1/?token=x", 200),
    ("/func/", 200),
    ("/child/", 200),
    ("/span-in-view/", 200),
    ("/missing/", 404),
    ("/status/503/", 503),
    ("/no/such/", 404),
    ("/untraced/", 200),
]


@pytest.fixture(autouse=True)
def no_tracer(settings):
    for name in ("OPENTRACING_TRACER", "OPENTRACING_TRACING", "OPENTRACING_TRACER_CALLABLE"):
        if hasattr(settings, name):
            delattr(settings, name)
    settings.MIDDLEWARE = ["ot_views.middleware.OpenTracingMiddleware", *settings.MIDDLEWARE]
    assert not opentracing.is_global_tracer_registered()
    assert conf.tracer is opentracing.global_tracer()


def test_sync_requests_work(caplog):
    caplog.set_level(logging.WARNING, logger="ot_views")
    client = Client()
    for url, status in URLS:
        assert client.get(url).status_code == status, url
    assert [r for r in caplog.records if r.name == "ot_views"] == []


def test_async_requests_work():
    async def run():
        client = AsyncClient()
        return [await client.get(u) for u in ("/async/", "/afunc/", "/async-plain/", "/plain/")]

    assert [r.status_code for r in asyncio.run(run())] == [200, 200, 200, 200]


def test_view_exception_still_reraised():
    with pytest.raises(ValueError, match="boom happened"):
        Client().get("/boom/")


def test_streaming_works():
    response = Client().get("/stream/")
    # The no-op tracer's span is a real (no-op) span, so get_span sees it while it streams.
    assert b"".join(response.streaming_content) == b"alive"


def test_helpers_are_harmless(rf):
    assert isinstance(get_tracer(), opentracing.Tracer)
    assert inject_headers({"a": "b"}) == {"a": "b"}
    assert get_span(rf.get("/")) is None
