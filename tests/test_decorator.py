"""@trace on function views: sync, async, and misuse that fails loudly at import time."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from django.http import HttpResponse

from ot_views import trace
from ot_views.testing import make_tracer, server_span
from tests import views


def test_sync_function_view(client, tracer):
    response = client.get("/func/?x=1")
    assert response.content == b"func"
    span = server_span(tracer)
    assert span.operation_name == "func_view"
    assert span.tags["django.view"] == "tests.views.func_view"
    assert span.tags["GET.x"] == "1"


def test_async_function_view_stays_a_coroutine_function(async_client, tracer):
    assert inspect.iscoroutinefunction(views.afunc_view)
    response = asyncio.run(async_client.get("/afunc/"))
    assert response.content == b"afunc"
    assert server_span(tracer).tags["path"] == "/afunc/"


def test_wrapper_keeps_name_and_doc():
    @trace()
    def my_view(request):
        """Docs."""
        return HttpResponse()

    assert my_view.__name__ == "my_view"
    assert my_view.__doc__ == "Docs."
    assert my_view.__wrapped__ is not None


def test_arguments_are_passed_through(rf, tracer):
    @trace("path")
    def view(request, pk, *, slug):
        return HttpResponse(f"{pk}-{slug}")

    assert view(rf.get("/v/"), 3, slug="s").content == b"3-s"
    assert server_span(tracer).operation_name == "view"


def test_tracer_argument_overrides_the_setting(rf, tracer):
    own = make_tracer()

    @trace(tracer=own)
    def view(request):
        return HttpResponse()

    view(rf.get("/v/"))
    assert server_span(own).operation_name == "view"
    assert tracer.finished_spans() == []


def test_nested_decorators_make_one_span(rf, tracer):
    @trace("path", operation_name="outer")
    @trace("method", operation_name="inner")
    def view(request):
        return HttpResponse()

    view(rf.get("/v/"))
    span = server_span(tracer)
    assert span.operation_name == "inner"
    assert span.tags["path"] == "/v/" and span.tags["method"] == "GET"


def test_without_parentheses_raises_with_usage():
    with pytest.raises(TypeError, match=r"without being called.*@trace\(\)"):

        @trace
        def view(request):
            return HttpResponse()


@pytest.mark.parametrize("bad", [3, None, b"path", ["path"]])
def test_non_string_attributes_raise_with_usage(bad):
    with pytest.raises(TypeError, match="request attribute names as strings"):
        trace("path", bad)


def test_non_string_operation_name_raises():
    with pytest.raises(TypeError, match="operation_name"):
        trace(operation_name=3)


def test_decorating_a_non_callable_raises():
    with pytest.raises(TypeError, match="decorates a view function"):
        trace("path")("not a function")


def test_class_passed_alone_is_misuse():
    class V:
        pass

    with pytest.raises(TypeError, match="without being called"):
        trace(V)
