"""Child spans for SQL queries made inside a traced request (``OPENTRACING_TRACE_DB``).

"Why is this endpoint slow" is mostly answered by its queries, and an N+1 shows up at once as a
ladder of identical child spans. Django gives one hook that sees every query of every backend,
sync or async: ``connection.execute_wrappers``. ``install()`` puts one wrapper on each connection
object, once, when it connects (``connection_created``) and on the ones already open, so there is
nothing to do per request. The wrapper stays installed whatever the setting: switching
``OPENTRACING_TRACE_DB`` (``override_settings`` in tests) needs no re-install, and the cost while
it is off is one attribute check per query.

Parameter values never reach the tracer: the statement is Django's SQL with its placeholders, and
an error message has the parameter values scrubbed out (PostgreSQL quotes them in its errors).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import opentracing
from django.db import connections
from django.db.backends.signals import connection_created

from . import faults
from . import span as request_span
from .conf import conf
from .tracer import get_tracer

#: Statements longer than this are cut (the tag ends with an ellipsis).
MAX_STATEMENT_LENGTH = 2048
#: Error messages are cut to this length, after parameter values are scrubbed.
MAX_MESSAGE_LENGTH = 512
#: How far into a statement the table is looked for; a cheap name beats a complete one.
_NAME_SCAN = 2000
#: How many parameter values are scrubbed from an error message at most (executemany batches).
_SCRUB_LIMIT = 2000
#: Names of recent statements: an ORM query has the same SQL text each time it runs. Keyed on
#: the ``_NAME_SCAN`` prefix the name is made from, so the cache holds at most
#: ``_NAMES_MAX * _NAME_SCAN`` characters of keys however long the statements (IN lists).
_NAMES: dict[str, str] = {}
_NAMES_MAX = 1024

#: Set on a failed query's exception: its message without parameter values, for whoever logs
#: the exception again (the request span's error log can prefer it to ``str(exc)``).
SAFE_MESSAGE_ATTR = request_span.SAFE_MESSAGE_ATTR

Executor = Callable[[Any, Any, bool, dict[str, Any]], Any]

_IDENT = r'(?:"[^"]{1,128}"|`[^`]{1,128}`|\[[^\]]{1,128}\]|[A-Za-z_][\w$]{0,127})'
_TABLE = re.compile(rf"\s+(?:ONLY\s+)?({_IDENT}(?:\.{_IDENT})?)")
#: The keyword the table follows, per verb; UPDATE's table comes right after the verb.
_TABLE_KEYWORD = {"SELECT": "FROM", "DELETE": "FROM", "INSERT": "INTO", "REPLACE": "INTO"}
_UNQUOTE = str.maketrans("", "", '"`[]')


def install() -> None:
    """Put the query wrapper on every database connection, now and whenever one connects.

    Idempotent: called from ``AppConfig.ready()``, and safe to call again.
    """
    connection_created.connect(_on_connection_created, dispatch_uid="ot_views.db.install")
    for connection in connections.all(initialized_only=True):
        wrap(connection)


def wrap(connection: Any) -> None:
    """Install the wrapper on one ``DatabaseWrapper`` unless it is already there.

    It goes first in the list, which makes it the outermost wrapper, for two reasons: the span
    then covers the other wrappers too, and ``connection.execute_wrapper()`` blocks that are open
    while this connection connects remove *their* wrapper with ``pop()``, not this one.
    """
    wrappers = getattr(connection, "execute_wrappers", None)
    if wrappers is not None and _execute not in wrappers:
        wrappers.insert(0, _execute)


def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    wrap(connection)


def _execute(execute: Executor, sql: Any, params: Any, many: bool, context: dict[str, Any]) -> Any:
    if not conf.TRACE_DB:
        return execute(sql, params, many, context)
    db_span = _start(sql, context)
    if db_span is None:
        return execute(sql, params, many, context)
    try:
        result = execute(sql, params, many, context)
    except BaseException as exc:
        _fail(db_span, exc, params)
        raise
    else:
        _rows(db_span, sql, context)
        return result
    finally:
        try:
            db_span.finish()
        except Exception as fault:
            faults.report("db span finish", fault)


def _request_active() -> bool:
    """Whether a request span is live in this context (see ``_parent``)."""
    return request_span.active_request_span() is not None


def _parent(tracer: opentracing.Tracer) -> opentracing.Span | None:
    """The span the query belongs under: the active one, only inside a traced request.

    The request span is activated by the core for the request's context, so the active span is
    the request span or a span the view opened inside it (the query then nests under that).
    """
    scope = tracer.scope_manager.active
    if scope is None:
        return None
    if not _request_active():
        return None
    return scope.span


def _start(sql: Any, context: dict[str, Any]) -> opentracing.Span | None:
    try:
        tracer = get_tracer()
        parent = _parent(tracer)
        if parent is None:
            return None
        statement = _statement(sql)
        connection = context["connection"]
        tags: dict[str, Any] = {
            "span.kind": "client",
            "component": "django.db",
            "db.type": "sql",
            "db.instance": _instance(connection),
        }
        if statement is not None and conf.TRACE_DB_STATEMENT:
            # Placeholders keep parameter values out; a value the code inlined into the SQL text
            # is caught only if it is one of the request's known secrets.
            statement = request_span.scrub_for_live_request(statement, MAX_STATEMENT_LENGTH * 2)
            tags["db.statement"] = _cut(statement, MAX_STATEMENT_LENGTH)
        return tracer.start_span(operation_name(statement), child_of=parent, tags=tags)
    except Exception as fault:
        faults.report("db span start", fault)
        return None


def _statement(sql: Any) -> str | None:
    """The SQL text, or ``None`` when it is a composed object that may embed literals."""
    if isinstance(sql, str):
        return sql
    if isinstance(sql, (bytes, bytearray)):
        return bytes(sql).decode("utf-8", "replace")
    return None


def operation_name(statement: str | None) -> str:
    """``SELECT auth_user``: the SQL verb, and the table when the first one is easy to see."""
    if not statement:
        return "QUERY"
    head = statement[:_NAME_SCAN]  # the statement itself when it is shorter: no copy
    name = _NAMES.get(head)
    if name is None:
        if len(_NAMES) >= _NAMES_MAX:
            _NAMES.clear()  # bounded; a racing clear only costs a recomputation
        name = _NAMES[head] = _name(head)
    return name


def _name(head: str) -> str:
    found = _verb(head)
    if found is None:
        return "QUERY"
    verb, end = found
    verb = verb.upper()
    table = _table(head, verb, end)
    return f"{verb} {table}" if table else verb


def _verb(head: str) -> tuple[str, int] | None:
    """The first word after leading blanks and comments, with where it ends.

    A plain scan rather than a regular expression: comments and their alternatives are just
    the shape on which a regex backtracks, and statements can carry text from requests.
    """
    i, size = 0, len(head)
    while i < size:
        if head[i].isspace():
            i += 1
        elif head.startswith("/*", i):
            end = head.find("*/", i + 2)
            if end < 0:
                return None
            i = end + 2
        elif head.startswith("--", i):
            end = head.find("\n", i + 2)
            if end < 0:
                return None
            i = end + 1
        else:
            break
    j = i
    while j < size and j - i < 20 and head[j].isascii() and head[j].isalpha():
        j += 1
    return (head[i:j], j) if j > i else None


def _table(head: str, verb: str, pos: int) -> str | None:
    """The table after the first top-level FROM / INTO (or after UPDATE), unquoted.

    Keywords inside parentheses are skipped: ``EXTRACT(YEAR FROM "created")`` in a column list
    is not the table. A subquery (``FROM (SELECT ...``) gives no table rather than the inner one.
    """
    if verb != "UPDATE":
        keyword = _TABLE_KEYWORD.get(verb)
        if keyword is None:
            return None
        upper = head.upper()
        start = pos
        while True:
            at = upper.find(keyword, pos)
            if at < 0:
                return None
            pos = at + 4
            word = (at == 0 or not _is_word(upper[at - 1])) and (
                pos == len(upper) or not _is_word(upper[pos])
            )
            if word and head.count("(", start, at) == head.count(")", start, at):
                break
    table = _TABLE.match(head, pos)
    return table.group(1).translate(_UNQUOTE) if table is not None else None


def _is_word(char: str) -> bool:
    return char.isalnum() or char in '_$"'


def _instance(connection: Any) -> str:
    """``alias:NAME``, e.g. ``default:shop``: which Django alias, and which database behind it."""
    alias = getattr(connection, "alias", "") or ""
    name = getattr(connection, "settings_dict", {}).get("NAME")
    return f"{alias}:{name}" if name else str(alias)


def _rows(db_span: opentracing.Span, sql: Any, context: dict[str, Any]) -> None:
    # With RETURNING the driver may count rows only as they are fetched (SQLite reports 0 for an
    # INSERT ... RETURNING that inserted one), so the count would be wrong: leave it out.
    if not isinstance(sql, str) or "RETURNING" in sql.upper():
        return
    try:
        rowcount = getattr(context["cursor"], "rowcount", -1)
    except Exception:
        return  # some drivers raise on a closed or unexecuted cursor; rows are optional
    if isinstance(rowcount, int) and not isinstance(rowcount, bool) and rowcount >= 0:
        try:
            db_span.set_tag("db.rows", rowcount)
        except Exception as fault:
            faults.report("db span tag", fault)


def _fail(db_span: opentracing.Span, exc: BaseException, params: Any) -> None:
    """Mark the span failed; the message has parameter values removed.

    No ``error.object`` or stack: both render the exception's full text, which on PostgreSQL
    quotes the offending values (``Key (username)=(alice) already exists``).
    """
    try:
        try:
            message = str(exc)
        except Exception:
            message = "<unprintable exception>"
        message = scrub(message[: MAX_MESSAGE_LENGTH * 4], _values(params))
        # The request's own secrets too (a password the view put in raw SQL text).
        message = _cut(
            request_span.scrub_for_live_request(message, MAX_MESSAGE_LENGTH * 2), MAX_MESSAGE_LENGTH
        )
        db_span.set_tag("error", True)
        db_span.log_kv({"event": "error", "error.kind": type(exc).__name__, "message": message})
    except Exception as fault:
        faults.report("db span log", fault)
        return
    try:
        setattr(exc, SAFE_MESSAGE_ATTR, message)
    except Exception:
        pass  # an exception type with __slots__: the request span logs it as it is


def _values(params: Any) -> list[str]:
    """The parameter values as text, flattened (``executemany`` batches, arrays, dicts)."""
    out: list[str] = []
    stack: list[Any] = [params]
    while stack and len(out) < _SCRUB_LIMIT:
        item = stack.pop()
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif isinstance(item, (bytes, bytearray, memoryview)):
            out.append(bytes(item).decode("utf-8", "replace"))
            out.append(bytes(item).hex())
        else:
            try:
                out.append(str(item))
            except Exception:
                continue
    return out


def scrub(message: str, values: Iterable[str]) -> str:
    """``message`` with each value replaced by ``?``.

    Long values are replaced wherever they occur; short ones (``1``, ``ab``) only as a whole
    token, so that ``constraint t1_pkey`` is not mangled by a parameter ``1``.
    """
    for value in sorted({v for v in values if v}, key=len, reverse=True):
        if len(value) >= 4:
            message = message.replace(value, "?")
        else:
            message = re.sub(rf"(?<![\w]){re.escape(value)}(?![\w])", "?", message)
    return message


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
