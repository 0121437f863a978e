"""The views and URLconf every benchmark variant serves.

Imported only after ``settings.configure()`` in the worker process (DRF reads settings when its
views are imported). Each untraced view has a traced twin that differs only by the mixin, so the
difference in time is the cost of tracing and nothing else.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views import View

from ot_views import TracedViewMixin, trace

BODY = b"hello"


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BODY)


@trace()
def traced_hello(request: HttpRequest) -> HttpResponse:
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


def one_query() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = %s", ["table"])
        cursor.fetchone()


class Query(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        one_query()
        return HttpResponse(BODY)


class TracedQuery(TracedViewMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        one_query()
        return HttpResponse(BODY)


class Hostile(View):
    """The hostile request's view: answers at once, whatever the path, query and headers."""

    def get(self, request: HttpRequest, rest: str) -> HttpResponse:
        return HttpResponse(BODY)


class TracedHostile(TracedViewMixin, Hostile):
    # Every header goes on the span (through the redaction policy and the size bounds).
    traced_attributes = ["META"]


drf_patterns = []
# Only the DRF variants load DRF: importing it (and the PostgreSQL helpers it pulls in when
# psycopg is installed) takes longer than the whole timed part of a quick run.
if getattr(settings, "BENCH_DRF", False) and importlib.util.find_spec("rest_framework"):
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from ot_views_drf import TracedAPIViewMixin

    class HelloAPI(APIView):
        def get(self, request: Any) -> Response:
            return Response({"hello": "world"})

    class TracedHelloAPI(TracedAPIViewMixin, APIView):
        def get(self, request: Any) -> Response:
            return Response({"hello": "world"})

    drf_patterns = [
        path("drf/", HelloAPI.as_view()),
        path("tdrf/", TracedHelloAPI.as_view()),
    ]

urlpatterns = [
    path("func/", hello),
    path("tfunc/", traced_hello),
    path("hostile/<path:rest>", Hostile.as_view()),
    path("thostile/<path:rest>", TracedHostile.as_view()),
    path("afunc/", ahello),
    path("cbv/", Hello.as_view()),
    path("tcbv/", TracedHello.as_view()),
    path("query/", Query.as_view()),
    path("tquery/", TracedQuery.as_view()),
    path("acbv/", AsyncHello.as_view()),
    path("tacbv/", TracedAsyncHello.as_view()),
    *drf_patterns,
]


class ContractOnlyMiddleware:
    """The floor for any integration: the contract's tracer calls inside a real request, with
    nothing an integration must add (no header parsing, URL, naming or error handling).

    Its overhead over the untraced view, next to the contract loop's own figure, shows what the
    same tracer calls cost once they run between Django's code instead of in a tight loop.
    """

    def __init__(self, get_response: Any) -> None:
        from django.conf import settings
        from opentracing import Format, SpanContextCorruptedException

        self.get_response = get_response
        self.tracer = settings.OPENTRACING_TRACER
        self.format = Format.HTTP_HEADERS
        self.corrupted = SpanContextCorruptedException
        self.headers = dict(CONTRACT_HEADERS)

    def __call__(self, request: HttpRequest) -> Any:
        tracer = self.tracer
        try:
            parent = tracer.extract(self.format, self.headers)
        except self.corrupted:
            parent = None
        span = tracer.start_span(
            "hello",
            child_of=parent,
            tags={
                "span.kind": "server",
                "component": "django",
                "http.method": "GET",
                "http.url": CONTRACT_URL,
                "peer.ipv4": "127.0.0.1",
                "http.route": "func/",
            },
            ignore_active_span=True,
        )
        scope = tracer.scope_manager.activate(span, False)
        response = self.get_response(request)
        scope.close()
        span.set_tag("django.view", "benchmarks.app.hello")
        span.set_tag("http.status_code", 200)
        span.set_tag("error", False)
        span.finish()
        return response


#: Set by the benchmark before Django loads middleware: the headers and URL of its requests.
CONTRACT_HEADERS: dict[str, str] = {}
CONTRACT_URL = ""


class OTelFloorMiddleware:
    """The floor over OpenTelemetry: the same span made directly on the SDK, from a bare
    middleware (extract, start a SERVER span with the same attributes, attach, three attributes,
    end), with the provider the ot_views-over-OpenTelemetry row uses."""

    def __init__(self, get_response: Any) -> None:
        from django.conf import settings
        from opentelemetry import context, propagate, trace
        from opentelemetry.trace import SpanKind

        self.get_response = get_response
        self.tracer = settings.BENCH_OTEL_PROVIDER.get_tracer("ot_views")
        self.propagator = propagate.get_global_textmap()
        self.kind = SpanKind.SERVER
        self.attach = context.attach
        self.detach = context.detach
        self.set_span_in_context = trace.set_span_in_context
        self.headers = dict(CONTRACT_HEADERS)

    def __call__(self, request: HttpRequest) -> Any:
        parent = self.propagator.extract(self.headers)
        span = self.tracer.start_span(
            "hello",
            context=parent,
            kind=self.kind,
            attributes={
                "span.kind": "server",
                "component": "django",
                "http.method": "GET",
                "http.url": CONTRACT_URL,
                "peer.ipv4": "127.0.0.1",
                "http.route": "func/",
            },
        )
        token = self.attach(self.set_span_in_context(span))
        response = self.get_response(request)
        self.detach(token)
        span.set_attribute("django.view", "benchmarks.app.hello")
        span.set_attribute("http.status_code", 200)
        span.set_attribute("error", False)
        span.end()
        return response
