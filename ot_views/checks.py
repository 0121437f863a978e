"""System checks: one id per mistake, each with a hint that says how to fix it.

``ot_views.E001``  a setting is a one-item tuple (a trailing comma after the value)
``ot_views.E002``  a setting has the wrong type or value
``ot_views.E003``  ``OPENTRACING_TRACER_CALLABLE`` cannot be imported or is not callable
``ot_views.E004``  an ``OPENTRACING_EXCLUDED_PATHS`` entry is not a valid regular expression
``ot_views.E005``  ``OPENTRACING_START_SPAN_CB`` cannot be imported or is not callable
``ot_views.W001``  ``OPENTRACING_TRACE_ALL = True`` without ``OpenTracingMiddleware`` installed
``ot_views.W002``  both a tracer and a tracer callable are set; the callable is ignored
``ot_views.W003``  ``OPENTRACING_TRACER`` and ``OPENTRACING_TRACING`` are both set
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.utils.module_loading import import_string

from .conf import DEFAULTS, load_callable, type_error

_MISSING = object()


def _set(name: str) -> Any:
    return getattr(settings, name, _MISSING)


def check_settings(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for name in DEFAULTS:
        value = _set(name)
        if value is _MISSING:
            continue
        problem = type_error(name, value)
        if problem is None:
            continue
        if isinstance(value, tuple) and len(value) == 1 and type_error(name, value[0]) is None:
            messages.append(
                Error(
                    f"{name} is the tuple {value!r}, probably from a trailing comma.",
                    hint=f"Remove the comma after the value: {name} = {value[0]!r}",
                    id="ot_views.E001",
                )
            )
        else:
            messages.append(
                Error(
                    f"{name} {problem}; got {value!r}.",
                    hint=f"Set {name} to a valid value or remove it to use the default "
                    f"({DEFAULTS[name]!r}).",
                    id="ot_views.E002",
                )
            )
    messages += _check_callable("OPENTRACING_TRACER_CALLABLE", "ot_views.E003")
    messages += _check_callable("OPENTRACING_START_SPAN_CB", "ot_views.E005")
    paths = _set("OPENTRACING_EXCLUDED_PATHS")
    if paths is not _MISSING and type_error("OPENTRACING_EXCLUDED_PATHS", paths) is None:
        for pattern in paths:
            try:
                re.compile(pattern)
            except re.error as exc:
                messages.append(
                    Error(
                        f"OPENTRACING_EXCLUDED_PATHS entry {pattern!r} is not a valid regular "
                        f"expression: {exc}.",
                        hint="Fix the pattern; entries are regexes searched in request.path_info, "
                        r"for example r'^/health/?$'.",
                        id="ot_views.E004",
                    )
                )
    if _set("OPENTRACING_TRACE_ALL") is True and not middleware_installed():
        messages.append(
            Warning(
                "OPENTRACING_TRACE_ALL is True but ot_views.middleware.OpenTracingMiddleware is "
                "not in MIDDLEWARE, so only traced views and @trace functions are traced.",
                hint="Add 'ot_views.middleware.OpenTracingMiddleware' at the top of MIDDLEWARE, "
                "or remove OPENTRACING_TRACE_ALL.",
                id="ot_views.W001",
            )
        )
    has_tracer = _set("OPENTRACING_TRACER") not in (_MISSING, None) or _set(
        "OPENTRACING_TRACING"
    ) not in (_MISSING, None)
    if has_tracer and _set("OPENTRACING_TRACER_CALLABLE") not in (_MISSING, None):
        messages.append(
            Warning(
                "Both a tracer (OPENTRACING_TRACER) and OPENTRACING_TRACER_CALLABLE are set; the "
                "callable is ignored.",
                hint="Keep one of them.",
                id="ot_views.W002",
            )
        )
    tracer, tracing = _set("OPENTRACING_TRACER"), _set("OPENTRACING_TRACING")
    if tracer not in (_MISSING, None) and tracing not in (_MISSING, None) and tracer is not tracing:
        messages.append(
            Warning(
                "OPENTRACING_TRACER and OPENTRACING_TRACING are both set; OPENTRACING_TRACER wins.",
                hint="OPENTRACING_TRACING is the django-opentracing 1.x name: keep only "
                "OPENTRACING_TRACER.",
                id="ot_views.W003",
            )
        )
    return messages


def _check_callable(name: str, check_id: str) -> list[CheckMessage]:
    value = _set(name)
    if value in (_MISSING, None) or type_error(name, value) is not None:
        return []
    try:
        load_callable(value)
    except Exception as exc:
        return [
            Error(
                f"{name} = {value!r} cannot be used: {type(exc).__name__}: {exc}.",
                hint="Give a callable or the dotted path of one, importable from the project, "
                "for example 'ot_views.otel.otel_tracer'.",
                id=check_id,
            )
        ]
    return []


def middleware_installed() -> bool:
    from .middleware import OpenTracingMiddleware

    for entry in getattr(settings, "MIDDLEWARE", None) or ():
        if not isinstance(entry, str) or not entry.endswith("OpenTracingMiddleware"):
            continue
        try:
            cls = import_string(entry)
        except ImportError:
            continue
        if isinstance(cls, type) and issubclass(cls, OpenTracingMiddleware):
            return True
    return False
