"""Operation names and view paths, derived from what Django resolved.

Names go from lowest cardinality up: ``Class.handler`` or the function name by default, or
``METHOD route`` in the ``"route"`` style; never the raw path, which would give one operation
per URL.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def dotted_path(obj: Any) -> str:
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if name is None:
        name = type(obj).__qualname__
    return f"{module}.{name}" if module else str(name)


#: The methods a span name or the ``http.method`` tag carries as they are: the ones HTTP
#: registers for general use (RFC 9110, plus PATCH). Any other method would let a client mint
#: a new operation name per request.
KNOWN_METHODS = frozenset(
    ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")
)
#: What stands for any other method, as in OpenTelemetry's HTTP conventions.
OTHER_METHOD = "_OTHER"
#: ``http.request.method_original`` (an unknown method as the client sent it) is cut to this.
MAX_METHOD_LENGTH = 32


def known_method(method: Any) -> str:
    """``method`` when it is one of ``KNOWN_METHODS``, else ``"_OTHER"``."""
    if isinstance(method, str) and method in KNOWN_METHODS:
        return method
    return OTHER_METHOD


def original_method(method: Any) -> str | None:
    """The client's method, cut to ``MAX_METHOD_LENGTH``, when ``known_method`` hid it."""
    if not isinstance(method, str) or method in KNOWN_METHODS:
        return None
    return method[:MAX_METHOD_LENGTH]


def name_method(request: HttpRequest, view_class: Any = None) -> str:
    """The method as a span name shows it: a known one, one the view itself declares in
    ``http_method_names`` (the view bounds that set), or ``"_OTHER"``."""
    method = request.method
    if not isinstance(method, str) or len(method) > MAX_METHOD_LENGTH:
        return OTHER_METHOD
    if method in KNOWN_METHODS:
        return method
    if view_class is None:
        func = getattr(getattr(request, "resolver_match", None), "func", None)
        view_class = getattr(func, "view_class", None) or getattr(func, "cls", None)
    declared = getattr(view_class, "http_method_names", None)
    try:
        if declared and method.lower() in declared:
            return method
    except Exception:
        pass
    return OTHER_METHOD


def unresolved(request: HttpRequest) -> str:
    """The name of a request that reached no view (a 404 under the middleware)."""
    return f"HTTP {name_method(request)}"


def route(request: HttpRequest) -> str | None:
    """``"GET books/<int:pk>/"`` once the URL is resolved, else ``None``."""
    match = getattr(request, "resolver_match", None)
    pattern = getattr(match, "route", None) if match is not None else None
    if not pattern:
        return None
    return f"{name_method(request)} {pattern}"


def handler_name(view_class: Any, method: str | None, actions: Any = None) -> str:
    """The handler a class-based view (or DRF viewset, through ``actions``) runs for ``method``."""
    verb = (method or "").lower()
    if actions:
        try:
            action = actions.get(verb)
        except Exception:
            action = None
        if isinstance(action, str):
            return action
    if verb in getattr(view_class, "http_method_names", ()) and hasattr(view_class, verb):
        return verb
    if verb == "head" and hasattr(view_class, "get"):
        return "head"
    return "http_method_not_allowed"


def for_view_func(view_func: Any, request: HttpRequest) -> tuple[str, str]:
    """``(operation name, dotted view path)`` for the callable the URLconf resolved to."""
    cls = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    if cls is not None:
        handler = handler_name(cls, request.method, getattr(view_func, "actions", None))
        return f"{cls.__name__}.{handler}", dotted_path(cls)
    name = getattr(view_func, "_ot_views_operation_name", None) or getattr(
        view_func, "__name__", None
    )
    return str(name or type(view_func).__name__), dotted_path(view_func)
