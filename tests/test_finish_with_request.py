"""A streaming response's span also ends when Django closes the request; if that hook cannot be
set, the fault is counted under its own name and the response is served and still ends the span.

Only a request object whose ``close`` cannot be read (a subclass with a broken property, a proxy)
reaches this guard: ``HttpRequest`` always has one.
"""

from __future__ import annotations

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory

from ot_views import faults
from ot_views.testing import server_span, server_spans

from .fault_counts import Broken, grown
from .views import Stream

# The responses are closed by hand, as a server would: keep request_finished off the test database.
pytestmark = pytest.mark.usefixtures("no_connection_housekeeping")


class UnclosableRequest(WSGIRequest):
    @property
    def close(self):
        raise Broken("close cannot be read")


def test_unreadable_request_close_is_counted_and_the_stream_still_ends_the_span(tracer):
    request = RequestFactory().get("/stream/")
    request.__class__ = UnclosableRequest
    before = faults.counts()

    response = Stream.as_view()(request)

    assert grown(before) == {("finish with request", Broken)}
    assert server_spans(tracer) == []  # not finished before the body is sent
    assert b"".join(response.streaming_content) == b"alive"
    response.close()
    span = server_span(tracer)
    assert span.finished
    assert span.tags["http.status_code"] == 200


def test_request_close_finishes_the_span_of_a_stream_that_is_never_closed(tracer):
    # The response is dropped unsent (a middleware replaced it): closing the request ends it.
    request = RequestFactory().get("/stream/")
    response = Stream.as_view()(request)
    assert server_spans(tracer) == []
    request.close()
    assert server_span(tracer).tags["http.status_code"] == 200
    del response
