"""The DRF paths a secret took into a span: ``request.auth``, validation errors under any
decorator order, nested ``data``, a top-level list body; and a random secret in random places."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.urls import path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient

from ot_views import trace
from ot_views.redaction import REDACTED
from ot_views.testing import server_span, traced
from ot_views_drf import TracedAPIView
from tests.reliability.secrets_check import span_text as dump

SECRET = "Dr7-S3CRET-token-0f2e"

pytestmark = pytest.mark.urls(__name__)


class FakeToken:
    """What ``rest_framework.authtoken``'s ``Token`` looks like to a view: ``str()`` is the key."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __str__(self) -> str:
        return self.key


class HeaderToken(BaseAuthentication):
    def authenticate(self, request: Any) -> Any:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Token "):
            return AnonymousUser(), FakeToken(header[6:])
        return None


class Signup(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(min_length=50)


class Authed(TracedAPIView):
    authentication_classes = [HeaderToken]
    permission_classes = [AllowAny]
    traced_attributes = ["auth", "request_auth", "data"]

    def get(self, request: Any) -> Response:
        request.request_auth = request.auth  # the same secret under a name the policy can't see
        return Response({"ok": True})

    def post(self, request: Any) -> Response:
        request.request_auth = None
        request.data  # noqa: B018
        return Response({"ok": True})


class Validating(TracedAPIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    traced_attributes = ["data"]

    def post(self, request: Any) -> Response:
        Signup(data=request.data).is_valid(raise_exception=True)
        return Response({"ok": True})


@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@trace("data")
def validating_inner_trace(request: Any) -> Response:
    Signup(data=request.data).is_valid(raise_exception=True)
    return Response({"ok": True})


@trace("data")
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def validating_outer_trace(request: Any) -> Response:
    Signup(data=request.data).is_valid(raise_exception=True)
    return Response({"ok": True})


@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@trace("data")
def quoting(request: Any) -> Response:
    return Response({"n": int(request.data["password"])})


urlpatterns = [
    path("authed/", Authed.as_view()),
    path("validating/", Validating.as_view()),
    path("validating-inner/", validating_inner_trace),
    path("validating-outer/", validating_outer_trace),
    path("quoting/", quoting),
]


def call(method: str, url: str, middleware: bool = False, **kwargs: Any) -> Any:
    mw = ["ot_views.middleware.OpenTracingMiddleware"] if middleware else []
    with override_settings(MIDDLEWARE=mw), traced() as tracer:
        client = APIClient(raise_request_exception=False)
        response = getattr(client, method)(url, **kwargs)
    return response, server_span(tracer)


def test_request_auth_token_is_redacted_and_scrubbed():
    response, span = call("get", "/authed/", HTTP_AUTHORIZATION=f"Token {SECRET}")
    assert response.status_code == 200
    assert span.tags["auth"] == REDACTED
    # Under a name the policy cannot judge, the value is still a known secret of the request.
    assert span.tags["request_auth"] == REDACTED
    assert SECRET not in dump(span)


@pytest.mark.parametrize(
    "url", ["/validating/", "/validating-inner/", "/validating-outer/"], ids=str
)
@pytest.mark.parametrize("middleware", [False, True])
def test_validation_errors_log_field_names_only(url, middleware):
    body = {"email": f"not-an-email-{SECRET}", "password": f"short-{SECRET}"}
    response, span = call("post", url, middleware=middleware, data=body, format="json")
    assert response.status_code == 400
    # ``email`` is no secret by key, so a traced ``data.email`` shows it: but what the client
    # sent never reaches the error log, whichever field it was in.
    logs = "\n".join(f"{v!r} {v}" for log in span.logs for v in log.key_values.values())
    assert "not-an-email" not in logs and SECRET not in logs, logs
    assert span.tags["http.status_code"] == 400
    if url == "/validating-outer/":
        # Outside @api_view, @trace sees Django's request (no ``data``) and DRF's 400 response,
        # never the exception.
        assert not span.logs
        return
    assert span.tags["data.password"] == REDACTED
    log = span.logs[0].key_values
    assert log["error.kind"] == "ValidationError"
    assert log["message"] == "Invalid input for: email, password"
    assert "error.object" not in log
    assert "error" not in span.tags


def test_exception_quoting_drf_data_is_scrubbed():
    response, span = call("post", "/quoting/", data={"password": f"x{SECRET}"}, format="json")
    assert response.status_code == 500
    assert SECRET not in dump(span)
    assert span.logs[0].key_values["error.kind"] == "ValueError"


@pytest.mark.parametrize(
    "body",
    [
        [[{"password": SECRET}]],
        {"items": [[{"password": SECRET}]]},
        {"a": [1, [{"api_key": SECRET}]]},
        [[[[[[[{"token": SECRET}]]]]]]],
    ],
    ids=["top-level", "items", "mixed", "deep"],
)
def test_nested_data_is_redacted(body):
    response, span = call("post", "/authed/", data=body, format="json")
    assert response.status_code == 200
    assert SECRET not in dump(span)
    assert any(key.startswith("data") for key in span.tags)


SENSITIVE = st.sampled_from(["password", "token", "api_key", "clientSecret", "jwt", "code"])
SAFE_KEY = st.sampled_from(["name", "items", "a", "value"])


@st.composite
def nested_secret(draw: Any) -> tuple[Any, str]:
    secret = "S3c" + draw(st.text(alphabet="abcdefghijkXYZ0123456789", min_size=8, max_size=30))
    value: Any = {draw(SENSITIVE): secret}
    for _ in range(draw(st.integers(0, 7))):
        if draw(st.booleans()):
            value = {draw(SAFE_KEY): value, "n": draw(st.integers())}
        else:
            value = [draw(st.integers()), value]
    return value, secret


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nested_secret(), st.sampled_from(["data", "quoting", "validation"]), st.booleans())
def test_random_secret_in_random_drf_places(placement, where, middleware):
    value, secret = placement
    if where == "data":
        _, span = call("post", "/authed/", middleware, data=value, format="json")
    elif where == "quoting":
        _, span = call("post", "/quoting/", middleware, data={"password": secret}, format="json")
    else:
        body = {"password": secret, "token": secret}
        _, span = call("post", "/validating-inner/", middleware, data=body, format="json")
    assert secret not in dump(span)
