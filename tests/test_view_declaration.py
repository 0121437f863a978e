"""What a view gets from being declared traced: its name, its path, sync or async dispatch.

The mixin reads the class once when it is defined (``__init_subclass__``) and ``@trace`` reads
the function once when it decorates it. The views here are declared inside the tests, so the
declaration itself runs under test, not only the requests.
"""

from __future__ import annotations

import asyncio

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.views import View

from ot_views import TracedView, TracedViewMixin, faults, get_span, get_tracer, trace
from ot_views.middleware import OpenTracingMiddleware
from ot_views.testing import children_of, server_span


def run(response):
    return asyncio.run(response) if asyncio.iscoroutine(response) else response


def test_async_class_view_span_covers_the_awaited_handler(rf, tracer):
    class AsyncThing(TracedViewMixin, View):
        async def get(self, request):
            await asyncio.sleep(0)
            with get_tracer().start_active_span("inside"):
                pass
            return HttpResponse("async thing")

    before = faults.counts()
    response = run(AsyncThing.as_view()(rf.get("/t/")))
    assert response.content == b"async thing"
    span = server_span(tracer)
    assert span.operation_name == "AsyncThing.get"
    assert span.tags["http.status_code"] == 200
    assert span.tags["django.view"] == f"{__name__}.{AsyncThing.__qualname__}"
    assert [c.operation_name for c in children_of(tracer, span)] == ["inside"]
    assert faults.counts() == before


def test_sync_class_view_answers_synchronously(rf, tracer):
    class SyncThing(TracedView):
        def get(self, request):
            return HttpResponse("sync thing")

    response = SyncThing.as_view()(rf.get("/t/"))
    assert isinstance(response, HttpResponse)
    assert response.content == b"sync thing"
    span = server_span(tracer)
    assert span.tags["django.view"] == f"{__name__}.{SyncThing.__qualname__}"
    assert span.tags["http.status_code"] == 200


def test_mixed_sync_and_async_handlers_are_refused_by_django_not_by_tracing(rf, tracer):
    # Django's view_is_async raises for such a class; the mixin's declaration must not.
    class Mixed(TracedView):
        def get(self, request):
            return HttpResponse("get")

        async def post(self, request):
            return HttpResponse("post")

    with pytest.raises(ImproperlyConfigured):
        Mixed.as_view()


def test_function_view_is_named_and_located_at_declaration(rf, tracer):
    @trace()
    def listing(request):
        return HttpResponse("listing")

    assert listing(rf.get("/l/")).content == b"listing"
    span = server_span(tracer)
    assert span.operation_name == "listing"
    assert span.tags["django.view"] == f"{__name__}.{listing.__qualname__}"


def test_callable_object_without_a_name_is_named_view(rf, tracer):
    class Endpoint:
        def __call__(self, request):
            return HttpResponse("endpoint")

    endpoint = trace()(Endpoint())
    assert endpoint(rf.get("/e/")).content == b"endpoint"
    span = server_span(tracer)
    assert span.operation_name == "view"
    assert span.tags["django.view"] == f"{__name__}.{Endpoint.__qualname__}"


def test_async_function_view_span_covers_the_awaited_view(rf, tracer):
    @trace()
    async def afunc(request):
        await asyncio.sleep(0)
        with get_tracer().start_active_span("inside"):
            pass
        return HttpResponse("afunc")

    assert asyncio.iscoroutinefunction(afunc)
    before = faults.counts()
    response = asyncio.run(afunc(rf.get("/a/")))
    assert response.content == b"afunc"
    span = server_span(tracer)
    assert span.operation_name == "afunc"
    assert span.tags["http.status_code"] == 200
    assert [c.operation_name for c in children_of(tracer, span)] == ["inside"]
    assert faults.counts() == before


def test_middleware_names_a_refused_request_by_the_decorated_name(rf, tracer):
    # A later middleware answers before the view runs: the span has only what the tracing
    # middleware learnt from the resolved view.
    @trace(operation_name="books.search")
    def search(request):
        raise AssertionError("not reached")

    def get_response(request):
        middleware.process_view(request, search, (), {})
        return HttpResponse(status=403)

    middleware = OpenTracingMiddleware(get_response)
    assert middleware(rf.get("/s/")).status_code == 403
    span = server_span(tracer)
    assert span.operation_name == "books.search"
    assert span.tags["django.view"] == f"{__name__}.{search.__qualname__}"
    assert span.tags["http.status_code"] == 403


def test_view_span_reachable_from_inside_the_view(rf, tracer):
    @trace()
    def tagging(request):
        get_span(request).set_tag("from.view", True)
        return HttpResponse("ok")

    tagging(rf.get("/t/"))
    assert server_span(tracer).tags["from.view"] is True


def test_mixin_subclass_that_is_not_yet_a_view_can_be_declared(rf, tracer):
    # A project base class that adds traced attributes before any View is mixed in.
    class TracedBase(TracedViewMixin):
        traced_attributes = ["path"]

    class Concrete(TracedBase, View):
        async def get(self, request):
            return HttpResponse("concrete")

    response = run(Concrete.as_view()(rf.get("/c/")))
    assert response.content == b"concrete"
    span = server_span(tracer)
    assert span.tags["path"] == "/c/"
    assert span.tags["django.view"] == f"{__name__}.{Concrete.__qualname__}"


@pytest.mark.parametrize("method", ["initialize_request", "finalize_response"])
def test_django_view_with_one_drf_method_name_is_not_taken_for_a_drf_view(rf, tracer, method):
    # A DRF APIView has both methods; a plain Django view that happens to define one of the
    # names is traced by the core mixin, not refused as a DRF view.
    def passthrough(self, request, *args, **kwargs):
        return request

    Own = type(
        "Own",
        (TracedViewMixin, View),
        {method: passthrough, "get": lambda self, request: HttpResponse("own")},
    )
    assert Own.as_view()(rf.get("/o/")).content == b"own"
    span = server_span(tracer)
    assert span.operation_name == "Own.get"
    assert span.tags["http.status_code"] == 200
