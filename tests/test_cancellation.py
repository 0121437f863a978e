"""A cancelled request (an ASGI client that went away) is recorded as cancelled, not as an error.

Django's ASGI handler cancels the task running the view when the client disconnects: the view
sees ``asyncio.CancelledError``. That is no fault of the server: the span gets ``cancelled`` (a
tag and a log event), no ``error`` and no status, and it finishes.
"""

from __future__ import annotations

import asyncio

import django
import pytest
from django.core.handlers.asgi import ASGIHandler
from django.test import AsyncClient

from ot_views.testing import server_span
from tests import views


async def cancel_while_waiting(url: str) -> None:
    """Request ``url`` and cancel the request once its view waits."""
    views.WAITING = asyncio.Event()
    try:
        task = asyncio.create_task(AsyncClient().get(url))
        await asyncio.wait_for(views.WAITING.wait(), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        views.WAITING = None


def assert_cancelled(span, name):
    assert span.operation_name == name
    assert span.tags.get("cancelled") is True
    assert "error" not in span.tags
    assert "http.status_code" not in span.tags
    events = [entry.key_values["event"] for entry in span.logs]
    assert events == ["cancelled"]
    assert span.logs[0].key_values["error.kind"] == "CancelledError"


@pytest.mark.parametrize(
    ("url", "name"),
    [("/async-hang/", "AsyncHang.get"), ("/afunc-hang/", "afunc_hang")],
    ids=["mixin", "trace"],
)
def test_cancelled_view_is_not_an_error(tracer, url, name):
    asyncio.run(cancel_while_waiting(url))
    assert_cancelled(server_span(tracer), name)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/untraced-hang/", "untraced_hang"),
        ("/async-hang/", "AsyncHang.get"),
        ("/afunc-hang/", "afunc_hang"),
    ],
    ids=["middleware-alone", "middleware-and-mixin", "middleware-and-trace"],
)
def test_cancelled_request_under_middleware_is_not_an_error(tracer, with_middleware, url, name):
    asyncio.run(cancel_while_waiting(url))
    span = server_span(tracer)  # one span, finished once
    assert_cancelled(span, name)


def test_cancelled_streaming_body_is_not_an_error(tracer):
    async def run():
        views.WAITING = asyncio.Event()
        try:
            response = await AsyncClient().get("/async-hang-stream/")
            body = aiter(response.streaming_content)
            assert await anext(body) == b"first"
            task = asyncio.ensure_future(anext(body))
            await asyncio.wait_for(views.WAITING.wait(), 10)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        finally:
            views.WAITING = None

    asyncio.run(run())
    span = server_span(tracer)
    assert span.tags["http.status_code"] == 200  # sent before the client left
    assert span.tags.get("cancelled") is True
    assert "error" not in span.tags
    assert [entry.key_values["event"] for entry in span.logs] == ["cancelled"]


async def disconnect_while_waiting(url: str) -> list[dict]:
    """Django's real ASGI handler, with a client that disconnects once the view waits."""
    views.WAITING = asyncio.Event()
    calls = 0

    async def receive():
        nonlocal calls
        calls += 1
        if calls == 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        await views.WAITING.wait()
        return {"type": "http.disconnect"}

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": url,
        "raw_path": url.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 80),
    }
    try:
        await asyncio.wait_for(ASGIHandler()(scope, receive, send), 10)
    finally:
        views.WAITING = None
    return sent


@pytest.mark.skipif(
    django.VERSION < (5, 0), reason="Django 4.2's ASGI handler does not watch for disconnects"
)
@pytest.mark.usefixtures("no_connection_housekeeping")
@pytest.mark.parametrize("middleware", [False, True], ids=["mixin", "middleware"])
def test_client_disconnect_under_a_real_asgi_handler(tracer, settings, middleware):
    if middleware:
        settings.MIDDLEWARE = ["ot_views.middleware.OpenTracingMiddleware", *settings.MIDDLEWARE]
    sent = asyncio.run(disconnect_while_waiting("/async-hang/"))
    assert sent == []  # nothing was answered
    assert_cancelled(server_span(tracer), "AsyncHang.get")


@pytest.mark.skipif(
    django.VERSION < (5, 0), reason="Django 4.2's ASGI handler does not watch for disconnects"
)
@pytest.mark.usefixtures("no_connection_housekeeping")
def test_client_disconnect_mid_body_under_a_real_asgi_handler(tracer):
    sent = asyncio.run(disconnect_while_waiting("/async-hang-stream/"))
    assert sent[0]["status"] == 200
    span = server_span(tracer)
    assert span.tags.get("cancelled") is True
    assert "error" not in span.tags
