"""Settings of the sample: a development set-up, configured through environment variables.

SAMPLE_SERVICE         this process's service name (tags every span it records), "library"
SAMPLE_INVENTORY_URL   base URL of the service BookViewSet.availability calls
SAMPLE_PEER_URLS       base URLs of services whose spans /traces/ merges in (comma-separated)
SAMPLE_DB              SQLite file, default sample_api/var/library.sqlite3
SAMPLE_DEBUG           "0" turns DEBUG off
SAMPLE_SECRET_KEY      the secret key; a fixed, insecure development key otherwise
SAMPLE_TRACE_DB        "0" turns the SQL query spans (OPENTRACING_TRACE_DB) off
OTEL_EXPORTER_OTLP_ENDPOINT
                       when set, spans go to that OTLP endpoint (Jaeger, Tempo, a collector)
                       through ot_views.otel.otel_tracer (/traces/ still shows them)
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("SAMPLE_VAR_DIR", BASE_DIR / "var"))

SAMPLE_SERVICE = os.environ.get("SAMPLE_SERVICE", "library")
SAMPLE_INVENTORY_URL = os.environ.get("SAMPLE_INVENTORY_URL", "http://127.0.0.1:8001")
# Services whose traces /traces/ merges with this process's own (comma-separated base URLs).
SAMPLE_PEER_URLS = [u for u in os.environ.get("SAMPLE_PEER_URLS", "").split(",") if u]

# `manage.py check --deploy` warns, on purpose, about this development set-up: security.W009
# (this key), W018 (DEBUG), and W004, W008, W016 (HSTS, HTTPS redirect, secure CSRF cookie: the
# demo serves plain HTTP on loopback). SAMPLE_SECRET_KEY and SAMPLE_DEBUG=0 leave only the three
# HTTPS warnings, which a deployment behind TLS settles with its own settings.
SECRET_KEY = os.environ.get(
    "SAMPLE_SECRET_KEY", "django-insecure-ot-views-sample-do-not-use-in-production"
)
DEBUG = os.environ.get("SAMPLE_DEBUG", "1") != "0"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "rest_framework",
    "ot_views",
    # /traces/: this process's recent traces as waterfalls (answers only while DEBUG is on)
    "ot_views.viewer",
    "sample_api.library",
]

MIDDLEWARE = [
    # First, so its span covers everything else and traces views without tracing code.
    "ot_views.OpenTracingMiddleware",
    "sample_api.library.middleware.TraceIdHeaderMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sample_api.urls"
WSGI_APPLICATION = "sample_api.wsgi.application"
ASGI_APPLICATION = "sample_api.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

if "SAMPLE_DB" not in os.environ:
    VAR_DIR.mkdir(parents=True, exist_ok=True)

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SAMPLE_DB", str(VAR_DIR / "library.sqlite3")),
        # Two processes share the file in the demo; wait for a lock rather than fail.
        "OPTIONS": {"timeout": 10},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
STATIC_URL = "static/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# -- tracing ---------------------------------------------------------------------------------

OPENTRACING_TRACE_ALL = True
# The trace viewer and static files are not traced: reading traces makes no new ones.
OPENTRACING_EXCLUDED_PATHS = [r"^/traces/", r"^/static/"]
# The other service's viewer: its spans join this one's, so a cross-service trace is drawn whole.
OPENTRACING_VIEWER_PEERS = [f"{url.rstrip('/')}/traces/" for url in SAMPLE_PEER_URLS]
OPENTRACING_SET_GLOBAL_TRACER = True
# One child span per SQL query, so the demo shows each request's queries nested under it.
OPENTRACING_TRACE_DB = os.environ.get("SAMPLE_TRACE_DB", "1") != "0"

if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
    # ot_views' AppConfig.ready() installs the exporter's SIGTERM flush for this factory, in the
    # main thread, before uvicorn builds the tracer in a worker thread.
    OPENTRACING_TRACER_CALLABLE = "ot_views.otel.otel_tracer"
    OPENTRACING_TRACER_PARAMETERS = {"service_name": SAMPLE_SERVICE}
else:
    OPENTRACING_TRACER_CALLABLE = "sample_api.tracing.sample_tracer"
    OPENTRACING_TRACER_PARAMETERS = {"service_name": SAMPLE_SERVICE}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"ot_views": {"handlers": ["console"], "level": "WARNING"}},
}
