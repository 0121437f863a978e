from __future__ import annotations

import importlib.util

import pytest
from django.test import override_settings

pytest_plugins = ["ot_views.testing"]

collect_ignore = [] if importlib.util.find_spec("rest_framework") else ["drf"]

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
