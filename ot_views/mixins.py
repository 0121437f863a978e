"""``TracedViewMixin`` and ``TracedView``: a server span around a class-based view's dispatch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.views import View

from . import faults, naming, span
from .conf import conf


def check_declaration(cls: type, attributes: Any, operation_name: Any) -> None:
    """Fail at import, naming the class, when the tracing class attributes are malformed."""
    if isinstance(attributes, str) or not (
        isinstance(attributes, (list, tuple)) and all(isinstance(a, str) for a in attributes)
    ):
        raise ImproperlyConfigured(
            f"{cls.__qualname__}.traced_attributes must be a list of request attribute names, "
            f"such as ['path', 'META', 'user.username'], not {attributes!r}."
        )
    if operation_name is not None and not isinstance(operation_name, str):
        raise ImproperlyConfigured(
            f"{cls.__qualname__}.operation_name must be a string or None, not {operation_name!r}."
        )


def _is_drf_view(cls: type) -> bool:
    # ot_views never imports rest_framework: DRF's APIView is recognised by the two methods its
    # dispatch is built around, which Django's View does not have.
    return hasattr(cls, "initialize_request") and hasattr(cls, "finalize_response")


def check_order(cls: type) -> None:
    """Fail at class definition when the mixin cannot wrap the view's dispatch.

    Placed after the view class (``class V(View, TracedViewMixin)``), the view's ``dispatch``
    runs first and never reaches the mixin: no span and no error. On a DRF view, the core mixin
    cannot see viewset actions or DRF's exception handling, so it would name spans wrongly.
    """
    if not issubclass(cls, View):
        return  # a mixin combining mixins: checked when it meets its view
    drf = _is_drf_view(cls)
    mixin = "TracedAPIViewMixin" if drf else "TracedViewMixin"
    mro = cls.__mro__
    if mro.index(TracedViewMixin) > mro.index(View):
        mixins = [b.__name__ for b in cls.__bases__ if not issubclass(b, View)]
        views = [b.__name__ for b in cls.__bases__ if issubclass(b, View)]
        raise ImproperlyConfigured(
            f"{cls.__qualname__} lists {mixin} after the view class, so the view's dispatch "
            f"never reaches it and no request is traced. Put the mixin first: "
            f"class {cls.__name__}({', '.join(mixins + views)})."
        )
    if drf and not getattr(cls, "_ot_views_drf", False):
        views = [b.__name__ for b in cls.__bases__ if b is not TracedViewMixin]
        raise ImproperlyConfigured(
            f"{cls.__qualname__} is a Django REST framework view traced with "
            "ot_views.TracedViewMixin, which cannot see viewset actions or DRF's exception "
            "handling and would name its spans wrongly. Use the DRF mixin: "
            f"from ot_views_drf import TracedAPIViewMixin; "
            f"class {cls.__name__}(TracedAPIViewMixin, {', '.join(views)})."
        )


class TracedViewMixin:
    """Trace each request to this view as a server span (one per request, docs/design.rst).

    Put it before the view class: ``class BookDetail(TracedViewMixin, DetailView)``. Works for
    sync and async views; under ``OpenTracingMiddleware`` it names and enriches the middleware's
    span instead of starting another.
    """

    #: Request attributes to tag on the span, read after the handler has run.
    traced_attributes: Sequence[str] = ()
    #: A fixed operation name; by default ``ClassName.handler`` (or the route, see settings).
    operation_name: str | None = None

    # Derived from the class once, when it is defined, instead of on every request:
    # Django's View.view_is_async inspects every handler each time it is read.
    _ot_views_path: str = ""
    _ot_views_async: bool = False
    #: Set by ``ot_views_drf.TracedAPIViewMixin``, the mixin that understands DRF views.
    _ot_views_drf: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_declaration(cls, cls.traced_attributes, cls.operation_name)
        check_order(cls)
        cls._ot_views_path = naming.dotted_path(cls)
        try:
            cls._ot_views_async = bool(getattr(cls, "view_is_async", False))
        except ImproperlyConfigured:  # mixed sync/async handlers: as_view() reports it
            cls._ot_views_async = False

    def get_operation_name(self, request: HttpRequest) -> str:
        """The span's operation name; override for a name computed per request."""
        if self.operation_name:
            return self.operation_name
        if conf.ROUTE_NAMES:
            name = naming.route(request)
            if name:
                return name
        return f"{type(self).__name__}.{naming.handler_name(type(self), request.method)}"

    def get_traced_attributes(self) -> Sequence[str]:
        """The request attributes to tag; override to choose them per request."""
        return self.traced_attributes

    def _ot_views_begin(self, request: HttpRequest) -> span.Handle | None:
        try:
            name = self.get_operation_name(request)
        except Exception as exc:
            faults.report("get_operation_name", exc)
            name = type(self).__name__
        return span.begin(request, name, view_path=self._ot_views_path)

    def _ot_views_end(
        self, handle: span.Handle, request: HttpRequest, response: Any, exc: BaseException | None
    ) -> None:
        # After dispatch, self.request is what the handler saw (DRF's Request for APIViews).
        target = getattr(self, "request", request)
        try:
            names = self.get_traced_attributes()
        except Exception as fault:
            faults.report("get_traced_attributes", fault)
            names = ()
        if exc is not None:
            handle.fail(exc, target, names)
        else:
            handle.done(response, target, names)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if self._ot_views_async:
            return self._ot_views_adispatch(request, *args, **kwargs)
        handle = self._ot_views_begin(request)
        if handle is None:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        try:
            response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        except BaseException as exc:
            self._ot_views_end(handle, request, None, exc)
            raise
        self._ot_views_end(handle, request, response, None)
        return response

    async def _ot_views_adispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        # The span has to cover the awaited handler, so it starts inside the coroutine.
        handle = self._ot_views_begin(request)
        if handle is None:
            return await super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        try:
            response = await super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        except BaseException as exc:
            self._ot_views_end(handle, request, None, exc)
            raise
        self._ot_views_end(handle, request, response, None)
        return response


class TracedView(TracedViewMixin, View):
    """A ``django.views.View`` whose requests are traced."""
