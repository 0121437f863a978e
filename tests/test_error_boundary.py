"""The 5xx boundary: status 500 is the first error, 499 the last client error.

Both ways a status reaches the span are pinned at the boundary: an exception that carries a
``status_code`` (logged, then tagged with that status) and a response the view returns.
"""

from __future__ import annotations

import pytest
from django.test import Client

from ot_views.testing import server_span
from tests.views import TeapotError


@pytest.mark.parametrize(("code", "error"), [(499, False), (500, True), (501, True)])
def test_exception_status_code_at_the_boundary(tracer, monkeypatch, code, error):
    monkeypatch.setattr(TeapotError, "status_code", code)
    with pytest.raises(TeapotError):
        Client().get("/raise/teapot/")
    span = server_span(tracer)
    assert span.tags["http.status_code"] == code
    assert span.tags.get("error", False) is error
    [log] = [log.key_values for log in span.logs if log.key_values.get("event") == "error"]
    assert log["error.kind"] == "TeapotError"


@pytest.mark.parametrize(("code", "error"), [(499, False), (500, True)])
def test_response_status_at_the_boundary(tracer, code, error):
    Client().get(f"/status/{code}/")
    span = server_span(tracer)
    assert span.tags["http.status_code"] == code
    assert span.tags.get("error", False) is error
