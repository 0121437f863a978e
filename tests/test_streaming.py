"""Streaming and file responses: the span ends when the body has been sent (closed)."""

from __future__ import annotations

import asyncio
import io

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished
from django.http import Http404
from django.test import AsyncClient, Client

from ot_views import get_span
from ot_views.testing import server_span


def call_wsgi(path, **environ):
    """One request through Django's real WSGI handler, driven as a WSGI server does:
    iterate the body, then always ``close()`` it. Returns (status, body, body exception)."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        **environ,
    }
    started = []
    result = WSGIHandler()(environ, lambda status, headers, exc_info=None: started.append(status))
    chunks, error = [], None
    try:
        for chunk in result:
            chunks.append(chunk)
    except Exception as exc:
        error = exc
    finally:
        result.close()
    return started[0], b"".join(chunks), error


async def call_asgi(path, headers=()):
    """One request through Django's real ASGI handler; the client stays connected."""
    first = True

    async def receive():
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # no disconnect

    sent = []

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 80),
    }
    await ASGIHandler()(scope, receive, send)
    return sent


def test_streaming_span_finishes_when_body_consumed(client, tracer):
    response = client.get("/stream/")
    assert tracer.finished_spans() == []
    assert b"".join(response.streaming_content) == b"alive"
    span = server_span(tracer)
    assert span.operation_name == "Stream.get"
    assert span.tags["http.status_code"] == 200


@pytest.mark.usefixtures("no_connection_housekeeping")
def test_streaming_span_finishes_on_close_without_consumption(client, tracer):
    response = client.get("/stream/")
    assert tracer.finished_spans() == []
    response.close()
    assert server_span(tracer).operation_name == "Stream.get"
    response.close()  # a second close does not finish the span again
    assert len(tracer.finished_spans()) == 1


def test_file_response_span_finishes_at_close(client, tracer):
    response = client.get("/file/")
    assert response.streaming
    assert tracer.finished_spans() == []
    body = b"".join(response.streaming_content)
    assert body == b"x" * 10000
    span = server_span(tracer)
    assert span.operation_name == "File.get"
    assert span.tags["http.status_code"] == 200


def test_streaming_under_middleware_is_one_span_finished_at_close(tracer, with_middleware):
    response = Client().get("/stream/")
    assert tracer.finished_spans() == []
    assert b"".join(response.streaming_content) == b"alive"
    assert server_span(tracer).operation_name == "Stream.get"


def test_async_streaming_span_covers_the_body(tracer):
    async def run():
        response = await AsyncClient().get("/async-stream/")
        assert tracer.finished_spans() == []
        chunks = [chunk async for chunk in response.streaming_content]
        return b"".join(chunks)

    assert asyncio.run(run()) == b"alive"
    span = server_span(tracer)
    assert span.finish_time - span.start_time >= 0.01


def test_async_streaming_under_async_middleware(tracer, with_middleware):
    async def run():
        response = await AsyncClient().get("/async-stream/")
        return b"".join([chunk async for chunk in response.streaming_content])

    assert asyncio.run(run()) == b"alive"
    assert server_span(tracer).operation_name == "AsyncStream.get"


def assert_body_error(span, kind, message):
    """The span of a response whose body raised ``kind`` after its 200 went out."""
    assert span.tags["http.status_code"] == 200  # what the client was told
    assert span.tags["error"] is True
    [log] = [entry.key_values for entry in span.logs if entry.key_values.get("event") == "error"]
    assert log["error.kind"] == kind
    assert log["message"] == message
    assert kind in log["stack"]


def test_body_error_is_logged_and_finishes_the_span(client, tracer):
    response = client.get("/broken-stream/")
    it = iter(response.streaming_content)
    assert next(it) == b"start"
    assert tracer.finished_spans() == []
    with pytest.raises(OSError, match="disk went away"):
        next(it)
    assert_body_error(server_span(tracer), "OSError", "disk went away")


def test_async_body_error_is_logged_and_finishes_the_span(tracer):
    async def run():
        response = await AsyncClient().get("/async-broken-stream/")
        chunks = []
        with pytest.raises(OSError, match="socket went away"):
            async for chunk in response.streaming_content:
                chunks.append(chunk)
        return chunks

    assert asyncio.run(run()) == [b"start"]
    assert_body_error(server_span(tracer), "OSError", "socket went away")


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_body_error_under_middleware_is_one_logged_span(tracer, with_middleware, use_async):
    url = "/async-broken-stream/" if use_async else "/broken-stream/"
    if use_async:

        async def run():
            response = await AsyncClient().get(url)
            with pytest.raises(OSError):
                async for _chunk in response.streaming_content:
                    pass

        asyncio.run(run())
    else:
        with pytest.raises(OSError):
            b"".join(Client().get(url).streaming_content)
    span = server_span(tracer)
    assert span.operation_name == ("AsyncBrokenStream.get" if use_async else "BrokenStream.get")
    assert span.tags["error"] is True
    assert len([e for e in span.logs if e.key_values.get("event") == "error"]) == 1


def test_a_4xx_exception_mid_body_is_still_an_error(client, tracer):
    # Http404 before the response is a 404; after a 200 went out it is a cut body.
    response = client.get("/not-found-mid-stream/")
    with pytest.raises(Http404):
        b"".join(response.streaming_content)
    span = server_span(tracer)
    assert span.tags["http.status_code"] == 200
    assert span.tags["error"] is True


@pytest.mark.usefixtures("no_connection_housekeeping")
def test_body_error_under_a_real_wsgi_handler(tracer):
    status, body, error = call_wsgi("/broken-stream/")
    assert status.startswith("200") and body == b"start" and isinstance(error, OSError)
    assert_body_error(server_span(tracer), "OSError", "disk went away")


@pytest.mark.usefixtures("no_connection_housekeeping")
def test_body_error_under_a_real_asgi_handler(tracer):
    # Django's ASGI handler lets the exception out to the server and never closes the
    # response: the guard itself finishes the span.
    with pytest.raises(OSError, match="socket went away"):
        asyncio.run(call_asgi("/async-broken-stream/"))
    assert_body_error(server_span(tracer), "OSError", "socket went away")


# -- a streaming response replaced by another one ----------------------------------------------

CONDITIONAL = "django.middleware.http.ConditionalGetMiddleware"
IF_NONE_MATCH = {"if-none-match": '"v1"'}


@pytest.fixture
def conditional_get(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, CONDITIONAL]
    return settings


def assert_replaced_stream_span(tracer, name):
    span = server_span(tracer)  # finished: today it never was
    assert span.operation_name == name
    # The mixin owns the span and saw the view's streaming 200; the 304 was made outside it.
    assert span.tags["http.status_code"] == 200
    assert "error" not in span.tags


@pytest.mark.usefixtures("conditional_get")
def test_replaced_streaming_response_finishes_the_span_test_client(tracer):
    response = Client().get("/tagged-stream/", headers=IF_NONE_MATCH)
    assert response.status_code == 304
    assert_replaced_stream_span(tracer, "TaggedStream.get")


@pytest.mark.usefixtures("conditional_get")
def test_replaced_async_streaming_response_finishes_the_span_async_client(tracer):
    response = asyncio.run(AsyncClient().get("/async-tagged-stream/", headers=IF_NONE_MATCH))
    assert response.status_code == 304
    assert_replaced_stream_span(tracer, "AsyncTaggedStream.get")


@pytest.fixture
def at_request_finished(tracer):
    """How many spans were finished each time Django sent ``request_finished``."""
    seen: list[int] = []

    def receiver(**kwargs):
        seen.append(len(tracer.finished_spans()))

    request_finished.connect(receiver, dispatch_uid="tests.at_request_finished")
    try:
        yield seen
    finally:
        request_finished.disconnect(dispatch_uid="tests.at_request_finished")


@pytest.mark.usefixtures("conditional_get", "no_connection_housekeeping")
def test_replaced_streaming_response_finishes_the_span_real_wsgi_handler(
    tracer, at_request_finished
):
    status, body, error = call_wsgi("/tagged-stream/", HTTP_IF_NONE_MATCH='"v1"')
    assert status.startswith("304") and body == b"" and error is None
    assert at_request_finished == [1]  # finished before Django said the request was over
    assert_replaced_stream_span(tracer, "TaggedStream.get")


@pytest.mark.usefixtures("conditional_get", "no_connection_housekeeping")
@pytest.mark.parametrize(
    ("url", "name"),
    [("/tagged-stream/", "TaggedStream.get"), ("/async-tagged-stream/", "AsyncTaggedStream.get")],
)
def test_replaced_streaming_response_finishes_the_span_real_asgi_handler(
    tracer, at_request_finished, url, name
):
    messages = asyncio.run(call_asgi(url, [(b"if-none-match", b'"v1"')]))
    assert messages[0]["status"] == 304
    assert at_request_finished == [1]
    assert_replaced_stream_span(tracer, name)


def test_get_span_is_none_after_finish(rf, tracer):
    from tests.views import Plain

    request = rf.get("/plain/")
    Plain.as_view()(request)
    assert get_span(request) is None
    assert server_span(tracer).finished
