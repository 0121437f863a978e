"""``OpenTracingMiddleware``: one server span for every request (``OPENTRACING_TRACE_ALL``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest

from . import adapters, naming, span
from .checks import warn_if_not_installed
from .conf import conf
from .tracer import install_global_tracer


class OpenTracingMiddleware:
    """Trace every request; put it first in ``MIDDLEWARE`` so the span covers the others.

    The span is named ``HTTP <METHOD>`` until a view is resolved (a 404 keeps that name), then
    from the view (``process_view``); a traced view inside renames and enriches the same span.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        if get_response is None:
            raise ValueError("OPENTRACINGMIDDLEWARE NEEDS GET_RESPONSE (DJANGO PASSES IT).")
        self.get_response = get_response
        # Bound once: the wrapper gets the same callable on every request.
        self._begin_request = self._begin
        # Built once when the server loads MIDDLEWARE: the start-up moment a project without
        # the app in INSTALLED_APPS still has (django-opentracing 1.x set the global tracer here).
        warn_if_not_installed(middleware=True)
        install_global_tracer()
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)
            # Sync hooks would each be pushed to a thread by Django in async mode.
            self.process_view = self._aprocess_view  # type: ignore[method-assign, assignment]
            self.process_exception = self._aprocess_exception  # type: ignore[method-assign, assignment]

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return adapters.arun(self._begin_request, None, self.get_response, request)
        return adapters.run(self._begin_request, None, self.get_response, request)

    def _begin(self, request: HttpRequest) -> span.Handle | None:
        if not conf.TRACE_ALL:
            return None
        return span.begin(request, naming.unresolved(request))

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> None:
        handle = span.current(request)
        if handle is None:
            return None
        name, path = naming.for_view_func(view_func, request)
        handle.rename(naming.choose(request, None, name))
        handle.describe(path)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        # Django turns the view's exception into a 500 before __call__ sees a response, so
        # this is the only place the middleware alone can log it.
        span.record_exception(request, exception)
        return None

    async def _aprocess_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> None:
        return OpenTracingMiddleware.process_view(self, request, view_func, view_args, view_kwargs)

    async def _aprocess_exception(self, request: HttpRequest, exception: Exception) -> None:
        return OpenTracingMiddleware.process_exception(self, request, exception)
