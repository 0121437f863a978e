"""Views the core tests drive; each shows one way of tracing."""

from __future__ import annotations

import asyncio

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.views import View

from ot_views import TracedView, TracedViewMixin, get_span, get_tracer, inject_headers, trace


class Plain(TracedView):
    def get(self, request, *args, **kwargs):
        return HttpResponse("plain")

    def post(self, request, *args, **kwargs):
        return HttpResponse("posted", status=201)


class BookDetail(TracedViewMixin, View):
    traced_attributes = [
        "path",
        "method",
        "user.username",
        "META",
        "headers",
        "GET",
        "POST",
        "COOKIES",
        "headers.user-agent",
        "missing.attr",
        "kwargs",
    ]

    def get(self, request, pk):
        return JsonResponse({"pk": pk})

    def post(self, request, pk):
        request.POST  # noqa: B018  (a view that reads its form: tracing tags only what was read)
        return JsonResponse({"pk": pk, "posted": True})


class Named(TracedView):
    operation_name = "books.custom"

    def get(self, request):
        return HttpResponse("named")


class PerRequestName(TracedView):
    def get_operation_name(self, request):
        return f"per-request.{request.GET.get('kind', 'none')}"

    def get(self, request):
        return HttpResponse("ok")


class Boom(TracedView):
    def get(self, request):
        raise ValueError("boom happened")


class Missing(TracedView):
    def get(self, request):
        raise Http404("no such book")


class Status(TracedView):
    def get(self, request, code):
        return HttpResponse(status=code)


class Child(TracedView):
    def get(self, request):
        with get_tracer().start_active_span("child.work") as scope:
            scope.span.set_tag("work", "done")
        return JsonResponse(inject_headers())


class AsyncChild(TracedView):
    traced_attributes = ["path"]

    async def get(self, request):
        await asyncio.sleep(0)
        with get_tracer().start_active_span("async.child"):
            await asyncio.sleep(0.01)
        return HttpResponse("async")


class AsyncBoom(TracedView):
    async def get(self, request):
        await asyncio.sleep(0)
        raise RuntimeError("async boom")


class Stream(TracedView):
    def get(self, request):
        def body():
            yield b"a"
            span = get_span(request)
            yield b"live" if span is not None else b"gone"

        return StreamingHttpResponse(body())


class File(TracedView):
    def get(self, request):
        import io

        return FileResponse(io.BytesIO(b"x" * 10000), filename="x.bin")


class SpanInView(TracedView):
    def get(self, request):
        span = get_span(request)
        span.set_tag("from.view", "yes")
        return HttpResponse("ok")


class Untraced(View):
    def get(self, request):
        return HttpResponse("untraced")


class UntracedBoom(View):
    def get(self, request):
        raise KeyError("middleware-only")


@trace("path", "GET")
def func_view(request):
    return HttpResponse("func")


@trace(operation_name="func.renamed")
def func_named(request):
    return HttpResponse("func")


@trace("path")
async def afunc_view(request):
    await asyncio.sleep(0)
    with get_tracer().start_active_span("afunc.child"):
        pass
    return HttpResponse("afunc")


@trace()
def func_boom(request):
    raise ZeroDivisionError("func boom")


def plain_func(request):
    return HttpResponse("plain func")


class TeapotError(Exception):
    """An application exception that carries its own HTTP status."""

    status_code = 418


RAISABLE = {
    "permission": lambda: PermissionDenied("nope"),
    "bad-request": lambda: BadRequest("bad"),
    "suspicious": lambda: SuspiciousOperation("sus"),
    "http404": lambda: Http404("gone"),
    "teapot": lambda: TeapotError("short and stout"),
    "value": lambda: ValueError("plain error"),
}


class Raise(TracedView):
    """Raises the exception named in the URL, to check the 4xx/5xx rule."""

    def get(self, request, kind):
        raise RAISABLE[kind]()


def untraced_raise(request, kind):
    raise RAISABLE[kind]()


class AsyncPlain(TracedView):
    """An async view that does not touch the tracer itself."""

    async def get(self, request):
        await asyncio.sleep(0)
        return HttpResponse("async plain")


@trace("path")
async def afunc_plain(request):
    await asyncio.sleep(0)
    return HttpResponse("afunc plain")


class AsyncStream(TracedView):
    async def get(self, request):
        async def body():
            yield b"a"
            await asyncio.sleep(0.01)
            yield b"live" if get_span(request) is not None else b"gone"

        return StreamingHttpResponse(body())


class BrokenStream(TracedView):
    def get(self, request):
        def body():
            yield b"start"
            raise OSError("disk went away")

        return StreamingHttpResponse(body())


class AsyncBrokenStream(TracedView):
    async def get(self, request):
        async def body():
            yield b"start"
            await asyncio.sleep(0)
            raise OSError("socket went away")

        return StreamingHttpResponse(body())


class NotFoundMidStream(TracedView):
    def get(self, request):
        def body():
            yield b"start"
            raise Http404("row deleted while streaming")

        return StreamingHttpResponse(body())


class TaggedStream(TracedView):
    """A streaming answer with an ETag, which ConditionalGetMiddleware may replace by a 304."""

    def get(self, request):
        response = StreamingHttpResponse(iter([b"big ", b"body"]))
        response["ETag"] = '"v1"'
        return response


class AsyncTaggedStream(TracedView):
    async def get(self, request):
        async def body():
            yield b"big body"

        response = StreamingHttpResponse(body())
        response["ETag"] = '"v1"'
        return response


#: Set by the views below once they are waiting, so a test knows when to cancel.
WAITING: asyncio.Event | None = None


async def _wait_forever() -> None:
    if WAITING is not None:
        WAITING.set()
    await asyncio.Event().wait()


class AsyncHang(TracedView):
    async def get(self, request):
        await _wait_forever()
        return HttpResponse("never")


@trace()
async def afunc_hang(request):
    await _wait_forever()
    return HttpResponse("never")


async def untraced_hang(request):
    await _wait_forever()
    return HttpResponse("never")


class Dav(TracedView):
    """A view that declares a method of its own (WebDAV)."""

    http_method_names = [*View.http_method_names, "propfind"]

    def get(self, request):
        return HttpResponse("dav")

    def propfind(self, request):
        return HttpResponse("props", status=207)


class AsyncHangStream(TracedView):
    async def get(self, request):
        async def body():
            yield b"first"
            await _wait_forever()
            yield b"never"

        return StreamingHttpResponse(body())
