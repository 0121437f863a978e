"""``tracer_wrappers``: functions an app registers to wrap the tracer requests are traced with.

The viewer app records spans this way. Each wrapper is given the tracer resolved from the
settings and returns the one the request uses.
"""

from __future__ import annotations

from django.test import Client

from ot_views import tracer as tracer_module
from ot_views.testing import make_tracer, server_span


def test_a_wrapper_is_given_the_resolved_tracer_and_its_result_is_used(tracer, monkeypatch):
    given = []
    outer = make_tracer()

    def wrap(resolved):
        given.append(resolved)
        return outer

    monkeypatch.setattr(tracer_module, "tracer_wrappers", [wrap])
    response = Client().get("/plain/")
    assert response.status_code == 200
    assert given and all(resolved is tracer for resolved in given)
    assert server_span(outer).tags["http.status_code"] == 200
    assert tracer.finished_spans() == []
