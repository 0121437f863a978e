"""A client's HTTP method never mints an operation name, and its tags stay bounded.

Methods outside the registered set (and outside the view's own ``http_method_names``) are named
``_OTHER``, as OpenTelemetry's HTTP conventions do: ``HTTP _OTHER`` for a request that reached no
view, ``_OTHER <route>`` in the route style. ``http.method`` says ``_OTHER`` too; the method as
sent is kept, cut to ``MAX_METHOD_LENGTH``, in ``http.request.method_original``.
"""

from __future__ import annotations

import asyncio
import random
import string

import pytest
from django.test import AsyncClient, Client

from ot_views import naming
from ot_views.testing import server_spans

both = pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])


def send(method, url, use_async):
    if use_async:
        return asyncio.run(AsyncClient().generic(method, url))
    return Client().generic(method, url)


def random_methods(count):
    rng = random.Random(13)
    return ["".join(rng.choices(string.ascii_uppercase, k=12)) for _ in range(count)]


@both
def test_fifty_random_methods_make_one_name_under_the_middleware(
    tracer, with_middleware, use_async
):
    methods = random_methods(50)
    for method in methods:
        send(method, "/nowhere/", use_async)
    spans = server_spans(tracer)
    assert len(spans) == 50
    assert {s.operation_name for s in spans} == {"HTTP _OTHER"}
    assert {s.tags["http.method"] for s in spans} == {"_OTHER"}
    assert [s.tags["http.request.method_original"] for s in spans] == methods


@both
def test_random_methods_in_the_route_style_are_other(tracer, settings, use_async):
    settings.OPENTRACING_OPERATION_NAME = "route"
    for method in random_methods(20):
        send(method, "/plain/", use_async)
    spans = server_spans(tracer)
    assert len(spans) == 20
    assert {s.operation_name for s in spans} == {"_OTHER plain/"}


@both
def test_route_style_under_the_middleware_resolved_view(tracer, with_middleware, use_async):
    with_middleware.OPENTRACING_OPERATION_NAME = "route"
    for method in random_methods(10):
        send(method, "/plain-func/", use_async)
    assert {s.operation_name for s in server_spans(tracer)} == {"_OTHER plain-func/"}


@both
def test_a_huge_method_is_cut_in_its_tag(tracer, with_middleware, use_async):
    method = "X" * 10_000
    send(method, "/nowhere/", use_async)
    [span] = server_spans(tracer)
    assert span.operation_name == "HTTP _OTHER"
    assert span.tags["http.method"] == "_OTHER"
    assert span.tags["http.request.method_original"] == "X" * naming.MAX_METHOD_LENGTH


def test_a_method_the_view_declares_names_the_span_and_keeps_the_tag_bounded(tracer, settings):
    settings.OPENTRACING_OPERATION_NAME = "route"
    assert Client().generic("PROPFIND", "/dav/").status_code == 207
    assert Client().generic("MKCOL", "/dav/").status_code == 405
    propfind, mkcol = server_spans(tracer)
    assert propfind.operation_name == "PROPFIND dav/"  # the view bounds its own methods
    assert mkcol.operation_name == "_OTHER dav/"
    # The tag follows the registered set only (it is set before any view is known).
    assert propfind.tags["http.method"] == "_OTHER"
    assert propfind.tags["http.request.method_original"] == "PROPFIND"
