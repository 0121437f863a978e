"""Helpers for asserting on the spans your own views produce.

    from ot_views.testing import traced, server_span

    def test_book_detail(client):
        with traced() as tracer:
            client.get("/books/1/")
        span = server_span(tracer)
        assert span.operation_name == "BookDetail.get"

With pytest, add ``pytest_plugins = ["ot_views.testing"]`` to ``conftest.py`` and take the
``ot_tracer`` fixture: a fresh in-memory tracer installed for the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.test import override_settings
from opentracing.mocktracer import MockTracer
from opentracing.mocktracer.span import MockSpan
from opentracing.scope_managers.contextvars import ContextVarsScopeManager

__all__ = [
    "children_of",
    "make_tracer",
    "ot_tracer",
    "server_span",
    "server_spans",
    "traced",
]


def make_tracer() -> MockTracer:
    """An in-memory tracer whose active span follows threads and asyncio tasks."""
    return MockTracer(scope_manager=ContextVarsScopeManager())


@contextmanager
def traced(tracer: MockTracer | None = None, **settings: Any) -> Iterator[MockTracer]:
    """Install ``tracer`` (a new in-memory one by default) as ``OPENTRACING_TRACER``.

    Extra keyword arguments are further settings, for example ``OPENTRACING_TRACE_ALL=False``.
    """
    tracer = tracer if tracer is not None else make_tracer()
    with override_settings(OPENTRACING_TRACER=tracer, **settings):
        yield tracer


def server_spans(tracer: MockTracer) -> list[MockSpan]:
    """Finished spans with ``span.kind = server``, in the order they finished."""
    return [s for s in tracer.finished_spans() if s.tags.get("span.kind") == "server"]


def server_span(tracer: MockTracer) -> MockSpan:
    """The one finished server span; fails the test if there is not exactly one."""
    spans = server_spans(tracer)
    if len(spans) != 1:
        names = [s.operation_name for s in spans]
        raise AssertionError(f"expected exactly one server span, found {len(spans)}: {names}")
    return spans[0]


def children_of(tracer: MockTracer, parent: MockSpan) -> list[MockSpan]:
    """Finished spans whose parent is ``parent``, in start order."""
    children = [
        s
        for s in tracer.finished_spans()
        if s.parent_id == parent.context.span_id and s.context.trace_id == parent.context.trace_id
    ]
    return sorted(children, key=lambda s: s.start_time)


try:
    import pytest
except ImportError:  # pragma: no cover - pytest is optional for users
    pass
else:

    @pytest.fixture
    def ot_tracer(request: Any) -> Iterator[MockTracer]:
        """A fresh in-memory tracer installed as ``OPENTRACING_TRACER`` for one test.

        With pytest-django the tracer goes through its ``settings`` fixture: overrides are then
        undone in one stack, whatever the order the test lists its fixtures in. A separate
        ``override_settings`` exited before a later ``settings.X = ...`` change would otherwise
        leave this tracer installed for the rest of the session.
        """
        tracer = make_tracer()
        try:
            settings = request.getfixturevalue("settings")
        except pytest.FixtureLookupError:
            with traced(tracer):
                yield tracer
            return
        settings.OPENTRACING_TRACER = tracer
        yield tracer
