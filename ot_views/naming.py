"""Operation names and view paths, derived from what Django resolved.

Names go from lowest cardinality up: ``Class.handler`` or the function name by default, or
``METHOD route`` in the ``"route"`` style; never the raw path, which would give one operation
per URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from .conf import conf


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
    readable = readable_route(str(pattern)) if pattern else ""
    if not readable:
        return None
    return f"{name_method(request)} {readable}"


# Characters of regular-expression syntax. A route without any (every usual path() route) is
# returned unchanged; one with any is read as a regex. Django joins the patterns of every URLconf
# level into one string, which no longer says which level was a path(), so a path() route that
# holds one literally (path("c++/")) reads as a regex too ("c/"): docs/design.rst, "The request
# span".
_REGEX_MARKS = frozenset("^$()[]\\?*+{}|")
_ROUTES: dict[str, str] = {}
_MAX_ROUTES = 1024


def readable_route(pattern: str) -> str:
    """The URLconf route in path() syntax: ``api/books/(?P<pk>[^/.]+)/$`` -> ``api/books/<pk>/``.

    Regex routes (``re_path()``, DRF routers) read as the template they match: named groups
    become ``<name>``, other groups ``<arg>``, anchors, escapes and optional marks go. The
    pattern is the URLconf's, never the client's; it is still converted in one linear pass,
    once per route (a bounded cache).
    """
    readable = _ROUTES.get(pattern)
    if readable is None:
        readable = pattern if _REGEX_MARKS.isdisjoint(pattern) else _from_regex(pattern)
        if len(_ROUTES) < _MAX_ROUTES:
            _ROUTES[pattern] = readable
    return readable


def _from_regex(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt in "AZbB":  # anchors
                i += 2
                continue
            out.append(nxt)
            i += 2
        elif c == "(":
            end = _group_end(pattern, i)
            head = pattern[i + 1 : i + 4]
            if head.startswith("?P<"):
                close = pattern.find(">", i + 4, end)
                out.append(f"<{pattern[i + 4 : close]}>" if close != -1 else "<arg>")
            elif not head.startswith(("?=", "?!", "?<=", "?<!")):
                out.append("<arg>")
            i = end + 1
            if i < n and pattern[i] in "?*+":
                i += 1
        elif c == "[":
            # A bare character class: one character of a set, kept as written.
            end = _class_end(pattern, i)
            out.append(pattern[i : end + 1])
            i = end + 1
        elif c in "^$":
            i += 1
        elif c in "?*+" and out:
            i += 1  # "/?" (DRF's optional slash) reads as "/"
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    """The index of the ``]`` closing the class opened at ``start`` (or the last index)."""
    i, n = start + 1, len(pattern)
    if i < n and pattern[i] == "^":
        i += 1
    if i < n and pattern[i] == "]":  # a leading "]" is literal
        i += 1
    while i < n:
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]":
            return i
        i += 1
    return n - 1


def _group_end(pattern: str, start: int) -> int:
    """The index of the ``)`` closing the group opened at ``start`` (or the last index)."""
    depth, i, n = 0, start, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = _class_end(pattern, i) + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return n - 1


def choose(request: Any, fixed: str | None, default: str | Callable[[Any], str]) -> str:
    """The operation name rule, for every adapter: a fixed name, else the route when
    ``OPENTRACING_OPERATION_NAME = "route"`` and the URL resolved, else the view's own name.

    ``request`` may be DRF's ``Request``: the route is on the Django request it wraps.
    ``default`` may be ``default(request)``, computed only when it is the answer.
    """
    if fixed:
        return fixed
    if conf.ROUTE_NAMES:
        name = route(getattr(request, "_request", request))
        if name:
            return name
    return default if isinstance(default, str) else default(request)


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


#: (view callable, method) -> its names; views and standard methods are few, so each pair is
#: named once. Other methods are named per request (a client may send any number of them).
_VIEW_NAMES: dict[tuple[Any, str], tuple[str, str]] = {}
_MAX_VIEW_NAMES = 1024
_CACHED_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))


def for_view_func(view_func: Any, request: HttpRequest) -> tuple[str, str]:
    """``(operation name, dotted view path)`` for the callable the URLconf resolved to."""
    method = request.method
    if method in _CACHED_METHODS:
        key = (view_func, method)
        try:
            names = _VIEW_NAMES.get(key)
        except TypeError:  # an unhashable view callable
            return _for_view_func(view_func, method)
        if names is None:
            names = _for_view_func(view_func, method)
            if len(_VIEW_NAMES) < _MAX_VIEW_NAMES:
                _VIEW_NAMES[key] = names
        return names
    return _for_view_func(view_func, method)


def _for_view_func(view_func: Any, method: str | None) -> tuple[str, str]:
    cls = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    if cls is not None:
        handler = handler_name(cls, method, getattr(view_func, "actions", None))
        return f"{cls.__name__}.{handler}", dotted_path(cls)
    name = getattr(view_func, "_ot_views_operation_name", None) or getattr(
        view_func, "__name__", None
    )
    return str(name or type(view_func).__name__), dotted_path(view_func)
