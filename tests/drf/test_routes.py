"""DRF router routes read as templates in http.route and in route-style names, not as regexes."""

from __future__ import annotations

import pytest

from ot_views.testing import server_span
from tests.drf.models import Book

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    return Book.objects.create(title="Dune", author="Herbert")


@pytest.mark.parametrize("route_names", [False, True])
def test_router_list_detail_and_action_routes(client, tracer, book, settings, route_names):
    if route_names:
        settings.OPENTRACING_OPERATION_NAME = "route"
    cases = [
        ("get", "/api/books/", "api/books/", "BookViewSet.list"),
        ("get", f"/api/books/{book.pk}/", "api/books/<pk>/", "BookViewSet.retrieve"),
        (
            "post",
            f"/api/books/{book.pk}/publish/",
            "api/books/<pk>/publish/",
            "BookViewSet.publish",
        ),
        ("get", "/api/books.json", "api/books.<format>/", "BookViewSet.list"),
    ]
    for method, url, route, view_name in cases:
        tracer.reset()
        response = getattr(client, method)(url)
        assert response.status_code == 200, url
        span = server_span(tracer)
        assert span.tags["http.route"] == route
        assert span.operation_name == (f"{method.upper()} {route}" if route_names else view_name)


def test_readable_route_under_the_middleware(client, tracer, book, with_middleware, settings):
    settings.OPENTRACING_OPERATION_NAME = "route"
    client.get(f"/api/books/{book.pk}/")
    span = server_span(tracer)
    assert span.tags["http.route"] == "api/books/<pk>/"
    assert span.operation_name == "GET api/books/<pk>/"
