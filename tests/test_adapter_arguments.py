"""The view gets exactly what it was called with, traced or not, and its attributes are read
whichever way it ends (sync and async, ``@trace`` and ``TracedViewMixin``).

The wrapper has a shortcut for the common call without URL arguments, and another for a request
that is not traced (an excluded path): each of them must still hand the view its request and
all its positional and keyword arguments.
"""

from __future__ import annotations

import asyncio

import pytest
from django.http import HttpResponse
from django.views import View

from ot_views import TracedViewMixin, trace
from ot_views.testing import server_span, server_spans


class Boom(Exception):
    pass


def answer(seen, request, args, kwargs):
    seen.append((request, args, kwargs))
    if kwargs.get("fail"):
        raise Boom("view failed")
    return HttpResponse(b"ok")


def decorated(seen, is_async):
    if is_async:

        @trace("path", "method")
        async def view(request, *args, **kwargs):
            await asyncio.sleep(0)
            return answer(seen, request, args, kwargs)

    else:

        @trace("path", "method")
        def view(request, *args, **kwargs):
            return answer(seen, request, args, kwargs)

    return view


def mixed_in(seen, is_async):
    if is_async:

        class Traced(TracedViewMixin, View):
            traced_attributes = ["path", "method"]

            async def get(self, request, *args, **kwargs):
                await asyncio.sleep(0)
                return answer(seen, request, args, kwargs)

    else:

        class Traced(TracedViewMixin, View):  # type: ignore[no-redef]
            traced_attributes = ["path", "method"]

            def get(self, request, *args, **kwargs):
                return answer(seen, request, args, kwargs)

    return Traced.as_view()


def call(view, request, is_async, args, kwargs):
    result = view(request, *args, **kwargs)
    return asyncio.run(result) if is_async else result


adapters = pytest.mark.parametrize("adapter", [decorated, mixed_in])
both = pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
arguments = pytest.mark.parametrize(
    ("args", "kwargs"),
    [((), {}), (("7",), {}), ((), {"pk": "7"}), (("7", "x"), {"pk": "7", "slug": "s"})],
    ids=["none", "positional", "keyword", "both"],
)


@adapters
@both
@arguments
@pytest.mark.parametrize("traced", [True, False], ids=["traced", "excluded"])
def test_view_gets_its_request_and_arguments(
    rf, tracer, settings, adapter, is_async, args, kwargs, traced
):
    settings.OPENTRACING_EXCLUDED_PATHS = [] if traced else ["^/skip/"]
    seen: list = []
    request = rf.get("/t/" if traced else "/skip/")
    response = call(adapter(seen, is_async), request, is_async, args, kwargs)
    assert response.content == b"ok"
    assert seen == [(request, args, kwargs)]
    if traced:
        span = server_span(tracer)
        assert span.tags["http.status_code"] == 200
        assert span.tags["path"] == "/t/"
    else:
        assert server_spans(tracer) == []


@adapters
@both
def test_attributes_are_read_when_the_view_raises(rf, tracer, adapter, is_async):
    request = rf.get("/t/")
    with pytest.raises(Boom):
        call(adapter([], is_async), request, is_async, (), {"fail": True})
    span = server_span(tracer)
    assert span.tags["error"] is True
    assert span.tags["path"] == "/t/"
    assert span.tags["method"] == "GET"
    assert span.finish_time is not None
