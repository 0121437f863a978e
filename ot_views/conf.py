"""The package's settings, read lazily and re-read when Django says they changed.

Every request reads several settings. Going through ``django.conf.settings`` each time costs more
than the tracer's own work, so the values are read once into an immutable snapshot that is
dropped on Django's ``setting_changed`` signal (sent by ``override_settings`` and
``TestCase.settings``). Invalid values fall back to their default at run time; ``checks.py``
reports them as errors so the mistake is seen before it is served.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import opentracing
from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from . import faults
from .redaction import DEFAULT_REDACTED_KEYS, KeyPolicy

PREFIX = "OPENTRACING_"


OPERATION_NAME_STYLES = ("view", "route")

#: name -> default. The single list of settings; checks and the snapshot both walk it.
DEFAULTS: dict[str, Any] = {
    "OPENTRACING_TRACER": None,
    "OPENTRACING_TRACING": None,
    "OPENTRACING_TRACER_CALLABLE": None,
    "OPENTRACING_TRACER_PARAMETERS": {},
    "OPENTRACING_SET_GLOBAL_TRACER": False,
    "OPENTRACING_TRACE_ALL": True,
    "OPENTRACING_TRACED_ATTRIBUTES": [],
    "OPENTRACING_EXCLUDED_PATHS": [],
    "OPENTRACING_OPERATION_NAME": "view",
    "OPENTRACING_REDACTED_KEYS": list(DEFAULT_REDACTED_KEYS),
    "OPENTRACING_START_SPAN_CB": None,
    "OPENTRACING_TRACE_DB": False,
    "OPENTRACING_TRACE_DB_STATEMENT": True,
}


def _is_str_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def type_error(name: str, value: Any) -> str | None:
    """Why ``value`` is not acceptable for setting ``name``, or ``None`` when it is.

    Only the shape is checked here; importing callables and compiling regexes is done by
    ``problems()`` so that the run-time snapshot and the system checks agree.
    """
    if name in (
        "OPENTRACING_SET_GLOBAL_TRACER",
        "OPENTRACING_TRACE_ALL",
        "OPENTRACING_TRACE_DB",
        "OPENTRACING_TRACE_DB_STATEMENT",
    ):
        return None if isinstance(value, bool) else "must be True or False"
    if name in (
        "OPENTRACING_TRACED_ATTRIBUTES",
        "OPENTRACING_EXCLUDED_PATHS",
        "OPENTRACING_REDACTED_KEYS",
    ):
        return None if _is_str_list(value) else "must be a list of strings"
    if name == "OPENTRACING_TRACER_PARAMETERS":
        return None if isinstance(value, Mapping) else "must be a dict of keyword arguments"
    if name == "OPENTRACING_OPERATION_NAME":
        if value in OPERATION_NAME_STYLES:
            return None
        return 'must be "view" or "route"'
    if name in ("OPENTRACING_TRACER_CALLABLE", "OPENTRACING_START_SPAN_CB"):
        if value is None or isinstance(value, str) or callable(value):
            return None
        return "must be a callable or the dotted path of one"
    if name in ("OPENTRACING_TRACER", "OPENTRACING_TRACING"):
        if (
            value is None
            or isinstance(value, opentracing.Tracer)
            or hasattr(value, "_ot_views_tracer")
        ):
            return None
        return "must be an opentracing.Tracer or an ot_views.DjangoTracer"
    return None


def unwrap_tracer(value: Any) -> opentracing.Tracer | None:
    """The ``opentracing.Tracer`` inside ``value`` (a Tracer or a DjangoTracer), else ``None``."""
    if isinstance(value, opentracing.Tracer):
        return value
    inner = getattr(value, "_ot_views_tracer", None)
    if inner is not None:
        return inner() if callable(inner) else None
    return None


def load_callable(value: Any) -> Callable[..., Any]:
    """A callable from a callable or a dotted path; raises ImportError/TypeError otherwise."""
    obj = import_string(value) if isinstance(value, str) else value
    if not callable(obj):
        raise TypeError(f"{value!r} is not callable")
    return obj  # type: ignore[no-any-return]


def compile_paths(patterns: Sequence[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def compile_keys(patterns: Sequence[str]) -> KeyPolicy:
    return KeyPolicy(patterns)


@dataclass(frozen=True)
class Snapshot:
    raw: dict[str, Any]
    explicit: frozenset[str]
    tracer: opentracing.Tracer | None
    tracer_callable: Callable[..., Any] | None
    trace_all: bool
    traced_attributes: tuple[str, ...]
    excluded_paths: re.Pattern[str] | None
    route_names: bool
    redacted_keys: KeyPolicy
    start_span_cb: Callable[[Any, Any], Any] | None
    trace_db: bool
    trace_db_statement: bool


class Conf:
    """Typed access to the ``OPENTRACING_*`` settings; one property per setting."""

    def __init__(self) -> None:
        self._snapshot: Snapshot | None = None
        self._lock = threading.RLock()
        self._built: opentracing.Tracer | None = None
        self._built_from: Any = None

    # -- life cycle ---------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self._snapshot = None

    def snapshot(self) -> Snapshot:
        """All settings at once, for the per-request path (one read instead of one per setting)."""
        return self._snapshot or self._snap()

    def _snap(self) -> Snapshot:
        snap = self._snapshot
        if snap is None:
            with self._lock:
                snap = self._snapshot
                if snap is None:
                    snap = self._snapshot = self._read()
        return snap

    def _read(self) -> Snapshot:
        raw: dict[str, Any] = {}
        explicit = set()
        for name, default in DEFAULTS.items():
            value = getattr(settings, name, _MISSING)
            if value is _MISSING:
                raw[name] = default
                continue
            explicit.add(name)
            problem = type_error(name, value)
            if problem is not None:
                faults.logger.error(
                    "Setting %s %s (got %r); using the default %r. "
                    "Run `manage.py check` for details.",
                    name,
                    problem,
                    value,
                    default,
                )
                value = default
            raw[name] = value

        tracer_value = raw["OPENTRACING_TRACER"] or raw["OPENTRACING_TRACING"]
        tracer = unwrap_tracer(tracer_value) if tracer_value is not None else None
        factory = None
        if tracer is None and raw["OPENTRACING_TRACER_CALLABLE"] is not None:
            try:
                factory = load_callable(raw["OPENTRACING_TRACER_CALLABLE"])
            except Exception as exc:
                faults.report("tracer callable import", exc)
        cb = None
        if raw["OPENTRACING_START_SPAN_CB"] is not None:
            try:
                cb = load_callable(raw["OPENTRACING_START_SPAN_CB"])
            except Exception as exc:
                faults.report("start span callback import", exc)
        try:
            excluded = compile_paths(raw["OPENTRACING_EXCLUDED_PATHS"])
        except re.error as exc:
            faults.report("excluded paths", exc)
            excluded = None
        if tracer is not None and raw["OPENTRACING_SET_GLOBAL_TRACER"]:
            opentracing.set_global_tracer(tracer)
        return Snapshot(
            raw=raw,
            explicit=frozenset(explicit),
            tracer=tracer,
            tracer_callable=factory,
            trace_all=raw["OPENTRACING_TRACE_ALL"],
            traced_attributes=tuple(raw["OPENTRACING_TRACED_ATTRIBUTES"]),
            excluded_paths=excluded,
            route_names=raw["OPENTRACING_OPERATION_NAME"] == "route",
            redacted_keys=compile_keys(raw["OPENTRACING_REDACTED_KEYS"]),
            start_span_cb=cb,
            trace_db=raw["OPENTRACING_TRACE_DB"],
            trace_db_statement=raw["OPENTRACING_TRACE_DB_STATEMENT"],
        )

    # -- tracer ------------------------------------------------------------------------------

    @property
    def tracer(self) -> opentracing.Tracer:
        """The tracer requests are traced with, resolved in the documented order.

        ``OPENTRACING_TRACER`` (or ``OPENTRACING_TRACING``), then the tracer built once by
        ``OPENTRACING_TRACER_CALLABLE``, then ``opentracing.global_tracer()`` read at each call so
        a tracer installed later is picked up.
        """
        return self.tracer_for(self._snap())

    def tracer_for(self, snap: Snapshot) -> opentracing.Tracer:
        if snap.tracer is not None:
            return snap.tracer
        if snap.tracer_callable is not None:
            return self._build(snap)
        return opentracing.global_tracer()

    def _build(self, snap: Snapshot) -> opentracing.Tracer:
        key = (snap.tracer_callable, repr(snap.raw["OPENTRACING_TRACER_PARAMETERS"]))
        if self._built_from == key and self._built is not None:
            return self._built
        with self._lock:
            if self._built_from != key or self._built is None:
                built: opentracing.Tracer | None = None
                try:
                    assert snap.tracer_callable is not None
                    result = snap.tracer_callable(**snap.raw["OPENTRACING_TRACER_PARAMETERS"])
                    built = unwrap_tracer(result)
                    if built is None:
                        raise TypeError(
                            f"OPENTRACING_TRACER_CALLABLE returned {result!r}, not a tracer"
                        )
                except Exception as exc:
                    faults.report("tracer callable", exc)
                    built = opentracing.global_tracer()
                else:
                    if snap.raw["OPENTRACING_SET_GLOBAL_TRACER"]:
                        opentracing.set_global_tracer(built)
                self._built, self._built_from = built, key
            return self._built

    # -- one property per setting -------------------------------------------------------------

    @property
    def TRACE_ALL(self) -> bool:
        return self._snap().trace_all

    @property
    def TRACED_ATTRIBUTES(self) -> tuple[str, ...]:
        return self._snap().traced_attributes

    @property
    def EXCLUDED_PATHS(self) -> re.Pattern[str] | None:
        return self._snap().excluded_paths

    @property
    def ROUTE_NAMES(self) -> bool:
        """``OPENTRACING_OPERATION_NAME == "route"``."""
        return self._snap().route_names

    @property
    def REDACTED_KEYS(self) -> KeyPolicy:
        return self._snap().redacted_keys

    @property
    def START_SPAN_CB(self) -> Callable[[Any, Any], Any] | None:
        return self._snap().start_span_cb

    @property
    def SET_GLOBAL_TRACER(self) -> bool:
        return bool(self._snap().raw["OPENTRACING_SET_GLOBAL_TRACER"])

    @property
    def TRACE_DB(self) -> bool:
        return self._snap().trace_db

    @property
    def TRACE_DB_STATEMENT(self) -> bool:
        return self._snap().trace_db_statement

    def is_explicit(self, name: str) -> bool:
        """Whether the project set ``name`` itself (rather than relying on the default)."""
        return name in self._snap().explicit


_MISSING = object()

conf = Conf()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith(PREFIX):
        conf.reset()


setting_changed.connect(_on_setting_changed, dispatch_uid="ot_views.conf.reset")
