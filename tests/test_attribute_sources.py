"""Where a traced value comes from decides how it is written.

Only the request's own body is written by its content type; other bytes are text. A form whose
every field ``@sensitive_post_parameters()`` marks is written with every value redacted. An
object that is not a ``Mapping`` but has ``lists()`` (a multi-value dict of another library) is
walked as a mapping, every value of a repeated key kept.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.debug import sensitive_post_parameters

from ot_views import trace
from ot_views.attributes import REDACTED
from ot_views.testing import server_span


@trace("raw")
def other_bytes(request):
    request.body  # noqa: B018
    request.raw = b"plain bytes"
    return HttpResponse("ok")


def test_bytes_other_than_the_body_are_written_as_text(rf, tracer):
    other_bytes(rf.post("/b/", b"abc", content_type="application/octet-stream"))
    assert server_span(tracer).tags["raw"] == "plain bytes"


@trace("POST")
@sensitive_post_parameters()
def all_hidden(request):
    request.POST  # noqa: B018
    return HttpResponse("ok")


def test_every_field_is_redacted_when_all_are_marked(rf, tracer):
    all_hidden(rf.post("/f/", {"city": "Oslo", "n": "2"}))
    tags = {k: v for k, v in server_span(tracer).tags.items() if k.startswith("POST")}
    assert tags == {"POST.city": REDACTED, "POST.n": REDACTED}


class Multi:
    def lists(self):
        return [("a", ["1"]), ("b", ["2", "3"])]


@trace("multi")
def multi(request):
    request.multi = Multi()
    return HttpResponse("ok")


def test_an_object_with_lists_is_walked_as_a_mapping(rf, tracer):
    multi(rf.get("/m/"))
    tags = {k: v for k, v in server_span(tracer).tags.items() if k.startswith("multi")}
    assert tags == {"multi.a": "1", "multi.b": "['2', '3']"}
