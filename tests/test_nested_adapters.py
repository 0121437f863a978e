"""An adapter inside another one enriches the outer span; what it cannot improve it leaves alone."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from ot_views import TracedView
from ot_views.testing import server_span


class Unnamed(TracedView):
    """A view whose own name comes out empty (an override with nothing to say)."""

    def get_operation_name(self, request):
        return ""

    def get(self, request):
        return HttpResponse("ok")


urlpatterns = [path("unnamed/", Unnamed.as_view())]


@pytest.mark.urls(__name__)
def test_an_empty_name_from_an_inner_view_keeps_the_outer_name(tracer, with_middleware):
    # The middleware names the span from the resolved view before the view's own adapter runs.
    response = Client().get("/unnamed/")
    assert response.status_code == 200
    span = server_span(tracer)
    assert span.operation_name == "Unnamed.get"
    assert span.tags["django.view"].endswith("Unnamed")
