"""``DjangoTracer``: the wrapper ``django_opentracing`` users already configure."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

import opentracing

from .conf import conf
from .decorators import trace
from .propagation import inject_headers
from .span import get_span


def get_tracer() -> opentracing.Tracer:
    """The tracer requests are traced with now (settings first, then the global tracer).

    Use it for your own child spans: ``get_tracer().start_active_span("work")``.
    """
    return conf.tracer


class DjangoTracer:
    """Holds the ``opentracing.Tracer`` requests are traced with.

    ``OPENTRACING_TRACER = DjangoTracer(some_tracer)`` is the ``django_opentracing`` spelling;
    a bare ``opentracing.Tracer`` works too. With no tracer, ``opentracing.global_tracer()`` is
    used at each request.
    """

    def __init__(self, tracer: opentracing.Tracer | None = None) -> None:
        if tracer is not None and not isinstance(tracer, opentracing.Tracer):
            raise TypeError(f"DjangoTracer() takes an opentracing.Tracer, not {tracer!r}.")
        self._tracer = tracer

    @property
    def tracer(self) -> opentracing.Tracer:
        return self._tracer if self._tracer is not None else opentracing.global_tracer()

    # django_opentracing 1.x name for the same thing.
    @property
    def _tracer_implementation(self) -> opentracing.Tracer:
        return self.tracer

    def _ot_views_tracer(self) -> opentracing.Tracer | None:
        return self._tracer

    def trace(self, *attributes: str, operation_name: str | None = None) -> Callable[[Any], Any]:
        """``@tracer.trace('path')``: ``ot_views.trace`` bound to this tracer."""
        return trace(*attributes, operation_name=operation_name, tracer=self._tracer)

    @staticmethod
    def get_span(request: Any) -> opentracing.Span | None:
        """The live span of ``request`` (a Django or DRF request), or ``None``."""
        return get_span(request)

    def inject_headers(
        self, headers: MutableMapping[str, str] | None = None, span: opentracing.Span | None = None
    ) -> MutableMapping[str, str]:
        return inject_headers(headers, span, tracer=self._tracer)

    def __repr__(self) -> str:
        return f"DjangoTracer({self._tracer!r})"


#: The django_opentracing 1.x class name.
DjangoTracing = DjangoTracer
