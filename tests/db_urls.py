from __future__ import annotations

from django.urls import path

from tests import db_views

urlpatterns = [
    path("queries/", db_views.Queries.as_view()),
    path("user-span/", db_views.QueriesInUserSpan.as_view()),
    path("failing/", db_views.Failing.as_view()),
    path("untraced/", db_views.untraced),
    path("middleware-only/", db_views.middleware_only),
    path("async/", db_views.AsyncQueries.as_view()),
]
