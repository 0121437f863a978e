"""A raising view's span says 500 whatever adapter owns it; empty values make no tag."""

from __future__ import annotations

import pytest
from django.test import Client

from ot_views.testing import server_span

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/boom/", "Boom.get"),  # the mixin alone
        ("/async-boom/", "AsyncBoom.get"),
        ("/func-boom/", "func_boom"),  # @trace alone
    ],
)
def test_real_error_without_middleware_is_a_500(tracer, url, name):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 500
    span = server_span(tracer)
    assert span.operation_name == name
    assert span.tags["http.status_code"] == 500
    assert span.tags["error"] is True


def test_client_errors_keep_their_status(client, tracer):
    assert client.get("/missing/").status_code == 404
    assert server_span(tracer).tags["http.status_code"] == 404


def test_anonymous_username_makes_no_tag(client, tracer, settings):
    settings.MIDDLEWARE = [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]
    settings.OPENTRACING_TRACED_ATTRIBUTES = ["user.username", "path"]
    # /plain/ never reads request.user: loaded on purpose, it is the anonymous user.
    settings.OPENTRACING_LOAD_LAZY_ATTRIBUTES = ["user.username"]
    client.get("/plain/")
    span = server_span(tracer)
    assert span.tags["path"] == "/plain/"
    assert "user.username" not in span.tags
