"""URLs for the viewer tests: the viewer under ``traces/`` beside a few traced views."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from ot_views import TracedView, get_tracer
from tests import views


class Nested(TracedView):
    """A child span of the view's own, a query inside it (SQL spans on), one tag to escape."""

    def get(self, request: HttpRequest) -> HttpResponse:
        with get_tracer().start_active_span("compute") as scope:
            scope.span.set_tag("note", request.GET.get("note", "plain"))
            User.objects.count()
        return HttpResponse("ok")


urlpatterns = [
    path("nested/", Nested.as_view()),
    path("child/", views.Child.as_view()),
    path("boom/", views.Boom.as_view()),
    path("plain/", views.Plain.as_view()),
    path("traces/", include("ot_views.viewer.urls")),
]
