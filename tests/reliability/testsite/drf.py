"""DRF views and urls of the reliability site (imported only where DRF is installed)."""

from __future__ import annotations

from django.urls import path
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ot_views_drf import TracedAPIView

DRF_SECRET_ATTRIBUTES = ["data", "query_params", "META", "headers", "COOKIES"]


class SecretAPI(TracedAPIView):
    authentication_classes = ()
    permission_classes = ()
    traced_attributes = DRF_SECRET_ATTRIBUTES

    def get(self, request: Request) -> Response:
        return Response({"ok": True})

    def post(self, request: Request) -> Response:
        request.data  # noqa: B018  (a view that reads its input; tracing tags only what was read)
        return Response({"ok": True})


class TokenSerializer(serializers.Serializer):
    # DRF's own message for a bad choice quotes the input: '"<token>" is not a valid choice.'
    token = serializers.ChoiceField(choices=["known-token-1", "known-token-2"])


class TokenCheck(TracedAPIView):
    """Validates a submitted token: a wrong token is the secret DRF then quotes in its error."""

    authentication_classes = ()
    permission_classes = ()
    traced_attributes = DRF_SECRET_ATTRIBUTES

    def post(self, request: Request) -> Response:
        TokenSerializer(data=request.data).is_valid(raise_exception=True)
        return Response({"ok": True})


urlpatterns = [
    path("api/secret/", SecretAPI.as_view()),
    path("api/token/", TokenCheck.as_view()),
]
