"""Propagation formats by name, as ``OTEL_PROPAGATORS`` names them."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import entry_points

from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.propagators.textmap import TextMapPropagator

#: ``propagator=`` names whose package is not part of the ``otel`` extra.
_PROPAGATOR_PACKAGES = {
    "b3": "opentelemetry-propagator-b3",
    "b3multi": "opentelemetry-propagator-b3",
    "jaeger": "opentelemetry-propagator-jaeger",
}


def load_propagator(spec: str | Sequence[str] | TextMapPropagator) -> TextMapPropagator:
    """A propagator from OpenTelemetry names (``"tracecontext"``, ``"baggage"``, ``"b3"`` for the
    single ``b3`` header, ``"b3multi"`` for ``X-B3-*``, ``"jaeger"`` for ``uber-trace-id``), a
    comma-separated string or list of them, or a propagator instance.

    Names resolve through the ``opentelemetry_propagator`` entry points, as ``OTEL_PROPAGATORS``
    does, so any installed propagator package works.
    """
    if isinstance(spec, TextMapPropagator):
        return spec
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    names = [n.strip().lower() for n in names if n.strip()]
    if not names:
        raise ValueError("propagator: give at least one name, e.g. 'tracecontext'")
    found = {ep.name: ep for ep in entry_points(group="opentelemetry_propagator")}
    propagators = []
    for name in names:
        ep = found.get(name)
        if ep is None:
            package = _PROPAGATOR_PACKAGES.get(name)
            if package is not None:
                raise ImportError(f"propagator {name!r} needs the package: pip install {package}")
            raise ValueError(
                f"unknown propagator {name!r}; installed: {', '.join(sorted(found)) or 'none'}"
            )
        propagators.append(ep.load()())
    return propagators[0] if len(propagators) == 1 else CompositePropagator(propagators)
