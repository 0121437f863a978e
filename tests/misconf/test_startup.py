"""Start-up, in a fresh interpreter: the global tracer after django.setup(), and
`manage.py check` on a project with several mistakes at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import django, opentracing
django.setup()
from ot_views import get_tracer
tracer = opentracing.global_tracer()
print(type(tracer).__name__, tracer is get_tracer(), opentracing.is_global_tracer_registered())
"""


def run(settings: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "settings", ["tests.misconf.settings_global", "tests.misconf.settings_global_tracer"]
)
def test_global_tracer_is_ours_right_after_setup(settings):
    result = run(settings, "-c", PROBE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["MockTracer", "True", "True"]


def test_manage_py_check_reports_every_mistake():
    result = run("tests.misconf.settings_mistakes", "-m", "django", "check")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stderr
    expected = [
        "ot_views.W004) OPENTRACING_TRACE_SQL is not an ot_views setting",
        "HINT: Did you mean OPENTRACING_TRACE_ALL?",
        "ot_views.W004) OPENTRACING_TRACED_ATTRIBUTE is not an ot_views setting",
        "HINT: Did you mean OPENTRACING_TRACED_ATTRIBUTES?",
        "ot_views.W004) OPENTRACING_TRACER_CALLBLE is not an ot_views setting",
        "HINT: Did you mean OPENTRACING_TRACER_CALLABLE?",
        "ot_views.W005) ot_views.middleware.OpenTracingMiddleware comes after "
        "django.middleware.security.SecurityMiddleware, "
        "django.middleware.csrf.CsrfViewMiddleware in MIDDLEWARE",
        "CSRF failures (403) are named 'HTTP <METHOD>'",
        "ot_views.E006) OPENTRACING_TRACER_CALLABLE = 'tests.misconf.factories.broken' imports, "
        "but calling it with OPENTRACING_TRACER_PARAMETERS failed: RuntimeError: no collector "
        "configured.",
        "ot_views.E005) OPENTRACING_START_SPAN_CB = 'tests.nowhere.callback' cannot be used",
        "ot_views.E001) OPENTRACING_TRACE_DB is the tuple (True,), probably from a trailing comma.",
        "ot_views.E004) OPENTRACING_EXCLUDED_PATHS entry '^/health/(' is not a valid regular "
        "expression",
        """ot_views.E002) OPENTRACING_OPERATION_NAME must be "view" or "route"; got 'path'.""",
    ]
    missing = [line for line in expected if line not in out]
    assert missing == [], out
