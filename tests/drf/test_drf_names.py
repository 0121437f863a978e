"""DRF operation names that depend on what DRF resolves per request.

An OPTIONS request is DRF's implicit ``metadata`` action, known only once DRF has initialised
the request, so the name given at the start of the span must be corrected then. In the
``"route"`` style an ``APIView`` (which has no action) is named by its route from the start.
"""

from __future__ import annotations

import pytest
from rest_framework.exceptions import ValidationError

from ot_views.testing import server_span
from ot_views_drf import TracedAPIView

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("middleware", [False, True])
def test_options_on_a_viewset_is_the_metadata_action(client, tracer, settings, middleware):
    if middleware:
        settings.MIDDLEWARE = ["ot_views.middleware.OpenTracingMiddleware", *settings.MIDDLEWARE]
    response = client.options("/api/pings/")
    assert response.status_code == 200
    span = server_span(tracer)
    assert span.operation_name == "PingViewSet.metadata"
    assert span.tags["drf.action"] == "metadata"


@pytest.mark.parametrize("middleware", [False, True])
def test_route_style_names_an_api_view_by_its_route(client, tracer, settings, middleware):
    settings.OPENTRACING_OPERATION_NAME = "route"
    if middleware:
        settings.MIDDLEWARE = ["ot_views.middleware.OpenTracingMiddleware", *settings.MIDDLEWARE]
    client.get("/api/echo/?q=1")
    span = server_span(tracer)
    assert span.operation_name == "GET api/echo/"
    assert span.tags["http.route"] == "api/echo/"


def test_route_style_names_a_viewset_list_by_its_route(client, tracer, settings):
    settings.OPENTRACING_OPERATION_NAME = "route"
    client.get("/api/pings/")
    assert server_span(tracer).operation_name == "GET api/pings/"


class Refuses(TracedAPIView):
    def post(self, request):
        raise ValidationError(["the submitted value 'hunter2' is not allowed"])


def test_validation_error_without_fields_logs_a_fixed_message(rf, tracer):
    response = Refuses.as_view()(rf.post("/r/", data={"password": "hunter2"}))
    assert response.status_code == 400
    span = server_span(tracer)
    [log] = [log.key_values for log in span.logs if log.key_values.get("event") == "error"]
    assert log["error.kind"] == "ValidationError"
    assert log["message"] == "Invalid input."
    assert "hunter2" not in repr(span.logs)
    assert span.tags["http.status_code"] == 400
    assert "error" not in span.tags


@pytest.mark.parametrize(
    ("url", "name"),
    [("/api/pings/", "PingViewSet.list"), ("/api/pings/7/", "PingViewSet.retrieve")],
)
def test_viewset_span_starts_with_its_action_name(client, tracer, settings, url, name):
    # The name given to the tracer when the span starts is what a start-span callback sees and
    # what a tracer's per-operation sampler decides on: the viewset's action, read from the
    # viewset's action map before DRF itself resolves the action.
    started = []
    settings.OPENTRACING_START_SPAN_CB = lambda span, request: started.append(span.operation_name)
    assert client.get(url).status_code == 200
    assert started == [name]
    assert server_span(tracer).operation_name == name
