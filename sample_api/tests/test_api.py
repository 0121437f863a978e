"""The sample's API through Django's test client, asserting on the spans each style produces.

The suite's settings do not know the sample; a module fixture switches to the sample's apps,
URLs and middleware with ``override_settings`` and creates its tables with its migration. SQL
spans are on, as in the sample (``OPENTRACING_TRACE_DB``), so the trees here are the demo's.
"""

from __future__ import annotations

import json
from unittest import mock

import pytest

pytest.importorskip("rest_framework")

from asgiref.sync import async_to_sync
from django.core.management import call_command
from django.test import AsyncClient, Client, override_settings

from ot_views.testing import children_of, server_span, server_spans, traced
from ot_views.viewer import recorded_spans
from sample_api import settings as sample
from sample_api.tracing import SampleTracer

SAMPLE = {
    "INSTALLED_APPS": [
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "rest_framework",
        "ot_views",
        "ot_views.viewer",
        "sample_api.library",
    ],
    "ROOT_URLCONF": "sample_api.urls",
    "MIDDLEWARE": sample.MIDDLEWARE,
    "REST_FRAMEWORK": sample.REST_FRAMEWORK,
    "TEMPLATES": sample.TEMPLATES,
    "OPENTRACING_EXCLUDED_PATHS": sample.OPENTRACING_EXCLUDED_PATHS,
    "SAMPLE_SERVICE": "library",
    "SAMPLE_INVENTORY_URL": "http://127.0.0.1:9",
    # The sample's default (SAMPLE_TRACE_DB unset); not read from it, so the environment of
    # the test run cannot change what these tests expect.
    "OPENTRACING_TRACE_DB": True,
}


@pytest.fixture(scope="module")
def sample_app(django_db_setup, django_db_blocker):
    with override_settings(**SAMPLE), django_db_blocker.unblock():
        call_command("migrate", "library", verbosity=0)
        call_command("seed", verbosity=0)
        yield


@pytest.fixture
def client(sample_app, db):
    return Client(raise_request_exception=False)


def hexid(value: int) -> str:
    return f"{value:016x}"


def names(tracer, parent):
    return [s.operation_name for s in children_of(tracer, parent)]


def assert_query_span(span, name: str, *, where: str | None = None) -> None:
    """A SQL child span as the contract has it: a client span of django.db, statement unbound."""
    assert span.operation_name == name
    verb, table = name.split(" ")
    assert span.tags["span.kind"] == "client"
    assert span.tags["component"] == "django.db"
    assert span.tags["db.type"] == "sql"
    assert span.tags["db.instance"].startswith("default:")
    statement = span.tags["db.statement"]
    assert statement.startswith(verb) and f'"{table}"' in statement
    if where is not None:
        assert where in statement  # the placeholder, never the value
    assert "error" not in span.tags


def test_viewset_list_traced_attributes_and_child_spans(client):
    with traced() as tracer:
        response = client.get("/api/books/?ordering=title", HTTP_USER_AGENT="pytest-agent")
    assert response.status_code == 200
    span = server_span(tracer)
    assert span.operation_name == "BookViewSet.list"
    assert span.tags["drf.action"] == "list"
    assert span.tags["http.status_code"] == 200
    assert span.tags["query_params.ordering"] == "title"
    assert span.tags["headers.user-agent"] == "pytest-agent"
    assert "error" not in span.tags
    assert names(tracer, span) == ["books.query", "books.serialize"]
    query, serialize = children_of(tracer, span)
    assert query.tags["books.count"] == len(response.json())
    # The one query (author joined in) runs inside the view's own child span, so it nests there.
    (select,) = children_of(tracer, query)
    assert_query_span(select, "SELECT library_book")
    assert 'INNER JOIN "library_author"' in select.tags["db.statement"]
    assert children_of(tracer, serialize) == []  # select_related: no query per book
    assert response["X-Trace-Id"] == hexid(span.context.trace_id)


def test_create_then_detail(client):
    with traced() as tracer:
        created = client.post(
            "/api/books/",
            data=json.dumps({"title": "Kindred II", "author": 1, "year": 2000}),
            content_type="application/json",
        )
        assert created.status_code == 201
        detail = client.get(f"/api/books/{created.json()['id']}/")
    assert detail.json()["title"] == "Kindred II"
    create, retrieve = server_spans(tracer)
    assert create.operation_name == "BookViewSet.create"
    assert create.tags["http.status_code"] == 201
    assert retrieve.operation_name == "BookViewSet.retrieve"
    assert create.context.trace_id != retrieve.context.trace_id
    assert len(tracer.finished_spans()) == 5  # two requests, three queries: nothing else


def test_create_has_its_queries_as_children_in_order_without_values(client):
    """A request's queries nest under it, one span each, in the order they ran."""
    title = "Parable of the Sower"
    with traced() as tracer:
        created = client.post(
            "/api/books/",
            data=json.dumps({"title": title, "author": 3, "year": 1993, "copies": 7}),
            content_type="application/json",
        )
    assert created.status_code == 201
    create = server_span(tracer)
    author, insert = children_of(tracer, create)
    # The serializer checks the author exists, then the book is written.
    assert_query_span(author, "SELECT library_author", where='"library_author"."id" = %s')
    assert_query_span(insert, "INSERT library_book")
    assert "VALUES (%s, %s, %s, %s)" in insert.tags["db.statement"]
    assert author.finish_time <= insert.start_time
    assert create.start_time <= author.start_time and insert.finish_time <= create.finish_time
    for query in (author, insert):
        assert query.context.trace_id == create.context.trace_id
        assert children_of(tracer, query) == []
    # No parameter value reaches any tag of any span.
    for span in tracer.finished_spans():
        for value in span.tags.values():
            assert title not in str(value) and "1993" not in str(value)


def test_missing_book_is_404_not_an_error(client):
    with traced() as tracer:
        response = client.get("/api/books/999999/")
    assert response.status_code == 404
    span = server_span(tracer)
    assert span.operation_name == "BookViewSet.retrieve"
    assert span.tags["http.status_code"] == 404
    assert "error" not in span.tags
    assert span.logs[0].key_values["error.kind"] == "Http404"
    (lookup,) = children_of(tracer, span)
    assert_query_span(lookup, "SELECT library_book", where='"library_book"."id" = %s')
    assert "999999" not in lookup.tags["db.statement"]
    assert "error" not in lookup.tags  # a query that finds nothing did not fail


def test_trace_function_view_500_is_an_error(client):
    with traced() as tracer:
        response = client.get("/fees/?cents=500&days=0")
    assert response.status_code == 500
    span = server_span(tracer)
    assert span.operation_name == "loan_fee"
    assert span.tags["error"] is True
    assert span.tags["http.status_code"] == 500
    assert span.tags["GET.days"] == "0"
    (log,) = span.logs
    assert log.key_values["event"] == "error"
    assert log.key_values["error.kind"] == "ZeroDivisionError"
    assert tracer.finished_spans() == [span]  # no query: no child span


def test_availability_injects_the_client_span_into_the_outgoing_call(client):
    seen = {}

    class Answer:
        status = 200

        def read(self):
            return b'{"copies": 3}'

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake_urlopen(req, timeout):
        seen["url"] = req.full_url
        seen["headers"] = {k.lower(): v for k, v in req.header_items()}
        seen["timeout"] = timeout
        return Answer()

    with traced() as tracer, mock.patch("urllib.request.urlopen", fake_urlopen):
        response = client.get("/api/books/1/availability/")
    assert response.status_code == 200
    assert response.json()["copies"] == 3
    assert seen["url"] == "http://127.0.0.1:9/stock/1/"
    server = server_span(tracer)
    assert server.operation_name == "BookViewSet.availability"
    assert server.tags["drf.action"] == "availability"
    # get_object()'s query, then the call: both children of the request, in that order.
    lookup, call = children_of(tracer, server)
    assert_query_span(lookup, "SELECT library_book", where='"library_book"."id" = %s')
    assert lookup.finish_time <= call.start_time
    assert call.operation_name == "GET inventory /stock/"
    assert call.tags["span.kind"] == "client"
    assert call.tags["peer.service"] == "inventory"
    assert call.tags["http.status_code"] == 200
    # The callee's parent will be the client span, in the same trace.
    assert seen["headers"]["ot-tracer-traceid"] == f"{server.context.trace_id:x}"
    assert seen["headers"]["ot-tracer-spanid"] == f"{call.context.span_id:x}"


def test_availability_marks_an_unreachable_service(client):
    def refuse(req, timeout):
        raise ConnectionRefusedError("refused")

    with traced() as tracer, mock.patch("urllib.request.urlopen", refuse):
        response = client.get("/api/books/1/availability/")
    assert response.status_code == 502
    server = server_span(tracer)
    assert names(tracer, server) == ["SELECT library_book", "GET inventory /stock/"]
    call = children_of(tracer, server)[1]
    assert call.tags["error"] is True
    assert server.tags["http.status_code"] == 502
    assert server.tags["error"] is True  # any 5xx answer marks the request span (docs/design.rst)


def test_traced_view_joins_an_incoming_trace(client):
    with traced() as tracer:
        response = client.get(
            "/stock/1/", HTTP_OT_TRACER_TRACEID="abc", HTTP_OT_TRACER_SPANID="def"
        )
    assert response.status_code == 200
    span = server_span(tracer)
    assert span.operation_name == "StockView.get"
    assert span.context.trace_id == 0xABC
    assert span.parent_id == 0xDEF
    (lookup,) = children_of(tracer, span)
    assert lookup.operation_name == "stock.lookup"
    assert lookup.tags["book.id"] == 1
    # The query nests under the view's own span, in the joined trace.
    (select,) = children_of(tracer, lookup)
    assert_query_span(select, "SELECT library_book", where='"library_book"."id" = %s')
    assert select.context.trace_id == 0xABC


def test_traced_view_404(client):
    with traced() as tracer:
        response = client.get("/stock/424242/")
    assert response.status_code == 404
    span = server_span(tracer)
    assert span.tags["http.status_code"] == 404
    assert "error" not in span.tags


def test_async_view_children_nest_under_the_request(client):
    with traced() as tracer:
        response = client.get("/stats/")
    assert response.status_code == 200
    span = server_span(tracer)
    assert span.operation_name == "StatsView.get"
    assert sorted(names(tracer, span)) == ["stats.count_authors", "stats.count_books"]
    # Each acount() ran through sync_to_async in its own task: its query still finds its parent.
    for child in children_of(tracer, span):
        table = "library_" + child.operation_name.removeprefix("stats.count_").rstrip("s")
        (count,) = children_of(tracer, child)
        assert_query_span(count, f"SELECT {table}")
        assert "COUNT(*)" in count.tags["db.statement"]


def test_streaming_export_span_covers_the_body(sample_app, db):
    @async_to_sync
    async def fetch(tracer):
        response = await AsyncClient().get("/export.csv")
        assert not [s for s in tracer.finished_spans() if s.operation_name == "export_csv"]
        body = b"".join([chunk async for chunk in response.streaming_content])
        await response.aclose() if hasattr(response, "aclose") else response.close()
        return response, body

    with traced() as tracer:
        response, body = fetch(tracer)
    assert response.status_code == 200
    lines = body.decode().splitlines()
    assert lines[0] == "id,title,year"
    span = server_span(tracer)
    assert span.operation_name == "export_csv"  # named by the middleware alone
    (rows,) = children_of(tracer, span)
    assert rows.operation_name == "export.rows"
    assert rows.tags["rows"] == len(lines) - 1
    assert span.finish_time >= rows.finish_time


def test_middleware_traces_plain_views_and_skips_excluded_paths(client):
    with traced() as tracer:
        assert client.get("/").status_code == 200
        viewer = client.get("/traces/")
    assert server_span(tracer).operation_name == "index"  # /traces/ is an excluded path
    assert viewer.status_code == 404  # DEBUG is off and nobody is logged in


# -- /traces/: the viewer app the sample installs ------------------------------------------------


@pytest.fixture
def recorded(sample_app):
    """The sample's in-process tracer, with the pages open (DEBUG) and no peer to ask."""
    tracer = SampleTracer("library")
    with traced(tracer, OPENTRACING_VIEWER_PEERS=[]), override_settings(DEBUG=True):
        yield tracer


def spans_of(trace_id: str) -> list[dict]:
    return [s for s in recorded_spans() if s["trace_id"] == trace_id]


def test_trace_list_shows_the_sample_requests_and_is_not_traced(client, recorded):
    books = client.get("/api/books/")["X-Trace-Id"]
    fee = client.get("/fees/?days=0")["X-Trace-Id"]
    before = recorded_spans()
    page = client.get("/traces/")
    assert page.status_code == 200
    assert recorded_spans() == before  # the page made no span (excluded path, not recorded)
    listed = {t["trace_id"]: t for t in page.context["traces"]}
    assert (listed[fee]["operation"], listed[fee]["request"]) == ("loan_fee", "GET /fees/?days=0")
    assert (listed[fee]["status"], listed[fee]["error_kind"]) == (500, "ZeroDivisionError")
    assert listed[books]["operation"] == "BookViewSet.list"
    assert listed[books]["services"] == ["library"]  # the sample tracer's service_name
    assert listed[books]["span_count"] == 4  # request, books.query, its SELECT, books.serialize
    html = page.content.decode()
    assert f'class="trace error" data-trace-id="{fee}"' in html


def test_waterfall_of_a_sample_request(client, recorded):
    trace_id = client.get("/api/books/")["X-Trace-Id"]
    page = client.get(f"/traces/{trace_id}/")
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [(r["depth"], r["span"]["operation"]) for r in rows] == [
        (0, "BookViewSet.list"),
        (1, "books.query"),
        (2, "SELECT library_book"),
        (1, "books.serialize"),
    ]
    assert rows[2]["span"]["parent_id"] == rows[1]["span"]["span_id"]
    assert [r["descendants"] for r in rows] == [3, 1, 0, 0]
    assert rows[0]["left"] == "0.000" and rows[0]["width"] == "100.000"


def test_the_pages_are_closed_without_debug(client, sample_app):
    with traced(SampleTracer("library")):
        trace_id = client.get("/api/books/")["X-Trace-Id"]
        for url in ("/traces/", f"/traces/{trace_id}/", f"/traces/{trace_id}.json"):
            assert client.get(url).status_code == 404


def test_pages_never_show_redacted_values(client, recorded):
    trace_id = client.get("/api/books/?token=tok-secret", HTTP_USER_AGENT="ua")["X-Trace-Id"]
    assert spans_of(trace_id)
    for url in (f"/traces/{trace_id}/", f"/traces/{trace_id}.json", "/traces/spans.json"):
        body = client.get(url).content.decode()
        assert "tok-secret" not in body, url
        assert "REDACTED" in body, url


def test_trace_json_has_jaegers_shape_for_a_cross_call(client, recorded):
    def fake_urlopen(req, timeout):
        raise ConnectionRefusedError("refused")

    with mock.patch("urllib.request.urlopen", fake_urlopen):
        trace_id = client.get("/api/books/1/availability/")["X-Trace-Id"]
    response = client.get(f"/traces/{trace_id}.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) == {"data", "total", "limit", "offset", "errors"}
    (trace,) = data["data"]
    assert trace["traceID"] == trace_id
    assert set(trace["processes"]) == {"p1"}
    assert trace["processes"]["p1"]["serviceName"] == "library"
    by_name = {s["operationName"]: s for s in trace["spans"]}
    server = by_name["BookViewSet.availability"]
    call, query = by_name["GET inventory /stock/"], by_name["SELECT library_book"]
    assert server["references"] == []
    assert call["references"][0]["spanID"] == query["references"][0]["spanID"] == server["spanID"]
    status = next(t for t in server["tags"] if t["key"] == "http.status_code")
    assert status == {"key": "http.status_code", "type": "int64", "value": 502}
    (log,) = call["logs"]
    assert {"key": "message", "type": "string", "value": "refused"} in log["fields"]
