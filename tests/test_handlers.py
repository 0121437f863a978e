"""Through Django's real WSGI and ASGI handlers, not only the test client."""

from __future__ import annotations

import asyncio
import io
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler

from ot_views.testing import children_of, server_span

pytestmark = pytest.mark.usefixtures("no_connection_housekeeping")


def wsgi_get(path, query="", **extra):
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(
        PATH_INFO=path,
        QUERY_STRING=query,
        REMOTE_ADDR="10.1.2.3",
        REQUEST_METHOD="GET",
        **extra,
    )
    environ["wsgi.input"] = io.BytesIO(b"")
    environ["wsgi.errors"] = io.StringIO()
    started = []

    def start_response(status, headers, exc_info=None):
        started.append((status, headers))

    result = WSGIHandler()(environ, start_response)
    return started, result


def wsgi_body(result):
    try:
        return b"".join(result)
    finally:
        result.close()


@pytest.fixture(params=[False, True], ids=["mixin", "middleware"])
def maybe_middleware(request, settings):
    if request.param:
        settings.MIDDLEWARE = ["ot_views.middleware.OpenTracingMiddleware", *settings.MIDDLEWARE]
    return request.param


def test_wsgi_request(tracer, maybe_middleware):
    started, result = wsgi_get(
        "/books/4/", "token=abc&q=1", HTTP_OT_TRACER_TRACEID="a1", HTTP_OT_TRACER_SPANID="b2"
    )
    assert wsgi_body(result) == b'{"pk": 4}'
    assert started[0][0] == "200 OK"
    span = server_span(tracer)
    assert span.operation_name == "BookDetail.get"
    assert span.context.trace_id == 0xA1
    assert span.parent_id == 0xB2
    assert span.tags["peer.ipv4"] == "10.1.2.3"
    assert span.tags["http.url"] == "http://127.0.0.1/books/4/?token=[REDACTED]&q=1"
    assert span.tags["http.route"] == "books/<int:pk>/"
    assert span.tags["http.status_code"] == 200


def test_wsgi_child_span(tracer, maybe_middleware):
    _started, result = wsgi_get("/child/")
    wsgi_body(result)
    span = server_span(tracer)
    assert [c.operation_name for c in children_of(tracer, span)] == ["child.work"]


def test_wsgi_streaming_finishes_at_close(tracer, maybe_middleware):
    _started, result = wsgi_get("/stream/")
    assert tracer.finished_spans() == []
    assert wsgi_body(result) == b"alive"
    assert server_span(tracer).operation_name == "Stream.get"


def test_wsgi_exception_is_a_500_with_error(tracer, maybe_middleware):
    started, result = wsgi_get("/boom/")
    wsgi_body(result)
    assert started[0][0].startswith("500")
    span = server_span(tracer)
    assert span.tags["error"] is True
    assert [log.key_values["error.kind"] for log in span.logs] == ["ValueError"]


def test_wsgi_unresolved_under_middleware(tracer, with_middleware):
    started, result = wsgi_get("/nothing/here/")
    wsgi_body(result)
    assert started[0][0].startswith("404")
    span = server_span(tracer)
    assert span.operation_name == "HTTP GET"
    assert span.tags["http.status_code"] == 404


async def asgi_get(path, query=b"", headers=()):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("::1", 50000),
        "server": ("testserver", 80),
    }
    incoming = [{"type": "http.request", "body": b"", "more_body": False}]
    never = asyncio.Event()
    sent = []

    async def receive():
        if incoming:
            return incoming.pop(0)
        await never.wait()  # the client never disconnects; Django cancels this
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await asyncio.wait_for(ASGIHandler()(scope, receive, send), timeout=20)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


def test_asgi_async_view(tracer, maybe_middleware):
    status, body = asyncio.run(
        asgi_get(
            "/async/",
            b"password=p&x=1",
            [(b"ot-tracer-traceid", b"c3"), (b"ot-tracer-spanid", b"d4")],
        )
    )
    assert (status, body) == (200, b"async")
    span = server_span(tracer)
    assert span.operation_name == "AsyncChild.get"
    assert span.context.trace_id == 0xC3
    assert span.parent_id == 0xD4
    assert span.tags["peer.ipv6"] == "::1"
    assert span.tags["http.url"] == "http://testserver/async/?password=[REDACTED]&x=1"
    assert span.tags["http.status_code"] == 200
    assert [c.operation_name for c in children_of(tracer, span)] == ["async.child"]


def test_asgi_sync_view(tracer, maybe_middleware):
    status, _body = asyncio.run(asgi_get("/child/"))
    assert status == 200
    span = server_span(tracer)
    assert span.operation_name == "Child.get"
    assert [c.operation_name for c in children_of(tracer, span)] == ["child.work"]


def test_asgi_streaming_span_covers_the_body(tracer, maybe_middleware):
    status, body = asyncio.run(asgi_get("/async-stream/"))
    assert (status, body) == (200, b"alive")
    span = server_span(tracer)
    assert span.finish_time - span.start_time >= 0.01


def test_asgi_exception(tracer, maybe_middleware):
    status, _ = asyncio.run(asgi_get("/async-boom/"))
    assert status == 500
    span = server_span(tracer)
    assert span.tags["error"] is True
    assert [log.key_values["error.kind"] for log in span.logs] == ["RuntimeError"]


def test_asgi_unresolved_under_middleware(tracer, with_middleware):
    status, _ = asyncio.run(asgi_get("/nothing/"))
    assert status == 404
    assert server_span(tracer).operation_name == "HTTP GET"
