"""``@trace(...)``: a server span around a function view."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import opentracing
from asgiref.sync import iscoroutinefunction

from . import adapters, naming, span

F = TypeVar("F", bound=Callable[..., Any])

_USAGE = "Use it with parentheses: @trace() or @trace('path', 'META', operation_name='books.list')."


def trace(
    *attributes: str,
    operation_name: str | None = None,
    tracer: opentracing.Tracer | None = None,
) -> Callable[[F], F]:
    """Trace a function view; ``attributes`` are request attributes to tag on its span.

    Works on sync and async views, and on DRF ``@api_view`` functions (either order). Under
    ``OpenTracingMiddleware`` or a traced class-based view it enriches the existing span.
    """
    if len(attributes) == 1 and callable(attributes[0]) and not isinstance(attributes[0], str):
        raise TypeError(f"@trace was applied without being called. {_USAGE}")
    for attribute in attributes:
        if not isinstance(attribute, str):
            raise TypeError(
                f"@trace() takes request attribute names as strings, got {attribute!r}. {_USAGE}"
            )
    if operation_name is not None and not isinstance(operation_name, str):
        raise TypeError(f"@trace(operation_name=...) must be a string, got {operation_name!r}.")
    names = tuple(attributes)

    def decorator(view_func: F) -> F:
        if not callable(view_func):
            raise TypeError(f"@trace() decorates a view function, not {view_func!r}. {_USAGE}")
        name: str = operation_name or str(getattr(view_func, "__name__", "view"))
        path = naming.dotted_path(view_func)

        def begin(request: Any) -> span.Handle | None:
            http_request = getattr(request, "_request", request)
            return span.begin(http_request, name, tracer=tracer, view_path=path)

        def ending(request: Any) -> tuple[Any, tuple[str, ...]]:
            return request, names

        if iscoroutinefunction(view_func):

            @functools.wraps(view_func)
            async def async_wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
                return await adapters.arun(begin, ending, view_func, request, args, kwargs)

            wrapper: Any = async_wrapper
        else:

            @functools.wraps(view_func)
            def sync_wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
                return adapters.run(begin, ending, view_func, request, args, kwargs)

            wrapper = sync_wrapper
        wrapper._ot_views_operation_name = name
        return wrapper  # type: ignore[no-any-return]

    return decorator
