"""A tracer failing while a streaming body is watched: counted once, under what failed.

The body of a streaming response runs after the view returned, so its tracing faults are the
last ones a request can have; an operator reads ``faults.counts()`` to tell them apart. Each
case breaks one thing, drives one streaming response to its end as a server does, and checks
the exact set of counters that grew, the bytes sent and that the span still finished.
"""

from __future__ import annotations

import pytest
from django.http import Http404, StreamingHttpResponse

from ot_views import TracedView, faults
from ot_views.testing import server_span

from .fault_counts import Broken, failing_error_tag, grown

# The responses are closed by hand, as a server would: keep request_finished off the test database.
pytestmark = pytest.mark.usefixtures("no_connection_housekeeping")


class Gone(Exception):
    """A row that vanished mid-body, from a library that answers it with a 500 before a body."""

    status_code = 500


def stream_of(exc):
    class View(TracedView):
        def get(self, request):
            def body():
                yield b"start"
                raise exc

            return StreamingHttpResponse(body())

    return View


def send(response, expected):
    """Iterate the body as a server does, then close the response."""
    chunks = []
    try:
        with pytest.raises(type(expected)) as raised:
            for chunk in response.streaming_content:
                chunks.append(chunk)
    finally:
        response.close()
    assert raised.value is expected
    return b"".join(chunks)


def error_logs(span):
    return [e.key_values for e in span.logs if e.key_values.get("event") == "error"]


def test_failing_error_tag_of_a_4xx_mid_body_is_a_tag_fault(tracer, rf, monkeypatch):
    # A 4xx exception logs no error tag of its own; the cut body's error tag is a tag call.
    failing_error_tag(monkeypatch)
    exc = Http404("row deleted while streaming")
    before = faults.counts()
    response = stream_of(exc).as_view()(rf.get("/x/"))
    assert send(response, exc) == b"start"
    assert grown(before) == {("tag", Broken)}
    span = server_span(tracer)
    assert span.tags["http.status_code"] == 200
    assert "error" not in span.tags
    assert [log["error.kind"] for log in error_logs(span)] == ["Http404"]


@pytest.mark.parametrize("exc", [Gone("row gone"), OSError("disk went away")], ids=["500", "none"])
def test_failing_error_tag_of_a_5xx_mid_body_is_one_log_fault(tracer, rf, monkeypatch, exc):
    # The error tag goes with the error log: if it fails, the log failed, and only the log.
    failing_error_tag(monkeypatch)
    before = faults.counts()
    response = stream_of(exc).as_view()(rf.get("/x/"))
    assert send(response, exc) == b"start"
    assert grown(before) == {("log", Broken)}
    span = server_span(tracer)
    assert span.tags["http.status_code"] == 200
    assert "error" not in span.tags


def test_a_5xx_mid_body_is_an_error(tracer, rf):
    exc = Gone("row gone")
    before = faults.counts()
    response = stream_of(exc).as_view()(rf.get("/x/"))
    assert send(response, exc) == b"start"
    assert grown(before) == set()
    span = server_span(tracer)
    assert span.tags["error"] is True
    assert [log["error.kind"] for log in error_logs(span)] == ["Gone"]


class Frozen(StreamingHttpResponse):
    """A response class that will not have its body's iterator replaced once it has one."""

    def __setattr__(self, name, value):
        if name == "_iterator" and "_iterator" in self.__dict__:
            raise Broken("iterator is frozen")
        super().__setattr__(name, value)


class FrozenStream(TracedView):
    def get(self, request):
        return Frozen(iter([b"big ", b"body"]))


def test_a_body_that_cannot_be_guarded_is_a_guard_body_fault(tracer, rf):
    before = faults.counts()
    response = FrozenStream.as_view()(rf.get("/x/"))
    assert tracer.finished_spans() == []
    assert b"".join(response.streaming_content) == b"big body"
    response.close()
    assert grown(before) == {("guard body", Broken)}
    span = server_span(tracer)
    assert span.operation_name == "FrozenStream.get"
    assert span.tags["http.status_code"] == 200
