"""Every adapter goes through the one wrapper: the view's exception and its traceback pass
through unchanged, the span covers the (awaited) view and is finished on every path."""

from __future__ import annotations

import asyncio
import traceback

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View

from ot_views import TracedViewMixin, trace
from ot_views.middleware import OpenTracingMiddleware
from ot_views.testing import server_span


class Boom(Exception):
    pass


def _sync_view(tracer, seen):
    def view(request, *args, **kwargs):
        seen.append(tracer.active_span)
        if kwargs.get("fail"):
            raise Boom("sync")
        return HttpResponse(b"ok")

    return view


def _async_view(tracer, seen):
    async def view(request, *args, **kwargs):
        await asyncio.sleep(0)
        seen.append(tracer.active_span)
        if kwargs.get("fail"):
            raise Boom("async")
        return HttpResponse(b"ok")

    return view


def middleware(view, is_async):
    if is_async:

        async def get_response(request):
            return await view(request, fail=request.GET.get("fail") == "1")

    else:

        def get_response(request):
            return view(request, fail=request.GET.get("fail") == "1")

    handler = OpenTracingMiddleware(get_response)
    return lambda request, fail: handler(request)


def decorator(view, is_async):
    return trace("path")(view)


def mixin(view, is_async):
    if is_async:

        class Traced(TracedViewMixin, View):
            async def get(self, request, *args, **kwargs):
                return await view(request, *args, **kwargs)

    else:

        class Traced(TracedViewMixin, View):  # type: ignore[no-redef]
            def get(self, request, *args, **kwargs):
                return view(request, *args, **kwargs)

    return Traced.as_view()


@pytest.mark.parametrize("adapter", [middleware, decorator, mixin])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("fail", [False, True], ids=["returns", "raises"])
def test_span_covers_the_view_and_exceptions_pass_unchanged(tracer, adapter, is_async, fail):
    seen: list = []
    view = (_async_view if is_async else _sync_view)(tracer, seen)
    wrapped = adapter(view, is_async)
    request = RequestFactory().get("/x/", {"fail": "1" if fail else "0"})

    def call():
        result = wrapped(request, fail=fail)
        return asyncio.run(result) if is_async else result

    if fail:
        with pytest.raises(Boom) as info:
            call()
        assert str(info.value) == ("async" if is_async else "sync")
        # The traceback still ends where the view raised it.
        last = traceback.extract_tb(info.value.__traceback__)[-1]
        text = "async" if is_async else "sync"
        assert last.name == "view" and last.line == f'raise Boom("{text}")'
    else:
        assert call().content == b"ok"
    span = server_span(tracer)
    assert span.finish_time is not None
    # Inside the (awaited) view the request span was the active one.
    assert seen == [span]
    assert tracer.active_span is None
    if fail:
        assert span.tags["error"] is True
        assert span.logs[0].key_values["error.kind"] == "Boom"


def test_dispatch_called_without_setup_reads_the_request_it_was_given(tracer):
    # Unit tests often call view.dispatch(request) on an instance as_view() never set up: no
    # self.request. The span still reads its attributes from the request dispatch was given.
    class Plain(TracedViewMixin, View):
        traced_attributes = ["path", "GET"]

        def get(self, request):
            return HttpResponse(b"served")

    view = Plain()
    response = view.dispatch(RequestFactory().get("/direct/?q=1"))
    assert response.content == b"served"
    assert not hasattr(view, "request")
    tags = server_span(tracer).tags
    assert tags["path"] == "/direct/"
    assert tags["GET.q"] == "1"
    assert tags["http.status_code"] == 200
