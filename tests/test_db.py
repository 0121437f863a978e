"""Child spans for SQL queries (docs/sql.rst), on SQLite and, when one is reachable, PostgreSQL.

Every test that takes ``alias`` runs once per database: ``default`` (SQLite in memory) and
``pg``, an extra alias pointing at the server named by ``OT_VIEWS_TEST_POSTGRES`` (``.ci/run``
starts one on 127.0.0.1 and sets it). Without that variable the ``pg`` cases skip, saying so.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.db import IntegrityError, connection, connections
from django.test import AsyncClient, override_settings
from opentracing.mocktracer import MockTracer
from opentracing.scope_managers.contextvars import ContextVarsScopeManager

from ot_views import db, faults
from ot_views.testing import children_of, server_span, traced
from tests import db_views

try:
    import psycopg
except ImportError:  # the tox matrix does not install it
    psycopg = None

PG_URL = os.environ.get("OT_VIEWS_TEST_POSTGRES", "")
PG_ALIAS = "pg"
if not PG_URL:
    NO_PG = (
        "no PostgreSQL: set OT_VIEWS_TEST_POSTGRES=postgresql://USER:PASSWORD@127.0.0.1:5432/DB "
        "(a role allowed to CREATE DATABASE) to run these against a real server; .ci/run does"
    )
elif psycopg is None:
    NO_PG = "OT_VIEWS_TEST_POSTGRES is set but psycopg is not installed: pip install psycopg"
else:
    NO_PG = ""
ALIASES = ["default", PG_ALIAS] if not NO_PG else ["default"]

pytestmark = [pytest.mark.urls("tests.db_urls"), pytest.mark.django_db(databases=ALIASES)]


def _pg_settings(url: str) -> dict:
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "127.0.0.1",
        "PORT": str(parts.port or 5432),
        # Per process, so that two test runs on one server do not drop each other's database.
        "TEST": {"NAME": f"test_ot_views_{os.getpid()}"},
        "OPTIONS": {"connect_timeout": 5},
    }


@pytest.fixture(scope="module", autouse=True)
def postgres(django_db_setup, django_db_blocker):
    """Add the ``pg`` alias and its test database for this module, and remove both after."""
    if NO_PG:
        yield None
        return
    try:
        psycopg.connect(PG_URL, connect_timeout=5).close()
    except Exception as exc:
        pytest.fail(f"OT_VIEWS_TEST_POSTGRES is set but the server is not reachable: {exc}")
    base = _pg_settings(PG_URL)
    configured = connections.configure_settings(
        {"default": dict(connections.settings["default"]), PG_ALIAS: base}
    )[PG_ALIAS]
    connections.settings[PG_ALIAS] = configured
    django_settings.DATABASES[PG_ALIAS] = configured
    pg = connections[PG_ALIAS]
    with django_db_blocker.unblock():
        old_name = pg.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield pg
    finally:
        with django_db_blocker.unblock():
            pg.creation.destroy_test_db(old_name, verbosity=0)
        pg.close()
        del connections[PG_ALIAS]
        connections.settings.pop(PG_ALIAS, None)
        django_settings.DATABASES.pop(PG_ALIAS, None)  # often the same dict


@pytest.fixture(params=["default", PG_ALIAS])
def alias(request) -> str:
    if request.param == PG_ALIAS and NO_PG:
        pytest.skip(NO_PG)
    return request.param


@pytest.fixture
def trace_db(tracer):
    """The in-memory tracer with ``OPENTRACING_TRACE_DB`` on.

    ``override_settings`` nested inside the tracer's, not the ``settings`` fixture: that one is
    undone after ``tracer`` and would restore the tracer setting for every later test.
    """
    db_views.FAILURES.clear()
    with override_settings(OPENTRACING_TRACE_DB=True):
        yield tracer


def db_spans(tracer: MockTracer) -> list:
    return [s for s in tracer.finished_spans() if s.tags.get("component") == "django.db"]


def every_text(spans) -> str:
    """All tag values and log fields of ``spans`` as one string, to search for leaks."""
    parts = []
    for span in spans:
        parts.append(span.operation_name)
        parts.extend(repr(v) for v in span.tags.values())
        for log in span.logs:
            parts.extend(repr(v) for v in log.key_values.values())
    return "\n".join(parts)


def instance_of(alias: str) -> str:
    return f"{alias}:{connections[alias].settings_dict['NAME']}"


# -- one span per query ----------------------------------------------------------------------


def test_each_query_is_a_child_span_in_order(client, trace_db, alias):
    response = client.get(f"/queries/?db={alias}")
    assert response.status_code == 200
    assert response.content == b"1"

    request = server_span(trace_db)
    spans = children_of(trace_db, request)
    assert [s.operation_name for s in spans] == [
        "INSERT auth_user",
        "SELECT auth_user",
        "UPDATE auth_user",
        "DELETE auth_user",
        "INSERT auth_group",
    ]
    assert spans == db_spans(trace_db)
    for span in spans:
        assert span.context.trace_id == request.context.trace_id
        assert span.tags["span.kind"] == "client"
        assert span.tags["component"] == "django.db"
        assert span.tags["db.type"] == "sql"
        assert span.tags["db.instance"] == instance_of(alias)
        assert "error" not in span.tags
        assert request.start_time <= span.start_time <= span.finish_time <= request.finish_time
    insert, select, update, delete, many = spans
    assert insert.tags["db.statement"].startswith('INSERT INTO "auth_user"')
    assert select.tags["db.statement"].startswith("SELECT COUNT(*)")
    assert 'FROM "auth_user" WHERE "auth_user"."password" = %s' in select.tags["db.statement"]
    assert delete.tags["db.statement"] == "DELETE FROM auth_user WHERE username = %s"
    assert many.tags["db.statement"] == "INSERT INTO auth_group (name) VALUES (%s)"
    assert "RETURNING" in insert.tags["db.statement"]
    assert "db.rows" not in insert.tags  # counted only as rows are fetched: would read 0
    assert update.tags["db.rows"] == 1
    assert delete.tags["db.rows"] == 1
    assert many.tags["db.rows"] == 2


def test_no_parameter_value_in_any_tag_or_log(client, trace_db, alias):
    client.get(f"/queries/?db={alias}")
    text = every_text(trace_db.finished_spans())
    assert "%s" in text  # the placeholders are there ...
    for value in db_views.ALL_PARAMS:
        assert value not in text  # ... the values are not


def test_queries_nest_under_a_span_the_view_opened(client, trace_db, alias):
    client.get(f"/user-span/?db={alias}")
    request = server_span(trace_db)
    (compute,) = children_of(trace_db, request)
    assert compute.operation_name == "compute"
    (query,) = children_of(trace_db, compute)
    assert query.operation_name == "SELECT auth_user"


def test_middleware_alone_traces_queries_of_a_function_view(client, trace_db, with_middleware):
    client.get("/middleware-only/")
    request = server_span(trace_db)
    assert [s.operation_name for s in children_of(trace_db, request)] == ["SELECT auth_group"]


# -- failures --------------------------------------------------------------------------------


def test_failing_query_is_an_error_span_and_the_exception_is_unchanged(client, trace_db, alias):
    with pytest.raises(IntegrityError) as raised:
        client.get(f"/failing/?db={alias}")

    (inner, outer) = db_views.FAILURES[0]
    assert raised.value is outer is inner  # the very object the driver's error became

    request = server_span(trace_db)
    ok, failed = children_of(trace_db, request)
    assert ok.operation_name == failed.operation_name == "INSERT auth_user"
    assert "error" not in ok.tags
    assert failed.tags["error"] is True
    assert failed.finish_time is not None
    (log,) = failed.logs
    assert log.key_values["event"] == "error"
    assert log.key_values["error.kind"] == "IntegrityError"
    message = log.key_values["message"]
    assert message  # the database's reason, scrubbed ...
    assert getattr(outer, db.SAFE_MESSAGE_ATTR) == message  # for the request span's log
    for value in db_views.ALL_PARAMS:
        # ... of the values it may quote, on the query span and on the request span's log
        assert value not in every_text(trace_db.finished_spans())
    (request_log,) = request.logs
    assert request_log.key_values["message"] == message
    assert "error.object" not in request_log.key_values
    if alias == PG_ALIAS:
        # PostgreSQL quotes the key: "Key (username)=(param-user-5b1e) already exists."
        assert "duplicate key value violates unique constraint" in message
        assert "Key (username)=(?)" in message
    else:
        assert message == "UNIQUE constraint failed: auth_user.username"


def test_tracer_failure_leaves_the_query_untraced_and_working(client):
    class ClientSpansFail(MockTracer):
        def start_span(self, operation_name=None, *args, tags=None, **kwargs):
            if tags and tags.get("span.kind") == "client":
                raise RuntimeError("collector down")
            return super().start_span(operation_name, *args, tags=tags, **kwargs)

    before = faults.counts().get(("db span start", RuntimeError), 0)
    tracer = ClientSpansFail(scope_manager=ContextVarsScopeManager())
    with traced(tracer, OPENTRACING_TRACE_DB=True):
        response = client.get("/queries/")
    assert response.status_code == 200
    assert response.content == b"1"
    assert server_span(tracer).operation_name == "Queries.get"
    assert db_spans(tracer) == []
    assert faults.counts()[("db span start", RuntimeError)] == before + 5


# -- when there is no span -------------------------------------------------------------------


def test_queries_outside_a_traced_request_make_no_span(client, trace_db, alias):
    response = client.get(f"/untraced/?db={alias}")
    assert response.status_code == 200
    db_views.run_queries(alias)  # and none in the test itself, outside any request
    assert trace_db.finished_spans() == []


def test_trace_db_off_makes_no_span(client, tracer, alias):
    with override_settings(OPENTRACING_TRACE_DB=False):
        client.get(f"/queries/?db={alias}")
    assert [s.operation_name for s in tracer.finished_spans()] == ["Queries.get"]


def test_off_by_default(client, tracer):
    client.get("/queries/")
    assert db_spans(tracer) == []


def test_no_span_under_a_user_span_outside_any_request(trace_db, alias):
    """A span opened outside a request (a management command, say) gets no query spans."""
    with trace_db.start_active_span("command"):
        db_views.run_queries(alias)
    assert [s.operation_name for s in trace_db.finished_spans()] == ["command"]


def test_statement_can_be_left_out(client, trace_db, alias):
    with override_settings(OPENTRACING_TRACE_DB_STATEMENT=False):
        client.get(f"/queries/?db={alias}")
    spans = db_spans(trace_db)
    assert len(spans) == 5
    assert spans[0].operation_name == "INSERT auth_user"
    assert all("db.statement" not in s.tags for s in spans)
    assert all(s.tags["db.instance"] == instance_of(alias) for s in spans)


# -- async views -----------------------------------------------------------------------------

ASYNC_NAMES = [
    "INSERT auth_user",
    "SELECT auth_user",
    "SELECT auth_user",
    "SELECT auth_user",
    "UPDATE auth_user",
]


def test_async_view_orm_calls(client, trace_db, alias):
    response = client.get(f"/async/?db={alias}")
    assert response.status_code == 200
    request = server_span(trace_db)
    spans = children_of(trace_db, request)
    assert [s.operation_name for s in spans] == ASYNC_NAMES
    assert spans[1].tags["db.statement"].startswith("SELECT COUNT(*)")
    assert db_views.PASSWORD_HASH not in every_text(trace_db.finished_spans())


def test_async_view_through_the_asgi_handler(trace_db, alias):
    async def get():
        return await AsyncClient().get(f"/async/?db={alias}")

    response = async_to_sync(get)()
    assert response.status_code == 200
    request = server_span(trace_db)
    assert [s.operation_name for s in children_of(trace_db, request)] == ASYNC_NAMES


# -- installation and the pieces -------------------------------------------------------------


def test_wrapper_installed_once_and_outermost():
    db.install()
    db.install()
    db.wrap(connection)
    assert connection.execute_wrappers.count(db._execute) == 1
    assert connection.execute_wrappers[0] is db._execute


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        (
            'SELECT "auth_user"."id" FROM "auth_user" WHERE "auth_user"."id" = %s',
            "SELECT auth_user",
        ),
        ("select count(*) from books b join authors a on a.id = b.author_id", "SELECT books"),
        ('SELECT COUNT(*) FROM (SELECT "a"."id" FROM "a") subquery', "SELECT"),
        ('INSERT INTO "shop"."order" ("x") VALUES (%s) RETURNING "id"', "INSERT shop.order"),
        ("  /* hint */ -- note\n UPDATE ONLY `items` SET n = n + 1", "UPDATE items"),
        ("DELETE FROM [dbo].[logs] WHERE at < %s", "DELETE dbo.logs"),
        ('SAVEPOINT "s140_x1"', "SAVEPOINT"),
        ('SELECT EXTRACT(YEAR FROM "t"."at") FROM "t"', "SELECT t"),
        ("SELECT 1", "SELECT"),
        ("WITH t AS (SELECT 1) SELECT * FROM t", "WITH"),
        ("", "QUERY"),
        ("(SELECT 1)", "QUERY"),
    ],
)
def test_operation_name(sql, name):
    assert db.operation_name(sql) == name


def test_scrub_replaces_values_but_not_parts_of_words():
    message = 'Key (id, code)=(1, ab-secret) conflicts with t1_pkey; value "7"'
    assert db.scrub(message, ["1", "ab-secret", "7"]) == (
        'Key (id, code)=(?, ?) conflicts with t1_pkey; value "?"'
    )
    assert db._values([("a", 1), {"k": b"xy"}, None, True]) == ["xy", "7879", "1", "a"]


def test_long_statement_is_cut():
    sql = "SELECT " + ", ".join(f"c{i}" for i in range(2000)) + " FROM t"
    assert len(db._cut(sql, db.MAX_STATEMENT_LENGTH)) == db.MAX_STATEMENT_LENGTH
    assert db._cut(sql, db.MAX_STATEMENT_LENGTH).endswith("\u2026")
