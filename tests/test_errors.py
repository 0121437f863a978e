"""Errors: exceptions are logged on the span and re-raised; 5xx is an error, 4xx is not."""

from __future__ import annotations

import asyncio

import pytest
from django.test import Client

from ot_views.testing import server_span
from tests.views import TeapotError


def error_logs(span):
    return [log.key_values for log in span.logs if log.key_values.get("event") == "error"]


def assert_error_log(span, kind, message):
    logs = error_logs(span)
    assert len(logs) == 1, logs
    log = logs[0]
    assert log["error.kind"] == kind
    assert log["message"] == message
    assert type(log["error.object"]).__name__ == kind
    assert "Traceback" in log["stack"] and kind in log["stack"]
    return log


def test_view_exception_is_reraised_unchanged_and_logged(client, tracer):
    with pytest.raises(ValueError, match="boom happened") as info:
        client.get("/boom/")
    span = server_span(tracer)
    assert span.operation_name == "Boom.get"
    assert span.tags["error"] is True
    log = assert_error_log(span, "ValueError", "boom happened")
    assert log["error.object"] is info.value
    assert span.tags["http.status_code"] == 500  # what Django answers


def test_view_exception_becomes_500_and_error(tracer):
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    span = server_span(tracer)
    assert span.tags["error"] is True
    assert_error_log(span, "ValueError", "boom happened")


def test_function_view_exception(client, tracer):
    with pytest.raises(ZeroDivisionError):
        client.get("/func-boom/")
    span = server_span(tracer)
    assert span.operation_name == "func_boom"
    assert span.tags["error"] is True
    assert_error_log(span, "ZeroDivisionError", "func boom")


def test_async_view_exception(async_client, tracer):
    with pytest.raises(RuntimeError, match="async boom"):
        asyncio.run(async_client.get("/async-boom/"))
    span = server_span(tracer)
    assert span.tags["error"] is True
    assert_error_log(span, "RuntimeError", "async boom")


@pytest.mark.parametrize(
    ("kind", "status", "exc_name"),
    [
        ("http404", 404, "Http404"),
        ("permission", 403, "PermissionDenied"),
        ("bad-request", 400, "BadRequest"),
        ("suspicious", 400, "SuspiciousOperation"),
    ],
)
def test_client_error_exceptions_are_logged_but_not_errors(client, tracer, kind, status, exc_name):
    response = client.get(f"/raise/{kind}/")
    assert response.status_code == status
    span = server_span(tracer)
    assert span.tags["http.status_code"] == status
    assert "error" not in span.tags
    assert error_logs(span)[0]["error.kind"] == exc_name


@pytest.mark.parametrize(
    ("kind", "status"),
    [("http404", 404), ("permission", 403), ("bad-request", 400), ("suspicious", 400)],
)
def test_client_error_exceptions_under_middleware(client, tracer, with_middleware, kind, status):
    response = client.get(f"/untraced-raise/{kind}/")
    assert response.status_code == status
    span = server_span(tracer)
    assert span.operation_name == "untraced_raise"
    assert span.tags["http.status_code"] == status
    assert "error" not in span.tags
    assert len(error_logs(span)) == 1


def test_exception_with_int_status_code_is_not_an_error(client, tracer):
    with pytest.raises(TeapotError):
        client.get("/raise/teapot/")
    span = server_span(tracer)
    assert "error" not in span.tags
    assert span.tags["http.status_code"] == 418
    assert_error_log(span, "TeapotError", "short and stout")


def test_exception_with_5xx_status_code_is_an_error(client, tracer, monkeypatch):
    monkeypatch.setattr(TeapotError, "status_code", 503)
    with pytest.raises(TeapotError):
        client.get("/raise/teapot/")
    assert server_span(tracer).tags["error"] is True


def test_exception_with_non_int_status_code_is_an_error(client, tracer, monkeypatch):
    monkeypatch.setattr(TeapotError, "status_code", "418")
    with pytest.raises(TeapotError):
        client.get("/raise/teapot/")
    assert server_span(tracer).tags["error"] is True


def test_404_response_is_not_an_error(client, tracer):
    response = client.get("/missing/")
    assert response.status_code == 404
    span = server_span(tracer)
    assert span.tags["http.status_code"] == 404
    assert "error" not in span.tags
    assert_error_log(span, "Http404", "no such book")


@pytest.mark.parametrize("code", [400, 401, 404, 499])
def test_4xx_status_is_not_an_error(client, tracer, code):
    client.get(f"/status/{code}/")
    span = server_span(tracer)
    assert span.tags["http.status_code"] == code
    assert "error" not in span.tags
    assert error_logs(span) == []


@pytest.mark.parametrize("code", [500, 502, 503, 599])
def test_5xx_status_is_an_error(client, tracer, code):
    client.get(f"/status/{code}/")
    span = server_span(tracer)
    assert span.tags["http.status_code"] == code
    assert span.tags["error"] is True
    assert error_logs(span) == []


def test_middleware_alone_records_view_exception(tracer, with_middleware):
    response = Client(raise_request_exception=False).get("/untraced-boom/")
    assert response.status_code == 500
    span = server_span(tracer)
    assert span.operation_name == "UntracedBoom.get"
    assert span.tags["error"] is True
    assert span.tags["http.status_code"] == 500
    assert_error_log(span, "KeyError", "'middleware-only'")


def test_middleware_alone_reraises_through_test_client(client, tracer, with_middleware):
    with pytest.raises(KeyError, match="middleware-only"):
        client.get("/untraced-boom/")
    assert server_span(tracer).tags["error"] is True


def test_middleware_and_mixin_log_the_exception_once(tracer, with_middleware):
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    span = server_span(tracer)
    assert span.tags["error"] is True
    assert len(error_logs(span)) == 1


def test_async_middleware_records_exception(async_client, tracer, with_middleware):
    from django.test import AsyncClient

    response = asyncio.run(AsyncClient(raise_request_exception=False).get("/untraced-boom/"))
    assert response.status_code == 500
    span = server_span(tracer)
    assert span.tags["error"] is True
    assert_error_log(span, "KeyError", "'middleware-only'")


def test_unprintable_exception_message(client, tracer, monkeypatch):
    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("cannot print")

    from tests import views

    monkeypatch.setitem(views.RAISABLE, "unprintable", lambda: Unprintable())
    with pytest.raises(Unprintable):
        client.get("/raise/unprintable/")
    span = server_span(tracer)
    assert span.tags["error"] is True
    assert error_logs(span)[0]["message"] == "<unprintable exception>"
