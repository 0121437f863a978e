"""A body traced as ``body`` is written by its content type, each kind with its own bound.

A form is written as its pairs and a JSON body (``+json`` types included, up to
``MAX_JSON_BODY`` bytes) or a multipart form the view parsed as their structure, with the
fields ``@sensitive_post_parameters`` marks redacted, and the request's secrets scrubbed from
whatever is written. Anything else, a JSON body over the bound included, is only its type (the
first 100 characters) and its size.

The marked fields here hold a two-digit PIN: too short to be scrubbed as a secret wherever it
appears, so only the redaction by name can hide it.
"""

from __future__ import annotations

import json

import pytest
from django.http import HttpRequest, HttpResponse
from django.views.decorators.debug import sensitive_post_parameters

from ot_views import trace
from ot_views.attributes import CUT, MAX_VALUE_LENGTH, REDACTED
from ot_views.redaction import MAX_JSON_BODY
from ot_views.testing import server_span

SECRET = "Zq8vLk2mWp4n"  # sent as the Authorization header, so a secret of the request


@trace("body")
def reads_body(request: HttpRequest) -> HttpResponse:
    request.body  # noqa: B018
    return HttpResponse("ok")


@trace("body")
@sensitive_post_parameters("pin")
def reads_form(request: HttpRequest) -> HttpResponse:
    request.body  # noqa: B018
    request.POST  # noqa: B018  # parsed from the body read above
    return HttpResponse("ok")


def body_tag(tracer, request, view=reads_body):
    assert view(request).status_code == 200
    return server_span(tracer).tags["body"]


def post(rf, data, content_type, **extra):
    return rf.generic("POST", "/b/", data, content_type=content_type, **extra)


# -- JSON --------------------------------------------------------------------------------------


def test_a_plus_json_type_is_written_as_its_structure(rf, tracer):
    request = post(rf, json.dumps({"a": 1}), "application/vnd.api+json")
    assert body_tag(tracer, request) == "{'a': 1}"


def test_a_json_body_exactly_at_the_size_bound_is_parsed(rf, tracer):
    at_bound = '"' + "x" * (MAX_JSON_BODY - 2) + '"'
    assert len(at_bound) == MAX_JSON_BODY
    tag = body_tag(tracer, post(rf, at_bound, "application/json"))
    assert tag == "'" + "x" * (MAX_VALUE_LENGTH - 2) + CUT


def test_a_json_body_over_the_size_bound_is_its_size(rf, tracer):
    over = '"' + "x" * (MAX_JSON_BODY - 1) + '"'
    tag = body_tag(tracer, post(rf, over, "application/json"))
    assert tag == f"<application/json, {MAX_JSON_BODY + 1} bytes>"


def test_json_fields_marked_sensitive_are_redacted(rf, tracer):
    request = post(rf, json.dumps({"pin": "42", "city": "Oslo"}), "application/json")
    tag = body_tag(tracer, request, reads_form)
    assert tag == f"{{'pin': '{REDACTED}', 'city': 'Oslo'}}"


def test_json_is_scrubbed_of_the_request_secrets(rf, tracer):
    request = post(
        rf, json.dumps({"note": SECRET}), "application/json", HTTP_AUTHORIZATION=f"Bearer {SECRET}"
    )
    tag = body_tag(tracer, request)
    assert SECRET not in tag and tag.startswith("{'note': '")


# -- forms -------------------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"


def test_form_fields_marked_sensitive_are_redacted(rf, tracer):
    tag = body_tag(tracer, post(rf, "pin=42&city=Oslo", FORM), reads_form)
    assert tag == f"pin={REDACTED}&city=Oslo"


def test_a_form_is_scrubbed_of_the_request_secrets(rf, tracer):
    request = post(rf, f"note={SECRET}", FORM, HTTP_AUTHORIZATION=f"Bearer {SECRET}")
    tag = body_tag(tracer, request)
    assert SECRET not in tag and tag.startswith("note=")


def test_a_form_that_is_not_utf8_is_written_with_replacement_characters(rf, tracer):
    assert body_tag(tracer, post(rf, b"city=Oslo\xff", FORM)) == "city=Oslo\ufffd"


# -- multipart ---------------------------------------------------------------------------------


def test_multipart_fields_marked_sensitive_are_redacted(rf, tracer):
    request = rf.post("/b/", {"pin": "42", "city": "Oslo"})
    size = int(request.META["CONTENT_LENGTH"])
    tag = body_tag(tracer, request, reads_form)
    assert tag == (f"<multipart/form-data, {size} bytes> {{'pin': '{REDACTED}', 'city': 'Oslo'}}")


def test_multipart_is_scrubbed_of_the_request_secrets(rf, tracer):
    request = rf.post("/b/", {"note": SECRET}, HTTP_AUTHORIZATION=f"Bearer {SECRET}")
    tag = body_tag(tracer, request, reads_form)
    assert SECRET not in tag and "{'note': '" in tag


# -- other kinds -------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", [None, ""])
def test_a_body_without_a_content_type_is_its_size(rf, tracer, content_type):
    request = post(rf, b"\x00\x01\x02", "")
    if content_type is None:
        del request.META["CONTENT_TYPE"]
    assert body_tag(tracer, request) == "<no content type, 3 bytes>"


def test_the_content_type_written_is_cut_at_100_characters(rf, tracer):
    exact = "x/" + "y" * 98
    assert body_tag(tracer, post(rf, b"abc", exact)) == f"<{exact}, 3 bytes>"
    tracer.reset()
    assert body_tag(tracer, post(rf, b"abc", exact + "z")) == f"<{exact}, 3 bytes>"
