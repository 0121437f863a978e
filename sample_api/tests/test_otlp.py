"""The OTLP export with the sample's own services: ``make demo`` exporting real OTLP.

``python -m sample_api.demo`` (``DEMO_ONESHOT=1``) runs its two uvicorn processes, "library"
and "inventory", with ``OTEL_EXPORTER_OTLP_ENDPOINT`` pointing at a loopback OTLP/HTTP receiver in
this process, which decodes the protobuf payload. What a collector gets from the scenario is
checked here: the cross-service trace, span kinds, the contract's tags as attributes, error
status, SQL spans and the service names. ``tests/test_otel.py`` does the same for two small
services of its own; this file proves the shipped sample, with its middleware, DRF viewsets,
async and streaming views, reaches a real backend intact. Nothing but 127.0.0.1 is reached.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

for _module in (
    "rest_framework",
    "uvicorn",
    "opentelemetry.sdk",
    "opentelemetry.shim.opentracing_shim",
    "opentelemetry.exporter.otlp.proto.http",
    "opentelemetry.proto",
):
    pytest.importorskip(_module)

from opentelemetry.proto.trace.v1.trace_pb2 import Span as PbSpan  # noqa: E402
from opentelemetry.proto.trace.v1.trace_pb2 import Status as PbStatus  # noqa: E402

from tests.test_otel import Receiver  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent
DEMO_TIMEOUT = 60.0
ARRIVAL_TIMEOUT = 10.0
SERVER, CLIENT = PbSpan.SPAN_KIND_SERVER, PbSpan.SPAN_KIND_CLIENT
VIEWS = "sample_api.library.views"
# One server span per scenario request: the services' operation names, in scenario order.
LIBRARY_REQUESTS = [
    "BookViewSet.list",
    "BookViewSet.create",
    "BookViewSet.retrieve",
    "BookViewSet.retrieve",
    "loan_fee",
    "BookViewSet.availability",
    "StatsView.get",
    "export_csv",
]


def _env(tmp_path: Path, endpoint: str) -> dict[str, str]:
    """The demo's environment: no inherited OTEL_/SAMPLE_ settings, no proxy, a temp database.

    The OTLP exporter goes through ``requests``, which honours ``*_PROXY``: with ``NO_PROXY=*``
    and the proxy variables gone, the spans can only go to the loopback receiver.
    """
    drop = ("OTEL_", "SAMPLE_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(drop)}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # pytest-django's; the sample has its own
    env.update(
        SAMPLE_VAR_DIR=str(tmp_path),
        SAMPLE_DB=str(tmp_path / "library.sqlite3"),
        DEMO_ONESHOT="1",
        DEMO_READY_TIMEOUT="30",
        OTEL_EXPORTER_OTLP_ENDPOINT=endpoint,
        # Both the old and the stable convention names, so both are checked on the wire.
        OTEL_SEMCONV_STABILITY_OPT_IN="http/dup,database/dup",
        NO_PROXY="*",
        no_proxy="*",
    )
    return env


def _wait_for(receiver: Receiver, names: set[str]) -> list[dict[str, Any]]:
    """The received spans once every name in ``names`` is there (or the deadline passed).

    The demo has already waited for both services to exit, and they flush on SIGTERM, so this
    is a safety net for a slow export, bounded by ARRIVAL_TIMEOUT.
    """
    deadline = time.monotonic() + ARRIVAL_TIMEOUT
    while True:
        spans = receiver.spans()
        if names <= {s["name"] for s in spans} or time.monotonic() > deadline:
            return spans
        time.sleep(0.1)


def _assert_closed(port: int) -> None:
    with socket.socket() as sock:
        sock.settimeout(1)
        assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still listening"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One oneshot demo run against the receiver: its output and every span it exported."""
    tmp_path = tmp_path_factory.mktemp("sample-otlp")
    receiver = Receiver()
    try:
        # On a timeout, subprocess.run kills the demo; its servers die with it (PDEATHSIG).
        result = subprocess.run(
            [sys.executable, "-m", "sample_api.demo"],
            cwd=ROOT,
            env=_env(tmp_path, receiver.url),
            capture_output=True,
            text=True,
            timeout=DEMO_TIMEOUT,
        )
        spans = _wait_for(receiver, {*LIBRARY_REQUESTS, "StockView.get"})
        yield {
            "result": result,
            "spans": spans,
            "metrics": receiver.last_metrics(),
            "paths": list(receiver.paths),
            "endpoint": receiver.url,
            "tmp_path": tmp_path,
        }
    finally:
        receiver.stop()


def _one(spans: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [s for s in spans if all(s.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, [(s["name"], s["span_id"]) for s in spans])
    return found[0]


def _service(span: dict[str, Any]) -> str:
    return str(span["resource"].get("service.name"))


def _server(spans: list[dict[str, Any]], name: str, status: int) -> dict[str, Any]:
    return _one(
        [s for s in spans if s["kind"] == SERVER and s["attributes"]["http.status_code"] == status],
        name=name,
    )


def _http_server(
    attributes: dict[str, Any], url: str, status: int
) -> tuple[dict[str, Any], str, int]:
    """Check a request span's HTTP convention attributes, old and stable names (http/dup),
    against its URL; returns the other attributes, the user agent and the client port."""
    rest = dict(attributes)
    parts = urlsplit(url)
    expected = {
        "http.url": url,
        "http.target": parts.path,
        "url.path": parts.path,
        "http.scheme": "http",
        "url.scheme": "http",
        "http.host": parts.netloc,
        "net.host.name": parts.netloc,
        "server.address": parts.netloc,
        "net.host.port": parts.port,
        "server.port": parts.port,
        "http.server_name": "127.0.0.1",
        "http.method": "GET",
        "http.request.method": "GET",
        "net.peer.ip": "127.0.0.1",
        "client.address": "127.0.0.1",
        "http.status_code": status,
        "http.response.status_code": status,
    }
    got = {key: rest.pop(key, None) for key in expected}
    assert got == expected
    client_port = rest.pop("net.peer.port")
    assert rest.pop("client.port") == client_port and client_port > 0
    agent = rest.pop("http.user_agent")
    assert rest.pop("user_agent.original") == agent
    assert "peer.ipv4" not in rest  # OpenTracing's name, mapped
    return rest, agent, client_port


def _children(spans: list[dict[str, Any]], parent: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in spans if s["parent_id"] == parent["span_id"]]


def _assert_query(
    span: dict[str, Any], parent: dict[str, Any], name: str, where: str, db: Path
) -> None:
    """A SQL span as the contract says, exported as an OpenTelemetry client span."""
    assert span["name"] == name
    assert span["trace_id"] == parent["trace_id"] and span["parent_id"] == parent["span_id"]
    assert _service(span) == _service(parent)
    assert span["kind"] == CLIENT
    assert span["status"] == PbStatus.STATUS_CODE_UNSET
    attributes = span["attributes"]
    assert attributes["component"] == "django.db"
    verb, table = name.split(" ")
    # The database conventions, old and stable names (database/dup).
    assert attributes["db.system"] == attributes["db.system.name"] == "sqlite"
    assert attributes["db.name"] == attributes["db.namespace"] == str(db)
    assert attributes["db.operation"] == attributes["db.operation.name"] == verb
    assert attributes["db.sql.table"] == attributes["db.collection.name"] == table
    assert attributes["db.statement"] == attributes["db.query.text"]
    assert attributes["db.statement"].startswith(verb)
    assert f'"{table}"' in attributes["db.statement"]
    assert where in attributes["db.statement"]  # a placeholder where the value was
    assert "db.type" not in attributes and "db.instance" not in attributes


def test_demo_runs_against_the_collector_and_leaves_nothing_running(exported):
    result = exported["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "expected" not in result.stdout  # every step answered what the scenario expects
    assert f"exported to {exported['endpoint']}" in result.stdout
    assert "no trace found" not in result.stdout
    services = re.search(
        r"== services: library http://127\.0\.0\.1:(\d+), inventory http://127\.0\.0\.1:(\d+)",
        result.stdout,
    )
    assert services, result.stdout
    # Both servers stopped with the demo (their flush on SIGTERM is what delivered the spans).
    for port in (int(services[1]), int(services[2])):
        _assert_closed(port)
    assert set(exported["paths"]) == {"/v1/traces", "/v1/metrics"}


def test_one_server_span_per_request_with_the_service_name(exported):
    spans = exported["spans"]
    servers = [s for s in spans if s["kind"] == SERVER]
    by_service: dict[str, list[str]] = {}
    for span in spans:
        if span["kind"] == SERVER:
            by_service.setdefault(_service(span), []).append(span["name"])
    assert sorted(by_service["library"]) == sorted(LIBRARY_REQUESTS)
    assert by_service["inventory"] == ["StockView.get"]
    assert set(by_service) == {"library", "inventory"}
    assert len(servers) == len(LIBRARY_REQUESTS) + 1
    # Each request its own trace, except the inventory call, which joins availability's.
    assert len({s["trace_id"] for s in servers}) == len(LIBRARY_REQUESTS)
    for span in spans:
        # The OpenTracing tags became the span's kind and status, not attributes.
        assert "span.kind" not in span["attributes"], span["name"]
        assert "error" not in span["attributes"], span["name"]
        assert span["resource"]["service.name"] in {"library", "inventory"}


def test_availability_crosses_both_services_in_one_trace(exported):
    spans = exported["spans"]
    caller = _server(spans, "BookViewSet.availability", 200)
    trace = [s for s in spans if s["trace_id"] == caller["trace_id"]]
    call = _one(trace, name="GET inventory /stock/")
    callee = _one(trace, name="StockView.get")
    lookup = _one(trace, name="stock.lookup")

    assert caller["parent_id"] is None  # the demo sent no trace context
    assert call["parent_id"] == caller["span_id"]
    assert callee["parent_id"] == call["span_id"]  # inject_headers() carried the client span
    assert lookup["parent_id"] == callee["span_id"]
    assert caller["trace_id"] == call["trace_id"] == callee["trace_id"] == lookup["trace_id"]

    assert (caller["kind"], call["kind"], callee["kind"]) == (SERVER, CLIENT, SERVER)
    assert _service(caller) == _service(call) == "library"
    assert _service(callee) == _service(lookup) == "inventory"
    for span in (caller, call, callee):
        assert span["status"] == PbStatus.STATUS_CODE_UNSET

    library_url, inventory_url = caller["attributes"]["http.url"], callee["attributes"]["http.url"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/books/1/availability/", library_url)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/stock/1/", inventory_url)
    caller_rest, caller_agent, _ = _http_server(caller["attributes"], library_url, 200)
    assert caller_agent == "ot-views-demo"
    assert caller_rest == {
        "component": "django",
        "http.route": "api/books/<pk>/availability/",
        "django.view": f"{VIEWS}.BookViewSet",
        "drf.action": "availability",
        "headers.user-agent": "ot-views-demo",
    }
    callee_rest, _, _ = _http_server(callee["attributes"], inventory_url, 200)
    assert callee_rest == {
        "component": "django",
        "http.route": "stock/<int:pk>/",
        "django.view": f"{VIEWS}.StockView",
    }
    inventory_port = int(inventory_url.split(":")[2].split("/")[0])
    assert call["attributes"] == {
        "http.method": "GET",
        "http.request.method": "GET",
        "http.url": inventory_url,  # the client span names the very URL the callee served
        "url.full": inventory_url,
        "server.address": "127.0.0.1",
        "server.port": inventory_port,
        "peer.service": "inventory",
        "http.status_code": 200,
        "http.response.status_code": 200,
    }

    # Both services' queries, each under its own side of the call, in the same trace.
    db = exported["tmp_path"] / "library.sqlite3"
    where = '"library_book"."id" = %s'
    (library_query,) = [s for s in _children(trace, caller) if s is not call]
    (inventory_query,) = _children(trace, lookup)
    _assert_query(library_query, caller, "SELECT library_book", where, db)
    _assert_query(inventory_query, lookup, "SELECT library_book", where, db)


def test_the_500_is_an_error_and_the_404_is_not(exported):
    spans = exported["spans"]
    fee = _server(spans, "loan_fee", 500)
    assert _service(fee) == "library"
    assert fee["status"] == PbStatus.STATUS_CODE_ERROR
    assert fee["status_message"].startswith("ZeroDivisionError")
    assert fee["attributes"]["error.type"] == "500"  # the stable conventions' error.type
    assert fee["attributes"]["http.response.status_code"] == 500
    assert fee["attributes"]["http.route"] == "fees/"
    assert fee["attributes"]["django.view"] == f"{VIEWS}.loan_fee"
    assert fee["attributes"]["component"] == "django"
    assert fee["attributes"]["http.method"] == "GET"
    (name, event), *_ = fee["events"]
    assert name == "exception"
    assert event["exception.type"] == "ZeroDivisionError"
    assert "Traceback" in event["exception.stacktrace"]

    missing = _server(spans, "BookViewSet.retrieve", 404)
    assert missing["status"] == PbStatus.STATUS_CODE_UNSET  # a 4xx is not an error
    assert "error.type" not in missing["attributes"]
    assert missing["attributes"]["http.url"].endswith("/api/books/999999/")
    assert missing["attributes"]["drf.action"] == "retrieve"
    # The query that found nothing is no error either.
    (query,) = _children(spans, missing)
    db = exported["tmp_path"] / "library.sqlite3"
    _assert_query(query, missing, "SELECT library_book", '"library_book"."id" = %s', db)
    # Every other request span answered 2xx and carries no error status.
    for span in spans:
        if span["kind"] == SERVER and span is not fee:
            assert span["status"] == PbStatus.STATUS_CODE_UNSET, span["name"]


def test_sql_spans_nest_under_their_request_with_placeholders_only(exported):
    spans = exported["spans"]
    create = _server(spans, "BookViewSet.create", 201)
    insert, author = sorted(_children(spans, create), key=lambda s: s["name"])
    db = exported["tmp_path"] / "library.sqlite3"
    _assert_query(author, create, "SELECT library_author", '"library_author"."id" = %s', db)
    _assert_query(insert, create, "INSERT library_book", "VALUES (%s, %s, %s, %s)", db)
    queries = [s for s in spans if s["attributes"].get("component") == "django.db"]
    assert len(queries) >= 8
    ids = {s["span_id"] for s in spans}
    for query in queries:
        assert query["kind"] == CLIENT
        assert query["parent_id"] in ids, query["name"]  # inside a request, never a root
        # No parameter value of the scenario reaches an attribute.
        for value in query["attributes"].values():
            assert "Left Hand of Darkness" not in str(value)
            assert "999999" not in str(value)


def test_request_metrics_arrive_with_the_spans(exported):
    """The HTTP server metrics, decoded from the OTLP metrics payload: one duration record per
    request span, by route (never the raw path), in both conventions; no request left active."""
    spans, metrics = exported["spans"], exported["metrics"]
    assert metrics, "no metrics received"
    for service in ("library", "inventory"):
        servers = [s for s in spans if s["kind"] == SERVER and _service(s) == service]
        expected: dict[tuple[Any, ...], int] = {}
        for span in servers:
            a = span["attributes"]
            key = (
                a["http.method"],
                a.get("http.route"),
                a["http.status_code"],
                a.get("error.type"),
            )
            expected[key] = expected.get(key, 0) + 1
        mine = [m for m in metrics if m["resource"].get("service.name") == service]
        by_name: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for row in mine:
            by_name.setdefault((row["name"], row["unit"], row["kind"]), []).append(row)
        assert set(by_name) == {
            ("http.server.request.duration", "s", "histogram"),
            ("http.server.duration", "ms", "histogram"),
            ("http.server.active_requests", "{request}", "sum"),
        }

        stable: dict[tuple[Any, ...], int] = {}
        for row in by_name[("http.server.request.duration", "s", "histogram")]:
            a = row["attributes"]
            assert set(a) <= {
                "http.request.method",
                "http.response.status_code",
                "http.route",
                "url.scheme",
                "error.type",
                "network.protocol.version",
            }
            assert a["url.scheme"] == "http"
            assert 0 < row["sum"] < 60 * row["count"]  # seconds
            key = (
                a["http.request.method"],
                a.get("http.route"),
                a["http.response.status_code"],
                a.get("error.type"),
            )
            stable[key] = stable.get(key, 0) + row["count"]
        assert stable == expected, service

        old: dict[tuple[Any, ...], int] = {}
        for row in by_name[("http.server.duration", "ms", "histogram")]:
            a = row["attributes"]
            assert "http.url" not in a and "url.path" not in a
            key = (a["http.method"], a.get("http.target"), a["http.status_code"])
            old[key] = old.get(key, 0) + row["count"]
        assert old == {(m, r, c): n for (m, r, c, _), n in expected.items()}, service

        for row in by_name[("http.server.active_requests", "{request}", "sum")]:
            assert row["value"] == 0, row  # every request counted in was counted out
            assert set(row["attributes"]) <= {
                "http.method",
                "http.request.method",
                "http.scheme",
                "url.scheme",
                "http.host",
                "http.flavor",
                "http.server_name",
            }
    # Routes, never raw paths: no data point names a concrete id.
    for row in metrics:
        for key in ("http.route", "http.target"):
            value = str(row["attributes"].get(key, ""))
            assert "/1/" not in value and "999999" not in value, row


def test_trace_id_header_carries_the_w3c_trace_id_under_otel(rf):
    """The sample's X-Trace-Id is the id a collector shows: 32 hex digits from the shim."""
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from ot_views import span as request_span
    from ot_views.otel import otel_tracer
    from sample_api.library.middleware import trace_id

    exporter = InMemorySpanExporter()
    tracer = otel_tracer(
        service_name="t", span_processor=SimpleSpanProcessor(exporter), flush_on_exit=False
    )
    request = rf.get("/x/")
    handle = request_span.begin(request, "x", tracer=tracer)
    assert handle is not None
    expected = f"{handle.span.context.unwrap().trace_id:032x}"
    assert trace_id(request) == expected
    handle.done(None)
    (exported,) = exporter.get_finished_spans()
    assert f"{exported.context.trace_id:032x}" == expected
