"""Settings for the reliability site when it runs under gunicorn or uvicorn.

Two environment variables choose what a server process does, so one settings module serves
every combination the tests start:

- ``OT_RELIABILITY_SPANS``: directory the tracer appends finished spans to (JSON lines);
- ``OT_RELIABILITY_MODE``: ``mixin`` (views trace themselves, no middleware) or ``middleware``
  (``OpenTracingMiddleware`` first, tracing every request and the id as a global attribute).
"""

from __future__ import annotations

import os

MODE = os.environ.get("OT_RELIABILITY_MODE", "mixin")

SECRET_KEY = "reliability-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
ROOT_URLCONF = "tests.reliability.testsite.urls"
INSTALLED_APPS = ["ot_views"]
DATABASES: dict[str, dict[str, str]] = {}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

MIDDLEWARE = ["ot_views.middleware.OpenTracingMiddleware"] if MODE == "middleware" else []
if MODE == "middleware":
    OPENTRACING_TRACED_ATTRIBUTES = ["headers.x-request-id"]

OPENTRACING_TRACER_CALLABLE = "tests.reliability.testsite.tracers.file_tracer"
OPENTRACING_TRACER_PARAMETERS = {"directory": os.environ.get("OT_RELIABILITY_SPANS", "")}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"ot_views": {"handlers": ["stderr"], "level": "WARNING"}},
}
