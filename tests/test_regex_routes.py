"""Regex routes (re_path) read as path() templates in ``http.route`` and route-style names."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import re_path

from ot_views import naming
from ot_views.testing import server_span
from tests import views


def item_view(request, item):
    return HttpResponse(item)


urlpatterns = [
    # A class whose set starts with "]" and holds a ")": neither ends the class or the group.
    re_path(r"^codes/(?P<code>[^])/]+)/\Z", views.Plain.as_view()),
    re_path(r"^\Aitems\b/(?P<item>[0-9]+)/?$", item_view),
]

pytestmark = pytest.mark.urls(__name__)


def test_http_route_of_a_regex_route(client, tracer):
    assert client.get("/codes/a(b/").status_code == 200
    span = server_span(tracer)
    assert span.tags["http.route"] == "codes/<code>/"
    assert span.operation_name == "Plain.get"


@override_settings(OPENTRACING_OPERATION_NAME="route")
def test_route_style_name_of_a_regex_route(client, tracer):
    client.get("/codes/x/")
    assert server_span(tracer).operation_name == "GET codes/<code>/"


@override_settings(OPENTRACING_OPERATION_NAME="route")
def test_route_style_name_of_a_regex_route_under_middleware(client, tracer, with_middleware):
    client.get("/items/12")
    span = server_span(tracer)
    assert span.operation_name == "GET items/<item>/"
    assert span.tags["http.route"] == "items/<item>/"


@override_settings(OPENTRACING_OPERATION_NAME="route")
def test_route_style_without_a_resolved_url_uses_the_view_name(rf, tracer):
    # A view called directly (no URL resolution) has no route: the view's own name stands.
    views.Plain.as_view()(rf.get("/codes/x/"))
    span = server_span(tracer)
    assert span.operation_name == "Plain.get"
    assert "http.route" not in span.tags


@override_settings(OPENTRACING_OPERATION_NAME="route")
@pytest.mark.parametrize(
    "request_",
    [
        SimpleNamespace(method="GET"),  # not a Django request: no resolver_match at all
        SimpleNamespace(method="GET", resolver_match=SimpleNamespace()),  # a match with no route
        SimpleNamespace(method="GET", resolver_match=SimpleNamespace(route="")),
    ],
    ids=["no-resolver-match", "match-without-route", "empty-route"],
)
def test_choose_falls_back_when_there_is_no_route(request_):
    assert naming.route(request_) is None
    assert naming.choose(request_, None, "Fallback.get") == "Fallback.get"
