"""Reporting of tracer failures without flooding the log.

The failure policy (docs/design.rst) swallows every exception that comes from the tracer. Swallowing
silently would hide a broken tracer forever; logging each one would turn a tracer outage into a
log outage. So each kind of fault is logged with its traceback the first time, then again only at
the 10th, 100th, 1000th... occurrence, with the running count.
"""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger("ot_views")

_counts: dict[tuple[str, type[BaseException]], int] = {}
_lock = threading.Lock()


def report(where: str, exc: BaseException) -> None:
    """Record that the tracer failed in ``where`` (``"start"``, ``"finish"``, ...)."""
    try:
        key = (where, type(exc))
        with _lock:
            count = _counts.get(key, 0) + 1
            _counts[key] = count
        if count == 1:
            logger.warning(
                "Tracing failed in %s (%s: %s); the request is served regardless. "
                "Further %s failures of this kind are logged at every power of ten.",
                where,
                type(exc).__name__,
                exc,
                where,
                exc_info=exc,
            )
        elif _is_power_of_ten(count):
            logger.warning(
                "Tracing failed in %s %d times so far (%s: %s).",
                where,
                count,
                type(exc).__name__,
                exc,
            )
    except Exception:  # pragma: no cover - logging itself must not break a request
        pass


def counts() -> dict[tuple[str, type[BaseException]], int]:
    """A copy of the fault counters, for tests and diagnostics."""
    with _lock:
        return dict(_counts)


def _is_power_of_ten(n: int) -> bool:
    while n >= 10 and n % 10 == 0:
        n //= 10
    return n == 1
