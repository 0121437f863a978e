"""OPENTRACING_SET_GLOBAL_TRACER with a DjangoTracing in settings, the 1.x spelling."""

from opentracing.mocktracer import MockTracer

from ot_views import DjangoTracing
from tests.settings import *  # noqa: F403

OPENTRACING_TRACING = DjangoTracing(MockTracer())
OPENTRACING_SET_GLOBAL_TRACER = True
