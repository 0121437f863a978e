"""Trace context in and out of HTTP headers.

Incoming: tracers extract from a mapping of header names. Building ``request.headers`` for that
costs more than the tracer's own extraction, so ``MetaCarrier`` builds the header dict a tracer
needs straight from ``request.META``, in one pass.

Outgoing: ``inject_headers()`` gives the headers a downstream HTTP call needs to join the trace.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

import opentracing
from opentracing import Format

from . import faults
from .tracer import get_tracer

#: Header values longer than this are not handed to the tracer: no trace context needs them,
#: and a tracer would happily parse a 100 KB hex "trace id" into a giant integer.
MAX_HEADER_LENGTH = 4096


# META key -> header name ("HTTP_X_B3_TRACEID" -> "x-b3-traceid"; "" for the keys that are not
# headers, such as "wsgi.input" or "PATH_INFO"). Keys repeat from request to request, so each is
# translated once and the carrier costs one lookup per META key; bounded in count and in key
# length so hostile clients cannot grow it (1,024 names of 8 KB would otherwise hold 16 MB).
_NAMES: dict[str, str] = {}
_MAX_NAMES = 1024
#: Longer header names are translated on each request instead of cached.
MAX_CACHED_NAME_LENGTH = 64


def _header_name(key: str) -> str:
    name = _NAMES.get(key)
    if name is None:
        name = key[5:].replace("_", "-").lower() if key[:5] == "HTTP_" else ""
        if len(_NAMES) < _MAX_NAMES and len(key) <= MAX_CACHED_NAME_LENGTH:
            _NAMES[key] = name
    return name


class MetaCarrier(dict[str, str]):
    """The HTTP headers of a WSGI/ASGI ``META`` dict as ``{"header-name": value}``.

    A real dict built in one pass, because tracers iterate the whole carrier (MockTracer,
    Jaeger) or look keys up (OpenTelemetry) and a dict does both at C speed. Keys are lower
    case; a lookup in another case and ``content-type`` / ``content-length`` (not ``HTTP_*``
    in ``META``) are answered on demand. Oversized and non-string values are left out, so a
    hostile header reads as absent.
    """

    __slots__ = ("_meta",)

    def __init__(self, meta: Mapping[str, Any]) -> None:
        self._meta = meta  # (dict.__new__ made it empty: no dict.__init__ call needed)
        get = _NAMES.get
        try:
            for key, value in meta.items():
                name = get(key)
                if name is None:
                    name = _header_name(key)
                if name and value.__class__ is str and len(value) <= MAX_HEADER_LENGTH:
                    self[name] = value
        except TypeError:  # a key that is not a string: only a hand-made META has one
            self.clear()
            for key, value in meta.items():
                if (
                    isinstance(key, str)
                    and key[:5] == "HTTP_"
                    and len(key) > 5  # "HTTP_" alone names no header
                    and value.__class__ is str
                    and len(value) <= MAX_HEADER_LENGTH
                ):
                    self[_header_name(key)] = value

    def __missing__(self, key: object) -> str:
        if isinstance(key, str):
            lower = key.lower()
            if lower != key and dict.__contains__(self, lower):
                return dict.__getitem__(self, lower)
            if lower in ("content-type", "content-length"):
                value = self._meta.get(lower.upper().replace("-", "_"))
                if type(value) is str and len(value) <= MAX_HEADER_LENGTH:
                    return value
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except (KeyError, TypeError):
            return False
        return True

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except (KeyError, TypeError):
            return default


def extract(tracer: opentracing.Tracer, meta: Mapping[str, Any]) -> opentracing.SpanContext | None:
    """The caller's span context from the request headers, or ``None``.

    A missing context is normal and silent; a malformed or hostile one (or a tracer that fails)
    is reported once per kind and the request starts a new trace.
    """
    try:
        # Tracers only read the carrier; types-opentracing types it as dict.
        return tracer.extract(Format.HTTP_HEADERS, MetaCarrier(meta))
    except opentracing.SpanContextCorruptedException as exc:
        if _has_trace_headers(meta):
            faults.report("extract", exc)
        return None
    except Exception as exc:
        faults.report("extract", exc)
        return None


def _has_trace_headers(meta: Mapping[str, Any]) -> bool:
    # MockTracer raises SpanContextCorruptedException for "no context at all"; only an
    # attempt at a context deserves a log line.
    for key in meta:
        if isinstance(key, str) and key.startswith(
            ("HTTP_OT_TRACER_", "HTTP_UBER_TRACE", "HTTP_TRACEPARENT", "HTTP_X_B3")
        ):
            return True
    return False


def inject_headers(
    headers: MutableMapping[str, str] | None = None,
    span: opentracing.Span | None = None,
    tracer: opentracing.Tracer | None = None,
) -> MutableMapping[str, str]:
    """Headers that carry ``span`` (default: the active span) to a downstream HTTP call.

    Returns ``headers`` (or a new dict) with the trace headers added; with no span to carry, or
    if the tracer fails, the headers come back unchanged so the call still goes out.
    """
    out: MutableMapping[str, str] = {} if headers is None else headers
    try:
        if tracer is None:
            tracer = span.tracer if span is not None else get_tracer()
        if span is None:
            scope = tracer.scope_manager.active
            span = scope.span if scope is not None else None
        if span is None:
            return out
        carrier: dict[str, str] = {}
        tracer.inject(span.context, Format.HTTP_HEADERS, carrier)
        out.update(carrier)
    except Exception as exc:
        faults.report("inject", exc)
    return out
