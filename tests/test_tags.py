"""The tags every request span carries (docs/design.rst)."""

from __future__ import annotations

import asyncio

from ot_views.testing import server_span


def test_standard_tags_on_a_class_based_view(client, tracer):
    response = client.get("/books/5/?q=1", HTTP_HOST="example.com")
    assert response.status_code == 200
    tags = server_span(tracer).tags
    assert tags["span.kind"] == "server"
    assert tags["component"] == "django"
    assert tags["http.method"] == "GET"
    assert tags["http.url"] == "http://example.com/books/5/?q=1"
    assert tags["http.status_code"] == 200
    assert isinstance(tags["http.status_code"], int)
    assert tags["http.route"] == "books/<int:pk>/"
    assert tags["django.view"] == "tests.views.BookDetail"
    assert tags["peer.ipv4"] == "127.0.0.1"
    assert "peer.ipv6" not in tags
    assert "error" not in tags


def test_ipv6_peer(client, tracer):
    client.get("/plain/", REMOTE_ADDR="::1")
    tags = server_span(tracer).tags
    assert tags["peer.ipv6"] == "::1"
    assert "peer.ipv4" not in tags


def test_no_peer_tag_without_remote_addr(client, tracer):
    client.get("/plain/", REMOTE_ADDR="")
    tags = server_span(tracer).tags
    assert "peer.ipv4" not in tags and "peer.ipv6" not in tags


def test_https_url_and_server_name_port(client, tracer):
    client.get("/plain/", secure=True, HTTP_HOST="example.com")
    assert server_span(tracer).tags["http.url"] == "https://example.com/plain/"


def test_url_without_host_header_uses_server_name_and_port(rf, tracer):
    from tests.views import Plain

    request = rf.get("/plain/")
    request.META.pop("HTTP_HOST", None)
    request.META["SERVER_NAME"] = "internal"
    request.META["SERVER_PORT"] = "8000"
    Plain.as_view()(request)
    assert server_span(tracer).tags["http.url"] == "http://internal:8000/plain/"


def test_non_ascii_path_is_escaped_in_url(client, tracer, with_middleware):
    client.get("/nowhere/caf\u00e9/")
    assert server_span(tracer).tags["http.url"] == "http://testserver/nowhere/caf%C3%A9/"


def test_function_view_tags(client, tracer):
    client.get("/func/")
    tags = server_span(tracer).tags
    assert tags["http.route"] == "func/"
    assert tags["django.view"] == "tests.views.func_view"
    assert tags["http.status_code"] == 200


def test_async_view_tags(async_client, tracer):
    response = asyncio.run(async_client.get("/async/"))
    assert response.status_code == 200
    tags = server_span(tracer).tags
    assert tags["http.route"] == "async/"
    assert tags["django.view"] == "tests.views.AsyncChild"
    assert tags["http.status_code"] == 200
    assert tags["path"] == "/async/"


def test_middleware_alone_tags_the_resolved_view(client, tracer, with_middleware):
    client.get("/untraced/")
    span = server_span(tracer)
    assert span.operation_name == "Untraced.get"
    assert span.tags["django.view"] == "tests.views.Untraced"
    assert span.tags["http.route"] == "untraced/"
    assert span.tags["http.status_code"] == 200


def test_start_span_callback_adds_tags(client, tracer, settings):
    seen = []

    def cb(span, request):
        seen.append(request.path)
        span.set_tag("custom", "yes")

    settings.OPENTRACING_START_SPAN_CB = cb
    client.get("/plain/")
    assert server_span(tracer).tags["custom"] == "yes"
    assert seen == ["/plain/"]


def test_start_span_callback_dotted_path(client, tracer, settings):
    settings.OPENTRACING_START_SPAN_CB = "tests.test_tags.dotted_cb"
    client.get("/plain/")
    assert server_span(tracer).tags["dotted"] == "/plain/"


def dotted_cb(span, request):
    span.set_tag("dotted", request.path)


def test_start_span_callback_exception_is_swallowed(client, tracer, settings):
    def cb(span, request):
        raise RuntimeError("callback broke")

    settings.OPENTRACING_START_SPAN_CB = cb
    response = client.get("/plain/")
    assert response.status_code == 200
    assert server_span(tracer).operation_name == "Plain.get"


def test_get_span_in_view_tags_the_request_span(client, tracer):
    client.get("/span-in-view/")
    assert server_span(tracer).tags["from.view"] == "yes"
