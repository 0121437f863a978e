"""``@trace`` under DRF's ``@api_view``: the view receives DRF's ``Request``, one span all the same.

``@api_view`` wraps the ``HttpRequest`` in a ``Request`` before the traced function sees it; the
span belongs to the ``HttpRequest`` inside, so the middleware's span is joined (not doubled) and
``get_span()`` finds it from the ``Request`` the view holds.
"""

from __future__ import annotations

import pytest
from rest_framework.decorators import api_view
from rest_framework.response import Response

from ot_views import get_span, trace
from ot_views.middleware import OpenTracingMiddleware
from ot_views.testing import server_span


def declare():
    @api_view(["GET"])
    @trace(operation_name="api.func")
    def func(request):
        get_span(request).set_tag("from.view", request.query_params.get("q"))
        return Response({"ok": True})

    return func


@pytest.mark.parametrize("middleware", [False, True])
def test_one_span_reachable_from_drf_request(rf, tracer, middleware):
    view = declare()
    handler = OpenTracingMiddleware(view) if middleware else view
    response = handler(rf.get("/f/?q=1"))
    assert response.status_code == 200
    span = server_span(tracer)  # exactly one server span
    assert span.operation_name == "api.func"
    assert span.tags["from.view"] == "1"
    assert span.tags["http.status_code"] == 200
