"""SQL statements are scrubbed of the request's secrets, including ones it loads mid-view.

The request's secret values are collected once for its SQL spans and collected again when the
request has since loaded more of itself: a form (``request.POST``) or a body read after the
first query, or URL kwargs resolved after a middleware's query. A value the code inlined into
SQL text is then caught whenever it was loaded.
A query outside any request, even under an active span, makes no SQL span and no fault.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

from ot_views import TracedView, faults
from ot_views.testing import server_span

pytestmark = pytest.mark.django_db


def inlined_select(value: str) -> None:
    with connection.cursor() as cursor:
        # Inlined on purpose: the one way a value reaches the SQL text past the placeholders.
        cursor.execute("SELECT '" + value.replace("'", "''") + "'")


class FormLater(TracedView):
    def post(self, request):
        inlined_select("before the form")
        secret = request.POST["password"]
        inlined_select(secret)
        return HttpResponse("ok")


class BodyLater(TracedView):
    def post(self, request):
        inlined_select("before the body")
        secret = json.loads(request.body)["api_key"]
        inlined_select(secret)
        return HttpResponse("ok")


def reset(request, token):
    inlined_select(token)
    return HttpResponse("ok")


urlpatterns = [path("reset/<str:token>/", reset)]


class QueryFirst:
    """A middleware that queries before the URL is resolved (as a session or auth one may)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        inlined_select("before the route")
        return self.get_response(request)


def statements(tracer):
    return [
        s.tags.get("db.statement", "")
        for s in tracer.finished_spans()
        if s.tags.get("component") == "django.db"
    ]


def test_form_secret_loaded_after_a_query_is_scrubbed(rf, tracer):
    request = rf.post("/f/", data={"password": "hunter2-form-7c1", "q": "x"})
    with override_settings(OPENTRACING_TRACE_DB=True):
        FormLater.as_view()(request)
    texts = statements(tracer)
    assert len(texts) == 2
    assert "before the form" in texts[0]
    assert "hunter2-form-7c1" not in "".join(texts)
    assert server_span(tracer).tags["http.status_code"] == 200


def test_body_secret_loaded_after_a_query_is_scrubbed(rf, tracer):
    body = json.dumps({"api_key": "k3y-body-91d"})
    request = rf.post("/b/", data=body, content_type="application/json")
    with override_settings(OPENTRACING_TRACE_DB=True):
        BodyLater.as_view()(request)
    texts = statements(tracer)
    assert len(texts) == 2
    assert "before the body" in texts[0]
    assert "k3y-body-91d" not in "".join(texts)


def test_query_under_a_span_outside_a_request_is_not_traced_nor_a_fault(tracer):
    before = faults.counts()
    with override_settings(OPENTRACING_TRACE_DB=True), tracer.start_active_span("job"):
        inlined_select("outside")
    assert statements(tracer) == []
    assert faults.counts() == before


def test_url_kwarg_secret_resolved_after_a_query_is_scrubbed(tracer):
    middleware = ["ot_views.middleware.OpenTracingMiddleware", f"{__name__}.QueryFirst"]
    with override_settings(OPENTRACING_TRACE_DB=True, ROOT_URLCONF=__name__, MIDDLEWARE=middleware):
        response = Client().get("/reset/t0ken-url-5e8/")
    assert response.status_code == 200
    texts = statements(tracer)
    assert len(texts) == 2
    assert "before the route" in texts[0]
    assert "t0ken-url-5e8" not in "".join(texts)
    assert "[REDACTED]" in texts[1]
