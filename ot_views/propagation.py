"""Trace context in and out of HTTP headers.

Incoming: tracers extract from a mapping of header names. Building ``request.headers`` for that
costs more than the tracer's own extraction, so ``MetaCarrier`` is a read-only, case-insensitive
view over ``request.META`` that translates names only for the keys a tracer asks about.

Outgoing: ``inject_headers()`` gives the headers a downstream HTTP call needs to join the trace.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any, cast

import opentracing
from opentracing import Format

from . import faults
from .conf import conf

#: Header values longer than this are not handed to the tracer: no trace context needs them,
#: and a tracer would happily parse a 100 KB hex "trace id" into a giant integer.
MAX_HEADER_LENGTH = 4096


class MetaCarrier(Mapping[str, str]):
    """HTTP headers of a WSGI/ASGI ``META`` dict as ``{"header-name": value}``.

    Oversized and non-string values are hidden, so a hostile header reads as absent.
    """

    __slots__ = ("_meta",)

    def __init__(self, meta: Mapping[str, Any]) -> None:
        self._meta = meta

    def __getitem__(self, key: str) -> str:
        upper = key.upper().replace("-", "_")
        if upper in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            value = self._meta[upper]
        else:
            value = self._meta["HTTP_" + upper]
        if not isinstance(value, str) or len(value) > MAX_HEADER_LENGTH:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        for key, value in self._meta.items():
            if (
                isinstance(key, str)
                and key.startswith("HTTP_")
                and isinstance(value, str)
                and len(value) <= MAX_HEADER_LENGTH
            ):
                yield key[5:].replace("_", "-").lower()

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        try:
            self[key]
        except KeyError:
            return False
        return True


def extract(tracer: opentracing.Tracer, meta: Mapping[str, Any]) -> opentracing.SpanContext | None:
    """The caller's span context from the request headers, or ``None``.

    A missing context is normal and silent; a malformed or hostile one (or a tracer that fails)
    is reported once per kind and the request starts a new trace.
    """
    try:
        # Tracers only read the carrier; types-opentracing types it as dict.
        return tracer.extract(Format.HTTP_HEADERS, cast("dict[str, Any]", MetaCarrier(meta)))
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
            tracer = span.tracer if span is not None else conf.tracer
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
