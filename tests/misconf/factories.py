"""Tracer factories for the start-up and `manage.py check` tests (run in a subprocess)."""

from __future__ import annotations

from typing import Any

from ot_views.testing import make_tracer


def broken(**kwargs: Any) -> Any:
    raise RuntimeError("no collector configured")


def tracer(**kwargs: Any) -> Any:
    return make_tracer()
