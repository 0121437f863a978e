"""Joining a span under the name it already has costs no tracer call.

An inner adapter renames the span it joins only when its name differs: the tracer's
``set_operation_name`` is not called for nothing (a call that a broken tracer would turn into a
counted fault, for a rename that changes nothing).
"""

from __future__ import annotations

from django.http import HttpResponse
from opentracing.mocktracer.span import MockSpan

from ot_views import TracedView, trace
from ot_views.middleware import OpenTracingMiddleware
from ot_views.testing import server_span


@trace(operation_name="books")
def books(request):
    return HttpResponse("ok")


class Books(TracedView):
    operation_name = "books"

    def get(self, request):
        return books(request)  # delegates to a traced view of the same name


def renames(monkeypatch):
    """The names the span is given through ``set_operation_name``, in order."""
    calls = []
    original = MockSpan.set_operation_name

    def spy(span, name):
        calls.append(name)
        return original(span, name)

    monkeypatch.setattr(MockSpan, "set_operation_name", spy)
    return calls


def test_same_name_is_not_set_again(tracer, rf, monkeypatch):
    calls = renames(monkeypatch)
    response = Books.as_view()(rf.get("/books/"))
    assert response.status_code == 200
    assert server_span(tracer).operation_name == "books"
    assert calls == []


def test_renamed_once_then_joined_under_the_same_name(tracer, rf, monkeypatch):
    # The middleware starts "HTTP GET", the mixin renames it "books" (one call), and the inner
    # @trace joins it under that name: no second call.
    calls = renames(monkeypatch)
    middleware = OpenTracingMiddleware(lambda request: Books.as_view()(request))
    response = middleware(rf.get("/books/"))
    assert response.status_code == 200
    assert server_span(tracer).operation_name == "books"
    assert calls == ["books"]
