"""The package's settings, read lazily and re-read when Django says they changed.

Every request reads several settings. Going through ``django.conf.settings`` each time costs more
than the tracer's own work, so the values are read once into an immutable snapshot that is
dropped on Django's ``setting_changed`` signal (sent by ``override_settings`` and
``TestCase.settings``). Invalid values fall back to their default at run time; ``checks.py``
reports them as errors so the mistake is seen before it is served.

This module only reads settings. What the tracer settings mean (which tracer, built when,
installed globally or not) is decided in ``ot_views.tracer``, the tracer's one home.

Adding a setting is one row in ``SETTINGS``: its default, the shape it must have, and the
run-time value derived from it. The row gives the snapshot attribute (``trace_db``) and the
``conf`` attribute (``conf.TRACE_DB``) their names.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import opentracing
from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from . import faults
from .redaction import DEFAULT_REDACTED_KEYS, KeyPolicy

PREFIX = "OPENTRACING_"


OPERATION_NAME_STYLES = ("view", "route")


# -- shapes: why a value is not acceptable, or None ---------------------------------------------


def _bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be True or False"


def _str_list(value: Any) -> str | None:
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return None
    return "must be a list of strings"


def _positive_int(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return None
    return "must be a positive integer"


def _kwargs(value: Any) -> str | None:
    return None if isinstance(value, Mapping) else "must be a dict of keyword arguments"


def _style(value: Any) -> str | None:
    return None if value in OPERATION_NAME_STYLES else 'must be "view" or "route"'


def _callable(value: Any) -> str | None:
    if value is None or isinstance(value, str) or callable(value):
        return None
    return "must be a callable or the dotted path of one"


def _tracer(value: Any) -> str | None:
    # Imported here: ot_views.tracer reads this module's snapshot, so it imports conf first.
    from .tracer import DjangoTracer

    if value is None or isinstance(value, (opentracing.Tracer, DjangoTracer)):
        return None
    return "must be an opentracing.Tracer or an ot_views.DjangoTracer"


# -- run-time values derived from a valid setting ----------------------------------------------


def load_callable(value: Any) -> Callable[..., Any]:
    """A callable from a callable or a dotted path; raises ImportError/TypeError otherwise."""
    obj = import_string(value) if isinstance(value, str) else value
    if not callable(obj):
        raise TypeError(f"{value!r} is not callable")
    return obj  # type: ignore[no-any-return]


def _optional_callable(value: Any) -> Callable[..., Any] | None:
    return None if value is None else load_callable(value)


class PathPatterns:
    """The ``OPENTRACING_EXCLUDED_PATHS`` entries, each compiled on its own.

    Joined into one regex, entries that are valid alone can fail together (an inline flag such
    as ``(?i)`` that is no longer at the start, a group name used twice) or change meaning
    (numbered back-references); then every exclusion was lost. Each entry that compiles is
    used; the others are listed in ``skipped`` (``manage.py check`` reports the same list).
    """

    __slots__ = ("patterns", "skipped")

    def __init__(self, patterns: Sequence[str]) -> None:
        compiled: list[re.Pattern[str]] = []
        skipped: list[tuple[str, re.error]] = []
        for pattern in patterns:
            try:
                compiled.append(re.compile(pattern))
            except re.error as exc:
                skipped.append((pattern, exc))
        self.patterns = tuple(compiled)
        self.skipped = tuple(skipped)

    def search(self, path: str) -> bool:
        """Whether any entry matches somewhere in ``path`` (``re.search`` semantics)."""
        return any(pattern.search(path) is not None for pattern in self.patterns)


def compile_paths(patterns: Sequence[str]) -> PathPatterns | None:
    if not patterns:
        return None
    return PathPatterns(patterns)


def _excluded_paths(patterns: Sequence[str]) -> PathPatterns | None:
    """The run-time value: the entries that compile; each one that does not is reported."""
    compiled = compile_paths(patterns)
    for _pattern, error in compiled.skipped if compiled is not None else ():
        faults.report("excluded paths", error)
    return compiled


def compile_keys(patterns: Sequence[str]) -> KeyPolicy:
    return KeyPolicy(patterns)


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Setting:
    """One ``OPENTRACING_*`` setting: everything the package knows about it, in one place."""

    name: str
    default: Any
    #: Why a value has the wrong shape (for the run-time fallback and the system checks).
    problem: Callable[[Any], str | None]
    #: The run-time value the snapshot holds; may raise on a value of the right shape (a
    #: dotted path that does not import, a regex that does not compile): the fault is reported
    #: and the default's value is used.
    convert: Callable[[Any], Any] = _same
    #: The attribute name on ``conf`` (upper case) and on the snapshot (lower case); by default
    #: the setting's name without the prefix.
    attr: str = ""

    @property
    def conf_attr(self) -> str:
        return self.attr or self.name[len(PREFIX) :]

    @property
    def field(self) -> str:
        return self.conf_attr.lower()


#: The settings. Checks, the snapshot and ``conf``'s attributes all walk this table.
SETTINGS: tuple[Setting, ...] = (
    # The tracer: resolved by ot_views.tracer from these raw values.
    Setting("OPENTRACING_TRACER", None, _tracer),
    Setting("OPENTRACING_TRACING", None, _tracer),
    Setting("OPENTRACING_TRACER_CALLABLE", None, _callable),
    Setting("OPENTRACING_TRACER_PARAMETERS", {}, _kwargs),
    Setting("OPENTRACING_SET_GLOBAL_TRACER", False, _bool),
    # The request spans.
    Setting("OPENTRACING_TRACE_ALL", True, _bool),
    Setting("OPENTRACING_TRACED_ATTRIBUTES", [], _str_list, tuple),
    # Traced attributes read even when that loads or parses (see ot_views.reading).
    Setting("OPENTRACING_LOAD_LAZY_ATTRIBUTES", [], _str_list, tuple),
    Setting("OPENTRACING_EXCLUDED_PATHS", [], _str_list, _excluded_paths),
    Setting("OPENTRACING_OPERATION_NAME", "view", _style, "route".__eq__, "ROUTE_NAMES"),
    Setting("OPENTRACING_REDACTED_KEYS", list(DEFAULT_REDACTED_KEYS), _str_list, compile_keys),
    Setting("OPENTRACING_START_SPAN_CB", None, _callable, _optional_callable),
    # The SQL child spans.
    Setting("OPENTRACING_TRACE_DB", False, _bool),
    Setting("OPENTRACING_TRACE_DB_STATEMENT", True, _bool),
    # The trace viewer app (ot_views.viewer).
    Setting("OPENTRACING_VIEWER_MAX_TRACES", 100, _positive_int),
    Setting("OPENTRACING_VIEWER_MAX_SPANS", 200, _positive_int),
    Setting("OPENTRACING_VIEWER_ACCESS", None, _callable),
    Setting("OPENTRACING_VIEWER_PEERS", [], _str_list),
)

_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}

#: name -> default, for code that only needs the defaults.
DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}


def type_error(name: str, value: Any) -> str | None:
    """Why ``value`` is not acceptable for setting ``name``, or ``None`` when it is.

    Only the shape is checked here; importing callables and compiling regexes is the row's
    ``convert``, so that the run-time snapshot and the system checks agree.
    """
    setting = _BY_NAME.get(name)
    return None if setting is None else setting.problem(value)


class Snapshot:
    """Every setting's run-time value at one moment; one attribute per row of ``SETTINGS``.

    ``raw`` holds the values as set (or defaulted), ``explicit`` the names the project set.
    """

    __slots__ = ("explicit", "raw", *(s.field for s in SETTINGS))

    raw: dict[str, Any]
    explicit: frozenset[str]

    if TYPE_CHECKING:  # the attributes are generated from SETTINGS

        def __getattr__(self, name: str) -> Any: ...

    def __init__(self, raw: dict[str, Any], explicit: frozenset[str], values: dict[str, Any]):
        object.__setattr__(self, "raw", raw)
        object.__setattr__(self, "explicit", explicit)
        for field, value in values.items():
            object.__setattr__(self, field, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a settings snapshot is immutable")


class Conf:
    """Typed access to the ``OPENTRACING_*`` settings: ``conf.TRACE_ALL``, ``conf.snapshot()``.

    The upper-case attributes are generated from ``SETTINGS`` (one per row).
    """

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any: ...

    def __init__(self) -> None:
        self._snapshot: Snapshot | None = None
        self._lock = threading.RLock()

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
                    snap = self._snapshot = _read()
        return snap

    def is_explicit(self, name: str) -> bool:
        """Whether the project set ``name`` itself (rather than relying on the default)."""
        return name in self._snap().explicit

    @property
    def tracer(self) -> opentracing.Tracer:
        """The tracer requests are traced with: ``ot_views.get_tracer()``, kept under this name
        for code written against earlier versions. The tracer is resolved in ``ot_views.tracer``.
        """
        from .tracer import get_tracer

        return get_tracer()


def _attribute(field: str) -> property:
    get = attrgetter(field)

    def read(self: Conf) -> Any:
        # Read per request: the snapshot's fast path inlined, as a hand-written property would.
        return get(self._snapshot or self._snap())

    return property(read)


for _setting in SETTINGS:
    setattr(Conf, _setting.conf_attr, _attribute(_setting.field))
del _setting


_MISSING = object()


def _read() -> Snapshot:
    raw: dict[str, Any] = {}
    explicit = set()
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        name, default = setting.name, setting.default
        value = getattr(settings, name, _MISSING)
        if value is _MISSING:
            value = default
        else:
            explicit.add(name)
            problem = setting.problem(value)
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
        try:
            values[setting.field] = setting.convert(value)
        except Exception as exc:
            faults.report(name, exc)
            values[setting.field] = setting.convert(default)
    return Snapshot(raw, frozenset(explicit), values)


conf = Conf()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith(PREFIX):
        conf.reset()


setting_changed.connect(_on_setting_changed, dispatch_uid="ot_views.conf.reset")
