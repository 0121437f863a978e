"""``@trace`` under DRF's ``@api_view``: the view receives DRF's ``Request``, one span all the same.

``@api_view`` wraps the ``HttpRequest`` in a ``Request`` before the traced function sees it; the
span belongs to the ``HttpRequest`` inside, so the middleware's span is joined (not doubled) and
``get_span()`` finds it from the ``Request`` the view holds.
"""

from __future__ import annotations

import asyncio

import pytest
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
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


@pytest.mark.parametrize("fail", [False, True], ids=["returns", "raises"])
def test_attributes_are_read_from_the_drf_request_the_view_got(rf, tracer, fail):
    # query_params exists only on DRF's Request, not on the HttpRequest the span belongs to.
    @api_view(["GET"])
    @trace("query_params", operation_name="api.search")
    def search(request):
        if fail:
            raise NotFound("nothing")
        return Response({"ok": True})

    response = search(rf.get("/s/?q=books"))
    assert response.status_code == (404 if fail else 200)
    span = server_span(tracer)
    assert span.tags["query_params.q"] == "books"
    assert span.tags["http.status_code"] == (404 if fail else 200)


@pytest.mark.parametrize("fail", [False, True], ids=["returns", "raises"])
def test_async_view_handed_a_drf_request_reads_attributes_from_it(rf, tracer, fail):
    # Async add-ons for DRF call an async view with DRF's Request, as @api_view does.
    @trace("query_params")
    async def search(request):
        await asyncio.sleep(0)
        if fail:
            raise NotFound("nothing")
        return Response({"ok": True})

    call = search(Request(rf.get("/s/?q=books")))
    if fail:
        with pytest.raises(NotFound):
            asyncio.run(call)
    else:
        assert asyncio.run(call).status_code == 200
    span = server_span(tracer)
    assert span.operation_name == "search"
    assert span.tags["query_params.q"] == "books"
