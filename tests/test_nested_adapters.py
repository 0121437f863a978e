"""An adapter inside another one enriches the outer span; what it cannot improve it leaves alone."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from ot_views import TracedView, get_span
from ot_views.testing import server_span


class Unnamed(TracedView):
    """A view whose own name comes out empty (an override with nothing to say)."""

    def get_operation_name(self, request):
        return ""

    def get(self, request):
        return HttpResponse("ok")


class Plain(TracedView):
    def get(self, request):
        return HttpResponse("ok")


SEEN_AFTER_THE_VIEW: list = []


class LooksAfterTheView:
    """A middleware inside OpenTracingMiddleware that tags the span once the view returned."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        span = get_span(request)
        SEEN_AFTER_THE_VIEW.append(span)
        if span is not None:
            span.set_tag("after.view", True)
        return response


urlpatterns = [path("unnamed/", Unnamed.as_view()), path("plain/", Plain.as_view())]


@pytest.mark.urls(__name__)
def test_an_empty_name_from_an_inner_view_keeps_the_outer_name(tracer, with_middleware):
    # The middleware names the span from the resolved view before the view's own adapter runs.
    response = Client().get("/unnamed/")
    assert response.status_code == 200
    span = server_span(tracer)
    assert span.operation_name == "Unnamed.get"
    assert span.tags["django.view"].endswith("Unnamed")


@pytest.mark.urls(__name__)
def test_an_inner_adapter_does_not_end_the_span_it_joined(tracer, settings):
    # The mixin joins the middleware's span: the span stays live until the middleware ends it,
    # so a middleware between them still finds it after the view.
    SEEN_AFTER_THE_VIEW.clear()
    settings.MIDDLEWARE = [
        "ot_views.middleware.OpenTracingMiddleware",
        f"{__name__}.LooksAfterTheView",
        *settings.MIDDLEWARE,
    ]
    response = Client().get("/plain/")
    assert response.status_code == 200
    span = server_span(tracer)
    assert [span] == SEEN_AFTER_THE_VIEW
    assert span.tags["after.view"] is True
