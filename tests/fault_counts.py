"""Reading ``faults.counts()`` in tests: which counters one request made grow.

A fault filed under the wrong operation misleads an operator as much as a missing one, so the
fault tests compare the exact set of ``(operation, exception type)`` keys that grew.
"""

from __future__ import annotations

from opentracing.mocktracer.span import MockSpan

from ot_views import faults


class Broken(RuntimeError):
    """What a broken tracer raises in these tests."""


def grown(before: dict) -> set:
    """The counters of ``faults.counts()`` that grew since ``before`` (an earlier copy)."""
    after = faults.counts()
    return {key for key, count in after.items() if count > before.get(key, 0)}


def failing_error_tag(monkeypatch) -> None:
    """Make ``span.set_tag("error", ...)`` raise ``Broken``; every other tag works."""
    original = MockSpan.set_tag

    def set_tag(span, key, value):
        if key == "error":
            raise Broken("error tag")
        return original(span, key, value)

    monkeypatch.setattr(MockSpan, "set_tag", set_tag)
