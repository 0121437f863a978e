"""The view a span names is the first one resolved for the request.

When adapters nest (the middleware around a traced view, a traced view calling another traced
view), the first adapter that knows the view tags ``django.view`` and ``http.route``; adapters
inside only rename the span. The operation name is the innermost adapter's, the view path the
outermost's: the route resolved to that view.
"""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from ot_views import TracedView, trace
from ot_views.testing import server_span

pytestmark = pytest.mark.urls("tests.test_first_adapter_wins")


@trace(operation_name="inner.func")
def inner_func(request):
    return HttpResponse("inner func")


class Inner(TracedView):
    def get(self, request):
        return HttpResponse("inner class")


class Outer(TracedView):
    def get(self, request):
        return inner_func(request)


class OuterOfClass(TracedView):
    def get(self, request):
        return Inner.as_view()(request)


def plain_delegate(request):
    return Inner.as_view()(request)


urlpatterns = [
    path("outer/", Outer.as_view()),
    path("outer-of-class/", OuterOfClass.as_view()),
    path("delegate/", plain_delegate),
]


@pytest.mark.parametrize("middleware", [False, True])
def test_traced_view_calling_a_traced_function(tracer, settings, middleware):
    if middleware:
        settings.MIDDLEWARE = ["ot_views.middleware.OpenTracingMiddleware", *settings.MIDDLEWARE]
    assert Client().get("/outer/").content == b"inner func"
    span = server_span(tracer)
    assert span.operation_name == "inner.func"
    assert span.tags["django.view"] == f"{__name__}.Outer"
    assert span.tags["http.route"] == "outer/"


@pytest.mark.parametrize("middleware", [False, True])
def test_traced_view_calling_a_traced_class(tracer, settings, middleware):
    if middleware:
        settings.MIDDLEWARE = ["ot_views.middleware.OpenTracingMiddleware", *settings.MIDDLEWARE]
    assert Client().get("/outer-of-class/").content == b"inner class"
    span = server_span(tracer)
    assert span.operation_name == "Inner.get"
    assert span.tags["django.view"] == f"{__name__}.OuterOfClass"


def test_middleware_names_the_routed_view_before_a_traced_view_inside(tracer, with_middleware):
    assert Client().get("/delegate/").content == b"inner class"
    span = server_span(tracer)
    assert span.operation_name == "Inner.get"
    assert span.tags["django.view"] == f"{__name__}.plain_delegate"
    assert span.tags["http.route"] == "delegate/"
