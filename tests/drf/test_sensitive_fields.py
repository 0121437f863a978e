"""Fields marked by ``@sensitive_post_parameters`` are redacted in DRF's ``data`` by name.

A marked field's value is also a secret of the request, scrubbed wherever it appears, but only
from 3 characters on (docs/redaction.rst): a two-digit PIN is hidden because its field is
marked, not because its value is known. The marker is Django's and covers the posted fields:
the query string is judged by the key policy alone, like Django's own error reports do.
"""

from __future__ import annotations

import json

from django.test import RequestFactory
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from rest_framework.response import Response

from ot_views.attributes import REDACTED
from ot_views.redaction import MAX_JSON_BODY
from ot_views.testing import server_span
from ot_views_drf import TracedAPIView


class Posted(TracedAPIView):
    authentication_classes = []
    permission_classes = []
    traced_attributes = ("data", "query_params", "GET")

    def post(self, request):
        return Response({"fields": len(request.data)})  # data is read: traced attributes see it


@method_decorator(sensitive_post_parameters("answer"), name="dispatch")
class Marked(Posted):
    pass


@method_decorator(sensitive_post_parameters(), name="dispatch")
class AllMarked(Posted):
    pass


def post(view, body, query=""):
    request = RequestFactory().post(
        "/marked/" + query, data=json.dumps(body), content_type="application/json"
    )
    response = view.as_view()(request)
    response.render()
    return response


def test_a_short_marked_field_is_redacted_in_data_by_its_name(tracer):
    response = post(Marked, {"answer": "42", "note": "ok"})
    assert response.status_code == 200
    tags = server_span(tracer).tags
    assert tags["data.answer"] == REDACTED
    assert tags["data.note"] == "ok"


def test_every_short_field_is_redacted_when_all_are_marked(tracer):
    post(AllMarked, {"answer": "42", "n": "7"})
    tags = server_span(tracer).tags
    assert tags["data.answer"] == REDACTED
    assert tags["data.n"] == REDACTED


def test_the_marker_covers_posted_fields_not_the_query_string(tracer):
    post(Marked, {"answer": "42"}, query="?answer=7")
    tags = server_span(tracer).tags
    assert tags["data.answer"] == REDACTED
    assert tags["query_params.answer"] == "7"
    assert tags["GET.answer"] == "7"


class Echoes(TracedAPIView):
    authentication_classes = []
    permission_classes = []
    traced_attributes = ("echo",)

    def post(self, request):
        request.echo = f"saved {request.data['password']}"  # an innocent name, a secret value
        return Response({"ok": True})


def test_a_secret_only_drf_parsed_is_scrubbed_from_a_traced_attribute(tracer):
    # A JSON body past the size ot-views parses itself (64 KB): only DRF's data is read for its
    # secrets, and the password is scrubbed from an attribute under an innocent name.
    body = json.dumps({"password": "drf-only-91", "padding": "x" * MAX_JSON_BODY})
    request = RequestFactory().post("/echo/", data=body, content_type="application/json")
    Echoes.as_view()(request).render()
    assert server_span(tracer).tags["echo"] == "saved [REDACTED]"
