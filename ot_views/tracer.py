"""The tracer's one home: which tracer requests use, built when, installed globally when asked.

Resolution order: ``OPENTRACING_TRACER`` (or its 1.x name ``OPENTRACING_TRACING``), an
``opentracing.Tracer`` or a ``DjangoTracer``; then the tracer built once per process by
``OPENTRACING_TRACER_CALLABLE(**OPENTRACING_TRACER_PARAMETERS)``; then
``opentracing.global_tracer()``, read at each call so a tracer installed later is picked up.
With ``OPENTRACING_SET_GLOBAL_TRACER`` the resolved tracer also becomes the global one, at
start-up (``install_global_tracer()``, called from the app's ``ready()`` and the middleware's
construction) and again whenever the settings change.

This module depends only on ``conf`` and ``faults``; the adapters depend on it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, MutableMapping
from typing import Any

import opentracing

from . import faults
from .conf import Snapshot, conf, load_callable


def get_tracer() -> opentracing.Tracer:
    """The tracer requests are traced with now (settings first, then the global tracer).

    Use it for your own child spans: ``get_tracer().start_active_span("work")``.
    """
    return tracer_for(conf.snapshot())


class DjangoTracer:
    """Holds the ``opentracing.Tracer`` requests are traced with.

    ``OPENTRACING_TRACER = DjangoTracer(some_tracer)`` is the ``django_opentracing`` spelling;
    a bare ``opentracing.Tracer`` works too. With no tracer, ``opentracing.global_tracer()`` is
    used at each request.
    """

    def __init__(self, tracer: opentracing.Tracer | None = None) -> None:
        if tracer is not None and not isinstance(tracer, opentracing.Tracer):
            raise TypeError(f"DjangoTracer() takes an opentracing.Tracer, not {tracer!r}.")
        self._tracer = tracer

    @property
    def tracer(self) -> opentracing.Tracer:
        return self._tracer if self._tracer is not None else opentracing.global_tracer()

    # django_opentracing 1.x name for the same thing.
    @property
    def _tracer_implementation(self) -> opentracing.Tracer:
        return self.tracer

    def trace(self, *attributes: str, operation_name: str | None = None) -> Callable[[Any], Any]:
        """``@tracer.trace('path')``: ``ot_views.trace`` bound to this tracer."""
        # The adapters import this module; importing them here, when used, keeps it a leaf.
        from .decorators import trace

        return trace(*attributes, operation_name=operation_name, tracer=self._tracer)

    @staticmethod
    def get_span(request: Any) -> opentracing.Span | None:
        """The live span of ``request`` (a Django or DRF request), or ``None``."""
        from .span import get_span

        return get_span(request)

    def inject_headers(
        self, headers: MutableMapping[str, str] | None = None, span: opentracing.Span | None = None
    ) -> MutableMapping[str, str]:
        from .propagation import inject_headers

        return inject_headers(headers, span, tracer=self._tracer)

    def __repr__(self) -> str:
        return f"DjangoTracer({self._tracer!r})"


#: The django_opentracing 1.x class name.
DjangoTracing = DjangoTracer


def unwrap(value: Any) -> opentracing.Tracer | None:
    """The ``opentracing.Tracer`` inside ``value`` (a Tracer or a DjangoTracer), else ``None``."""
    if isinstance(value, opentracing.Tracer):
        return value
    if isinstance(value, DjangoTracer):
        return value._tracer
    return None


class _Resolver:
    """The tracer resolved for one settings snapshot, and the callable's build, once."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        # (snapshot, tracer resolved for it or None for "the global tracer at each call")
        self.current: tuple[Snapshot | None, opentracing.Tracer | None] = (None, None)
        self.built_key: Any = None
        self.built: opentracing.Tracer | None = None
        self.error: BaseException | None = None

    def resolve(self, snap: Snapshot) -> opentracing.Tracer | None:
        with self.lock:
            seen, tracer = self.current
            if seen is snap:
                return tracer
            raw = snap.raw
            value = raw["OPENTRACING_TRACER"] or raw["OPENTRACING_TRACING"]
            tracer = unwrap(value) if value is not None else None
            if value is None and raw["OPENTRACING_TRACER_CALLABLE"] is not None:
                tracer = self.build(raw)
            if tracer is not None and raw["OPENTRACING_SET_GLOBAL_TRACER"]:
                opentracing.set_global_tracer(tracer)
            self.current = (snap, tracer)
            if snap.trace_db:
                from .checks import warn_if_not_installed

                warn_if_not_installed(middleware=False)
            return tracer

    def build(self, raw: dict[str, Any]) -> opentracing.Tracer | None:
        value, parameters = raw["OPENTRACING_TRACER_CALLABLE"], raw["OPENTRACING_TRACER_PARAMETERS"]
        try:
            key: Any = (value if callable(value) else str(value), repr(parameters))
        except Exception:
            # Parameters that cannot be printed: the same objects (this settings value) only.
            key = (id(value), id(parameters))
        if key == self.built_key:
            return self.built
        built: opentracing.Tracer | None = None
        error: BaseException | None = None
        try:
            factory = load_callable(value)
        except Exception as exc:
            # Not kept for build_error(): E003 reports an import that fails, and E006 (the one
            # reader) is about a factory that imports but fails when called.
            faults.report("tracer callable import", exc)
        else:
            try:
                result = factory(**parameters)
                built = unwrap(result)
                if built is None:
                    raise TypeError(
                        f"OPENTRACING_TRACER_CALLABLE returned {result!r}, not a tracer"
                    )
            except Exception as exc:
                faults.report("tracer callable", exc)
                built, error = None, exc
        self.built_key, self.built, self.error = key, built, error
        return built


_resolver = _Resolver()


#: Functions ``tracer -> tracer`` applied, in order, to the tracer resolved for each use. An app
#: registers one from its ``ready()`` (``ot_views.viewer`` records spans through one); the empty
#: list costs nothing.
tracer_wrappers: list[Callable[[opentracing.Tracer], opentracing.Tracer]] = []


def tracer_for(snap: Snapshot) -> opentracing.Tracer:
    """The tracer for the settings in ``snap`` (the per-request path: one identity check)."""
    seen, tracer = _resolver.current
    if seen is not snap:
        tracer = _resolver.resolve(snap)
    if tracer is None:
        tracer = opentracing.global_tracer()
    for wrap in tracer_wrappers:
        tracer = wrap(tracer)
    return tracer


def install_global_tracer() -> None:
    """Install the tracer globally now, if ``OPENTRACING_SET_GLOBAL_TRACER`` asks for it.

    django-opentracing 1.x did it when its middleware was built, so ``opentracing.tracer`` read
    at start-up is the configured one; this does the same from the app's ``ready()`` (and the
    middleware, for projects without the app). Building the tracer from
    ``OPENTRACING_TRACER_CALLABLE`` happens here then, once; a failure is reported and logged.
    """
    try:
        if conf.SET_GLOBAL_TRACER:
            get_tracer()
    except Exception as exc:  # never let tracing stop the project from starting
        faults.report("global tracer", exc)


def build_error() -> BaseException | None:
    """Why the last call of ``OPENTRACING_TRACER_CALLABLE`` failed, if it did (for the checks)."""
    return _resolver.error
