"""OpenTracing for Django, built around class-based views."""

from __future__ import annotations

from .decorators import trace
from .middleware import OpenTracingMiddleware
from .mixins import TracedView, TracedViewMixin
from .propagation import inject_headers
from .span import get_span
from .tracer import DjangoTracer, DjangoTracing, get_tracer

__version__ = "0.1.0"

__all__ = [
    "DjangoTracer",
    "DjangoTracing",
    "OpenTracingMiddleware",
    "TracedView",
    "TracedViewMixin",
    "get_span",
    "get_tracer",
    "inject_headers",
    "trace",
]
