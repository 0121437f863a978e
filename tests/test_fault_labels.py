"""Each tracer failure is counted under the operation that failed, and only that one.

``faults.counts()`` is what an operator reads to tell a tracer that cannot start spans from one
that cannot tag them; a fault filed under the wrong operation (or under two) misleads them. Each
case breaks one tracer call, makes one request, and checks the exact set of counters that grew,
and that the response is the one an untraced view gives.
"""

from __future__ import annotations

import opentracing
import pytest
from django.http import HttpResponse
from django.test import Client
from opentracing.mocktracer.span import MockSpan

from ot_views import TracedView, faults, inject_headers
from ot_views.testing import make_tracer, server_span, server_spans

from .fault_counts import Broken, failing_error_tag, grown


def boom(*args, **kwargs):
    raise Broken("tracer is broken")


class FailingCloseScopeManager:
    """Activates like the tracer's own scope manager; the scope's close() raises."""

    def __init__(self, inner):
        self.inner = inner

    @property
    def active(self):
        return self.inner.active

    def activate(self, span, finish_on_close):
        scope = self.inner.activate(span, finish_on_close)
        closed = scope.close

        def close():
            closed()  # keep the real manager consistent, then fail as a broken tracer would
            raise Broken("scope close is broken")

        scope.close = close
        return scope


# (broken call, URL, under the middleware, the counters that grow, expected status)
CASES = [
    ("start_span", "/plain/", False, {"start"}, 200),
    ("finish", "/plain/", False, {"finish"}, 200),
    ("finish", "/plain/", True, {"finish"}, 200),
    ("activate", "/plain/", False, {"activate"}, 200),
    ("extract", "/plain/", False, {"extract"}, 200),
    # the middleware names the span HTTP GET, then renames it from the view
    ("set_operation_name", "/plain/", True, {"set operation name"}, 200),
    # the status tag of a response
    ("set_tag", "/plain/", False, {"tag"}, 200),
    # the status tag of a 4xx exception
    ("set_tag", "/missing/", False, {"tag"}, 404),
    # the route and view tags the middleware adds once the view is resolved
    ("set_tag", "/plain-func/", True, {"tag"}, 200),
    # traced attributes
    ("set_tag", "/func/", False, {"tag"}, 200),
    # the error log of a view exception
    ("log_kv", "/boom/", False, {"log"}, 500),
    ("log_kv", "/boom/", True, {"log"}, 500),
]


def break_call(monkeypatch, tracer, call):
    if call in ("start_span", "extract"):
        monkeypatch.setattr(tracer, call, boom)
    elif call == "activate":
        monkeypatch.setattr(tracer.scope_manager, "activate", boom)
    else:
        monkeypatch.setattr(MockSpan, call, boom)


@pytest.mark.parametrize(("call", "url", "middleware", "labels", "status"), CASES)
def test_fault_is_counted_under_the_failing_operation(
    tracer, settings, monkeypatch, call, url, middleware, labels, status
):
    if middleware:
        settings.MIDDLEWARE = ["ot_views.middleware.OpenTracingMiddleware", *settings.MIDDLEWARE]
    break_call(monkeypatch, tracer, call)
    before = faults.counts()
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == status
    assert grown(before) == {(label, Broken) for label in labels}


def test_error_tag_fault_is_a_log_fault(tracer, monkeypatch):
    # The error tag goes with the error log: if it fails, the log is what failed.
    failing_error_tag(monkeypatch)
    before = faults.counts()
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert grown(before) == {("log", Broken)}


def test_failing_scope_close_is_reported_and_the_request_is_served(settings):
    tracer = make_tracer()
    tracer._scope_manager = FailingCloseScopeManager(tracer.scope_manager)
    settings.OPENTRACING_TRACER = tracer
    before = faults.counts()
    response = Client().get("/plain/")
    assert response.status_code == 200
    assert response.content == b"plain"
    assert grown(before) == {("scope close", Broken)}
    span = server_span(tracer)
    assert span.tags["http.status_code"] == 200
    assert tracer.scope_manager.active is None


def test_failing_start_span_callback_is_counted_as_such(tracer, settings):
    def callback(span, request):
        raise Broken("callback")

    settings.OPENTRACING_START_SPAN_CB = callback
    before = faults.counts()
    response = Client().get("/plain/")
    assert response.status_code == 200
    assert grown(before) == {("start span callback", Broken)}
    assert server_span(tracer).tags["http.status_code"] == 200


class BrokenName(TracedView):
    def get_operation_name(self, request):
        raise Broken("name")

    def get(self, request):
        return HttpResponse("ok")


class BrokenAttributes(TracedView):
    def get_traced_attributes(self):
        raise Broken("attributes")

    def get(self, request):
        return HttpResponse("ok")


@pytest.mark.parametrize(
    ("view", "label", "name"),
    [
        (BrokenName, "get_operation_name", "BrokenName"),
        (BrokenAttributes, "get_traced_attributes", "BrokenAttributes.get"),
    ],
)
def test_failing_view_hooks_are_counted_under_their_name(tracer, rf, view, label, name):
    before = faults.counts()
    response = view.as_view()(rf.get("/x/"))
    assert response.status_code == 200
    assert grown(before) == {(label, Broken)}
    assert server_span(tracer).operation_name == name


def test_failing_inject_is_counted_as_inject(tracer, monkeypatch):
    monkeypatch.setattr(tracer, "inject", boom)
    before = faults.counts()
    with tracer.start_active_span("client"):
        headers = inject_headers({"accept": "json"})
    assert headers == {"accept": "json"}
    assert grown(before) == {("inject", Broken)}
    assert server_spans(tracer) == []


def test_a_failure_while_installing_the_global_tracer_is_reported_under_its_label(
    tracer, settings, monkeypatch
):
    from ot_views import tracer as tracer_module

    def broken(_tracer):
        raise RuntimeError("wrapper broke")

    # The tracer is installed globally before the wrapper fails: restore the global one after.
    monkeypatch.setattr(opentracing, "tracer", opentracing.tracer)
    monkeypatch.setattr(opentracing, "is_tracer_registered", opentracing.is_tracer_registered)
    settings.OPENTRACING_SET_GLOBAL_TRACER = True
    monkeypatch.setattr(tracer_module, "tracer_wrappers", [broken])
    before = faults.counts().get(("global tracer", RuntimeError), 0)
    tracer_module.install_global_tracer()  # must not raise
    assert faults.counts().get(("global tracer", RuntimeError), 0) == before + 1
