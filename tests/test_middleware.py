"""OpenTracingMiddleware alone and with the other adapters: one span per request."""

from __future__ import annotations

import asyncio

import pytest
from django.http import HttpResponse
from django.test import AsyncClient, Client, override_settings

from ot_views import OpenTracingMiddleware
from ot_views.testing import server_span, server_spans

MIDDLEWARE = "ot_views.middleware.OpenTracingMiddleware"


def get(url, use_async, **extra):
    if use_async:
        return asyncio.run(AsyncClient().get(url, **extra))
    return Client().get(url, **extra)


both = pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])


@both
def test_middleware_alone_traces_a_plain_function_view(tracer, with_middleware, use_async):
    assert get("/plain-func/", use_async).status_code == 200
    span = server_span(tracer)
    assert span.operation_name == "plain_func"
    assert span.tags["django.view"] == "tests.views.plain_func"
    assert span.tags["http.route"] == "plain-func/"
    assert span.tags["http.status_code"] == 200
    assert span.tags["span.kind"] == "server"


@both
def test_middleware_alone_names_a_class_based_view(tracer, with_middleware, use_async):
    get("/untraced/", use_async)
    assert server_span(tracer).operation_name == "Untraced.get"


@both
def test_middleware_and_mixin_make_one_span_with_the_mixin_name(tracer, with_middleware, use_async):
    get("/named/", use_async)
    span = server_span(tracer)
    assert span.operation_name == "books.custom"
    assert span.tags["django.view"] == "tests.views.Named"
    assert len(tracer.finished_spans()) == 1


@both
def test_middleware_and_mixin_carry_the_mixin_attributes(tracer, with_middleware, use_async):
    get("/books/3/?page=2", use_async, headers={"user-agent": "pytest-agent"})
    span = server_span(tracer)
    assert span.operation_name == "BookDetail.get"
    assert span.tags["path"] == "/books/3/"
    assert span.tags["method"] == "GET"
    assert span.tags["GET.page"] == "2"
    assert span.tags["headers.user-agent"] == "pytest-agent"
    assert not any(k.startswith(("kwargs", "missing")) for k in span.tags)


@both
def test_middleware_and_trace_decorator_make_one_span(tracer, with_middleware, use_async):
    get("/func/?x=1", use_async)
    span = server_span(tracer)
    assert span.operation_name == "func_view"
    assert span.tags["path"] == "/func/"
    assert span.tags["GET.x"] == "1"
    get("/func-named/", use_async)
    assert server_spans(tracer)[1].operation_name == "func.renamed"


@both
def test_middleware_and_async_view_one_span(tracer, with_middleware, use_async):
    get("/afunc/", use_async)
    assert server_span(tracer).operation_name == "afunc_view"
    get("/async/", use_async)
    assert [s.operation_name for s in server_spans(tracer)] == ["afunc_view", "AsyncChild.get"]


@both
def test_unresolved_404(tracer, with_middleware, use_async):
    response = get("/no/such/page/", use_async)
    assert response.status_code == 404
    span = server_span(tracer)
    assert span.operation_name == "HTTP GET"
    assert span.tags["http.status_code"] == 404
    assert span.tags["http.url"] == "http://testserver/no/such/page/"
    assert "error" not in span.tags


@both
def test_excluded_paths_get_no_span(tracer, with_middleware, settings, use_async):
    settings.OPENTRACING_EXCLUDED_PATHS = [r"^/health/?$", r"^/plain/"]
    assert get("/health", use_async).status_code == 200
    assert get("/health/", use_async).status_code == 200
    assert get("/plain/", use_async).status_code == 200  # a TracedView, excluded too
    assert tracer.finished_spans() == []
    get("/plain-func/", use_async)
    assert server_span(tracer).operation_name == "plain_func"


def test_excluded_paths_apply_without_middleware(client, tracer, settings):
    settings.OPENTRACING_EXCLUDED_PATHS = [r"^/func"]
    assert client.get("/func/").status_code == 200
    assert client.get("/func-named/").status_code == 200
    assert tracer.finished_spans() == []


@both
def test_trace_all_false_leaves_the_middleware_idle(tracer, with_middleware, settings, use_async):
    settings.OPENTRACING_TRACE_ALL = False
    assert get("/untraced/", use_async).status_code == 200
    assert get("/plain-func/", use_async).status_code == 200
    assert get("/no/such/", use_async).status_code == 404
    assert tracer.finished_spans() == []
    get("/named/", use_async)
    get("/func/", use_async)
    assert [s.operation_name for s in server_spans(tracer)] == ["books.custom", "func_view"]


def test_trace_all_invalid_value_falls_back_to_default(tracer, with_middleware, settings):
    settings.OPENTRACING_TRACE_ALL = (False,)  # trailing comma: reported by checks, default used
    Client().get("/untraced/")
    assert server_span(tracer).operation_name == "Untraced.get"


@both
def test_middleware_traced_attributes_setting(tracer, with_middleware, settings, use_async):
    settings.OPENTRACING_TRACED_ATTRIBUTES = ["path", "method"]
    get("/untraced/", use_async)
    span = server_span(tracer)
    assert span.tags["path"] == "/untraced/"
    assert span.tags["method"] == "GET"


def test_traced_attributes_setting_without_middleware(client, tracer, settings):
    settings.OPENTRACING_TRACED_ATTRIBUTES = ["path"]
    client.get("/plain/")
    assert server_span(tracer).tags["path"] == "/plain/"


def test_middleware_not_first_still_one_span(tracer, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]
    Client().get("/books/1/")
    assert server_span(tracer).operation_name == "BookDetail.get"


def test_middleware_installed_twice_still_one_span(tracer, settings):
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE, MIDDLEWARE]
    Client().get("/untraced/")
    assert server_span(tracer).operation_name == "Untraced.get"


def test_short_circuiting_middleware_keeps_http_method_name(tracer, settings):
    settings.MIDDLEWARE = [MIDDLEWARE, "tests.test_middleware.short_circuit"]
    response = Client().get("/books/1/")
    assert response.content == b"short"
    span = server_span(tracer)
    assert span.operation_name == "HTTP GET"
    assert span.tags["http.status_code"] == 200


def short_circuit(get_response):
    def middleware(request):
        return HttpResponse("short")

    return middleware


@override_settings(OPENTRACING_OPERATION_NAME="route")
def test_route_names_under_async_middleware(tracer, with_middleware):
    asyncio.run(AsyncClient().get("/books/9/"))
    assert server_span(tracer).operation_name == "GET books/<int:pk>/"


def test_middleware_capabilities_and_modes():
    assert OpenTracingMiddleware.sync_capable is True
    assert OpenTracingMiddleware.async_capable is True

    async def aget_response(request):
        return HttpResponse()

    assert asyncio.iscoroutinefunction(OpenTracingMiddleware(aget_response)) or (
        OpenTracingMiddleware(aget_response).async_mode
    )
    assert OpenTracingMiddleware(lambda r: HttpResponse()).async_mode is False
    with pytest.raises(ValueError):
        OpenTracingMiddleware(None)


def test_middleware_without_any_tracer_configured(with_middleware):
    assert Client().get("/untraced/").status_code == 200
    assert Client().get("/no/such/").status_code == 404


def test_middleware_built_without_get_response_says_what_is_missing():
    with pytest.raises(ValueError) as info:
        OpenTracingMiddleware(None)
    assert str(info.value) == "OpenTracingMiddleware needs get_response (Django passes it)."
