"""The middleware alone names an untraced DRF viewset by the action its router mapped."""

from __future__ import annotations

import pytest
from django.urls import path
from rest_framework import viewsets
from rest_framework.response import Response

from ot_views.testing import server_span


class UntracedPings(viewsets.ViewSet):
    http_method_names = [*viewsets.ViewSet.http_method_names, "propfind"]

    def list(self, request):
        return Response({"ping": "pong"})

    def destroy(self, request, pk=None):
        return Response(status=204)

    def properties(self, request):
        return Response({"props": []}, status=207)


urlpatterns = [
    path("pings/", UntracedPings.as_view({"get": "list", "propfind": "properties"})),
    path("pings/<pk>/", UntracedPings.as_view({"delete": "destroy"})),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.mark.parametrize(
    ("method", "url", "name"),
    [("get", "/pings/", "UntracedPings.list"), ("delete", "/pings/1/", "UntracedPings.destroy")],
)
def test_the_action_names_the_span(client, tracer, with_middleware, method, url, name):
    response = getattr(client, method)(url)
    assert response.status_code in (200, 204)
    span = server_span(tracer)
    assert span.operation_name == name
    assert span.tags["django.view"] == f"{__name__}.UntracedPings"


def test_a_method_the_viewset_declares_names_the_route(client, tracer, with_middleware, settings):
    # A viewset's view function carries the class as ``cls`` only (no ``view_class``).
    settings.OPENTRACING_OPERATION_NAME = "route"
    assert client.generic("PROPFIND", "/pings/").status_code == 207
    assert server_span(tracer).operation_name == "PROPFIND pings/"
