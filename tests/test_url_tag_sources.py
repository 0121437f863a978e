"""Where ``http.url`` takes each part from when the usual source is missing or odd.

A request built by a test client, an ASGI server or a proxy does not always carry ``HTTP_HOST``,
``SERVER_NAME`` or ``SERVER_PORT``, and Django's ``request.scheme`` raises on a misconfigured
``SECURE_PROXY_SSL_HEADER``: the tag still reads as a URL, with nothing made up (no ``None``),
and a host's userinfo never shows.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ot_views.attributes import MAX_VALUE_LENGTH, REDACTED
from ot_views.testing import server_span
from tests.views import Plain


def url_of(tracer, request):
    response = Plain.as_view()(request)
    assert response.status_code == 200
    return server_span(tracer).tags["http.url"]


@pytest.mark.parametrize("secure", [False, True])
def test_scheme_that_raises_reads_as_http(rf, tracer, settings, secure):
    settings.SECURE_PROXY_SSL_HEADER = "not a (header, value) pair"
    request = rf.get("/plain/", secure=secure, HTTP_HOST="example.com")
    assert url_of(tracer, request) == "http://example.com/plain/"


def test_no_host_header_and_no_server_name(rf, tracer):
    request = rf.get("/plain/")
    for key in ("HTTP_HOST", "SERVER_NAME", "SERVER_PORT"):
        request.META.pop(key, None)
    assert url_of(tracer, request) == "http:///plain/"


def test_server_name_without_a_port(rf, tracer):
    request = rf.get("/plain/", secure=True)
    request.META.pop("HTTP_HOST", None)
    request.META.pop("SERVER_PORT", None)
    request.META["SERVER_NAME"] = "internal"
    assert url_of(tracer, request) == "https://internal/plain/"


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("alice:pw@example.com", f"{REDACTED}@example.com"),
        # "@" is legal in a password: the host is what follows the last one
        ("alice:p@ss@example.com:8000", f"{REDACTED}@example.com:8000"),
        ("@example.com", f"{REDACTED}@example.com"),
    ],
)
def test_userinfo_of_the_host_header_is_redacted(rf, tracer, host, shown):
    request = rf.get("/plain/", HTTP_HOST=host)
    assert url_of(tracer, request) == f"http://{shown}/plain/"


def test_plain_path_is_kept_and_others_escaped(client, tracer, with_middleware):
    client.get("/nowhere/a-b_c.d~e!f*g'(h),i;j=k:l@m&n+o$p/")
    url = server_span(tracer).tags["http.url"]
    # ";" and "=" are not in escape_uri_path's safe set: escaped; the rest kept as is
    assert url == "http://testserver/nowhere/a-b_c.d~e!f*g'(h),i%3Bj%3Dk:l@m&n+o$p/"


def test_long_url_is_cut_and_a_query_past_the_cut_is_left_out(client, tracer, with_middleware):
    path = "/nowhere/" + "p" * (2 * MAX_VALUE_LENGTH)
    client.get(f"{path}?q=1")
    url = server_span(tracer).tags["http.url"]
    assert url == f"http://testserver{path}"[:MAX_VALUE_LENGTH]


def test_url_just_short_of_the_cut_gets_its_query(client, tracer, with_middleware):
    base = "http://testserver/nowhere/"
    path = "/nowhere/" + "p" * (MAX_VALUE_LENGTH - len(base) - 2)
    client.get(f"{path}?q=1")
    url = server_span(tracer).tags["http.url"]
    assert url == f"http://testserver{path}?q"


def test_resolver_match_without_kwargs_attribute(rf, tracer):
    # Something other than Django's resolver set resolver_match: no kwargs to redact.
    request = rf.get("/plain/")
    request.resolver_match = SimpleNamespace(route="plain/")
    assert url_of(tracer, request) == "http://testserver/plain/"
