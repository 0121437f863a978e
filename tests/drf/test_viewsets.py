"""DRF viewsets, APIViews and generic views through a real DefaultRouter, asserting on spans."""

from __future__ import annotations

import base64
import json

import pytest

from ot_views.testing import server_span, server_spans
from tests.drf.models import Book

pytestmark = pytest.mark.django_db


@pytest.fixture
def books():
    return [Book.objects.create(title=f"Book {i}", author="Ann") for i in range(3)]


def test_list_is_named_by_action(client, tracer, books):
    response = client.get("/api/books/?page=2&search=x")
    assert response.status_code == 200
    span = server_span(tracer)
    assert span.operation_name == "BookViewSet.list"
    assert span.tags["drf.action"] == "list"
    assert span.tags["django.view"] == "tests.drf.views.BookViewSet"
    assert span.tags["http.route"] == "api/books/"
    assert span.tags["http.status_code"] == 200
    assert span.tags["span.kind"] == "server"
    assert span.tags["component"] == "django"
    assert span.tags["query_params.search"] == "x"
    assert span.tags["accepted_renderer.format"] == "json"
    assert "error" not in span.tags


def test_retrieve_create_update_destroy(client, tracer, books):
    pk = books[0].pk
    assert client.get(f"/api/books/{pk}/").status_code == 200
    created = client.post(
        "/api/books/",
        data=json.dumps({"title": "New", "author": "Bo"}),
        content_type="application/json",
    )
    assert created.status_code == 201
    assert (
        client.patch(
            f"/api/books/{pk}/",
            data=json.dumps({"title": "Renamed"}),
            content_type="application/json",
        ).status_code
        == 200
    )
    assert client.delete(f"/api/books/{pk}/").status_code == 204
    names = [s.operation_name for s in server_spans(tracer)]
    assert names == [
        "BookViewSet.retrieve",
        "BookViewSet.create",
        "BookViewSet.partial_update",
        "BookViewSet.destroy",
    ]
    create = server_spans(tracer)[1]
    assert create.tags["data.title"] == "New"
    assert create.tags["http.status_code"] == 201


def test_custom_action(client, tracer, books):
    response = client.post(f"/api/books/{books[1].pk}/publish/")
    assert response.status_code == 200
    span = server_span(tracer)
    assert span.operation_name == "BookViewSet.publish"
    assert span.tags["drf.action"] == "publish"


def test_plain_viewset_and_404_from_drf(client, tracer):
    assert client.get("/api/pings/").status_code == 200
    assert client.get("/api/pings/0/").status_code == 404
    ok, missing = server_spans(tracer)
    assert ok.operation_name == "PingViewSet.list"
    assert missing.operation_name == "PingViewSet.retrieve"
    assert missing.tags["http.status_code"] == 404
    assert "error" not in missing.tags
    (log,) = missing.logs
    assert log.key_values["event"] == "error"
    assert log.key_values["error.kind"] == "NotFound"
    assert log.key_values["message"] == "no ping zero"


def test_model_404_is_logged_not_error(client, tracer):
    assert client.get("/api/books/999/").status_code == 404
    span = server_span(tracer)
    assert span.operation_name == "BookViewSet.retrieve"
    assert span.logs[0].key_values["error.kind"] == "Http404"
    assert "error" not in span.tags


def test_exception_escaping_drf_is_an_error(client, tracer):
    with pytest.raises(RuntimeError, match="ping exploded"):
        client.get("/api/pings/500/")
    span = server_span(tracer)
    assert span.operation_name == "PingViewSet.retrieve"
    assert span.tags["error"] is True
    errors = [log.key_values for log in span.logs if log.key_values.get("event") == "error"]
    assert len(errors) == 1, "the exception is logged once, not by every layer"
    assert errors[0]["error.kind"] == "RuntimeError"
    assert "ping exploded" in errors[0]["stack"]


def test_exception_escaping_drf_under_middleware_gives_500(client, tracer, with_middleware):
    client.raise_request_exception = False
    response = client.get("/api/pings/500/")
    assert response.status_code == 500
    span = server_span(tracer)
    assert span.operation_name == "PingViewSet.retrieve"
    assert span.tags["http.status_code"] == 500
    assert span.tags["error"] is True
    assert [log.key_values["error.kind"] for log in span.logs] == ["RuntimeError"]


def test_apiview_named_by_method(client, tracer):
    assert client.get("/api/echo/?q=1").status_code == 200
    span = server_span(tracer)
    assert span.operation_name == "Echo.get"
    assert span.tags["django.view"] == "tests.drf.views.Echo"
    assert span.tags["query_params.q"] == "1"
    assert "drf.action" not in span.tags


def test_generic_view(client, tracer, books):
    assert client.get("/api/book-list/").status_code == 200
    assert (
        client.post(
            "/api/book-list/",
            data={"title": "Form"},
        ).status_code
        == 201
    )
    names = [s.operation_name for s in server_spans(tracer)]
    assert names == ["BookList.get", "BookList.post"]


def test_validation_error_logs_field_names_not_values(client, tracer):
    response = client.post(
        "/api/books/",
        data=json.dumps({"title": "", "author": "x" * 300, "password": "hunter2-secret"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    span = server_span(tracer)
    (log,) = span.logs
    assert log.key_values["error.kind"] == "ValidationError"
    assert log.key_values["message"] == "Invalid input for: author, title"
    assert "error" not in span.tags
    assert span.tags["data.password"] == "[REDACTED]"
    assert "hunter2" not in repr(span.tags) + repr([entry.key_values for entry in span.logs])


def test_middleware_and_drf_mixin_make_one_span_with_drf_name(
    client, tracer, books, with_middleware
):
    assert client.get(f"/api/books/{books[0].pk}/").status_code == 200
    span = server_span(tracer)
    assert span.operation_name == "BookViewSet.retrieve"
    assert span.tags["drf.action"] == "retrieve"
    assert span.tags["http.status_code"] == 200


def test_operation_name_override(client, tracer, settings):
    from tests.drf.views import Echo

    Echo.operation_name = "echo.custom"
    try:
        client.get("/api/echo/")
    finally:
        Echo.operation_name = None
    assert server_span(tracer).operation_name == "echo.custom"


def test_route_style_names(client, tracer, books, settings):
    settings.OPENTRACING_OPERATION_NAME = "route"
    client.get(f"/api/books/{books[0].pk}/")
    assert server_span(tracer).operation_name == "GET api/books/<pk>/"


def test_authenticated_user_is_read_after_the_handler(client, tracer, django_user_model):
    django_user_model.objects.create_user("ann", password="pw-Ann-123")
    auth = "Basic " + base64.b64encode(b"ann:pw-Ann-123").decode()
    response = client.get("/api/secured/", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 200
    assert response.json() == {"user": "ann"}
    span = server_span(tracer)
    assert span.tags["user"] == "ann"
    assert span.tags["headers.Authorization"] == "[REDACTED]"
    assert "pw-Ann" not in repr(span.tags)


def test_middleware_span_gets_drf_name_even_when_auth_fails(client, tracer, with_middleware):
    response = client.get("/api/secured/")
    assert response.status_code in (401, 403)
    span = server_span(tracer)
    assert span.operation_name == "Secured.get"
    assert span.tags["http.status_code"] == response.status_code
    assert "error" not in span.tags


def test_middleware_alone_names_untraced_drf_views(client, tracer, with_middleware):
    client.post("/api/plain-echo/", data="{}", content_type="application/json")
    span = server_span(tracer)
    assert span.operation_name == "PlainEcho.post"
    assert span.tags["django.view"] == "tests.drf.views.PlainEcho"
    assert span.tags["http.status_code"] == 201


def test_get_span_accepts_drf_request(rf, tracer):
    from rest_framework.request import Request

    from ot_views import get_span
    from ot_views.span import begin

    http_request = rf.get("/x/")
    handle = begin(http_request, "manual")
    assert get_span(Request(http_request)) is handle.span
    handle.done(None)
    assert get_span(Request(http_request)) is None
