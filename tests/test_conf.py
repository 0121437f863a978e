"""Settings: tracer resolution order, the built-once callable, aliases, live reloading."""

from __future__ import annotations

import threading
import time

import opentracing
import pytest
from django.test import Client, override_settings

from ot_views import DjangoTracer, DjangoTracing, get_tracer
from ot_views import tracer as tracer_module
from ot_views.conf import conf
from ot_views.testing import make_tracer, server_span

BUILT: list[dict] = []


def factory(**kwargs):
    BUILT.append(kwargs)
    time.sleep(0.05)  # widen the race window for the thread-safety test
    return make_tracer()


def wrapped_factory():
    return DjangoTracer(make_tracer())


def not_a_tracer_factory():
    return "nope"


def raising_factory():
    raise RuntimeError("factory broke")


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    BUILT.clear()
    # A resolver that has built nothing yet: the one of the process remembers the last build,
    # and an earlier test (in whatever order the tests run) may have built this very factory.
    monkeypatch.setattr(tracer_module, "_resolver", tracer_module._Resolver())
    # Restore the global tracer whatever a test installs.
    monkeypatch.setattr(opentracing, "tracer", opentracing.tracer)
    monkeypatch.setattr(opentracing, "is_tracer_registered", opentracing.is_tracer_registered)


def test_no_setting_uses_the_global_tracer_read_at_each_call():
    assert conf.tracer is opentracing.global_tracer()
    later = make_tracer()
    opentracing.set_global_tracer(later)
    assert get_tracer() is later
    Client().get("/plain/")
    assert server_span(later).operation_name == "Plain.get"


def test_tracer_setting_wins_over_everything(settings):
    first, second = make_tracer(), make_tracer()
    settings.OPENTRACING_TRACER = first
    settings.OPENTRACING_TRACING = second
    settings.OPENTRACING_TRACER_CALLABLE = "tests.test_conf.factory"
    assert get_tracer() is first
    assert BUILT == []


def test_tracing_alias_is_used_when_tracer_is_unset(settings):
    tracer = make_tracer()
    settings.OPENTRACING_TRACING = DjangoTracing(tracer)
    assert get_tracer() is tracer
    Client().get("/plain/")
    assert server_span(tracer).operation_name == "Plain.get"


def test_django_tracer_is_unwrapped(settings):
    tracer = make_tracer()
    settings.OPENTRACING_TRACER = DjangoTracer(tracer)
    assert get_tracer() is tracer


def test_empty_django_tracer_means_global_tracer(settings):
    settings.OPENTRACING_TRACER = DjangoTracer()
    assert get_tracer() is opentracing.global_tracer()


def test_callable_with_parameters_is_built_once(settings):
    settings.OPENTRACING_TRACER_CALLABLE = "tests.test_conf.factory"
    settings.OPENTRACING_TRACER_PARAMETERS = {"service": "books"}
    tracer = get_tracer()
    assert get_tracer() is tracer
    client = Client()
    client.get("/plain/")
    client.get("/plain/")
    assert BUILT == [{"service": "books"}]
    assert [s.operation_name for s in tracer.finished_spans()] == ["Plain.get", "Plain.get"]


def test_callable_is_built_once_across_threads(settings):
    settings.OPENTRACING_TRACER_CALLABLE = "tests.test_conf.factory"
    seen = []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait(timeout=10)
        seen.append(get_tracer())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(BUILT) == 1
    assert len(seen) == 8 and len({id(t) for t in seen}) == 1


def test_callable_object_instead_of_dotted_path(settings):
    settings.OPENTRACING_TRACER_CALLABLE = factory
    settings.OPENTRACING_TRACER_PARAMETERS = {"x": 1}
    assert isinstance(get_tracer(), opentracing.Tracer)
    assert BUILT == [{"x": 1}]


def test_callable_rebuilt_when_parameters_change(settings):
    settings.OPENTRACING_TRACER_CALLABLE = "tests.test_conf.factory"
    settings.OPENTRACING_TRACER_PARAMETERS = {"v": 1}
    first = get_tracer()
    settings.OPENTRACING_TRACER_PARAMETERS = {"v": 2}
    second = get_tracer()
    assert first is not second
    assert BUILT == [{"v": 1}, {"v": 2}]


def test_callable_returning_django_tracer_is_unwrapped(settings):
    settings.OPENTRACING_TRACER_CALLABLE = "tests.test_conf.wrapped_factory"
    tracer = get_tracer()
    assert isinstance(tracer, opentracing.Tracer)
    assert not isinstance(tracer, DjangoTracer)


@pytest.mark.parametrize(
    "path",
    [
        "tests.test_conf.not_a_tracer_factory",
        "tests.test_conf.raising_factory",
        "tests.nowhere.factory",
    ],
)
def test_broken_callable_falls_back_to_global_tracer(settings, path):
    settings.OPENTRACING_TRACER_CALLABLE = path
    assert get_tracer() is opentracing.global_tracer()
    assert Client().get("/plain/").status_code == 200


def test_set_global_tracer_with_tracer_setting(settings):
    tracer = make_tracer()
    settings.OPENTRACING_TRACER = tracer
    settings.OPENTRACING_SET_GLOBAL_TRACER = True
    get_tracer()
    assert opentracing.global_tracer() is tracer
    assert opentracing.is_global_tracer_registered()


def test_set_global_tracer_with_callable(settings):
    settings.OPENTRACING_TRACER_CALLABLE = "tests.test_conf.factory"
    settings.OPENTRACING_SET_GLOBAL_TRACER = True
    tracer = get_tracer()
    assert opentracing.global_tracer() is tracer


def test_global_tracer_untouched_by_default(settings):
    before = opentracing.global_tracer()
    settings.OPENTRACING_TRACER = make_tracer()
    get_tracer()
    assert opentracing.global_tracer() is before


def test_override_settings_is_picked_up_between_requests():
    a, b = make_tracer(), make_tracer()
    client = Client()
    with override_settings(OPENTRACING_TRACER=a):
        client.get("/plain/")
        with override_settings(OPENTRACING_TRACER=b, OPENTRACING_OPERATION_NAME="route"):
            client.get("/plain/")
        client.get("/named/")
    assert [s.operation_name for s in a.finished_spans()] == ["Plain.get", "books.custom"]
    assert [s.operation_name for s in b.finished_spans()] == ["GET plain/"]


def test_settings_fixture_changes_are_picked_up(settings, tracer):
    settings.OPENTRACING_EXCLUDED_PATHS = [r"^/plain/"]
    Client().get("/plain/")
    assert tracer.finished_spans() == []
    settings.OPENTRACING_EXCLUDED_PATHS = []
    Client().get("/plain/")
    assert server_span(tracer).operation_name == "Plain.get"


def test_explicit_settings_are_known(settings):
    settings.OPENTRACING_TRACE_ALL = True
    assert conf.is_explicit("OPENTRACING_TRACE_ALL")
    assert not conf.is_explicit("OPENTRACING_TRACE_DB")
