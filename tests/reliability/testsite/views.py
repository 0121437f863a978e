"""Views of the reliability site: each one is what a test drives under load or attack."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from ot_views import TracedView, get_tracer, inject_headers, trace

#: The id each request carries; views tag it on a child span, tests find requests by it.
RID_HEADER = "X-Request-Id"

#: What the hostile-attribute view puts on ``request.payload`` (set by the test, one at a time).
HOSTILE: dict[str, Any] = {"value": None}

SECRET_ATTRIBUTES = ["META", "headers", "GET", "POST", "COOKIES"]


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


# -- concurrency ----------------------------------------------------------------------------------


def _work(request: HttpRequest) -> HttpResponse:
    rid = request.headers.get(RID_HEADER, "")
    with get_tracer().start_active_span("child") as scope:
        scope.span.set_tag("rid", rid)
        time.sleep(0.002)  # hold the child open so other threads run meanwhile
    return HttpResponse(rid)


async def _awork(request: HttpRequest) -> HttpResponse:
    rid = request.headers.get(RID_HEADER, "")
    await asyncio.sleep(0)  # let the other tasks on the loop run between span start and child
    with get_tracer().start_active_span("child") as scope:
        scope.span.set_tag("rid", rid)
        await asyncio.sleep(0.002)
    return HttpResponse(rid)


class SyncMixin(TracedView):
    traced_attributes = ["headers.x-request-id"]

    def get(self, request: HttpRequest) -> HttpResponse:
        return _work(request)


def sync_plain(request: HttpRequest) -> HttpResponse:
    return _work(request)


class AsyncMixin(TracedView):
    traced_attributes = ["headers.x-request-id"]

    async def get(self, request: HttpRequest) -> HttpResponse:
        return await _awork(request)


async def async_plain(request: HttpRequest) -> HttpResponse:
    return await _awork(request)


# -- faults ---------------------------------------------------------------------------------------


class FaultOk(TracedView):
    traced_attributes = ["headers.x-request-id", "GET", "path"]

    def get(self, request: HttpRequest) -> HttpResponse:
        inject_headers({"accept": "text/plain"})  # an outgoing call's headers: exercises inject
        return HttpResponse(f"ok {request.headers.get(RID_HEADER, '')}")


class FaultMissing(TracedView):
    traced_attributes = ["headers.x-request-id"]

    def get(self, request: HttpRequest) -> HttpResponse:
        raise Http404("no such thing")


class FaultBoom(TracedView):
    traced_attributes = ["headers.x-request-id"]

    def get(self, request: HttpRequest) -> HttpResponse:
        raise ValueError("boom from the view")


def fault_plain(request: HttpRequest) -> HttpResponse:
    inject_headers()
    return HttpResponse(f"plain {request.headers.get(RID_HEADER, '')}")


# -- hostile input --------------------------------------------------------------------------------


class Hostile(TracedView):
    traced_attributes = [
        "path",
        "path_info",
        "GET",
        "META",
        "headers",
        "COOKIES",
        "payload",
        "payload.a",
        "payload.0",
    ]

    def get(self, request: HttpRequest, rest: str = "") -> HttpResponse:
        request.payload = HOSTILE["value"]  # type: ignore[attr-defined]
        return HttpResponse("hostile ok")


# -- secrets --------------------------------------------------------------------------------------


class SecretView(TracedView):
    traced_attributes = SECRET_ATTRIBUTES

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("secret ok")

    def post(self, request: HttpRequest) -> HttpResponse:
        return _read_form(request)


# The secret views read the form they are sent (tracing tags only what the view itself read).
def _read_form(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        request.POST  # noqa: B018
    return HttpResponse("secret ok")


@trace(*SECRET_ATTRIBUTES)
def secret_func(request: HttpRequest) -> HttpResponse:
    return _read_form(request)


def secret_plain(request: HttpRequest) -> HttpResponse:
    return _read_form(request)
