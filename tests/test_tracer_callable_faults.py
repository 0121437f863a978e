"""A tracer factory that cannot be imported or fails when called costs no request.

The request is served and traced with ``opentracing.global_tracer()``; the failure is counted
under its own name (``faults.counts()``): an import that fails apart from a factory that fails or
returns no tracer, since an operator fixes them in different places. Each factory is built once
per setting value, and a new value builds anew.
"""

from __future__ import annotations

import opentracing
import pytest
from django.test import Client

from ot_views import faults
from ot_views import tracer as tracer_module
from ot_views.testing import make_tracer, server_span

from .fault_counts import grown


class FactoryFailed(RuntimeError):
    pass


def failing_factory(**parameters):
    raise FactoryFailed(f"no collector for {parameters}")


def none_factory():
    return None


TRACERS = {"a": make_tracer(), "b": make_tracer()}


def factory_a():
    return TRACERS["a"]


def factory_b():
    return TRACERS["b"]


HERE = __name__


@pytest.fixture(autouse=True)
def fresh_resolver(monkeypatch, settings):
    monkeypatch.setattr(tracer_module, "_resolver", tracer_module._Resolver())
    monkeypatch.setattr(opentracing, "tracer", opentracing.Tracer())
    for name in ("OPENTRACING_TRACER", "OPENTRACING_TRACING"):
        if hasattr(settings, name):
            delattr(settings, name)
    for tracer in TRACERS.values():
        tracer.reset()


@pytest.mark.parametrize(
    ("factory", "label", "kind"),
    [
        ("tests.no_such_module.factory", "tracer callable import", ModuleNotFoundError),
        (f"{HERE}.no_such_factory", "tracer callable import", ImportError),
        (f"{HERE}.failing_factory", "tracer callable", FactoryFailed),
        (f"{HERE}.none_factory", "tracer callable", TypeError),
    ],
)
def test_broken_factory_is_counted_and_the_request_served(settings, factory, label, kind):
    settings.OPENTRACING_TRACER_CALLABLE = factory
    before = faults.counts()
    response = Client().get("/plain/")
    assert response.status_code == 200
    assert response.content == b"plain"
    assert grown(before) == {(label, kind)}
    assert tracer_module.get_tracer() is opentracing.global_tracer()


def test_only_a_factory_that_fails_when_called_is_kept_for_the_checks(settings):
    settings.OPENTRACING_TRACER_CALLABLE = f"{HERE}.failing_factory"
    tracer_module.get_tracer()
    assert isinstance(tracer_module.build_error(), FactoryFailed)
    settings.OPENTRACING_TRACER_CALLABLE = "tests.no_such_module.factory"
    tracer_module.get_tracer()
    assert tracer_module.build_error() is None  # an import that fails is E003's to report


def test_a_new_factory_path_builds_its_own_tracer(settings):
    settings.OPENTRACING_TRACER_CALLABLE = f"{HERE}.factory_a"
    Client().get("/plain/")
    settings.OPENTRACING_TRACER_CALLABLE = f"{HERE}.factory_b"
    Client().get("/plain/")
    assert server_span(TRACERS["a"]).tags["http.status_code"] == 200
    assert server_span(TRACERS["b"]).tags["http.status_code"] == 200


def test_the_same_factory_is_built_once(settings):
    settings.OPENTRACING_TRACER_CALLABLE = f"{HERE}.failing_factory"
    before = faults.counts()
    Client().get("/plain/")
    settings.OPENTRACING_TRACER_PARAMETERS = {}  # a new snapshot, the same factory and parameters
    Client().get("/plain/")
    assert faults.counts()[("tracer callable", FactoryFailed)] == (
        before.get(("tracer callable", FactoryFailed), 0) + 1
    )


class Unprintable:
    def __repr__(self):
        raise RuntimeError("no repr")


CALLS: list[str] = []


def recording_factory(**parameters):
    CALLS.append("recording")
    return make_tracer()


def other_factory(**parameters):
    CALLS.append("other")
    return make_tracer()


def test_unprintable_parameters_are_told_apart_by_identity(settings):
    # repr() of the parameters raises: the build is keyed by the objects themselves.
    CALLS.clear()
    parameters = {"config": Unprintable()}
    settings.OPENTRACING_TRACER_CALLABLE = f"{HERE}.recording_factory"
    settings.OPENTRACING_TRACER_PARAMETERS = parameters
    first = tracer_module.get_tracer()
    assert first is not opentracing.global_tracer()
    settings.OPENTRACING_EXCLUDED_PATHS = []  # a new snapshot: the same objects, no new build
    assert tracer_module.get_tracer() is first
    settings.OPENTRACING_TRACER_PARAMETERS = {"config": Unprintable()}  # other objects
    second = tracer_module.get_tracer()
    settings.OPENTRACING_TRACER_CALLABLE = f"{HERE}.other_factory"  # another factory
    tracer_module.get_tracer()
    assert CALLS == ["recording", "recording", "other"]
    assert second is not first
