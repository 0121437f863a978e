"""``TracedAPIViewMixin``: the request span for DRF ``APIView``s, generic views and viewsets."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ot_views import naming, redaction, span
from ot_views.conf import conf
from ot_views.mixins import TracedViewMixin

#: Kept for imports written against earlier versions: the policy now lives in the core.
exception_message = redaction.exception_message


class TracedAPIViewMixin(TracedViewMixin):
    """Trace a DRF view; put it first: ``class BookViewSet(TracedAPIViewMixin, ModelViewSet)``.

    Viewsets are named ``ViewSetName.action`` (custom ``@action``s too) once DRF has resolved
    the action; ``traced_attributes`` are read from DRF's ``Request`` (``data``,
    ``query_params``, ``user``...) after the handler, so tracing never changes DRF's answer.
    """

    _ot_views_drf = True

    def get_operation_name(self, request: HttpRequest | Request) -> str:
        if self.operation_name:
            return self.operation_name
        if conf.ROUTE_NAMES:
            name = naming.route(getattr(request, "_request", request))
            if name:
                return name
        action = getattr(self, "action", None)
        if not isinstance(action, str):
            action_map = getattr(self, "action_map", None)
            action = naming.handler_name(type(self), request.method, action_map)
        return f"{type(self).__name__}.{action}"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # DRF knows the viewset action only now (initialize_request sets self.action), and the
        # span may have been started by the middleware: name it before auth can raise.
        # (APIViews have no action: their name, known before dispatch, stays.)
        action = getattr(self, "action", None)
        if isinstance(action, str):
            handle = span.current(request)
            if handle is not None:
                handle.rename(self.get_operation_name(request))
                handle.describe(None, {"drf.action": action})
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def handle_exception(self, exc: Exception) -> Response:
        # DRF's dispatch sets self.request before any handler can raise; the mixin itself
        # declares no ``request`` (django-stubs types View.request as HttpRequest).
        request = getattr(self, "request", None)
        span.record_exception(request, exc, target=request)
        return super().handle_exception(exc)  # type: ignore[misc, no-any-return]


class TracedAPIView(TracedAPIViewMixin, APIView):
    """A DRF ``APIView`` whose requests are traced."""
