from __future__ import annotations

import importlib.util

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings

pytest_plugins = ["ot_views.testing"]


def _missing(*modules: str) -> bool:
    for module in modules:
        try:
            if importlib.util.find_spec(module) is None:
                return True
        except ModuleNotFoundError:  # "a.b" when "a" itself is not installed
            return True
    return False


# The matrix envs (tox.ini) install only what the core and DRF suites need; the suites that
# need real servers, OpenTelemetry or a browser run in the main env (make test / make e2e).
collect_ignore: list[str] = []
if _missing("rest_framework"):
    collect_ignore += ["drf"]
if _missing("opentelemetry.sdk", "opentelemetry.proto"):
    collect_ignore += ["test_otel.py"]
if _missing("requests", "gunicorn", "uvicorn"):
    collect_ignore += ["reliability"]

MIDDLEWARE_PATH = "ot_views.middleware.OpenTracingMiddleware"


@pytest.fixture
def tracer(ot_tracer):
    """The in-memory tracer of ot_views.testing, installed for the test."""
    return ot_tracer


@pytest.fixture
def with_middleware(settings):
    settings.MIDDLEWARE = [MIDDLEWARE_PATH, *settings.MIDDLEWARE]
    return settings


@pytest.fixture
def no_tracer_settings():
    with override_settings(OPENTRACING_TRACER=None):
        yield


@pytest.fixture
def no_connection_housekeeping():
    """Do what Django's test client does: keep the real handlers' request_started and
    request_finished signals from closing (or probing) the test database connections, which
    pytest-django forbids outside a ``django_db`` test. Tracing does not touch them."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
