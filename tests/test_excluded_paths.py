"""``OPENTRACING_EXCLUDED_PATHS``: each entry works on its own, whatever the others are.

Entries used to be joined into one regex. Entries valid alone could then fail together (an
inline flag no longer at the start, a group name used twice), and every exclusion was dropped,
or change meaning (a numbered back-reference pointing into another entry). Now each entry is
compiled on its own; an entry that cannot compile is skipped and reported by ``manage.py check``
(``ot_views.E004``), and the others still apply.
"""

from __future__ import annotations

import asyncio

import pytest
from django.core.checks import run_checks
from django.test import AsyncClient, Client

from ot_views.testing import server_spans

both = pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])


def get(url, use_async):
    if use_async:
        return asyncio.run(AsyncClient().get(url))
    return Client().get(url)


def traced_paths(tracer, urls, use_async):
    """Which of ``urls`` got a span (each request under the middleware)."""
    traced = []
    for url in urls:
        before = len(server_spans(tracer))
        get(url, use_async)
        if len(server_spans(tracer)) > before:
            traced.append(url)
    return traced


def e004_patterns():
    return [
        m.msg.split("entry ", 1)[1].split(" is not", 1)[0]
        for m in run_checks()
        if m.id == "ot_views.E004"
    ]


@both
def test_an_inline_flag_in_a_later_entry_keeps_every_entry(tracer, with_middleware, use_async):
    with_middleware.OPENTRACING_EXCLUDED_PATHS = [r"^/plain/", r"(?i)^/HEALTH"]
    assert traced_paths(tracer, ["/plain/", "/health", "/Health/", "/func/"], use_async) == [
        "/func/"
    ]
    assert e004_patterns() == []


@both
def test_a_group_name_in_two_entries_keeps_every_entry(tracer, with_middleware, use_async):
    with_middleware.OPENTRACING_EXCLUDED_PATHS = [r"^/(?P<p>plain)/", r"^/(?P<p>health)"]
    assert traced_paths(tracer, ["/plain/", "/health", "/func/"], use_async) == ["/func/"]
    assert e004_patterns() == []


def test_a_back_reference_means_what_it_means_alone(tracer, with_middleware):
    # Joined, the second entry's \1 pointed at the first entry's group and never matched.
    with_middleware.OPENTRACING_EXCLUDED_PATHS = [r"^/(health)$", r"^/(pl)ain/\1$"]
    assert traced_paths(tracer, ["/plain/pl", "/health", "/plain/px"], False) == ["/plain/px"]


@both
def test_an_invalid_entry_is_skipped_and_reported_the_others_apply(
    tracer, with_middleware, use_async
):
    with_middleware.OPENTRACING_EXCLUDED_PATHS = [
        r"^/plain/",
        r"(?i)^/HEALTH",
        r"^/broken(/",
        r"^/(?P<g>func)/",
        r"^/(?P<g>afunc)/",
    ]
    urls = ["/plain/", "/health", "/func/", "/afunc/", "/books/1/"]
    assert traced_paths(tracer, urls, use_async) == ["/books/1/"]
    # check reports exactly what run time cannot use
    assert e004_patterns() == ["'^/broken(/'"]
    [message] = [m for m in run_checks() if m.id == "ot_views.E004"]
    assert "other entries still apply" in message.msg
