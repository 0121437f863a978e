"""What every adapter does around the code it wraps, written once: begin, run, fail or done.

The middleware, the mixins and the decorator differ only in how they begin the span (name, view
path) and in what they read after the view ran (the target and names of traced attributes).
They pass those two steps in; ``run()`` and ``arun()`` own the rest, so the rules that matter
(the view's exception goes on unchanged, the span is closed on every path, tracer failures never
reach the caller) live in one place.

``arun()`` is a coroutine function on purpose: the span must start inside the coroutine that
awaits the handler, or it would end before the handler ran (and begin in another context).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from .span import Handle

R = TypeVar("R")

#: ``begin(request)``: start or join the request's span; ``None`` leaves the request untraced.
Begin = Callable[[Any], "Handle | None"]
#: ``ending(request)``: what to read traced attributes from after the view, and which ones.
Ending = Callable[[Any], "tuple[Any, Iterable[str]]"]


def run(
    begin: Begin,
    ending: Ending | None,
    call: Callable[..., R],
    request: Any,
    args: tuple[Any, ...] = (),
    kwargs: dict[str, Any] | None = None,
) -> R:
    """``call(request, *args, **kwargs)`` inside the request's span."""
    # The middleware passes no args: ``call(request)`` spares building them per request.
    handle = begin(request)
    if handle is None:
        if args or kwargs:
            return call(request, *args, **(kwargs or {}))
        return call(request)
    try:
        response = call(request, *args, **(kwargs or {})) if args or kwargs else call(request)
    except BaseException as exc:
        if ending is None:
            handle.fail(exc)
        else:
            handle.fail(exc, *ending(request))
        raise
    if ending is None:
        handle.done(response)
    else:
        handle.done(response, *ending(request))
    return response


async def arun(
    begin: Begin,
    ending: Ending | None,
    call: Callable[..., Awaitable[R]],
    request: Any,
    args: tuple[Any, ...] = (),
    kwargs: dict[str, Any] | None = None,
) -> R:
    """``await call(request, *args, **kwargs)`` inside the request's span."""
    handle = begin(request)
    if handle is None:
        return await call(request, *args, **(kwargs or {}))
    try:
        response = await call(request, *args, **(kwargs or {}))
    except BaseException as exc:
        if ending is None:
            handle.fail(exc)
        else:
            handle.fail(exc, *ending(request))
        raise
    if ending is None:
        handle.done(response)
    else:
        handle.done(response, *ending(request))
    return response
