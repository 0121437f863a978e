"""The sample's views: one per tracing style ot_views offers.

=====================  ==========================================  ===========================
view                   style                                       span name
=====================  ==========================================  ===========================
AuthorViewSet          DRF ModelViewSet + TracedAPIViewMixin       AuthorViewSet.list ...
BookViewSet            same, with traced_attributes and an @action BookViewSet.availability
StockView              TracedView (plain Django class-based view)  StockView.get
StatsView              async class-based view + TracedViewMixin    StatsView.get
loan_fee               @trace function view (fails on days=0)      loan_fee
export_csv, index      no tracing code: OpenTracingMiddleware      export_csv, index
=====================  ==========================================  ===========================

``BookViewSet.availability`` calls the inventory service (a second process running this same
project) with ``ot_views.inject_headers()``, so the callee's server span joins this trace.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse, StreamingHttpResponse
from django.views import View
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

import ot_views
from ot_views import TracedView, TracedViewMixin, get_span, get_tracer, inject_headers, trace
from ot_views_drf import TracedAPIViewMixin

from .models import Author, Book
from .serializers import AuthorSerializer, BookSerializer


class AuthorViewSet(TracedAPIViewMixin, viewsets.ModelViewSet):
    queryset = Author.objects.all()
    serializer_class = AuthorSerializer


class BookViewSet(TracedAPIViewMixin, viewsets.ModelViewSet):
    queryset = Book.objects.select_related("author")
    serializer_class = BookSerializer
    # Read after the handler ran; Authorization/Cookie values would be written as [REDACTED].
    traced_attributes = ["query_params", "user.username", "headers.user-agent"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # A child span of your own: it nests under the request span while the view runs.
        with get_tracer().start_active_span("books.query") as scope:
            books = list(self.filter_queryset(self.get_queryset()))
            scope.span.set_tag("books.count", len(books))
        with get_tracer().start_active_span("books.serialize"):
            data = self.get_serializer(books, many=True).data
        return Response(data)

    @action(detail=True, methods=["get"])
    def availability(self, request: Request, pk: str | None = None) -> Response:
        """Ask the inventory service how many copies are on the shelf."""
        book = self.get_object()
        url = f"{settings.SAMPLE_INVENTORY_URL.rstrip('/')}/stock/{book.pk}/"
        tags = {"span.kind": "client", "http.method": "GET", "http.url": url}
        tags["peer.service"] = "inventory"
        with get_tracer().start_active_span("GET inventory /stock/", tags=tags) as scope:
            # The client span is active, so the injected headers make it the callee's parent.
            outgoing = urllib.request.Request(url, headers=inject_headers())
            try:
                with urllib.request.urlopen(outgoing, timeout=5) as answer:
                    stock = json.loads(answer.read())
                    scope.span.set_tag("http.status_code", answer.status)
            except urllib.error.HTTPError as exc:
                scope.span.set_tag("http.status_code", exc.code)
                scope.span.set_tag("error", exc.code >= 500)
                stock = {"copies": None}
            except OSError as exc:
                scope.span.set_tag("error", True)
                scope.span.log_kv({"event": "error", "message": str(exc)})
                return Response({"book": book.pk, "detail": "inventory unreachable"}, status=502)
        return Response({"book": book.pk, "title": book.title, "copies": stock.get("copies")})


class StockView(TracedView):
    """What the inventory service answers: copies of one book."""

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        with get_tracer().start_active_span("stock.lookup") as scope:
            copies = Book.objects.filter(pk=pk).values_list("copies", flat=True).first()
            scope.span.set_tag("book.id", pk)
        if copies is None:
            raise Http404("no such book")
        return JsonResponse({"book": pk, "copies": copies, "service": settings.SAMPLE_SERVICE})


class StatsView(TracedViewMixin, View):
    """An async view: its two child spans run concurrently and both nest under the request."""

    async def get(self, request: HttpRequest) -> JsonResponse:
        async def count(name: str, model: type[Author] | type[Book]) -> int:
            with get_tracer().start_active_span(f"stats.count_{name}"):
                await asyncio.sleep(0.005)
                return await model.objects.acount()

        books, authors = await asyncio.gather(count("books", Book), count("authors", Author))
        return JsonResponse({"books": books, "authors": authors})


@trace("GET", operation_name="loan_fee")
def loan_fee(request: HttpRequest) -> JsonResponse:
    """Fee per day of a loan; ``days=0`` divides by zero, which is the demo's 500."""
    cents = int(request.GET.get("cents", "500"))
    days = int(request.GET.get("days", "7"))
    return JsonResponse({"per_day": cents // days})


def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """No tracing code here: the middleware traces it, and the span ends when the body is sent.

    The body is produced after the view returned, when no span is active any more, so the
    child spans name their parent explicitly.
    """
    parent = get_span(request)

    async def rows() -> AsyncIterator[str]:
        yield "id,title,year\n"
        with get_tracer().start_active_span("export.rows", child_of=parent) as scope:
            count = 0
            async for book in Book.objects.order_by("id"):
                count += 1
                yield f"{book.pk},{book.title},{book.year or ''}\n"
            scope.span.set_tag("rows", count)

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="books.csv"'
    return response


def index(request: HttpRequest) -> JsonResponse:
    """A map of the sample, traced by the middleware alone."""
    return JsonResponse(
        {
            "service": settings.SAMPLE_SERVICE,
            "ot_views": ot_views.__version__,
            "endpoints": [
                "/api/books/",
                "/api/books/<id>/availability/",
                "/api/authors/",
                "/stock/<id>/",
                "/stats/",
                "/fees/?cents=500&days=7",
                "/export.csv",
                "/traces/",
            ],
        }
    )
