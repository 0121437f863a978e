"""The method part of a name: declared methods up to the length bound, requests without one."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from django.views import View

from ot_views import TracedView, naming
from ot_views.testing import server_spans
from tests.views import Plain

LONGEST = "m" * naming.MAX_METHOD_LENGTH
TOO_LONG = "n" * (naming.MAX_METHOD_LENGTH + 1)


def answer(self, request):
    return HttpResponse("ok")


class LongVerbs(TracedView):
    """A view declaring a method of the longest length a name carries, and one longer."""

    http_method_names = [*View.http_method_names, LONGEST, TOO_LONG]
    get = answer


setattr(LongVerbs, LONGEST, answer)
setattr(LongVerbs, TOO_LONG, answer)


urlpatterns = [path("long/", LongVerbs.as_view())]


@pytest.mark.urls(__name__)
def test_a_declared_method_names_the_span_up_to_the_length_bound(tracer, settings):
    settings.OPENTRACING_OPERATION_NAME = "route"
    assert Client().generic(LONGEST.upper(), "/long/").status_code == 200
    assert Client().generic(TOO_LONG.upper(), "/long/").status_code == 200
    longest, too_long = server_spans(tracer)
    assert longest.operation_name == f"{LONGEST.upper()} long/"
    assert too_long.operation_name == "_OTHER long/"


@pytest.mark.parametrize(
    "request_",
    [
        HttpRequest(),  # built by hand: its method is None
        SimpleNamespace(method="PROPFIND"),  # not a Django request: no resolver_match
        SimpleNamespace(method=b"GET"),
    ],
    ids=["no-method", "no-resolver-match", "bytes-method"],
)
def test_a_request_without_a_usable_method_is_other(request_):
    assert naming.unresolved(request_) == "HTTP _OTHER"


def test_actions_that_are_not_a_mapping_are_ignored():
    # Only a mapping of method -> action names a handler; anything else falls back to the
    # view's own handler for the method.
    assert naming.handler_name(Plain, "GET", ["list"]) == "get"
    assert naming.handler_name(Plain, "GET", {"get": 3}) == "get"
    assert naming.handler_name(Plain, "GET", {"get": "list"}) == "list"


def test_a_class_without_http_method_names_has_no_handler():
    # A view_class/cls attribute set by another framework need not be a Django view.
    assert naming.handler_name(type("NotAView", (), {"get": answer}), "GET") == (
        "http_method_not_allowed"
    )
