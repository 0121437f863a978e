"""DRF views the DRF tests drive: every kind of view the mixin has to work on."""

from __future__ import annotations

from rest_framework import generics, serializers, status, viewsets
from rest_framework.authentication import BasicAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from ot_views_drf import TracedAPIView, TracedAPIViewMixin

from .models import Book


class TwoPerMinute(AnonRateThrottle):
    rate = "2/min"


class BookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Book
        fields = ["id", "title", "author"]


class BookViewSet(TracedAPIViewMixin, viewsets.ModelViewSet):
    queryset = Book.objects.all().order_by("id")
    serializer_class = BookSerializer
    traced_attributes = ["data", "query_params", "user", "accepted_renderer.format", "version"]

    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        book = self.get_object()
        return Response({"published": book.title})


class PingViewSet(TracedAPIViewMixin, viewsets.ViewSet):
    def list(self, request):
        return Response({"ping": "pong"})

    def retrieve(self, request, pk=None):
        if pk == "0":
            raise NotFound("no ping zero")
        if pk == "500":
            raise RuntimeError("ping exploded")
        return Response({"ping": pk})


class Echo(TracedAPIView):
    traced_attributes = ["data", "query_params", "headers", "META", "COOKIES", "POST"]

    def get(self, request):
        return Response({"echo": dict(request.query_params)})

    def post(self, request):
        return Response({"echo": request.data}, status=status.HTTP_201_CREATED)


class Secured(TracedAPIView):
    authentication_classes = [BasicAuthentication]
    permission_classes = [IsAuthenticated]
    traced_attributes = ["user", "auth", "headers"]

    def get(self, request):
        return Response({"user": request.user.username})


class Throttled(TracedAPIView):
    throttle_classes = [TwoPerMinute]
    authentication_classes = []

    def get(self, request):
        return Response({"ok": True})


class BookList(TracedAPIViewMixin, generics.ListCreateAPIView):
    queryset = Book.objects.all().order_by("id")
    serializer_class = BookSerializer


# The same views without the mixin, for side-by-side behaviour tests.
class PlainEcho(APIView):
    def post(self, request):
        return Response({"echo": request.data}, status=status.HTTP_201_CREATED)


class PlainSecured(APIView):
    authentication_classes = [BasicAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"user": request.user.username})


class PlainThrottled(APIView):
    throttle_classes = [TwoPerMinute]
    authentication_classes = []

    def get(self, request):
        return Response({"ok": True})
