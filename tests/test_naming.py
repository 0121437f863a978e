"""Operation names: view style, route style, per-view overrides, function views."""

from __future__ import annotations

from django.test import override_settings

from ot_views.testing import server_span


def name_of(client, tracer, url, method="get"):
    getattr(client, method)(url)
    return server_span(tracer).operation_name


def test_class_based_view_is_named_class_dot_handler(client, tracer):
    assert name_of(client, tracer, "/books/1/") == "BookDetail.get"


def test_post_handler_name(client, tracer):
    assert name_of(client, tracer, "/plain/", "post") == "Plain.post"


def test_method_not_allowed_has_its_own_name(client, tracer):
    response = client.delete("/plain/")
    assert response.status_code == 405
    assert server_span(tracer).operation_name == "Plain.http_method_not_allowed"


def test_head_on_a_get_view(client, tracer):
    response = client.head("/plain/")
    assert response.status_code == 200
    assert server_span(tracer).operation_name == "Plain.head"


def test_operation_name_class_attribute(client, tracer):
    assert name_of(client, tracer, "/named/") == "books.custom"


def test_get_operation_name_override_is_per_request(client, tracer):
    client.get("/per-request/?kind=a")
    client.get("/per-request/?kind=b")
    names = [s.operation_name for s in tracer.finished_spans()]
    assert names == ["per-request.a", "per-request.b"]


def test_function_view_uses_function_name(client, tracer):
    assert name_of(client, tracer, "/func/") == "func_view"


def test_trace_operation_name_argument(client, tracer):
    assert name_of(client, tracer, "/func-named/") == "func.renamed"


def test_async_function_view_name(async_client, tracer):
    import asyncio

    asyncio.run(async_client.get("/afunc/"))
    assert server_span(tracer).operation_name == "afunc_view"


@override_settings(OPENTRACING_OPERATION_NAME="route")
def test_route_style_class_based_view(client, tracer):
    assert name_of(client, tracer, "/books/7/") == "GET books/<int:pk>/"


@override_settings(OPENTRACING_OPERATION_NAME="route")
def test_route_style_keeps_explicit_operation_name(client, tracer):
    assert name_of(client, tracer, "/named/") == "books.custom"


@override_settings(OPENTRACING_OPERATION_NAME="route")
def test_route_style_under_middleware(client, tracer, with_middleware):
    assert name_of(client, tracer, "/plain-func/") == "GET plain-func/"


def test_name_is_never_the_raw_path(client, tracer, with_middleware):
    client.get("/books/123/")
    client.get("/does/not/exist/123/")
    names = [s.operation_name for s in tracer.finished_spans()]
    assert names == ["BookDetail.get", "HTTP GET"]
    assert not any("123" in n for n in names)


def test_unresolved_404_under_middleware_is_http_method(client, tracer, with_middleware):
    response = client.post("/nowhere/")
    assert response.status_code == 404
    span = server_span(tracer)
    assert span.operation_name == "HTTP POST"
    assert span.tags["http.status_code"] == 404
    assert "http.route" not in span.tags
    assert "django.view" not in span.tags
    assert "error" not in span.tags


def test_get_operation_name_raising_falls_back_to_class_name(client, tracer, caplog):
    from tests import views

    def broken(self, request):
        raise RuntimeError("bad name")

    original = views.PerRequestName.get_operation_name
    views.PerRequestName.get_operation_name = broken
    try:
        response = client.get("/per-request/")
    finally:
        views.PerRequestName.get_operation_name = original
    assert response.status_code == 200
    assert server_span(tracer).operation_name == "PerRequestName"
