"""HTTP server metrics from the request spans: duration histogram and active requests.

The instruments, units, buckets and attribute sets are those of OpenTelemetry's semantic
conventions, chosen by the same opt-in as the span attributes (``semconv.Conventions``): the old
conventions record ``http.server.duration`` in milliseconds, the stable ones
``http.server.request.duration`` in seconds, ``/dup`` both; ``http.server.active_requests`` is
recorded in every mode. ``http.route`` (``http.target`` in the old conventions) is the resolved
route, never the raw path, so the series stay few whatever the URLs.

Fed by the shim when a server span starts and finishes; nothing here runs for a tracer built
without a ``MeterProvider``, nor on the OpenTracing-only path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.metrics import Histogram, Meter, MeterProvider, UpDownCounter

from .semconv import Conventions

DURATION_OLD = "http.server.duration"
DURATION = "http.server.request.duration"
ACTIVE_REQUESTS = "http.server.active_requests"

#: Bucket boundaries of the stable duration histogram, in seconds (the convention's advice).
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)

_DURATION_KEYS_OLD = (
    "http.method",
    "http.host",
    "http.scheme",
    "http.status_code",
    "http.flavor",
    "http.server_name",
    "net.host.name",
    "net.host.port",
)
_DURATION_KEYS_NEW = (
    "error.type",
    "http.request.method",
    "http.response.status_code",
    "http.route",
    "network.protocol.version",
    "url.scheme",
)
_ACTIVE_KEYS_OLD = ("http.method", "http.host", "http.scheme", "http.flavor", "http.server_name")
_ACTIVE_KEYS_NEW = ("http.request.method", "url.scheme")


def _pick(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: attributes[k] for k in keys if k in attributes}


class RequestMetrics:
    """The server metrics' instruments, created once per tracer."""

    def __init__(self, meter_provider: MeterProvider, conventions: Conventions) -> None:
        from opentelemetry.shim.opentracing_shim.version import __version__

        meter: Meter = meter_provider.get_meter("ot_views", __version__)
        self.conventions = conventions
        self.duration_old: Histogram | None = None
        self.duration: Histogram | None = None
        if conventions.http_old:
            self.duration_old = meter.create_histogram(
                DURATION_OLD,
                unit="ms",
                description="Measures the duration of inbound HTTP requests.",
            )
        if conventions.http_new:
            self.duration = meter.create_histogram(
                DURATION,
                unit="s",
                description="Duration of HTTP server requests.",
                explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
            )
        self.active: UpDownCounter = meter.create_up_down_counter(
            ACTIVE_REQUESTS, unit="{request}", description="Number of active HTTP server requests."
        )

    def started(self, attributes: Mapping[str, Any]) -> dict[str, Any]:
        """Count the request in; returns the attributes to count it out with."""
        active: dict[str, Any] = {}
        if self.conventions.http_old:
            active.update(_pick(attributes, _ACTIVE_KEYS_OLD))
        if self.conventions.http_new:
            active.update(_pick(attributes, _ACTIVE_KEYS_NEW))
        self.active.add(1, active)
        return active

    def finished(
        self, attributes: Mapping[str, Any], active: Mapping[str, Any], seconds: float
    ) -> None:
        seconds = max(seconds, 0.0)
        if self.duration_old is not None:
            old = _pick(attributes, _DURATION_KEYS_OLD)
            route = attributes.get("http.route")
            if route:
                old["http.target"] = route
            self.duration_old.record(round(seconds * 1000), old)
        if self.duration is not None:
            self.duration.record(seconds, _pick(attributes, _DURATION_KEYS_NEW))
        self.active.add(-1, active)
