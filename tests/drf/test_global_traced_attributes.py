"""``OPENTRACING_TRACED_ATTRIBUTES`` on DRF views is read from DRF's ``Request``.

The setting names attributes for every traced request. On a DRF view the request the handler saw
is DRF's ``Request``: ``data`` and ``query_params`` exist only there, so they are tagged only if
the setting is read from it (after the handler, like a view's own ``traced_attributes``).
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from ot_views.attributes import REDACTED
from ot_views.testing import server_span

pytestmark = pytest.mark.django_db

SETTING = ["data", "query_params", "method"]


def test_setting_reads_drf_request_attributes_of_an_api_view(client, tracer, settings):
    settings.OPENTRACING_TRACED_ATTRIBUTES = SETTING
    response = client.post(
        "/api/echo/?page=3",
        data=json.dumps({"title": "Dune", "password": "hunter2"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    tags = server_span(tracer).tags
    assert tags["data.title"] == "Dune"
    assert tags["data.password"] == REDACTED
    assert tags["query_params.page"] == "3"
    assert tags["method"] == "POST"


def test_setting_reads_drf_request_attributes_of_a_viewset(client, tracer, settings):
    settings.OPENTRACING_TRACED_ATTRIBUTES = ["query_params"]
    response = client.get("/api/pings/?probe=yes")
    assert response.status_code == 200
    tags = server_span(tracer).tags
    assert tags["query_params.probe"] == "yes"


def test_setting_under_the_middleware_alone_reads_the_django_request(
    client, tracer, settings, with_middleware
):
    # A plain APIView: only the middleware traces it, and it sees Django's HttpRequest.
    settings.OPENTRACING_TRACED_ATTRIBUTES = ["query_params", "GET"]
    client.post("/api/plain-echo/?probe=yes", data="{}", content_type="application/json")
    tags = server_span(tracer).tags
    assert tags["GET.probe"] == "yes"
    assert "query_params.probe" not in tags


def test_setting_reads_drf_request_attributes_when_the_view_raises(tracer, settings):
    # An exception DRF does not handle leaves dispatch: the attributes are still read from the
    # Request the handler saw.
    settings.OPENTRACING_TRACED_ATTRIBUTES = ["query_params"]
    response = Client(raise_request_exception=False).get("/api/pings/500/?probe=yes")
    assert response.status_code == 500
    span = server_span(tracer)
    assert span.tags["error"] is True
    assert span.tags["query_params.probe"] == "yes"
