"""OPENTRACING_SET_GLOBAL_TRACER with a tracer factory: the global tracer from start-up on."""

from tests.settings import *  # noqa: F403

OPENTRACING_TRACER_CALLABLE = "tests.misconf.factories.tracer"
OPENTRACING_SET_GLOBAL_TRACER = True
