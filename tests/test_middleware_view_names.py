"""The middleware names the view the URLconf resolved to, whatever kind of callable it is."""

from __future__ import annotations

import functools

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from django.views import View

from ot_views import naming
from ot_views.testing import server_span, server_spans


class UntracedDav(View):
    http_method_names = [*View.http_method_names, "propfind"]

    def get(self, request):
        return HttpResponse("dav")

    def propfind(self, request):
        return HttpResponse("props", status=207)


class UnhashableView:
    """A view callable that defines equality, so it cannot be a dict key."""

    view_class = UntracedDav

    def __init__(self):
        self._view = UntracedDav.as_view()

    def __eq__(self, other):
        return self is other

    __hash__ = None  # type: ignore[assignment]

    def __call__(self, request, *args, **kwargs):
        return self._view(request, *args, **kwargs)


def answer(request, text="ok"):
    return HttpResponse(text)


class NamedCallable:
    """A view callable instance that names itself (as decorator classes do)."""

    def __init__(self):
        self.__name__ = "named_view"

    def __call__(self, request):
        return HttpResponse("named")


urlpatterns = [
    path("dav/", UntracedDav.as_view()),
    path("unhashable/", UnhashableView()),
    path("partial/", functools.partial(answer, text="partial")),
    path("named/", NamedCallable()),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.mark.parametrize(("method", "name"), [("GET", "get"), ("PROPFIND", "propfind")])
def test_an_unhashable_view_callable_is_named(tracer, with_middleware, method, name):
    assert Client().generic(method, "/unhashable/").status_code in (200, 207)
    span = server_span(tracer)
    assert span.operation_name == f"UntracedDav.{name}"
    assert span.tags["django.view"] == f"{__name__}.UntracedDav"


def test_a_method_outside_the_cached_set_is_named_by_its_handler(tracer, with_middleware):
    # PROPFIND is named on each request (a client may send any number of other methods).
    for _ in range(2):
        assert Client().generic("PROPFIND", "/dav/").status_code == 207
    spans = server_spans(tracer)
    assert [s.operation_name for s in spans] == ["UntracedDav.propfind"] * 2
    assert {s.tags["django.view"] for s in spans} == {f"{__name__}.UntracedDav"}


def test_the_view_name_cache_is_bounded(rf, monkeypatch):
    monkeypatch.setattr(naming, "_VIEW_NAMES", {})
    monkeypatch.setattr(naming, "_MAX_VIEW_NAMES", 3)

    def make(i):
        def view(request):
            return HttpResponse()

        view.__name__ = f"view_{i}"
        return view

    request = rf.get("/")
    names = [naming.for_view_func(make(i), request)[0] for i in range(5)]
    assert names == [f"view_{i}" for i in range(5)]  # named right past the bound, too
    assert len(naming._VIEW_NAMES) == 3


@pytest.mark.parametrize(
    ("url", "name", "view"),
    [
        # No __name__ or __qualname__: the type names it.
        ("/partial/", "partial", "functools.partial"),
        # A __name__ but no __qualname__ (an instance): the __name__ names it.
        ("/named/", "named_view", f"{__name__}.named_view"),
    ],
)
def test_a_view_callable_without_a_function_name(tracer, with_middleware, url, name, view):
    assert Client().get(url).status_code == 200
    span = server_span(tracer)
    assert span.operation_name == name
    assert span.tags["django.view"] == view


@pytest.mark.parametrize(
    ("obj", "path_"),
    [
        (answer, f"{__name__}.answer"),
        (UntracedDav, f"{__name__}.UntracedDav"),
        ([].append, "list.append"),  # __module__ is None
        (object(), "object"),  # no __module__ at all
    ],
    ids=["function", "class", "module-none", "no-module"],
)
def test_dotted_path(obj, path_):
    assert naming.dotted_path(obj) == path_
