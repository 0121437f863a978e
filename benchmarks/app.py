"""The views and URLconf every benchmark variant serves.

Imported only after ``settings.configure()`` in the worker process (DRF reads settings when its
views are imported). Each untraced view has a traced twin that differs only by the mixin, so the
difference in time is the cost of tracing and nothing else.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views import View
from rest_framework.response import Response
from rest_framework.views import APIView

from ot_views import TracedViewMixin
from ot_views_drf import TracedAPIViewMixin

BODY = b"hello"


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BODY)


async def ahello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BODY)


class Hello(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(BODY)


class TracedHello(TracedViewMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(BODY)


class AsyncHello(View):
    async def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(BODY)


class TracedAsyncHello(TracedViewMixin, View):
    async def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(BODY)


class HelloAPI(APIView):
    def get(self, request: Any) -> Response:
        return Response({"hello": "world"})


class TracedHelloAPI(TracedAPIViewMixin, APIView):
    def get(self, request: Any) -> Response:
        return Response({"hello": "world"})


urlpatterns = [
    path("func/", hello),
    path("afunc/", ahello),
    path("cbv/", Hello.as_view()),
    path("tcbv/", TracedHello.as_view()),
    path("acbv/", AsyncHello.as_view()),
    path("tacbv/", TracedAsyncHello.as_view()),
    path("drf/", HelloAPI.as_view()),
    path("tdrf/", TracedHelloAPI.as_view()),
]
