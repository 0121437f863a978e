"""Misconfigurations that used to pass silently: each is now reported, with its id and hint."""

from __future__ import annotations

import logging

import opentracing
import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from ot_views import checks, tracer
from ot_views.middleware import OpenTracingMiddleware
from ot_views.testing import make_tracer

OURS = "ot_views.middleware.OpenTracingMiddleware"


def ours():
    return [m for m in run_checks() if str(m.id).startswith("ot_views.")]


def raising_factory(**kwargs):
    raise RuntimeError("collector address missing")


def none_factory():
    return None


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(tracer, "_resolver", tracer._Resolver())
    monkeypatch.setattr(checks, "_warned", checks.threading.Event())
    monkeypatch.setattr(opentracing, "tracer", opentracing.tracer)
    monkeypatch.setattr(opentracing, "is_tracer_registered", opentracing.is_tracer_registered)


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("OPENTRACING_TRACE_SQL", "OPENTRACING_TRACE_ALL"),
        ("OPENTRACING_TRACED_ATTRIBUTE", "OPENTRACING_TRACED_ATTRIBUTES"),
        ("OPENTRACING_TRACER_CALLBLE", "OPENTRACING_TRACER_CALLABLE"),
    ],
)
def test_w004_unknown_setting_with_did_you_mean(settings, typo, meant):
    setattr(settings, typo, True)
    [message] = ours()
    assert message.id == "ot_views.W004"
    assert message.msg == f"{typo} is not an ot_views setting; it has no effect."
    assert message.hint == f"Did you mean {meant}?"


def test_w004_without_a_close_name(settings):
    settings.OPENTRACING_XYZZY = 1
    [message] = ours()
    assert message.id == "ot_views.W004"
    assert "settings page" in message.hint


def test_w005_middleware_after_csrf_and_common(settings):
    settings.MIDDLEWARE = [
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        OURS,
    ]
    [message] = ours()
    assert message.id == "ot_views.W005"
    assert "DisallowedHost, answered 400" in message.msg
    assert "CSRF failures (403) are named 'HTTP <METHOD>'" in message.msg
    assert message.hint == (
        "Move 'ot_views.middleware.OpenTracingMiddleware' to the top of MIDDLEWARE."
    )


def test_w005_not_raised_after_harmless_middlewares(settings):
    # The test settings put sessions and authentication first: they answer nothing themselves.
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, OURS]
    assert ours() == []


def test_e003_otel_factory_without_the_extra_hints_the_install(settings, monkeypatch):
    def missing(path):
        raise ImportError(
            "ot_views.tracers needs the OpenTelemetry SDK, OpenTracing shim and OTLP exporter: "
            'pip install "ot-views[otel]" (missing: opentelemetry)'
        )

    monkeypatch.setattr("ot_views.conf.import_string", missing)
    settings.OPENTRACING_TRACER_CALLABLE = "ot_views.tracers.otel_tracer"
    [message] = ours()
    assert message.id == "ot_views.E003"
    assert message.hint == (
        'Install the OpenTelemetry packages it needs: pip install "ot-views[otel]".'
    )
    assert "ot_views.tracers.otel_tracer" not in message.hint


def test_e003_other_paths_are_not_told_to_use_the_failing_one(settings):
    settings.OPENTRACING_TRACER_CALLABLE = "project.nowhere.make_tracer"
    [message] = ours()
    assert message.id == "ot_views.E003"
    assert "ot_views.tracers.otel_tracer" not in message.hint
    assert "returning an opentracing.Tracer" in message.hint


def test_e006_factory_that_fails_when_called(settings):
    settings.OPENTRACING_TRACER_CALLABLE = "tests.misconf.test_checks_new.raising_factory"
    settings.OPENTRACING_TRACER_PARAMETERS = {"service": "books"}
    [message] = ours()
    assert message.id == "ot_views.E006"
    assert "calling it with OPENTRACING_TRACER_PARAMETERS failed: RuntimeError: collector" in (
        message.msg
    )
    assert "must return an opentracing.Tracer" in message.hint
    with pytest.raises(SystemCheckError, match=r"ot_views\.E006"):
        call_command("check", verbosity=0)


def test_e006_factory_that_returns_no_tracer(settings):
    settings.OPENTRACING_TRACER_CALLABLE = "tests.misconf.test_checks_new.none_factory"
    [message] = ours()
    assert message.id == "ot_views.E006"
    assert "returned None, not a tracer" in message.msg


BUILT: list[int] = []


def counting_factory():
    BUILT.append(1)
    return make_tracer()


def test_e006_check_and_requests_share_one_build(settings):
    BUILT.clear()
    settings.OPENTRACING_TRACER_CALLABLE = "tests.misconf.test_checks_new.counting_factory"
    assert ours() == []
    built = tracer.get_tracer()
    assert ours() == []
    assert tracer.get_tracer() is built
    assert BUILT == [1]


NO_APP = ["django.contrib.auth", "django.contrib.contenttypes", "tests"]


def test_w006_middleware_without_the_app_warns_once_at_start_up(caplog):
    with override_settings(INSTALLED_APPS=NO_APP), caplog.at_level(logging.WARNING, "ot_views"):
        OpenTracingMiddleware(lambda request: None)
        OpenTracingMiddleware(lambda request: None)
    [record] = [r for r in caplog.records if "W006" in r.getMessage()]
    assert record.getMessage() == (
        "ot_views.W006: 'ot_views' is not in INSTALLED_APPS, so its system checks do not run. "
        "Add 'ot_views' to INSTALLED_APPS."
    )


def test_w006_trace_db_without_the_app_warns_at_the_first_traced_request(caplog):
    with (
        override_settings(INSTALLED_APPS=NO_APP, OPENTRACING_TRACE_DB=True),
        caplog.at_level(logging.WARNING, "ot_views"),
    ):
        tracer.get_tracer()
    [record] = [r for r in caplog.records if "W006" in r.getMessage()]
    assert "OPENTRACING_TRACE_DB = True makes no SQL spans" in record.getMessage()


def test_w006_silent_with_the_app(settings, caplog):
    settings.OPENTRACING_TRACE_DB = True
    with caplog.at_level(logging.WARNING, "ot_views"):
        OpenTracingMiddleware(lambda request: None)
        tracer.get_tracer()
    assert [r for r in caplog.records if "W006" in r.getMessage()] == []


def test_set_global_tracer_at_middleware_construction(settings):
    ours_tracer = make_tracer()
    settings.OPENTRACING_TRACER = ours_tracer
    settings.OPENTRACING_SET_GLOBAL_TRACER = True
    tracer._resolver.current = (None, None)
    OpenTracingMiddleware(lambda request: None)
    assert opentracing.global_tracer() is ours_tracer
