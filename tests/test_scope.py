"""The request span is the active span while the view runs: child spans nest under it."""

from __future__ import annotations

import asyncio
import threading

from django.test import AsyncClient, Client

from ot_views.testing import children_of, server_span, server_spans


def only_child(tracer, name):
    span = server_span(tracer)
    children = children_of(tracer, span)
    assert [c.operation_name for c in children] == [name]
    return span, children[0]


def test_sync_view_child_nests(client, tracer):
    client.get("/child/")
    span, child = only_child(tracer, "child.work")
    assert child.tags["work"] == "done"
    assert child.start_time >= span.start_time
    assert child.finish_time <= span.finish_time
    assert tracer.active_span is None


def test_async_view_child_nests(async_client, tracer):
    asyncio.run(async_client.get("/async/"))
    span, child = only_child(tracer, "async.child")
    assert child.finish_time <= span.finish_time
    # The span covers the awaited handler, not only the creation of the coroutine.
    assert span.finish_time - span.start_time >= 0.01


def test_async_function_view_child_nests(async_client, tracer):
    asyncio.run(async_client.get("/afunc/"))
    only_child(tracer, "afunc.child")


def test_sync_view_under_async_client_child_nests(async_client, tracer):
    asyncio.run(async_client.get("/child/"))
    only_child(tracer, "child.work")


def test_child_nests_under_async_middleware(tracer, with_middleware):
    asyncio.run(AsyncClient().get("/async/"))
    only_child(tracer, "async.child")


def test_child_nests_under_sync_middleware(tracer, with_middleware):
    Client().get("/child/")
    only_child(tracer, "child.work")


def test_concurrent_async_requests_keep_their_own_spans(tracer):
    async def many():
        client = AsyncClient()
        return await asyncio.gather(*(client.get("/async/") for _ in range(8)))

    responses = asyncio.run(many())
    assert all(r.status_code == 200 for r in responses)
    servers = server_spans(tracer)
    assert len(servers) == 8
    assert len({s.context.trace_id for s in servers}) == 8
    for span in servers:
        assert [c.operation_name for c in children_of(tracer, span)] == ["async.child"]


def test_concurrent_threads_keep_their_own_spans(tracer):
    errors = []

    def worker():
        try:
            assert Client().get("/child/").status_code == 200
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    servers = server_spans(tracer)
    assert len(servers) == 6
    for span in servers:
        assert [c.operation_name for c in children_of(tracer, span)] == ["child.work"]


def test_scope_is_closed_after_an_exception(tracer):
    Client(raise_request_exception=False).get("/boom/")
    assert tracer.active_span is None
    Client().get("/child/")
    span = next(s for s in server_spans(tracer) if s.operation_name == "Child.get")
    assert span.parent_id is None
