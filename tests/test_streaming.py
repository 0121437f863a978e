"""Streaming and file responses: the span ends when the body has been sent (closed)."""

from __future__ import annotations

import asyncio

import pytest
from django.test import AsyncClient, Client

from ot_views import get_span
from ot_views.testing import server_span


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


def test_body_error_still_finishes_the_span(client, tracer):
    response = client.get("/broken-stream/")
    with pytest.raises(OSError):
        b"".join(response.streaming_content)
    assert server_span(tracer).tags["http.status_code"] == 200


def test_get_span_is_none_after_finish(rf, tracer):
    from tests.views import Plain

    request = rf.get("/plain/")
    Plain.as_view()(request)
    assert get_span(request) is None
    assert server_span(tracer).finished
