"""System checks: one id per mistake, each with a hint that says how to fix it.

``ot_views.E001``  a setting is a one-item tuple (a trailing comma after the value)
``ot_views.E002``  a setting has the wrong type or value
``ot_views.E003``  ``OPENTRACING_TRACER_CALLABLE`` cannot be imported or is not callable
``ot_views.E004``  an ``OPENTRACING_EXCLUDED_PATHS`` entry does not compile on its own, so it is
                   skipped (the other entries still apply)
``ot_views.E005``  ``OPENTRACING_START_SPAN_CB`` cannot be imported or is not callable
``ot_views.E006``  ``OPENTRACING_TRACER_CALLABLE`` imports but calling it fails or gives no tracer
``ot_views.W001``  ``OPENTRACING_TRACE_ALL = True`` without ``OpenTracingMiddleware`` installed
``ot_views.W002``  both a tracer and a tracer callable are set; the callable is ignored
``ot_views.W003``  ``OPENTRACING_TRACER`` and ``OPENTRACING_TRACING`` are both set
``ot_views.W004``  an ``OPENTRACING_*`` setting this package does not know (a misspelling?)
``ot_views.W005``  ``OpenTracingMiddleware`` comes after a Django middleware that answers early
``ot_views.W006``  ``ot_views`` is not in ``INSTALLED_APPS`` (not a check: checks do not run then;
                   logged once at start-up by the middleware, or at the first traced request)

E006 calls the tracer factory: nothing short of calling it tells whether it works. It is called
through the same once-per-process build the first request uses, so a process that checks and
then serves (``runserver``, the test runner) still calls it once; a process that only checks
(``manage.py check``, ``migrate``) builds one tracer it never uses.
"""

from __future__ import annotations

import difflib
import logging
import threading
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.utils.module_loading import import_string

from . import faults
from .conf import DEFAULTS, PREFIX, compile_paths, load_callable, type_error

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
        compiled = compile_paths(paths)
        for pattern, exc in compiled.skipped if compiled is not None else ():
            messages.append(
                Error(
                    f"OPENTRACING_EXCLUDED_PATHS entry {pattern!r} is not a valid regular "
                    f"expression: {exc}. It is skipped; the other entries still apply.",
                    hint="Fix the pattern; each entry is a regex of its own, searched in "
                    r"request.path_info, for example r'^/health/?$'.",
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
    if not has_tracer:
        messages += _check_tracer_build()
    messages += _check_unknown_names()
    messages += _check_middleware_order()
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
                hint=_import_hint(name, exc),
                id=check_id,
            )
        ]
    return []


def _import_hint(name: str, exc: BaseException) -> str:
    text = str(exc)
    if "opentelemetry" in text or "ot-views[otel]" in text:
        # The bundled OpenTelemetry factory without its packages: suggesting another dotted
        # path would send the reader round in a circle.
        return 'Install the OpenTelemetry packages it needs: pip install "ot-views[otel]".'
    if name == "OPENTRACING_TRACER_CALLABLE":
        return (
            "Give a function returning an opentracing.Tracer (or its dotted path, importable "
            "from the project), for example the bundled OpenTelemetry factory "
            '(pip install "ot-views[otel]").'
        )
    return "Give a callable or the dotted path of one, importable from the project."


def _check_tracer_build() -> list[CheckMessage]:
    value = _set("OPENTRACING_TRACER_CALLABLE")
    if value in (_MISSING, None) or type_error("OPENTRACING_TRACER_CALLABLE", value) is not None:
        return []
    parameters = _set("OPENTRACING_TRACER_PARAMETERS")
    if parameters is not _MISSING and type_error("OPENTRACING_TRACER_PARAMETERS", parameters):
        return []
    try:
        load_callable(value)
    except Exception:
        return []  # E003 says why
    from .tracer import build_error, get_tracer

    get_tracer()  # builds it now, once per process (see the module docstring)
    exc = build_error()
    if exc is None:
        return []
    return [
        Error(
            f"OPENTRACING_TRACER_CALLABLE = {value!r} imports, but calling it with "
            f"OPENTRACING_TRACER_PARAMETERS failed: {type(exc).__name__}: {exc}. Requests are "
            "traced with opentracing.global_tracer() instead.",
            hint=_import_hint("OPENTRACING_TRACER_CALLABLE", exc)
            if isinstance(exc, ImportError)
            else "Fix the factory or its OPENTRACING_TRACER_PARAMETERS; it must return an "
            "opentracing.Tracer (or a DjangoTracer).",
            id="ot_views.E006",
        )
    ]


def _check_unknown_names() -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for name in sorted(n for n in dir(settings) if n.startswith(PREFIX) and n not in DEFAULTS):
        # Compared without the shared prefix, which would make every name look close.
        suffixes = {known[len(PREFIX) :]: known for known in DEFAULTS}
        close = difflib.get_close_matches(name[len(PREFIX) :], suffixes, n=1, cutoff=0.6)
        messages.append(
            Warning(
                f"{name} is not an ot_views setting; it has no effect.",
                hint=f"Did you mean {suffixes[close[0]]}?"
                if close
                else "The settings are listed in the ot_views documentation (settings page).",
                id="ot_views.W004",
            )
        )
    return messages


#: Django middlewares that answer some requests themselves, or change the answer, before the
#: view or after it; placed before OpenTracingMiddleware, those answers are missed or mis-told.
#: Middlewares that only add to the request or response (sessions, authentication, messages,
#: X-Frame-Options, GZip) are harmless before it and not listed; nor are third-party ones,
#: which are often put first on purpose (static file servers, CORS preflight).
EARLY_ANSWERS: dict[str, str] = {
    "django.middleware.security.SecurityMiddleware": "HTTPS redirects (SECURE_SSL_REDIRECT) "
    "get no span",
    "django.middleware.common.CommonMiddleware": "requests with a disallowed Host "
    "(DisallowedHost, answered 400) or user agent (403) and PREPEND_WWW redirects get no span",
    "django.middleware.csrf.CsrfViewMiddleware": "CSRF failures (403) are named "
    "'HTTP <METHOD>' instead of after their view",
    "django.contrib.auth.middleware.LoginRequiredMiddleware": "login redirects are named "
    "'HTTP <METHOD>' instead of after their view",
    "django.middleware.cache.FetchFromCacheMiddleware": "responses served from the cache get "
    "no span",
    "django.middleware.cache.CacheMiddleware": "responses served from the cache get no span",
    "django.middleware.locale.LocaleMiddleware": "language redirects are recorded as the 404 "
    "they replace",
    "django.middleware.http.ConditionalGetMiddleware": "304 Not Modified answers are recorded "
    "as 200",
}


def _check_middleware_order() -> list[CheckMessage]:
    entries = [e for e in getattr(settings, "MIDDLEWARE", None) or () if isinstance(e, str)]
    position = next((i for i, e in enumerate(entries) if _is_ours(e)), None)
    if position is None:
        return []
    before = [e for e in entries[:position] if e in EARLY_ANSWERS]
    if not before:
        return []
    misses = "; ".join(f"{e.rsplit('.', 1)[1]}: {EARLY_ANSWERS[e]}" for e in before)
    return [
        Warning(
            f"{entries[position]} comes after {', '.join(before)} in MIDDLEWARE, so what "
            f"they answer is not traced as it was answered ({misses}).",
            hint="Move 'ot_views.middleware.OpenTracingMiddleware' to the top of MIDDLEWARE.",
            id="ot_views.W005",
        )
    ]


def _is_ours(entry: str) -> bool:
    from .middleware import OpenTracingMiddleware

    if not entry.endswith("OpenTracingMiddleware"):
        return False
    try:
        cls = import_string(entry)
    except ImportError:
        return False
    return isinstance(cls, type) and issubclass(cls, OpenTracingMiddleware)


_warned = threading.Event()


def warn_if_not_installed(middleware: bool) -> bool:
    """Log once per process that ``ot_views`` is missing from ``INSTALLED_APPS`` (W006).

    The system checks cannot say it: they are registered by the app. Called where the package
    runs anyway: the middleware's construction (start-up of a serving process) and the first
    resolution of the tracer (the first traced request, for projects without the middleware).
    Returns whether it logged.
    """
    if _warned.is_set():
        return False
    try:
        from django.apps import apps

        if not apps.ready or apps.is_installed("ot_views"):
            return False
        trace_db = _set("OPENTRACING_TRACE_DB") is True
        if not (middleware or trace_db):
            return False
        _warned.set()
        missing = "its system checks do not run"
        if trace_db:
            missing += " and OPENTRACING_TRACE_DB = True makes no SQL spans"
        logging.getLogger("ot_views").warning(
            "ot_views.W006: 'ot_views' is not in INSTALLED_APPS, so %s. Add 'ot_views' to "
            "INSTALLED_APPS.",
            missing,
        )
        return True
    except Exception as exc:  # a start-up warning must never stop the start-up
        faults.report("installed apps warning", exc)
        return False


def middleware_installed() -> bool:
    return any(
        isinstance(entry, str) and _is_ours(entry)
        for entry in getattr(settings, "MIDDLEWARE", None) or ()
    )
