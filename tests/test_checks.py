"""System checks: each id fires on its mistake, with a hint, and stays silent on good settings."""

from __future__ import annotations

import logging

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, override_settings

from ot_views.testing import make_tracer, server_span

MIDDLEWARE = "ot_views.middleware.OpenTracingMiddleware"
NOT_CALLABLE = 42


def ours():
    return [m for m in run_checks() if str(m.id).startswith("ot_views.")]


def ids():
    return sorted(m.id for m in ours())


def test_silent_with_no_settings():
    assert ours() == []


def test_silent_on_a_full_good_configuration(settings):
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    settings.OPENTRACING_TRACER = make_tracer()
    settings.OPENTRACING_SET_GLOBAL_TRACER = False
    settings.OPENTRACING_TRACE_ALL = True
    settings.OPENTRACING_TRACED_ATTRIBUTES = ["path", "META"]
    settings.OPENTRACING_EXCLUDED_PATHS = [r"^/health/?$"]
    settings.OPENTRACING_OPERATION_NAME = "route"
    settings.OPENTRACING_REDACTED_KEYS = ["ssn"]
    settings.OPENTRACING_START_SPAN_CB = "tests.test_tags.dotted_cb"
    settings.OPENTRACING_TRACE_DB = False
    assert ours() == []
    call_command("check", verbosity=0)


def test_silent_with_a_good_tracer_callable(settings):
    settings.OPENTRACING_TRACER_CALLABLE = "ot_views.testing.make_tracer"
    settings.OPENTRACING_TRACER_PARAMETERS = {}
    assert ours() == []


def test_trace_all_false_without_middleware_is_fine(settings):
    settings.OPENTRACING_TRACE_ALL = False
    assert ours() == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OPENTRACING_TRACE_ALL", (False,)),
        ("OPENTRACING_SET_GLOBAL_TRACER", (True,)),
        ("OPENTRACING_OPERATION_NAME", ("route",)),
        ("OPENTRACING_TRACE_DB", (True,)),
    ],
)
def test_e001_trailing_comma(settings, name, value):
    setattr(settings, name, value)
    [message] = ours()
    assert message.id == "ot_views.E001"
    assert "trailing comma" in message.msg
    assert "Remove the comma" in message.hint
    with pytest.raises(SystemCheckError, match=r"ot_views\.E001"):
        call_command("check", verbosity=0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OPENTRACING_TRACE_ALL", "yes"),
        ("OPENTRACING_SET_GLOBAL_TRACER", 1),
        ("OPENTRACING_TRACED_ATTRIBUTES", "path"),
        ("OPENTRACING_TRACED_ATTRIBUTES", ["path", 3]),
        ("OPENTRACING_EXCLUDED_PATHS", r"^/health"),
        ("OPENTRACING_REDACTED_KEYS", None),
        ("OPENTRACING_TRACER_PARAMETERS", ["a"]),
        ("OPENTRACING_OPERATION_NAME", "path"),
        ("OPENTRACING_TRACER_CALLABLE", 42),
        ("OPENTRACING_START_SPAN_CB", 42),
        ("OPENTRACING_TRACER", "jaeger"),
        ("OPENTRACING_TRACING", object()),
        ("OPENTRACING_TRACE_DB", "on"),
    ],
)
def test_e002_wrong_type(settings, name, value):
    setattr(settings, name, value)
    messages = ours()
    assert [m.id for m in messages] == ["ot_views.E002"]
    assert name in messages[0].msg
    assert messages[0].hint


@pytest.mark.parametrize(
    "value", ["no.such.module.factory", "tests.test_checks.NOT_CALLABLE", "nodots"]
)
def test_e003_tracer_callable_unusable(settings, value):
    settings.OPENTRACING_TRACER_CALLABLE = value
    [message] = ours()
    assert message.id == "ot_views.E003"
    assert value in message.msg
    assert message.hint


def test_e004_excluded_path_regex(settings):
    settings.OPENTRACING_EXCLUDED_PATHS = [r"^/ok/", r"^/broken(/"]
    [message] = ours()
    assert message.id == "ot_views.E004"
    assert "^/broken(/" in message.msg


def test_e005_start_span_callback_unusable(settings):
    settings.OPENTRACING_START_SPAN_CB = "tests.nowhere.cb"
    [message] = ours()
    assert message.id == "ot_views.E005"
    assert message.hint


def test_w001_trace_all_true_without_middleware(settings):
    settings.OPENTRACING_TRACE_ALL = True
    [message] = ours()
    assert message.id == "ot_views.W001"
    assert "OpenTracingMiddleware" in message.hint
    call_command("check", verbosity=0)  # a warning does not stop the command


def test_w001_silent_with_middleware_installed(settings):
    settings.OPENTRACING_TRACE_ALL = True
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    assert ours() == []


def test_w001_accepts_a_subclass_of_the_middleware(settings):
    settings.OPENTRACING_TRACE_ALL = True
    settings.MIDDLEWARE = ["tests.test_checks.MyOpenTracingMiddleware"]
    assert ours() == []


from ot_views import OpenTracingMiddleware  # noqa: E402


class MyOpenTracingMiddleware(OpenTracingMiddleware):
    pass


def test_w002_tracer_and_callable(settings):
    settings.OPENTRACING_TRACER = make_tracer()
    settings.OPENTRACING_TRACER_CALLABLE = "ot_views.testing.make_tracer"
    assert ids() == ["ot_views.W002"]


def test_w003_tracer_and_tracing(settings):
    settings.OPENTRACING_TRACER = make_tracer()
    settings.OPENTRACING_TRACING = make_tracer()
    assert ids() == ["ot_views.W003"]


def test_same_object_in_tracer_and_tracing_is_fine(settings):
    tracer = make_tracer()
    settings.OPENTRACING_TRACER = tracer
    settings.OPENTRACING_TRACING = tracer
    assert ours() == []


def test_several_mistakes_are_all_reported(settings):
    settings.OPENTRACING_TRACE_ALL = (False,)
    settings.OPENTRACING_OPERATION_NAME = "path"
    settings.OPENTRACING_EXCLUDED_PATHS = ["("]
    assert ids() == ["ot_views.E001", "ot_views.E002", "ot_views.E004"]


# -- invalid values fall back to their defaults at run time ----------------------------------


def test_invalid_operation_name_style_falls_back_to_view(caplog):
    caplog.set_level(logging.ERROR, logger="ot_views")
    tracer = make_tracer()
    with override_settings(OPENTRACING_TRACER=tracer, OPENTRACING_OPERATION_NAME="path"):
        Client().get("/books/1/")
    assert server_span(tracer).operation_name == "BookDetail.get"
    assert any("OPENTRACING_OPERATION_NAME" in r.getMessage() for r in caplog.records)


def test_uncompilable_excluded_paths_exclude_nothing():
    tracer = make_tracer()
    with override_settings(OPENTRACING_TRACER=tracer, OPENTRACING_EXCLUDED_PATHS=["("]):
        assert Client().get("/plain/").status_code == 200
    assert server_span(tracer).operation_name == "Plain.get"


def test_invalid_traced_attributes_setting_is_ignored():
    tracer = make_tracer()
    with override_settings(OPENTRACING_TRACER=tracer, OPENTRACING_TRACED_ATTRIBUTES="path"):
        Client().get("/plain/")
    tags = server_span(tracer).tags
    assert "path" not in tags and "p" not in tags
