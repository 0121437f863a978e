"""``http.url`` hides the values of sensitive URL kwargs, and only those.

A reset link (``reset/<uid>/<token>/``) carries its secret in the path. The value of a kwarg
whose name the policy finds sensitive is replaced, whether the span starts after URL resolution
(a traced view) or before it (the middleware, which re-tags the URL once the view is resolved);
the other kwargs' values stay readable. A token is replaced whole up to the longest secret the
policy keeps (``MAX_SECRET_LENGTH``), wherever it starts in the part of the URL that is shown.
"""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from ot_views import TracedView
from ot_views.attributes import MAX_VALUE_LENGTH, REDACTED
from ot_views.redaction import MAX_SECRET_LENGTH
from ot_views.testing import server_span

pytestmark = pytest.mark.urls(__name__)


class Reset(TracedView):
    def get(self, request, uid, token):
        return HttpResponse("ok")


def plain_reset(request, uid, token):
    return HttpResponse("ok")


class Book(TracedView):
    def get(self, request, slug):
        return HttpResponse("ok")


urlpatterns = [
    path("reset/<str:uid>/<str:token>/", Reset.as_view()),
    path("plain-reset/<str:uid>/<str:token>/", plain_reset),
    path("book/<slug:slug>/", Book.as_view()),
]


@pytest.mark.parametrize("middleware", [False, True])
def test_only_the_sensitive_kwarg_is_redacted(tracer, settings, middleware):
    if middleware:
        settings.MIDDLEWARE = ["ot_views.middleware.OpenTracingMiddleware", *settings.MIDDLEWARE]
    response = Client().get("/reset/MTIz/c4q-s3cr3t-t0ken/")
    assert response.status_code == 200
    assert server_span(tracer).tags["http.url"] == f"http://testserver/reset/MTIz/{REDACTED}/"


def test_untraced_view_under_the_middleware_gets_its_url_retagged(tracer, with_middleware):
    Client().get("/plain-reset/MTIz/c4q-s3cr3t-t0ken/")
    url = server_span(tracer).tags["http.url"]
    assert url == f"http://testserver/plain-reset/MTIz/{REDACTED}/"


def test_kwargs_without_a_sensitive_name_are_kept(tracer, with_middleware):
    Client().get("/book/secret-diary/?page=2")
    assert server_span(tracer).tags["http.url"] == "http://testserver/book/secret-diary/?page=2"


@pytest.mark.parametrize("middleware", [False, True])
def test_token_as_long_as_a_secret_may_be_is_redacted_whole(tracer, settings, middleware):
    if middleware:
        settings.MIDDLEWARE = ["ot_views.middleware.OpenTracingMiddleware", *settings.MIDDLEWARE]
    token = "".join(f"{n:04d}" for n in range(MAX_SECRET_LENGTH // 4))
    assert len(token) == MAX_SECRET_LENGTH
    response = Client().get(f"/reset/MTIz/{token}/")
    assert response.status_code == 200
    url = server_span(tracer).tags["http.url"]
    assert url == f"http://testserver/reset/MTIz/{REDACTED}/"[:MAX_VALUE_LENGTH]
    assert token[:8] not in url


def test_query_secret_repeated_in_a_long_path_is_redacted(tracer, with_middleware):
    # The query itself is past the tag's cut, but its secret shows in the path before it.
    secret = "c4q-s3cr3t-t0ken"
    padding = "p" * MAX_VALUE_LENGTH
    Client().get(f"/nowhere/{secret}/{padding}/?token={secret}")
    url = server_span(tracer).tags["http.url"]
    assert url == f"http://testserver/nowhere/{REDACTED}/{padding}"[:MAX_VALUE_LENGTH]
