"""The request span: the one mechanism that starts, enriches, records and finishes it.

The middleware, the mixins and the decorator are adapters over this module. The first adapter
to see a request calls ``begin()`` and owns the span; adapters inside it get a handle on the same
span and only enrich it (name, view, traced attributes, exceptions). Only the owner activates,
records the response and finishes, so a request has exactly one server span whatever the mix.

Every call into the tracer is guarded (docs/design.rst): a failure is reported through
``faults`` and the request goes on as if untraced. Nothing here knows about class-based views or
DRF.
"""

from __future__ import annotations

import asyncio
import re
import traceback
from collections.abc import AsyncIterator, Iterable, Iterator
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any

import opentracing
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest
from django.utils.encoding import escape_uri_path

from . import attributes, faults, naming, redaction
from .attributes import Redactor
from .conf import conf
from .propagation import extract
from .tracer import tracer_for

# What escape_uri_path() leaves unchanged: most paths, which then skip it.
# (quote()'s always-safe characters plus escape_uri_path's safe="/:@&+$,-_.!~*'()").
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/:@&+$,_.!~*'()-]*")

#: Where the request span lives on the ``HttpRequest``.
REQUEST_ATTR = "_ot_views_span"
#: An exception carrying this attribute is logged with its value instead of ``str(exc)``.
SAFE_MESSAGE_ATTR = "_ot_views_safe_message"

# The live request span of this context (thread or asyncio task), for code that runs inside a
# request without seeing the request object: the SQL child spans.
_LIVE: ContextVar[RequestSpan | None] = ContextVar("ot_views_request_span", default=None)

# Exceptions Django itself turns into a 4xx response: logged on the span, but not an error.
_CLIENT_ERRORS: tuple[tuple[type[BaseException], int], ...] = (
    (Http404, 404),
    (PermissionDenied, 403),
    (BadRequest, 400),
    (SuspiciousOperation, 400),
)


class RequestSpan:
    """The state of one request's span, stored on the request."""

    __slots__ = (
        "described",
        "exc",
        "finished",
        "name",
        "request",
        "scope",
        "secrets",
        "span",
        "token",
    )

    def __init__(self, span: opentracing.Span, name: str, request: HttpRequest) -> None:
        self.request = request
        self.secrets: tuple[Any, redaction.Secrets] | None = None
        self.span = span
        self.name = name
        self.scope: opentracing.Scope | None = None
        self.exc: BaseException | None = None
        self.finished = False
        self.described = False
        self.token: Token[RequestSpan | None] | None = None

    def finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        try:
            self.span.finish()
        except Exception as exc:
            faults.report("finish", exc)

    def deactivate(self) -> None:
        token, self.token = self.token, None
        if token is not None:
            try:
                _LIVE.reset(token)
            except ValueError:  # closed from another context than the one that began it
                _LIVE.set(None)
        scope, self.scope = self.scope, None
        if scope is not None:
            try:
                scope.close()
            except Exception as exc:
                faults.report("scope close", exc)


class Handle:
    """What an adapter holds while its view runs."""

    __slots__ = ("owner", "request", "rs")

    def __init__(self, rs: RequestSpan, owner: bool, request: HttpRequest) -> None:
        self.rs = rs
        self.owner = owner
        self.request = request

    @property
    def span(self) -> opentracing.Span:
        return self.rs.span

    def rename(self, operation_name: str | None) -> None:
        rs = self.rs
        if operation_name and operation_name != rs.name:
            rs.name = operation_name
            try:
                rs.span.set_operation_name(operation_name)
            except Exception as exc:
                faults.report("set operation name", exc)

    def describe(self, view_path: str | None, tags: dict[str, Any] | None = None) -> None:
        """Tag the resolved view and route; the first adapter that knows them wins."""
        rs = self.rs
        if rs.described and not tags:
            return
        try:
            if not rs.described:
                match = getattr(self.request, "resolver_match", None)
                pattern = getattr(match, "route", None) if match is not None else None
                route = naming.readable_route(str(pattern)) if pattern else ""
                if route:
                    rs.span.set_tag("http.route", route)
                if match is not None and getattr(match, "kwargs", None):
                    _retag_url(rs.span, self.request, match)
                if view_path:
                    rs.span.set_tag("django.view", view_path)
                    rs.described = True
            if tags:
                for key, value in tags.items():
                    rs.span.set_tag(key, value)
        except Exception as exc:
            faults.report("tag", exc)

    def trace_attributes(self, target: Any, names: Iterable[str]) -> None:
        if not names:
            return
        redactor = Redactor(conf.REDACTED_KEYS, self.request, target)
        tags = attributes.collect(target, names, redactor)
        if not tags:
            return
        try:
            span = self.rs.span
            for key, value in tags:
                if value == "":  # an anonymous user's username: no tag rather than an empty one
                    continue
                span.set_tag(key, value)
        except Exception as exc:
            faults.report("tag", exc)

    def fail(self, exc: BaseException, target: Any = None, names: Iterable[str] = ()) -> None:
        """The view raised ``exc``: log it, read attributes, and finish if we own the span.

        A ``CancelledError`` is the server giving up on the request (the ASGI client went away,
        a shutdown): recorded as a cancellation, not as a server error.
        """
        if isinstance(exc, asyncio.CancelledError):
            record_cancel(self.rs, exc)
        else:
            record_exception(self.request, exc, target=target)
        self.trace_attributes(self.request if target is None else target, names)
        if self.owner:
            self._close(None, target)

    def done(self, response: Any, target: Any = None, names: Iterable[str] = ()) -> None:
        """The view returned ``response``: read attributes, and finish if we own the span."""
        self.trace_attributes(self.request if target is None else target, names)
        if self.owner:
            self._close(response, target)

    def _close(self, response: Any, target: Any) -> None:
        rs = self.rs
        self.trace_attributes(self.request if target is None else target, conf.TRACED_ATTRIBUTES)
        if response is not None:
            record_response(rs, response)
        elif rs.exc is not None:
            # The view raised: Django answers a 4xx exception (Http404, PermissionDenied, an
            # exception with a ``status_code``) with that status, and any other error with a
            # 500, so the span says so too. (A BaseException such as a cancelled task is not
            # answered at all: no status.)
            status = status_for(rs.exc)
            if status is None and isinstance(rs.exc, Exception):
                status = 500
            if status is not None:
                try:
                    rs.span.set_tag("http.status_code", status)
                except Exception as exc:
                    faults.report("tag", exc)
        rs.deactivate()
        closers = getattr(response, "_resource_closers", None)
        if getattr(response, "streaming", False) and closers is not None:
            # Streaming and file responses: the body is produced after we return. The server
            # calls response.close() when it is sent, and that is when the span ends; an
            # exception out of the body is logged on the span first.
            guard_body(response, self.request)
            closers.append(rs.finish)
            finish_with_request(rs, self.request)
        else:
            rs.finish()


def begin(
    request: HttpRequest,
    operation_name: str,
    *,
    tracer: opentracing.Tracer | None = None,
    view_path: str | None = None,
) -> Handle | None:
    """Start the request's span, or join the one an outer adapter started.

    ``view_path`` is the dotted path of the view, when the adapter knows it (with the route, it
    goes into the start tags rather than costing tag calls later). Returns ``None`` when the
    request is not traced: an excluded path, a span that already finished, or a tracer that
    failed to start one.
    """
    rs: RequestSpan | None = request.__dict__.get(REQUEST_ATTR)
    if rs is not None:
        if rs.finished:
            return None
        handle = Handle(rs, False, request)
        handle.rename(operation_name)
        if view_path is not None:
            handle.describe(view_path)
        return handle

    snap = conf.snapshot()
    excluded = snap.excluded_paths
    if excluded is not None and excluded.search(request.path_info):
        return None
    if tracer is None:
        tracer = tracer_for(snap)
    meta = request.META
    parent = extract(tracer, meta)
    tags: dict[str, Any] = {
        "span.kind": "server",
        "component": "django",
        "http.method": naming.known_method(request.method),
        "http.url": _url(request, meta, snap.redacted_keys),
    }
    original = naming.original_method(request.method)
    if original is not None:
        tags["http.request.method_original"] = original
    peer = meta.get("REMOTE_ADDR")
    if peer:
        tags["peer.ipv6" if ":" in peer else "peer.ipv4"] = peer
    if view_path is not None:
        match = getattr(request, "resolver_match", None)
        pattern = getattr(match, "route", None) if match is not None else None
        route = naming.readable_route(str(pattern)) if pattern else ""
        if route:
            tags["http.route"] = route
        tags["django.view"] = view_path
    try:
        span = tracer.start_span(
            operation_name, child_of=parent, tags=tags, ignore_active_span=True
        )
    except Exception as exc:
        faults.report("start", exc)
        return None
    rs = RequestSpan(span, operation_name, request)
    rs.described = view_path is not None
    callback = snap.start_span_cb
    if callback is not None:
        try:
            callback(span, request)
        except Exception as exc:
            faults.report("start span callback", exc)
    try:
        rs.scope = tracer.scope_manager.activate(span, False)
    except Exception as exc:
        faults.report("activate", exc)
    if snap.trace_db:  # only the SQL spans ask for it
        rs.token = _LIVE.set(rs)
    request.__dict__[REQUEST_ATTR] = rs
    return Handle(rs, True, request)


def active_request_span() -> opentracing.Span | None:
    """The request span live in this thread or task, if any (and not yet finished)."""
    rs = _LIVE.get()
    if rs is None or rs.finished:
        return None
    return rs.span


def current(request: Any) -> Handle | None:
    """A non-owning handle on the request's live span, for adapters that only enrich it."""
    http_request = getattr(request, "_request", request)
    rs = getattr(http_request, "__dict__", {}).get(REQUEST_ATTR)
    if rs is None or rs.finished:
        return None
    return Handle(rs, False, http_request)


def get_span(request: Any) -> opentracing.Span | None:
    """The live span of a Django ``HttpRequest`` or DRF ``Request``, else ``None``."""
    handle = current(request)
    return handle.rs.span if handle is not None else None


def status_for(exc: BaseException) -> int | None:
    """The 4xx status the framework answers ``exc`` with, or ``None`` for a real error."""
    try:
        status = getattr(exc, "status_code", None)
    except Exception:  # a property that raises: the exception is the view's, not ours to break
        status = None
    if isinstance(status, int) and not isinstance(status, bool):
        return status
    for kind, code in _CLIENT_ERRORS:
        if isinstance(exc, kind):
            return code
    return None


#: Limits of an error log (``docs/limits.rst``): the message, the stack text, the frames kept
#: (the innermost ones: where it broke), and the exceptions of a chain that are summarised.
MAX_MESSAGE_LENGTH = attributes.MAX_VALUE_LENGTH
MAX_STACK_LENGTH = 8192
MAX_STACK_FRAMES = 40
MAX_FRAME_LINE = 300
MAX_CHAINED = 3


def record_exception(request: Any, exc: BaseException, target: Any = None) -> None:
    """Log ``exc`` on the request's span once; mark ``error`` unless it maps to a 4xx.

    Every text of the log goes through the redaction policy: the message is the safe text when
    one is known (the SQL spans' scrubbed message, the field names of a validation error),
    otherwise ``str(exc)`` with the request's secrets scrubbed; the
    stack is the innermost frames, bounded, ending with that same message. ``error.object`` is
    logged only when its text was logged whole and unchanged, since a tracer renders it itself.
    """
    handle = current(request)
    if handle is None:
        return
    rs = handle.rs
    if rs.exc is exc:
        return
    rs.exc = exc
    if target is None:
        target = request
    redactor = Redactor(conf.REDACTED_KEYS, handle.request, target)
    safe = getattr(exc, SAFE_MESSAGE_ATTR, None)
    if not isinstance(safe, str):
        safe = redaction.exception_message(exc)
    whole = False
    if isinstance(safe, str):
        # Already made safe by whoever set it (field names, a scrubbed database message): only
        # the request's own secrets are looked for, the text keeps its shape.
        text = redaction.scrub_bounded(safe, MAX_MESSAGE_LENGTH, redactor.secrets)
    else:
        raw = _exception_text(exc)
        text = redactor.text(raw, MAX_MESSAGE_LENGTH)
        # A tracer renders error.object itself, outside the policy (its args, its chain), so
        # it goes only where nothing about it needed hiding: its text logged whole, no chained
        # exception, and a request without secrets.
        whole = (
            text == raw
            and exc.__cause__ is None
            and exc.__context__ is None
            and not redactor.secrets
        )
    stack = _stack(exc, text, redactor, names_only=isinstance(safe, str))
    status = status_for(exc)
    try:
        fields: dict[str, Any] = {
            "event": "error",
            "error.kind": type(exc).__name__[:MAX_FRAME_LINE],
            "message": text,
            "stack": stack,
        }
        if whole:
            fields["error.object"] = exc
        rs.span.log_kv(fields)
        if status is None or status >= 500:
            rs.span.set_tag("error", True)
    except Exception as fault:
        faults.report("log", fault)


def record_cancel(rs: RequestSpan, exc: BaseException) -> None:
    """Mark the span cancelled (tag ``cancelled``, log event ``cancelled``), not failed.

    The request did not fail on the server: its task was cancelled, mostly because the ASGI
    client disconnected, so there is no ``error`` tag and no status.
    """
    if rs.exc is exc or rs.finished:
        return
    rs.exc = exc
    try:
        rs.span.set_tag("cancelled", True)
        rs.span.log_kv({"event": "cancelled", "error.kind": type(exc).__name__})
    except Exception as fault:
        faults.report("log", fault)


def _body_failed(request: HttpRequest, exc: BaseException) -> None:
    """The streaming body raised ``exc`` after the status line went out: log it and finish.

    The body is over, and not every server closes the response after a failed body (Django's
    ASGI handler lets the exception out without calling ``close()``).
    """
    handle = current(request)
    if handle is None:
        return
    if isinstance(exc, asyncio.CancelledError):
        record_cancel(handle.rs, exc)
    else:
        record_exception(request, exc)
        status = status_for(exc)
        if status is not None and status < 500:
            # The client has a 2xx and a cut body: a failure whatever the exception's class.
            try:
                handle.rs.span.set_tag("error", True)
            except Exception as fault:
                faults.report("tag", fault)
    handle.rs.finish()


def _guarded(body: Iterator[Any], request: HttpRequest) -> Iterator[Any]:
    try:
        yield from body  # chunks pass through untouched, at C speed
    except Exception as exc:
        _body_failed(request, exc)
        raise


async def _aguarded(body: AsyncIterator[Any], request: HttpRequest) -> AsyncIterator[Any]:
    try:
        async for chunk in body:
            yield chunk
    except (Exception, asyncio.CancelledError) as exc:
        _body_failed(request, exc)
        raise


_GUARDS = (_guarded.__code__, _aguarded.__code__)


def guard_body(response: Any, request: HttpRequest) -> None:
    """Have an exception out of a streaming body logged on the request span.

    The body's iterator is wrapped where Django keeps it (``_iterator``): going through the
    ``streaming_content`` setter would turn a ``FileResponse`` back into a plain stream and
    lose the server's file wrapper. Bytes, laziness and the sync/async kind are unchanged; a
    body already guarded is left alone.
    """
    try:
        body = response.__dict__.get("_iterator")
        if body is None:
            return
        code = getattr(body, "gi_code", None) or getattr(body, "ag_code", None)
        if code in _GUARDS:
            return
        if getattr(response, "is_async", False):
            response._iterator = _aguarded(body, request)
        else:
            response._iterator = _guarded(body, request)
    except Exception as exc:
        faults.report("guard body", exc)


def finish_with_request(rs: RequestSpan, request: HttpRequest) -> None:
    """Finish the span when Django closes the request, if the response never closes it.

    Every Django handler closes the *final* response when it is sent, and that closes the
    request (``BaseHandler.get_response`` puts ``request.close`` among the response's closers)
    right before ``request_finished`` is sent. A streaming response that a middleware replaced
    (``ConditionalGetMiddleware``'s 304) is never closed itself, so the span's own closer would
    never run: the request's ``close`` is the one hook that still knows which span is ours,
    under WSGI and ASGI alike, without any registry.
    """
    try:
        # Called once per span: only the owning adapter closes it, once.
        original = request.close

        def close() -> None:
            try:
                original()
            finally:
                rs.finish()

        request.__dict__["close"] = close
    except Exception as exc:
        faults.report("finish with request", exc)


def _exception_text(exc: BaseException) -> str:
    # str() itself raises TypeError when __str__ returns something else than a str.
    try:
        return str(exc)
    except Exception:
        return "<unprintable exception>"


def _stack(exc: BaseException, message: str, redactor: Redactor, names_only: bool = False) -> str:
    """The innermost ``MAX_STACK_FRAMES`` frames and the (already safe) message, bounded.

    Frames are source locations and code lines, not data, but a code line can still quote a
    literal secret, so they pass the request's secret scrub too. Chained exceptions are named
    with their own safe messages rather than formatted whole; when the exception itself needed
    a safe message (a database error quoting parameter values, a validation error), its chain is
    named by type only, since the driver's exception beneath it says the same thing raw.
    """
    try:
        frames = _frames(exc.__traceback__)
    except Exception:
        frames = ""
    lines = [frames, f"{type(exc).__name__[:MAX_FRAME_LINE]}: {message}\n"]
    chained = exc.__cause__ or exc.__context__
    seen = 0
    while chained is not None and seen < MAX_CHAINED:
        seen += 1
        kind = type(chained).__name__[:MAX_FRAME_LINE]
        if names_only:
            lines.append(f"(while handling {kind})\n")
        else:
            safe = redaction.exception_message(chained) or _exception_text(chained)
            lines.append(f"(while handling {kind}: {redactor.text(safe, MAX_FRAME_LINE)})\n")
        chained = chained.__cause__ or chained.__context__
    stack = "".join(lines)
    if len(stack) > MAX_STACK_LENGTH:
        stack = "[... stack cut ...]\n" + stack[-MAX_STACK_LENGTH:]
    return redaction.scrub_bounded(stack, MAX_STACK_LENGTH + 32, redactor.secrets)


def _frames(tb: TracebackType | None) -> str:
    total = 0
    walk = tb
    while walk is not None:
        total += 1
        walk = walk.tb_next
    summary = traceback.extract_tb(tb, limit=-MAX_STACK_FRAMES) if total else []
    out = ["Traceback (most recent call last):\n"]
    if total > len(summary):
        out.append(f"  [... {total - len(summary)} outer frames cut ...]\n")
    for frame in summary:
        out.append(f'  File "{frame.filename[:MAX_FRAME_LINE]}", line {frame.lineno}, in ')
        out.append(f"{str(frame.name)[:MAX_FRAME_LINE]}\n")
        line = (frame.line or "").strip()
        if line:
            out.append(f"    {line[:MAX_FRAME_LINE]}\n")
    return "".join(out)


def scrub_for_live_request(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` with the secrets of the request live in this context removed.

    For the SQL spans, which see queries but not the request. The secrets are collected once
    and collected again only when the request has since loaded more (its form, its body, its
    resolved kwargs), so a request with many queries pays for one collection.
    """
    rs = _LIVE.get()
    if rs is None:
        return text[:limit]
    attrs = rs.request.__dict__
    state = (
        attrs.get("_post") is not None,
        attrs.get("_body") is not None,
        attrs.get("resolver_match") is not None,
    )
    cached = rs.secrets
    if cached is None or cached[0] != state:
        secrets = Redactor(conf.REDACTED_KEYS, rs.request).secrets
        rs.secrets = cached = (state, secrets)
    return redaction.scrub_bounded(text, limit, cached[1])


def record_response(rs: RequestSpan, response: Any) -> None:
    try:
        status = int(response.status_code)
        rs.span.set_tag("http.status_code", status)
        if status >= 500:
            rs.span.set_tag("error", True)
    except Exception as exc:
        faults.report("tag", exc)


def _url(request: HttpRequest, meta: Any, policy: redaction.KeyPolicy) -> str:
    """scheme://host/path?query without ``build_absolute_uri()``'s host validation and cost.

    The query string keeps its keys; the values of sensitive keys are redacted whole, pairs
    split as Django splits them. A host with userinfo loses it. Path segments captured by
    sensitive URL kwargs are replaced once the view is resolved (``_retag_url``).
    """
    try:
        scheme = request.scheme
    except Exception:
        scheme = "http"
    host = meta.get("HTTP_HOST")
    if not host:
        host = meta.get("SERVER_NAME", "")
        port = str(meta.get("SERVER_PORT", ""))
        if port and port != ("443" if scheme == "https" else "80"):
            host = f"{host}:{port}"
    elif "@" in host:
        host = redaction.REDACTED + "@" + host[: attributes.MAX_VALUE_LENGTH].rpartition("@")[2]
    # Enough of the path for a secret (as long as one may be) that starts where the tag can
    # still show it: cut shorter, such a secret would be found only in part and shown.
    path = request.path[: attributes.MAX_VALUE_LENGTH + redaction.MAX_SECRET_LENGTH]
    if _PLAIN_PATH.fullmatch(path) is None:
        path = escape_uri_path(path)
    match = request.__dict__.get("resolver_match")
    if match is not None and getattr(match, "kwargs", None):
        path = _redact_kwargs(path, match, policy)
    url = f"{scheme}://{host[: attributes.MAX_VALUE_LENGTH]}{path}"
    query = meta.get("QUERY_STRING")
    if query:
        # Even when the query falls past the cut: its secrets may also be in the path.
        redacted = redaction.redact_query(query, policy)
        url = f"{url}?{redacted}"
        if redacted != query[: redaction.MAX_PAIRS_SCAN]:
            # A sensitive value was found: it goes wherever else the URL repeats it too
            # (``?token=S&next=/x/S``). Only then, so a plain query costs nothing more.
            url = redaction.query_secrets(query, policy).scrub(url)
    if len(url) > attributes.MAX_VALUE_LENGTH:
        url = url[: attributes.MAX_VALUE_LENGTH]
    return url


def _redact_kwargs(path: str, match: Any, policy: redaction.KeyPolicy) -> str:
    """``path`` with the values of sensitive URL kwargs (``reset/<token>/``) replaced."""
    values = [
        str(value)
        for name, value in match.kwargs.items()
        if value is not None and policy.matches(name)
    ]
    if not values:
        return path
    return redaction.Secrets(values).scrub(path)


def _retag_url(span: opentracing.Span, request: HttpRequest, match: Any) -> None:
    """Once the view is resolved, replace ``http.url`` if a URL kwarg turned out sensitive."""
    policy = conf.REDACTED_KEYS
    if not any(policy.matches(name) for name in match.kwargs):
        return
    span.set_tag("http.url", _url(request, request.META, policy))
