"""A project with several misconfigurations at once, for `manage.py check`."""

from tests.settings import *  # noqa: F403

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "ot_views.middleware.OpenTracingMiddleware",
]
OPENTRACING_TRACE_SQL = True
OPENTRACING_TRACED_ATTRIBUTE = ["path"]
OPENTRACING_TRACER_CALLBLE = "tests.misconf.factories.tracer"
OPENTRACING_TRACER_CALLABLE = "tests.misconf.factories.broken"
OPENTRACING_START_SPAN_CB = "tests.nowhere.callback"
OPENTRACING_TRACE_DB = (True,)
OPENTRACING_EXCLUDED_PATHS = ["^/health/(", r"^/static/"]
OPENTRACING_OPERATION_NAME = "path"
