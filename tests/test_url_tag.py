"""The ``http.url`` tag: default ports left out, sensitive query values redacted.

The URL is built from ``META`` without the host validation of ``build_absolute_uri()``, so
these cases pin what it must still agree with: a default port (80 for http, 443 for https) is
not written, any other port is, and a sensitive key is recognised however it is spelled in the
query string, percent-encoded included.
"""

from __future__ import annotations

import pytest
from django.test import Client

from ot_views.attributes import REDACTED
from ot_views.testing import server_span
from tests.views import Plain


@pytest.mark.parametrize(
    ("secure", "port", "expected"),
    [
        (False, "80", "http://internal/plain/"),
        (True, "443", "https://internal/plain/"),
        (True, "80", "https://internal:80/plain/"),
        (False, "443", "http://internal:443/plain/"),
        (True, "8443", "https://internal:8443/plain/"),
        (False, "", "http://internal/plain/"),
    ],
)
def test_default_port_is_left_out_without_a_host_header(rf, tracer, secure, port, expected):
    request = rf.get("/plain/", secure=secure)
    request.META.pop("HTTP_HOST", None)
    request.META["SERVER_NAME"] = "internal"
    request.META["SERVER_PORT"] = port
    Plain.as_view()(request)
    assert server_span(tracer).tags["http.url"] == expected


def test_host_header_is_used_as_sent(rf, tracer):
    request = rf.get("/plain/", secure=True, HTTP_HOST="example.com:443")
    request.META["SERVER_PORT"] = "9999"
    Plain.as_view()(request)
    assert server_span(tracer).tags["http.url"] == "https://example.com:443/plain/"


@pytest.mark.parametrize(
    ("query", "redacted"),
    [
        # the only sensitive key is percent-encoded: the raw text holds no sensitive word
        ("api%2Dkey=k9&q=books", f"api%2Dkey={REDACTED}&q=books"),
        ("q=books&pass%77ord=hunter2", f"q=books&pass%77ord={REDACTED}"),
    ],
)
def test_encoded_sensitive_key_alone_is_redacted(tracer, query, redacted):
    response = Client().get(f"/plain/?{query}")
    assert response.status_code == 200
    assert server_span(tracer).tags["http.url"] == f"http://testserver/plain/?{redacted}"


def test_sensitive_key_with_a_form_encoded_space_is_redacted(tracer, settings):
    # "+" is the only encoding in the query: the key is "session id" once decoded.
    settings.OPENTRACING_REDACTED_KEYS = ["session id"]
    Client().get("/plain/?q=books&session+id=s3cr3t")
    url = server_span(tracer).tags["http.url"]
    assert url == f"http://testserver/plain/?q=books&session+id={REDACTED}"


def test_query_without_sensitive_keys_is_kept_verbatim(tracer):
    Client().get("/plain/?q=caf%C3%A9&page=2&sort=-date+asc")
    url = server_span(tracer).tags["http.url"]
    assert url == "http://testserver/plain/?q=caf%C3%A9&page=2&sort=-date+asc"


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        # a value that is itself a list of pairs (a forwarded cookie, a filter): the sensitive
        # inner pair loses its value, wherever it sits in the list
        ("a=1;b=2;token=s3cr3t", f"a=1;b=2;token={REDACTED}"),
        ("a=1,pass=s3cr3t;c=3", f"a=1,pass={REDACTED}"),
        # an inner value with "=" in it is cut at the name's first "="
        ("token=abc=def", f"token={REDACTED}"),
        # inner pairs with nothing sensitive, or nothing to hide, stay as sent
        ("a=1;b=2", "a=1;b=2"),
        ("a=;token", "a=;token"),
        ("token=;a=1", "token=;a=1"),
    ],
)
def test_sensitive_pair_inside_a_query_value(tracer, value, kept):
    Client().get(f"/plain/?filter={value}&page=2")
    url = server_span(tracer).tags["http.url"]
    assert url == f"http://testserver/plain/?filter={kept}&page=2"
