"""ot_views.testing: what users get to assert on their own views' spans."""

from __future__ import annotations

import opentracing
import pytest
from django.test import Client
from opentracing.mocktracer import MockTracer
from opentracing.scope_managers.contextvars import ContextVarsScopeManager

from ot_views.conf import conf
from ot_views.testing import children_of, make_tracer, server_span, server_spans, traced


def test_make_tracer_uses_contextvars():
    tracer = make_tracer()
    assert isinstance(tracer, MockTracer)
    assert isinstance(tracer.scope_manager, ContextVarsScopeManager)


def test_traced_installs_and_removes_the_tracer():
    before = conf.tracer
    with traced() as tracer:
        assert conf.tracer is tracer
        Client().get("/plain/")
    assert conf.tracer is before
    assert server_span(tracer).operation_name == "Plain.get"


def test_traced_with_given_tracer_and_settings():
    tracer = make_tracer()
    with traced(tracer, OPENTRACING_OPERATION_NAME="route") as installed:
        assert installed is tracer
        Client().get("/plain/")
    assert server_span(tracer).operation_name == "GET plain/"


def test_server_span_fails_unless_exactly_one():
    with traced() as tracer:
        with pytest.raises(AssertionError, match="found 0"):
            server_span(tracer)
        Client().get("/plain/")
        Client().get("/named/")
        with pytest.raises(AssertionError, match=r"found 2: \['Plain.get', 'books.custom'\]"):
            server_span(tracer)
    assert [s.operation_name for s in server_spans(tracer)] == ["Plain.get", "books.custom"]


def test_server_spans_ignore_other_spans():
    with traced() as tracer:
        Client().get("/child/")
    assert len(tracer.finished_spans()) == 2
    assert [s.operation_name for s in server_spans(tracer)] == ["Child.get"]


def test_children_of_in_start_order():
    tracer = make_tracer()
    with tracer.start_active_span("parent") as scope:
        with tracer.start_active_span("first"):
            pass
        with tracer.start_active_span("second"), tracer.start_active_span("grandchild"):
            pass
    other = tracer.start_span("unrelated")
    other.finish()
    assert [s.operation_name for s in children_of(tracer, scope.span)] == ["first", "second"]


def test_ot_tracer_fixture(ot_tracer, client):
    assert conf.tracer is ot_tracer
    client.get("/plain/")
    assert server_span(ot_tracer).operation_name == "Plain.get"


def test_fixture_tracers_are_fresh_per_test(tracer):
    assert tracer.finished_spans() == []
    assert opentracing.global_tracer() is not tracer
