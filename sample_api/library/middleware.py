"""Answer each traced request with its trace id, so a client can find its trace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest

from ot_views import get_span


def trace_id(request: HttpRequest) -> str | None:
    context = getattr(get_span(request), "context", None)
    value = getattr(context, "trace_id", None)
    if isinstance(value, int):  # the in-process tracer
        return f"{value:016x}"
    unwrap = getattr(context, "unwrap", None)  # the OpenTelemetry shim: W3C's 32 hex digits
    value = getattr(unwrap(), "trace_id", None) if callable(unwrap) else None
    return f"{value:032x}" if isinstance(value, int) else None


class TraceIdHeaderMiddleware:
    """Adds ``X-Trace-Id``; put it after ``OpenTracingMiddleware``."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        response = self.get_response(request)
        self._tag(request, response)
        return response

    async def __acall__(self, request: HttpRequest) -> Any:
        response = await self.get_response(request)
        self._tag(request, response)
        return response

    @staticmethod
    def _tag(request: HttpRequest, response: Any) -> None:
        value = trace_id(request)
        if value is not None:
            response["X-Trace-Id"] = value
