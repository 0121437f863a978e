"""Tracing a DRF view observes, never causes: no authentication, parsing or upload it did not do.

The views use DRF's documented lazy authentication (``perform_authentication`` does nothing, so
``request.user`` is resolved only if the handler asks) and trace ``user.username``, ``auth``,
``data``, ``POST`` and ``FILES`` without reading any of them. Side by side with tracing off
(the path excluded), for the DRF mixin, ``@trace`` inside ``@api_view`` and the middleware with
``OPENTRACING_TRACED_ATTRIBUTES``: identical responses, cookies, queries, parsers run, upload
handlers run and session saves.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from django.urls import path
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import api_view, authentication_classes, parser_classes
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ot_views import trace
from ot_views.reading import read
from ot_views.testing import server_span
from ot_views_drf import TracedAPIView

from ..observing import (
    FAST_PASSWORDS,
    TRACING_OFF,
    UPLOAD_HANDLERS,
    UPLOADS,
    logged_in_client,
    observe,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.drf.test_side_effects")]

MIDDLEWARE = "ot_views.middleware.OpenTracingMiddleware"
SESSION_AUTH = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
QUIET = ["user.username", "auth", "data", "POST", "FILES"]


class RecordingJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        UPLOADS.append("json")
        return super().parse(stream, media_type, parser_context)


PARSERS = [RecordingJSONParser, FormParser, MultiPartParser]


def handle(request: Request) -> Response:
    """Reads the user or the data only when the query string asks it to."""
    if request.query_params.get("look"):
        request.user  # noqa: B018
    if request.query_params.get("read"):
        request.data  # noqa: B018
    return Response({"ok": True})


class LazyAuthMixin:
    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]
    parser_classes = PARSERS

    def perform_authentication(self, request: Request) -> None:
        """DRF's lazy authentication: the user is resolved on first use, if any."""

    def get(self, request: Request) -> Response:
        return handle(request)

    post = get


class Quiet(LazyAuthMixin, TracedAPIView):
    traced_attributes = QUIET


class Plain(LazyAuthMixin, APIView):
    pass


@api_view(["GET", "POST"])
@authentication_classes([SessionAuthentication])
@parser_classes(PARSERS)
@trace(*QUIET)
def quiet_func(request: Request) -> Response:
    return handle(request)


urlpatterns = [
    path("drf/quiet/", Quiet.as_view()),
    path("drf/func/", quiet_func),
    path("drf/plain/", Plain.as_view()),
]

MIDDLEWARE_SETTINGS = {
    "MIDDLEWARE": [MIDDLEWARE, *SESSION_AUTH],
    "OPENTRACING_TRACED_ATTRIBUTES": ["user.username", "POST", "FILES", "body"],
}
# adapter -> (path, extra settings)
ADAPTERS: dict[str, tuple[str, dict[str, Any]]] = {
    "mixin": ("/drf/quiet/", {}),
    "api_view": ("/drf/func/", {}),
    "middleware": ("/drf/plain/", MIDDLEWARE_SETTINGS),
}
# scenario -> (method, request keyword arguments)
SCENARIOS: dict[str, tuple[str, Any]] = {
    "logged-in": ("get", dict),
    "json": ("post", lambda: {"data": {"title": "t"}, "content_type": "application/json"}),
    "upload": ("post", upload),
}
# @api_view authenticates before the handler (DRF's default), so only the body is at stake.
CASES = [
    (adapter, scenario)
    for adapter in ADAPTERS
    for scenario in SCENARIOS
    if not (adapter == "api_view" and scenario == "logged-in")
]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORDS


def run(adapter: str, scenario: str, traced_on: bool) -> dict[str, Any]:
    url, settings = ADAPTERS[adapter]
    method, kwargs = SCENARIOS[scenario]
    client, _ = logged_in_client()
    off = {} if traced_on else TRACING_OFF
    with override_settings(FILE_UPLOAD_HANDLERS=UPLOAD_HANDLERS, **settings, **off):
        return observe(client, False, method, url, **kwargs())


@pytest.mark.parametrize(("adapter", "scenario"), CASES)
def test_tracing_on_and_off_look_the_same(adapter, scenario, tracer):
    off = run(adapter, scenario, False)
    assert tracer.finished_spans() == []
    on = run(adapter, scenario, True)

    assert on == off
    tags = server_span(tracer).tags
    not_loaded = [key for key, value in tags.items() if value == "[not loaded]"]
    assert "POST" in not_loaded and "FILES" in not_loaded
    if adapter != "api_view":
        assert "user.username" in not_loaded


def test_data_is_tagged_when_the_view_read_it(client, tracer):
    client.post("/drf/quiet/", {"title": "t"}, content_type="application/json")
    client.post("/drf/quiet/?read=1", {"title": "t"}, content_type="application/json")
    client.post("/drf/quiet/?read=1", **upload())
    unread, json_read, form_read = (s.tags for s in tracer.finished_spans())
    assert unread["data"] == "[not loaded]"
    assert json_read["data.title"] == "t"
    assert form_read["data.title"] == "t"
    assert form_read["POST.title"] == "t"
    assert form_read["FILES.file"] == "a.txt"


def test_user_is_tagged_when_the_view_read_it(tracer):
    client, user = logged_in_client()
    client.get("/drf/quiet/")
    client.get("/drf/quiet/?look=1")
    quiet, looked = (s.tags for s in tracer.finished_spans())
    assert quiet["user.username"] == "[not loaded]"
    assert looked["user.username"] == user.username


def test_names_drf_forwards_follow_the_http_request_rules(rf):
    """``request.body`` on DRF's Request is the HttpRequest's: unread, it is not read."""
    http = rf.post("/x/", data=b"raw", content_type="text/plain")
    request = Request(http)
    assert read(request, "body") == "[not loaded]"
    assert not http._read_started
    assert read(request, "method") == "POST"
    assert read(request, "content_type") == "text/plain"
