"""``http.route`` is the pattern that matched: with no match, no tag (not a made-up one)."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseNotFound
from django.test import Client, override_settings
from django.urls import path

from ot_views import TracedView
from ot_views.testing import server_span


class Found(TracedView):
    def get(self, request, pk=None):
        return HttpResponse("ok")


class NotFoundPage(TracedView):
    """A project's 404 page, traced like its other views."""

    def get(self, request, exception=None):
        return HttpResponseNotFound("no such page")


def not_found(request, exception):
    return NotFoundPage.as_view()(request, exception=exception)


urlpatterns = [path("found/<int:pk>/", Found.as_view())]
handler404 = "tests.test_route_tag.not_found"


def test_a_view_called_without_resolving_has_no_route_tag(tracer, rf):
    Found.as_view()(rf.get("/found/1/"))
    tags = server_span(tracer).tags
    assert tags["django.view"] == "tests.test_route_tag.Found"
    assert "http.route" not in tags


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_traced_404_page_under_the_middleware_has_no_route_tag(tracer, with_middleware):
    response = Client().get("/nowhere/")
    assert response.status_code == 404
    span = server_span(tracer)
    assert span.tags["http.status_code"] == 404
    assert span.tags["django.view"] == "tests.test_route_tag.NotFoundPage"
    assert "http.route" not in span.tags


@override_settings(ROOT_URLCONF=__name__)
def test_a_routed_view_under_the_middleware_has_its_route(tracer, with_middleware):
    Client().get("/found/7/")
    assert server_span(tracer).tags["http.route"] == "found/<int:pk>/"
