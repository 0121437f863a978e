"""An exception that leaves a DRF view outside DRF's own handler is scrubbed with DRF's data too.

DRF's ``handle_exception`` only sees what the handler raises; ``finalize_response`` (and any
override of it) runs after, and what it raises reaches the traced view's adapter directly. The
error log is then written with the DRF request's secrets (its ``auth``) as well as the Django
request's.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from ot_views.testing import server_span
from ot_views_drf import TracedAPIView

SECRET = "hunter2-late-5e3c"


class ClientKey(BaseAuthentication):
    """A key in a header whose name says nothing about it: only DRF's ``auth`` knows it."""

    def authenticate(self, request):
        return AnonymousUser(), request.META["HTTP_X_CLIENT"]


class FailsLate(TracedAPIView):
    authentication_classes = [ClientKey]
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})

    def finalize_response(self, request, response, *args, **kwargs):
        raise ValueError(f"could not finish for {request.auth}")


def test_a_late_error_is_scrubbed_of_the_drf_auth(tracer, rf):
    request = rf.get("/late/", headers={"x-client": SECRET})
    with pytest.raises(ValueError, match=SECRET):
        FailsLate.as_view()(request)
    span = server_span(tracer)
    [log] = [e.key_values for e in span.logs if e.key_values.get("event") == "error"]
    assert log["error.kind"] == "ValueError"
    assert log["message"].startswith("could not finish for ")
    assert SECRET not in log["message"]
    assert SECRET not in log["stack"]
    assert span.tags["error"] is True
