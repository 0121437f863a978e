"""DjangoTracer / DjangoTracing, get_span and get_tracer."""

from __future__ import annotations

import opentracing
import pytest
from django.http import HttpResponse
from django.test import Client
from opentracing.mocktracer import MockTracer
from opentracing.scope_managers import ThreadLocalScopeManager

from ot_views import DjangoTracer, DjangoTracing, get_span, get_tracer
from ot_views.testing import make_tracer, server_span
from tests.views import Plain


def test_alias():
    assert DjangoTracing is DjangoTracer


def test_tracer_property():
    inner = make_tracer()
    wrapper = DjangoTracer(inner)
    assert wrapper.tracer is inner
    assert wrapper._tracer_implementation is inner
    assert DjangoTracer().tracer is opentracing.global_tracer()
    assert "DjangoTracer(" in repr(wrapper)


def test_rejects_non_tracers():
    with pytest.raises(TypeError, match=r"opentracing\.Tracer"):
        DjangoTracer("jaeger")


def test_trace_method_uses_its_tracer(rf, tracer):
    own = make_tracer()
    wrapper = DjangoTracer(own)

    @wrapper.trace("path", operation_name="wrapped")
    def view(request):
        return HttpResponse()

    view(rf.get("/w/"))
    span = server_span(own)
    assert span.operation_name == "wrapped"
    assert span.tags["path"] == "/w/"
    assert tracer.finished_spans() == []


def test_inject_headers_method_uses_its_tracer(tracer):
    # The span active on the wrapper's own tracer is carried, into the caller's dict, even
    # though the tracer requests use (the ``tracer`` fixture) has nothing active.
    # A scope manager of its own: the default one is shared by every tracer in the context.
    own = MockTracer(scope_manager=ThreadLocalScopeManager())
    wrapper = DjangoTracer(own)
    with own.start_active_span("call") as scope:
        headers = {"accept": "json"}
        out = wrapper.inject_headers(headers)
        context = scope.span.context
    assert out is headers
    assert out["accept"] == "json"
    assert out["ot-tracer-traceid"] == f"{context.trace_id:x}"
    assert out["ot-tracer-spanid"] == f"{context.span_id:x}"


def test_seed_style_settings_work(settings):
    inner = make_tracer()
    settings.OPENTRACING_TRACER = DjangoTracer(inner)
    Client().get("/plain/")
    assert server_span(inner).operation_name == "Plain.get"
    assert get_tracer() is inner


def test_get_span_with_http_request_during_the_view(rf, tracer):
    seen = []

    class Probe(Plain):
        def get(self, request, *args, **kwargs):
            seen.append(get_span(request))
            seen.append(DjangoTracer.get_span(request))
            seen.append(DjangoTracer(tracer).get_span(request))
            return super().get(request, *args, **kwargs)

    request = rf.get("/plain/")
    Probe.as_view()(request)
    span = server_span(tracer)
    assert seen == [span, span, span]
    assert get_span(request) is None  # finished


def test_get_span_with_a_request_wrapper(rf, tracer):
    class Wrapper:  # the shape of DRF's Request: the HttpRequest is in ._request
        def __init__(self, request):
            self._request = request

    seen = []

    class Probe(Plain):
        def get(self, request, *args, **kwargs):
            seen.append(get_span(Wrapper(request)))
            return super().get(request, *args, **kwargs)

    Probe.as_view()(rf.get("/plain/"))
    assert seen == [server_span(tracer)]


def test_get_span_without_span(rf):
    assert get_span(rf.get("/")) is None
    assert get_span(object()) is None
    assert get_span(None) is None


def test_get_tracer_returns_the_configured_tracer(tracer):
    assert get_tracer() is tracer


def test_inject_headers_method(tracer):
    own = make_tracer()
    span = own.start_span("x")
    headers = DjangoTracer(own).inject_headers({}, span)
    assert int(headers["ot-tracer-spanid"], 16) == span.context.span_id
