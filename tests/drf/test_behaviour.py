"""Tracing must not change what DRF answers: the traced and plain views side by side."""

from __future__ import annotations

import base64

import pytest
from django.core.cache import cache

from ot_views.testing import server_span, server_spans

pytestmark = pytest.mark.django_db


def _both(client, method, traced_path, plain_path, **kwargs):
    call = getattr(client, method)
    return call(traced_path, **kwargs), call(plain_path, **kwargs)


def _same(traced, plain):
    assert traced.status_code == plain.status_code
    assert traced.content == plain.content
    assert traced.get("WWW-Authenticate") == plain.get("WWW-Authenticate")


@pytest.mark.parametrize(
    "auth", [None, "Basic " + base64.b64encode(b"nobody:wrong").decode(), "Basic !!!not-base64"]
)
def test_authentication_failures_match(client, tracer, auth):
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    traced, plain = _both(client, "get", "/api/secured/", "/api/plain-secured/", **extra)
    _same(traced, plain)
    assert traced.status_code in (401, 403)
    span = server_span(tracer)
    assert span.tags["http.status_code"] == traced.status_code
    assert "error" not in span.tags
    assert span.logs[0].key_values["error.kind"] in ("NotAuthenticated", "AuthenticationFailed")
    assert span.tags["user"] == "AnonymousUser"


def test_permission_denied_matches(client, tracer, django_user_model, settings):
    django_user_model.objects.create_user("bob", password="pw-Bob-456", is_active=True)
    auth = "Basic " + base64.b64encode(b"bob:pw-Bob-456").decode()
    traced, plain = _both(
        client, "get", "/api/secured/", "/api/plain-secured/", HTTP_AUTHORIZATION=auth
    )
    _same(traced, plain)
    assert traced.status_code == 200


def test_permission_denied_for_anonymous_with_session_auth(client, tracer, settings):
    traced, plain = _both(client, "get", "/api/secured/", "/api/plain-secured/")
    _same(traced, plain)
    assert server_span(tracer).tags["http.status_code"] == traced.status_code


def test_throttling_matches(client, tracer, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    traced = [client.get("/api/throttled/").status_code for _ in range(3)]
    cache.clear()
    plain = [client.get("/api/plain-throttled/").status_code for _ in range(3)]
    assert traced == plain == [200, 200, 429]
    spans = server_spans(tracer)
    assert len(spans) == 3, "exactly one finished span per traced request"
    assert spans[2].tags["http.status_code"] == 429
    assert spans[2].logs[0].key_values["error.kind"] == "Throttled"
    assert "error" not in spans[2].tags


@pytest.mark.parametrize("body", ['{"title": ', "not json at all", "{'single': 'quotes'}"])
def test_malformed_json_matches(client, tracer, body):
    traced, plain = _both(
        client, "post", "/api/echo/", "/api/plain-echo/", data=body, content_type="application/json"
    )
    _same(traced, plain)
    assert traced.status_code == 400
    span = server_span(tracer)
    assert span.operation_name == "Echo.post"
    assert span.logs[0].key_values["error.kind"] == "ParseError"
    assert not any(key.startswith("data") for key in span.tags), "unparseable data is skipped"


def test_valid_json_matches(client, tracer):
    body = '{"a": 1, "nested": {"token": "tkn-123", "ok": [1, 2]}}'
    traced, plain = _both(
        client, "post", "/api/echo/", "/api/plain-echo/", data=body, content_type="application/json"
    )
    _same(traced, plain)
    span = server_span(tracer)
    assert span.tags["data.a"] == "1"
    assert span.tags["data.nested.token"] == "[REDACTED]"
    assert span.tags["data.nested.ok"] == "[1, 2]"
    assert "tkn-123" not in repr(span.tags)
