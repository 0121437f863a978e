"""DRF's URL-path versioning still works on traced views.

``URLPathVersioning`` reads the version from the URL kwargs that ``initial()`` receives; the
mixin's ``initial()`` must pass them on untouched. The span records the version DRF determined
when ``version`` is a traced attribute.
"""

from __future__ import annotations

import pytest
from django.urls import re_path
from rest_framework.response import Response
from rest_framework.versioning import BaseVersioning, URLPathVersioning
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

from ot_views.testing import server_span
from ot_views_drf import TracedAPIView, TracedAPIViewMixin

pytestmark = pytest.mark.urls("tests.drf.test_versioning")


class Versioned(URLPathVersioning):
    allowed_versions = ["v1", "v2"]


class PositionalVersioning(BaseVersioning):
    """A project's own scheme: the version is the URL's first positional group."""

    def determine_version(self, request, *args, **kwargs):
        return args[0] if args else None


class PositionalView(TracedAPIView):
    versioning_class = PositionalVersioning
    traced_attributes = ["version"]

    def get(self, request, *args, **kwargs):
        return Response({"version": request.version, "args": list(args)})


class VersionedView(TracedAPIView):
    versioning_class = Versioned
    traced_attributes = ["version"]

    def get(self, request, *args, **kwargs):
        return Response({"version": request.version, "args": list(args), "kwargs": kwargs})


class VersionedViewSet(TracedAPIViewMixin, ViewSet):
    versioning_class = Versioned
    traced_attributes = ["version"]

    def retrieve(self, request, pk=None, **kwargs):
        return Response({"version": request.version, "pk": pk, "kwargs": kwargs})


class PlainVersionedView(APIView):
    versioning_class = Versioned

    def get(self, request, *args, **kwargs):
        return Response({"version": request.version, "args": list(args), "kwargs": kwargs})


urlpatterns = [
    re_path(r"^positional/(v[0-9])/$", PositionalView.as_view()),
    re_path(r"^(?P<version>v[0-9])/thing/$", VersionedView.as_view()),
    re_path(r"^plain/(?P<version>v[0-9])/thing/$", PlainVersionedView.as_view()),
    re_path(
        r"^(?P<version>v[0-9])/things/(?P<pk>[0-9]+)/$",
        VersionedViewSet.as_view({"get": "retrieve"}),
    ),
]


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_api_view_gets_the_version_from_the_url(client, tracer, version):
    response = client.get(f"/{version}/thing/")
    assert response.status_code == 200
    assert response.json() == {"version": version, "args": [], "kwargs": {"version": version}}
    assert response.json() == client.get(f"/plain/{version}/thing/").json()
    span = server_span(tracer)
    assert span.tags["version"] == version
    assert span.tags["http.status_code"] == 200


def test_viewset_gets_the_version_and_pk_from_the_url(client, tracer):
    response = client.get("/v2/things/7/")
    assert response.status_code == 200
    assert response.json() == {"version": "v2", "pk": "7", "kwargs": {"version": "v2"}}
    span = server_span(tracer)
    assert span.operation_name == "VersionedViewSet.retrieve"
    assert span.tags["version"] == "v2"


def test_unknown_version_is_refused_as_without_tracing(client, tracer):
    traced = client.get("/v9/thing/")
    plain = client.get("/plain/v9/thing/")
    assert traced.status_code == plain.status_code == 404
    assert traced.json() == plain.json()
    assert server_span(tracer).tags["http.status_code"] == 404


def test_versioning_scheme_reading_positional_groups(client, tracer):
    response = client.get("/positional/v3/")
    assert response.json() == {"version": "v3", "args": ["v3"]}
    assert server_span(tracer).tags["version"] == "v3"
