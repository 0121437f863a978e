"""No secret reaches a span, whichever place it travels in (docs/redaction.rst).

A known secret goes in Authorization, Proxy-Authorization, X-Api-Key, X-CSRFToken and
X-Auth-Token headers, in session, CSRF and token cookies, in token/password query parameters
and in password/token/CSRF fields of form and JSON bodies. Views trace ``META``, ``headers``,
``GET``, ``POST`` and ``COOKIES`` through the mixin, the decorator and the middleware, in
process and on real servers (whose ``META`` holds more, such as gunicorn's ``RAW_URI``).
"""

from __future__ import annotations

import pytest
import requests
from django.test import Client, override_settings

from ot_views.attributes import REDACTED
from ot_views.testing import server_span, traced

from .secrets_check import BODIES, FORM, HEADERS, QUERY, SECRET, leaks, span_dump
from .servers import REQUEST_TIMEOUT
from .testsite.tracers import read_spans
from .testsite.views import SECRET_ATTRIBUTES

URLS = "tests.reliability.testsite.urls"
MIDDLEWARE = "ot_views.middleware.OpenTracingMiddleware"

# (path, middleware installed): the mixin, the decorator, the middleware alone, both.
ROUTES = [
    ("/secret/view/", False),
    ("/secret/func/", False),
    ("/secret/plain/", True),
    ("/secret/view/", True),
]


@pytest.mark.urls(URLS)
@pytest.mark.parametrize(("path", "middleware"), ROUTES, ids=["mixin", "decorator", "mw", "both"])
@pytest.mark.parametrize(("body", "method", "kwargs"), BODIES, ids=[b[0] for b in BODIES])
def test_secret_never_reaches_a_span(path, middleware, body, method, kwargs):
    mw = [MIDDLEWARE] if middleware else []
    with (
        override_settings(MIDDLEWARE=mw, OPENTRACING_TRACED_ATTRIBUTES=SECRET_ATTRIBUTES),
        traced() as tracer,
    ):
        response = Client().generic(method, f"{path}?{QUERY}", headers=HEADERS, **kwargs)
    assert response.status_code == 200
    span = server_span(tracer)
    dump = span_dump(span.operation_name, span.tags, [log.key_values for log in span.logs])
    assert not leaks(dump), f"secret leaked: {leaks(dump)} in {dump[:2000]}"

    # The attributes really were traced: the redaction is what kept the secret out.
    tags = span.tags
    assert tags["headers.Authorization"] == REDACTED
    assert tags["META.HTTP_X_API_KEY"] == REDACTED
    assert tags["COOKIES"] == REDACTED  # "COOKIES" itself matches the "cookie" pattern
    assert tags["GET.token"] == REDACTED
    assert tags["GET.q"] == "ok"
    assert "token=[REDACTED]" in tags["http.url"]
    if body == "urlencoded":
        assert tags["POST.password"] == REDACTED
        assert tags["POST.csrfmiddlewaretoken"] == REDACTED
        assert tags["POST.username"] == FORM["username"]


@pytest.mark.urls(URLS)
def test_secret_in_a_multipart_form():
    files = {"password": SECRET, "token": SECRET, "username": "alice"}
    with traced() as tracer:
        response = Client().post(f"/secret/view/?{QUERY}", files, headers=HEADERS)
    assert response.status_code == 200
    span = server_span(tracer)
    dump = span_dump(span.operation_name, span.tags, [log.key_values for log in span.logs])
    assert not leaks(dump), leaks(dump)
    assert span.tags["POST.username"] == "alice"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["gunicorn", "uvicorn"])
def test_secret_never_reaches_a_span_on_real_servers(live_server_factory, kind):
    server = live_server_factory(kind, "middleware")
    rids = []
    with requests.Session() as session:
        for name, method, kwargs in BODIES:
            rid = f"secret-{kind}-{name}"
            rids.append(rid)
            response = session.request(
                method,
                f"{server.base_url}/secret/view/?{QUERY}",
                headers={
                    **HEADERS,
                    "X-Request-Id": rid,
                    "Content-Type": kwargs.get("content_type", ""),
                },
                data=kwargs.get("data"),
                timeout=REQUEST_TIMEOUT,
            )
            assert response.status_code == 200, response.text
    spans = [
        s for s in read_spans(server.spans_dir) if s["tags"].get("headers.x-request-id") in rids
    ]
    assert len(spans) == len(rids)
    for span in spans:
        dump = span_dump(span["operation_name"], span["tags"], span["logs"])
        assert not leaks(dump), f"secret leaked: {leaks(dump)} in {dump[:2000]}"
        assert span["tags"]["headers.Authorization"] == REDACTED
        assert span["tags"]["GET.q"] == "ok"
    if kind == "gunicorn":  # gunicorn's META carries the raw request line too
        assert any("RAW_URI" in key for span in spans for key in span["tags"])
