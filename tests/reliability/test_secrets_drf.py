"""No secret reaches a span through DRF's ``data`` and ``query_params`` (docs/redaction.rst)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("rest_framework")

from django.test import Client

from ot_views.attributes import REDACTED
from ot_views.testing import server_span, traced

from .secrets_check import BODIES, HEADERS, QUERY, SECRET, leaks, span_dump

URLS = "tests.reliability.testsite.drf"


def dump_of(span) -> str:
    return span_dump(span.operation_name, span.tags, [log.key_values for log in span.logs])


@pytest.mark.urls(URLS)
@pytest.mark.parametrize(("body", "method", "kwargs"), BODIES, ids=[b[0] for b in BODIES])
def test_secret_never_reaches_a_drf_span(body, method, kwargs):
    with traced() as tracer:
        response = Client().generic(method, f"/api/secret/?{QUERY}", headers=HEADERS, **kwargs)
    assert response.status_code == 200, response.content
    span = server_span(tracer)
    assert not leaks(dump_of(span)), f"secret leaked: {leaks(dump_of(span))}"
    tags = span.tags
    assert tags["query_params.token"] == REDACTED
    assert tags["query_params.q"] == "ok"
    assert tags["headers.Authorization"] == REDACTED
    if body != "get":
        assert tags["data.password"] == REDACTED
        assert tags["data.username"] == "alice"
    if body == "json":
        assert tags["data.user.client_secret"] == REDACTED
        assert tags["data.user.name"] == "alice"
        assert tags["data.items.0.password"] == REDACTED


@pytest.mark.urls(URLS)
def test_rejected_secret_stays_out_of_the_error_log():
    """A wrong token that DRF quotes in its validation error ('"<token>" is not a valid choice')."""
    with traced() as tracer:
        response = Client().post(
            f"/api/token/?{QUERY}",
            data=json.dumps({"token": SECRET}),
            content_type="application/json",
            headers=HEADERS,
        )
    assert response.status_code == 400
    assert SECRET in response.content.decode()  # DRF does quote it back to the client
    span = server_span(tracer)
    assert span.logs, "the validation error is logged on the span"
    assert not leaks(dump_of(span)), f"secret leaked: {leaks(dump_of(span))} in {dump_of(span)}"
