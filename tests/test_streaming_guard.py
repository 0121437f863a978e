"""How a streaming body is watched: any iterator, wrapped once, the request's own close kept."""

from __future__ import annotations

import asyncio

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import path

from ot_views import TracedView, faults
from ot_views.span import guard_body
from ot_views.testing import server_span


class Chunks:
    """A body that is an iterator object, not a generator: no ``gi_code`` to look at."""

    def __init__(self):
        self.sent = 0

    def __iter__(self):
        return self

    def __next__(self):
        self.sent += 1
        if self.sent == 1:
            return b"start"
        raise OSError("disk went away")


class IteratorStream(TracedView):
    def get(self, request):
        return StreamingHttpResponse(Chunks())


def test_an_iterator_object_body_error_is_logged(tracer, rf):
    before = faults.counts()
    response = IteratorStream.as_view()(rf.get("/x/"))
    it = iter(response.streaming_content)
    assert next(it) == b"start"
    with pytest.raises(OSError, match="disk went away"):
        next(it)
    assert {key for key, n in faults.counts().items() if n > before.get(key, 0)} == set()
    span = server_span(tracer)
    assert span.tags["http.status_code"] == 200
    assert span.tags["error"] is True
    [log] = [e.key_values for e in span.logs if e.key_values.get("event") == "error"]
    assert log["error.kind"] == "OSError"
    assert log["message"] == "disk went away"


def sync_body():
    yield b"a"
    yield b"b"


async def async_body():
    yield b"a"
    yield b"b"


@pytest.mark.parametrize("make_body", [sync_body, async_body], ids=["sync", "async"])
def test_a_guarded_body_is_not_wrapped_again(rf, make_body):
    # One wrapper per body whoever guards it again: chunks go through one extra frame, not
    # one per call.
    request = rf.get("/x/")
    response = StreamingHttpResponse(make_body())
    guard_body(response, request)
    guarded = response._iterator
    assert guarded is not None
    guard_body(response, request)
    assert response._iterator is guarded
    if response.is_async:

        async def read():
            return [chunk async for chunk in response.streaming_content]

        assert asyncio.run(read()) == [b"a", b"b"]
    else:
        assert list(response.streaming_content) == [b"a", b"b"]


UPLOADS = []


class UploadStream(TracedView):
    def post(self, request):
        UPLOADS.append(request.FILES["doc"])
        return StreamingHttpResponse(iter([b"got ", b"it"]))


urlpatterns = [path("upload-stream/", UploadStream.as_view())]


@pytest.mark.urls(__name__)
def test_closing_the_request_still_closes_its_uploads(tracer):
    # The span's hook on request.close comes on top of Django's own close, which closes the
    # uploaded files.
    UPLOADS.clear()
    response = Client().post("/upload-stream/", {"doc": SimpleUploadedFile("a.txt", b"text")})
    [upload] = UPLOADS
    assert not upload.closed
    assert tracer.finished_spans() == []
    assert b"".join(response.streaming_content) == b"got it"
    assert upload.closed
    span = server_span(tracer)
    assert span.operation_name == "UploadStream.post"
    assert span.tags["http.status_code"] == 200
