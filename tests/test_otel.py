"""``ot_views.otel.otel_tracer``: spans as an OpenTelemetry backend receives them.

The end-to-end tests run two services (this module run as a script: two Django processes
behind wsgiref, each with its own ``otel_tracer``), one calling the other with
``inject_headers()``, and a loopback OTLP/HTTP receiver in the test process that decodes the real
protobuf payload. The processes are stopped with SIGTERM, so the spans arrive through the
tracer's flush at exit. Everything listens on and talks to 127.0.0.1 only.

Run as ``python -m tests.test_otel serve SERVICE_NAME DOWNSTREAM_URL`` this module is one of
those services.
"""

from __future__ import annotations

import gzip
import os
import queue
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import override_settings
from django.urls import path
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span as PbSpan
from opentelemetry.proto.trace.v1.trace_pb2 import Status as PbStatus
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from opentracing import Format

from ot_views import TracedView, get_tracer, inject_headers
from ot_views.propagation import MetaCarrier

ROOT = Path(__file__).resolve().parent.parent
PROCESS_TIMEOUT = 30.0
HTTP_TIMEOUT = 10.0
# Never a proxy: all traffic of these tests goes to 127.0.0.1.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


# -- the two services (used when this module runs as a script) ----------------------------------


class Front(TracedView):
    """Service "front": calls service "back" inside a client span, carrying the trace."""

    def get(self, request: HttpRequest, target: str) -> HttpResponse:
        url = f"{settings.OTEL_TEST_DOWNSTREAM}/{target}/"
        tags = {"span.kind": "client", "http.method": "GET", "http.url": url}
        with get_tracer().start_active_span(f"GET back /{target}/", tags=tags) as scope:
            outgoing = urllib.request.Request(url, headers=inject_headers())
            try:
                with _opener.open(outgoing, timeout=HTTP_TIMEOUT) as answer:
                    status, body = answer.status, answer.read()
            except urllib.error.HTTPError as exc:
                status, body = exc.code, b""
            scope.span.set_tag("http.status_code", status)
            if status >= 500:
                scope.span.set_tag("error", True)
        return HttpResponse(body, status=502 if status >= 500 else status)


class Hello(TracedView):
    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"hello": settings.OTEL_TEST_SERVICE})


class Fail(TracedView):
    def get(self, request: HttpRequest) -> HttpResponse:
        raise ValueError("the back end failed")


urlpatterns = [
    path("front/<str:target>/", Front.as_view()),
    path("hello/", Hello.as_view()),
    path("fail/", Fail.as_view()),
]


def serve(service: str, downstream: str) -> None:
    """One service: Django behind wsgiref on a free 127.0.0.1 port, until SIGTERM."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    import django
    from django.core.wsgi import get_wsgi_application

    params = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service_name": service}
    settings.configure(
        DEBUG=False,
        SECRET_KEY="tests-only",
        ALLOWED_HOSTS=["127.0.0.1"],
        ROOT_URLCONF="tests.test_otel",
        INSTALLED_APPS=["ot_views"],
        MIDDLEWARE=[],
        DATABASES={},
        OPENTRACING_TRACER_CALLABLE="ot_views.otel.otel_tracer",
        OPENTRACING_TRACER_PARAMETERS=params,
        OTEL_TEST_SERVICE=service,
        OTEL_TEST_DOWNSTREAM=downstream.rstrip("/"),
    )
    django.setup()

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)  # a normal exit: atexit handlers (the span flush) run

    if not os.environ.get("OTEL_TEST_DEFAULT_SIGTERM"):
        signal.signal(signal.SIGTERM, stop)
    print(f"PORT {server.server_port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()


# -- the loopback OTLP/HTTP receiver ---------------------------------------------------------


class Receiver:
    """An OTLP/HTTP endpoint on 127.0.0.1 that keeps the decoded export requests (traces on
    ``/v1/traces``, metrics on ``/v1/metrics``)."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        self.metric_requests: list[ExportMetricsServiceRequest] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path == "/v1/metrics":
                    metrics = ExportMetricsServiceRequest()
                    metrics.ParseFromString(body)
                    with receiver._lock:
                        receiver.metric_requests.append(metrics)
                        receiver.paths.append(self.path)
                    answer = ExportMetricsServiceResponse().SerializeToString()
                else:
                    message = ExportTraceServiceRequest()
                    message.ParseFromString(body)
                    with receiver._lock:
                        receiver.requests.append(message)
                        receiver.paths.append(self.path)
                    answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def spans(self) -> list[dict[str, Any]]:
        """Every received span, flattened with its resource's attributes."""
        out = []
        with self._lock:
            requests = list(self.requests)
        for message in requests:
            for resource_spans in message.resource_spans:
                resource = _attributes(resource_spans.resource.attributes)
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        out.append(
                            {
                                "name": span.name,
                                "trace_id": span.trace_id.hex(),
                                "span_id": span.span_id.hex(),
                                "parent_id": span.parent_span_id.hex() or None,
                                "kind": span.kind,
                                "attributes": _attributes(span.attributes),
                                "status": span.status.code,
                                "status_message": span.status.message,
                                "events": [
                                    (event.name, _attributes(event.attributes))
                                    for event in span.events
                                ],
                                "resource": resource,
                            }
                        )
        return out

    def metrics(self) -> list[dict[str, Any]]:
        """Every received metric data point: name, unit, kind, attributes, resource, and the
        histogram's count and sum or the sum's value (the last export of a cumulative series
        is the one that counts)."""
        out = []
        with self._lock:
            requests = list(self.metric_requests)
        for message in requests:
            for resource_metrics in message.resource_metrics:
                resource = _attributes(resource_metrics.resource.attributes)
                for scope_metrics in resource_metrics.scope_metrics:
                    for metric in scope_metrics.metrics:
                        which = metric.WhichOneof("data")
                        for point in getattr(metric, which).data_points:
                            row = {
                                "name": metric.name,
                                "unit": metric.unit,
                                "kind": which,
                                "attributes": _attributes(point.attributes),
                                "resource": resource,
                                "time": point.time_unix_nano,
                            }
                            if which == "histogram":
                                row["count"] = point.count
                                row["sum"] = point.sum
                            else:
                                row["value"] = point.as_int or point.as_double
                            out.append(row)
        return out

    def last_metrics(self) -> list[dict[str, Any]]:
        """The latest point of each series (name, resource, attributes): cumulative totals."""
        latest: dict[Any, dict[str, Any]] = {}
        for row in self.metrics():
            key = (
                row["name"],
                tuple(sorted(row["resource"].items())),
                tuple(sorted(row["attributes"].items())),
            )
            if key not in latest or row["time"] >= latest[key]["time"]:
                latest[key] = row
        return list(latest.values())


def _attributes(key_values: Any) -> dict[str, Any]:
    out = {}
    for kv in key_values:
        which = kv.value.WhichOneof("value")
        out[kv.key] = getattr(kv.value, which) if which else None
    return out


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    try:
        yield rec
    finally:
        rec.stop()


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update({"NO_PROXY": "*", "PYTHONPATH": str(ROOT)}, **extra)
    return env


class Service:
    def __init__(self, name: str, downstream: str, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.test_otel", "serve", name, downstream],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
        )
        lines: queue.Queue[bytes] = queue.Queue()
        assert self.process.stdout is not None
        threading.Thread(
            target=lambda: lines.put(self.process.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        ).start()
        try:
            line = lines.get(timeout=PROCESS_TIMEOUT)
        except queue.Empty:
            line = b""
        if not line.startswith(b"PORT "):
            self.stop()
            raise AssertionError(f"service {name} did not start:\n{log.read_text()[-3000:]}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def stop(self) -> int | None:
        """SIGTERM, then wait: the tracer flushes its spans on the way out."""
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=PROCESS_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
                return None
        finally:
            self._log_file.close()


def _get(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with _opener.open(request, timeout=HTTP_TIMEOUT) as answer:
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@pytest.fixture(scope="module")
def two_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """front -> back, three requests, the processes stopped, and what the receiver got."""
    rec = Receiver()
    logs = tmp_path_factory.mktemp("otel-services")
    common = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": rec.url,
        "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=test",
        "OTEL_TRACES_SAMPLER": "parentbased_always_on",
    }
    services: list[Service] = []
    try:
        # "back" names itself through OTEL_SERVICE_NAME, "front" through the tracer parameter.
        # "back" keeps SIGTERM's default action (death, no atexit): the tracer's SIGTERM hook
        # must flush; "front" exits through SystemExit.
        back = Service(
            "back",
            "http://127.0.0.1:9",
            _clean_env(OTEL_SERVICE_NAME="otel-back", OTEL_TEST_DEFAULT_SIGTERM="1", **common),
            logs / "back.log",
        )
        services.append(back)
        front = Service("otel-front", back.url, _clean_env(**common), logs / "front.log")
        services.append(front)
        statuses = {
            "hello": _get(f"{front.url}/front/hello/"),
            "fail": _get(f"{front.url}/front/fail/"),
            "continued": _get(f"{front.url}/front/hello/", {"traceparent": TRACEPARENT}),
        }
        codes = [service.stop() for service in services]
        yield {
            "statuses": statuses,
            "exit_codes": codes,
            "spans": rec.spans(),
            "metrics": rec.last_metrics(),
            "paths": list(rec.paths),
            "front": front.url,
            "back": back.url,
        }
    finally:
        for service in services:
            if service.process.poll() is None:
                service.stop()
        rec.stop()


def _one(spans: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [s for s in spans if all(s.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, [(s["name"], s["trace_id"]) for s in spans])
    return found[0]


def _trace(spans: list[dict[str, Any]], front_path: str) -> list[dict[str, Any]]:
    root = [
        s
        for s in spans
        if s["name"] == "Front.get" and s["attributes"]["http.url"].endswith(front_path)
    ]
    return [s for s in spans if s["trace_id"] in {r["trace_id"] for r in root}]


# -- end to end: two processes, OTLP over loopback --------------------------------------------


@pytest.mark.slow
def test_two_services_exit_cleanly_and_export_otlp_http(two_services):
    assert two_services["statuses"] == {"hello": 200, "fail": 502, "continued": 200}
    assert two_services["exit_codes"] == [-signal.SIGTERM, 0]
    assert set(two_services["paths"]) == {"/v1/traces", "/v1/metrics"}
    # 3 requests: front server + client span and back server span each.
    assert len(two_services["spans"]) == 9


@pytest.mark.slow
def test_request_metrics_arrive_with_the_spans_in_the_default_conventions(two_services):
    """OTEL_SEMCONV_STABILITY_OPT_IN unset: the old conventions' histogram, in milliseconds,
    with the route as http.target; every request counted out of the active requests."""
    rows = two_services["metrics"]
    by_service: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in rows:
        service = row["resource"]["service.name"]
        by_service.setdefault(service, {}).setdefault(row["name"], []).append(row)
    assert set(by_service) == {"otel-front", "otel-back"}
    for service, metrics in by_service.items():
        assert set(metrics) == {"http.server.duration", "http.server.active_requests"}, service
        durations = metrics["http.server.duration"]
        assert {row["unit"] for row in durations} == {"ms"}
        assert all(row["value"] == 0 for row in metrics["http.server.active_requests"])
        assert all(row["attributes"]["http.method"] == "GET" for row in durations)
        assert sum(row["count"] for row in durations) == 3, service
    front = {
        (row["attributes"]["http.target"], row["attributes"]["http.status_code"]): row["count"]
        for row in by_service["otel-front"]["http.server.duration"]
    }
    assert front == {("front/<str:target>/", 200): 2, ("front/<str:target>/", 502): 1}
    back = {
        (row["attributes"]["http.target"], row["attributes"].get("http.status_code")): row["count"]
        for row in by_service["otel-back"]["http.server.duration"]
    }
    # The failing view raised under a mixin only: the span records the 500 Django answers.
    assert back == {("hello/", 200): 2, ("fail/", 500): 1}


@pytest.mark.slow
def test_two_services_share_one_trace_with_parent_child_ids(two_services):
    spans = _trace(two_services["spans"], "/front/hello/")
    first = [s for s in spans if s["trace_id"] != TRACE_ID]
    assert len(first) == 3
    front = _one(first, name="Front.get")
    client = _one(first, name="GET back /hello/")
    back = _one(first, name="Hello.get")
    assert front["parent_id"] is None
    assert client["parent_id"] == front["span_id"]
    assert back["parent_id"] == client["span_id"]
    assert front["resource"]["service.name"] == "otel-front"
    assert client["resource"]["service.name"] == "otel-front"
    assert back["resource"]["service.name"] == "otel-back"
    assert front["resource"]["deployment.environment"] == "test"
    assert back["resource"]["deployment.environment"] == "test"


@pytest.mark.slow
def test_span_kinds_and_contract_tags_as_attributes(two_services):
    spans = two_services["spans"]
    first = [s for s in _trace(spans, "/front/hello/") if s["trace_id"] != TRACE_ID]
    front = _one(first, name="Front.get")
    client = _one(first, name="GET back /hello/")
    back = _one(first, name="Hello.get")
    assert front["kind"] == PbSpan.SPAN_KIND_SERVER
    assert back["kind"] == PbSpan.SPAN_KIND_SERVER
    assert client["kind"] == PbSpan.SPAN_KIND_CLIENT
    # The old OpenTelemetry conventions (OTEL_SEMCONV_STABILITY_OPT_IN unset), as OpenTelemetry's
    # Django instrumentation sends them; component and django.view have no convention name.
    front_url = two_services["front"]
    front_port = int(front_url.rsplit(":", 1)[1])
    attributes = dict(front["attributes"])
    assert attributes.pop("http.user_agent").startswith("Python-urllib/")
    assert attributes == {
        "component": "django",
        "http.method": "GET",
        "http.url": f"{front_url}/front/hello/",
        "http.target": "/front/hello/",
        "http.scheme": "http",
        "http.host": f"127.0.0.1:{front_port}",
        "net.host.name": f"127.0.0.1:{front_port}",
        "net.host.port": front_port,
        "http.server_name": attributes["http.server_name"],  # wsgiref: the machine's name
        "http.flavor": "1.1",
        "net.peer.ip": "127.0.0.1",
        "http.route": "front/<str:target>/",
        "django.view": "tests.test_otel.Front",
        "http.status_code": 200,
    }
    assert back["attributes"]["http.url"] == f"{two_services['back']}/hello/"
    assert back["attributes"]["http.route"] == "hello/"
    assert back["attributes"]["django.view"] == "tests.test_otel.Hello"
    assert back["attributes"]["http.status_code"] == 200
    assert client["attributes"] == {
        "http.method": "GET",
        "http.url": f"{two_services['back']}/hello/",
        "http.status_code": 200,
    }
    for span in (front, client, back):
        assert span["status"] == PbStatus.STATUS_CODE_UNSET
        assert "span.kind" not in span["attributes"]
        assert "error" not in span["attributes"]


@pytest.mark.slow
def test_failing_request_has_error_status_and_exception_event(two_services):
    spans = _trace(two_services["spans"], "/front/fail/")
    assert len(spans) == 3
    back = _one(spans, name="Fail.get")
    client = _one(spans, name="GET back /fail/")
    front = _one(spans, name="Front.get")
    assert back["kind"] == PbSpan.SPAN_KIND_SERVER
    assert back["status"] == PbStatus.STATUS_CODE_ERROR
    assert back["status_message"] == "ValueError: the back end failed"
    # The view raised a real error: Django answers 500, and the span says so.
    assert back["attributes"]["http.status_code"] == 500
    (name, event), *_ = back["events"]
    assert name == "exception"
    assert event["exception.type"] == "ValueError"
    assert event["exception.message"] == "the back end failed"
    assert "Traceback" in event["exception.stacktrace"]
    assert back["parent_id"] == client["span_id"]
    assert client["status"] == PbStatus.STATUS_CODE_ERROR
    assert client["attributes"]["http.status_code"] == 500
    # front answered 502: a 5xx, so an error too, but with no exception of its own.
    assert front["status"] == PbStatus.STATUS_CODE_ERROR
    assert front["attributes"]["http.status_code"] == 502
    assert front["events"] == []


@pytest.mark.slow
def test_incoming_traceparent_is_continued_across_both_services(two_services):
    spans = [s for s in two_services["spans"] if s["trace_id"] == TRACE_ID]
    assert len(spans) == 3
    front = _one(spans, name="Front.get")
    client = _one(spans, name="GET back /hello/")
    back = _one(spans, name="Hello.get")
    assert front["parent_id"] == PARENT_ID
    assert client["parent_id"] == front["span_id"]
    assert back["parent_id"] == client["span_id"]
    assert front["kind"] == PbSpan.SPAN_KIND_SERVER


# -- in process --------------------------------------------------------------------------------


@pytest.fixture
def memory() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def otel(memory):
    from ot_views.otel import otel_tracer

    tracer = otel_tracer(
        "in-process", span_processor=SimpleSpanProcessor(memory), flush_on_exit=False
    )
    try:
        with override_settings(OPENTRACING_TRACER=tracer):
            yield tracer
    finally:
        tracer.shutdown()


def _by_name(memory: InMemorySpanExporter) -> dict[str, Any]:
    spans = memory.get_finished_spans()
    named = {s.name: s for s in spans}
    assert len(named) == len(spans), [s.name for s in spans]
    return named


def test_child_span_in_sync_view_nests_under_the_request_span(otel, memory, client):
    response = client.get("/child/")
    assert response.status_code == 200
    spans = _by_name(memory)
    server, child = spans["Child.get"], spans["child.work"]
    assert server.kind == SpanKind.SERVER
    assert server.parent is None
    assert child.kind == SpanKind.INTERNAL
    assert child.parent.span_id == server.context.span_id
    assert child.context.trace_id == server.context.trace_id
    assert dict(child.attributes) == {"work": "done"}
    # inject_headers() in the view carried the request span, W3C format by default.
    trace_id, span_id = f"{server.context.trace_id:032x}", f"{server.context.span_id:016x}"
    assert response.json()["traceparent"].startswith(f"00-{trace_id}-{span_id}-")
    assert server.resource.attributes["service.name"] == "in-process"


def test_child_span_in_async_view_nests_under_the_request_span(otel, memory, async_client):
    import asyncio

    response = asyncio.run(async_client.get("/async/"))
    assert response.status_code == 200
    spans = _by_name(memory)
    server, child = spans["AsyncChild.get"], spans["async.child"]
    assert server.kind == SpanKind.SERVER
    assert child.parent.span_id == server.context.span_id
    assert child.context.trace_id == server.context.trace_id
    assert server.attributes["path"] == "/async/"


def test_concurrent_async_requests_keep_their_own_active_span(otel, memory):
    import asyncio

    from django.test import AsyncClient

    async def run() -> list[int]:
        clients = [AsyncClient() for _ in range(4)]
        answers = await asyncio.gather(*(c.get("/async/") for c in clients))
        return [a.status_code for a in answers]

    assert asyncio.run(run()) == [200] * 4
    spans = memory.get_finished_spans()
    servers = {s.context.span_id: s for s in spans if s.name == "AsyncChild.get"}
    children = [s for s in spans if s.name == "async.child"]
    assert len(servers) == 4 and len(children) == 4
    for child in children:
        assert servers[child.parent.span_id].context.trace_id == child.context.trace_id
    assert len({s.context.trace_id for s in servers.values()}) == 4


def test_error_tag_and_view_exception_become_status_and_event(otel, memory, client):
    client.raise_request_exception = False
    assert client.get("/boom/").status_code == 500
    assert client.get("/missing/").status_code == 404
    spans = _by_name(memory)
    boom, missing = spans["Boom.get"], spans["Missing.get"]
    assert boom.status.status_code == StatusCode.ERROR
    assert boom.status.description == "ValueError: boom happened"
    (event,) = boom.events
    assert event.name == "exception"
    assert event.attributes["exception.message"] == "boom happened"
    assert "error" not in boom.attributes
    # A 404 logs the exception but is no error (docs/design.rst).
    assert missing.status.status_code == StatusCode.UNSET
    assert missing.attributes["http.status_code"] == 404
    assert [e.name for e in missing.events] == ["exception"]


def test_span_kind_mapping_and_tag_values(otel, memory):
    for kind in ("server", "client", "producer", "consumer", "SERVER", "rpc-ish"):
        otel.start_span(f"k-{kind}", tags={"span.kind": kind}).finish()
    with otel.start_active_span("scoped", tags={"error": True, "obj": object()}) as scope:
        scope.span.set_tag("list", ["a", "b"])
        scope.span.log_kv({"event": "cache.miss", "key": "k", "none": None})
    spans = _by_name(memory)
    assert spans["k-server"].kind == SpanKind.SERVER
    assert spans["k-client"].kind == SpanKind.CLIENT
    assert spans["k-producer"].kind == SpanKind.PRODUCER
    assert spans["k-consumer"].kind == SpanKind.CONSUMER
    assert spans["k-SERVER"].kind == SpanKind.SERVER
    # An unknown kind stays a plain attribute on an internal span.
    assert spans["k-rpc-ish"].kind == SpanKind.INTERNAL
    assert spans["k-rpc-ish"].attributes["span.kind"] == "rpc-ish"
    scoped = spans["scoped"]
    assert scoped.status.status_code == StatusCode.ERROR
    assert scoped.attributes["obj"].startswith("<object object")
    assert tuple(scoped.attributes["list"]) == ("a", "b")
    (event,) = scoped.events
    assert event.name == "cache.miss" and dict(event.attributes) == {
        "event": "cache.miss",
        "key": "k",
    }


def test_exception_leaving_a_scope_marks_the_span(otel, memory):
    with pytest.raises(KeyError), otel.start_active_span("work"):
        raise KeyError("k")
    span = _by_name(memory)["work"]
    assert span.status.status_code == StatusCode.ERROR
    assert span.events[0].attributes["exception.type"] == "KeyError"
    assert "Traceback" in span.events[0].attributes["exception.stacktrace"]
    assert otel.active_span is None


def test_ignore_active_span_starts_a_new_trace(otel, memory):
    with otel.start_active_span("outer") as outer:
        assert otel.active_span is outer.span
        root = otel.start_span("root", ignore_active_span=True)
        nested = otel.start_span("nested")
        root.finish()
        nested.finish()
        with otel.start_active_span("also-root", ignore_active_span=True):
            pass
    spans = _by_name(memory)
    assert spans["root"].parent is None
    assert spans["also-root"].parent is None
    assert spans["nested"].parent.span_id == spans["outer"].context.span_id


def test_extract_from_meta_carrier(otel):
    ctx = otel.extract(Format.HTTP_HEADERS, MetaCarrier({"HTTP_TRACEPARENT": TRACEPARENT}))
    inner = ctx.unwrap()
    assert f"{inner.trace_id:032x}" == TRACE_ID
    assert f"{inner.span_id:016x}" == PARENT_ID
    assert inner.is_remote
    # No headers, and a malformed one: no parent, no exception.
    assert otel.extract(Format.HTTP_HEADERS, MetaCarrier({})) is None
    assert otel.extract(Format.HTTP_HEADERS, MetaCarrier({"HTTP_TRACEPARENT": "zz"})) is None


def test_request_with_traceparent_continues_the_trace(otel, memory, client):
    assert client.get("/plain/", HTTP_TRACEPARENT=TRACEPARENT).status_code == 200
    assert client.get("/plain/", HTTP_TRACEPARENT="00-zz-zz-01").status_code == 200
    first, second = memory.get_finished_spans()
    assert f"{first.context.trace_id:032x}" == TRACE_ID
    assert f"{first.parent.span_id:016x}" == PARENT_ID
    assert first.parent.is_remote
    assert second.parent is None
    assert f"{second.context.trace_id:032x}" != TRACE_ID


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("tracecontext", "traceparent"),
        ("b3", "b3"),
        ("b3multi", "x-b3-traceid"),
        ("jaeger", "uber-trace-id"),
    ],
)
def test_propagator_option_round_trips_through_meta(memory, name, header):
    from ot_views.otel import otel_tracer

    tracer = otel_tracer(
        "p", span_processor=SimpleSpanProcessor(memory), propagator=name, flush_on_exit=False
    )
    span = tracer.start_span("out")
    headers: dict[str, str] = {}
    tracer.inject(span.context, Format.HTTP_HEADERS, headers)
    assert header in {k.lower() for k in headers}
    if name != "tracecontext":
        assert "traceparent" not in headers
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    extracted = tracer.extract(Format.HTTP_HEADERS, MetaCarrier(meta)).unwrap()
    assert extracted.trace_id == span.context.unwrap().trace_id
    assert extracted.span_id == span.context.unwrap().span_id
    span.finish()
    tracer.shutdown()


def test_propagator_list_and_unknown_name(memory):
    from ot_views.otel import load_propagator, otel_tracer

    tracer = otel_tracer(
        span_processor=SimpleSpanProcessor(memory),
        propagator=["tracecontext", "jaeger"],
        flush_on_exit=False,
    )
    span = tracer.start_span("out")
    headers: dict[str, str] = {}
    tracer.inject(span.context, Format.TEXT_MAP, headers)
    assert {"traceparent", "uber-trace-id"} <= set(headers)
    with pytest.raises(ValueError, match="unknown propagator 'nope'"):
        load_propagator("nope")
    tracer.shutdown()


def test_endpoint_option_exports_to_the_receiver(receiver, monkeypatch):
    from ot_views.otel import otel_tracer

    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")  # unused: option wins
    tracer = otel_tracer("by-option", endpoint=receiver.url, flush_on_exit=False)
    try:
        tracer.start_span("exported", tags={"span.kind": "producer"}).finish()
        assert tracer.force_flush(10_000)
    finally:
        tracer.shutdown()
    (span,) = receiver.spans()
    assert span["name"] == "exported"
    assert span["kind"] == PbSpan.SPAN_KIND_PRODUCER
    assert span["resource"]["service.name"] == "by-option"
    assert receiver.paths == ["/v1/traces"]


def test_environment_configures_endpoint_resource_and_sampler(receiver, monkeypatch):
    from ot_views.otel import otel_tracer

    for name in list(os.environ):
        if name.startswith("OTEL_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "from-env")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "team=books,service.name=ignored")
    tracer = otel_tracer(flush_on_exit=False)
    try:
        tracer.start_span("kept").finish()
        assert tracer.force_flush(10_000)
    finally:
        tracer.shutdown()
    (span,) = receiver.spans()
    assert span["resource"]["service.name"] == "from-env"
    assert span["resource"]["team"] == "books"

    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    sampled_out = otel_tracer(flush_on_exit=False)
    try:
        sampled_out.start_span("dropped").finish()
        assert sampled_out.force_flush(10_000)
    finally:
        sampled_out.shutdown()
    assert [s["name"] for s in receiver.spans()] == ["kept"]


def test_tracer_callable_setting_builds_it(memory, client):
    processor = SimpleSpanProcessor(memory)
    with override_settings(
        OPENTRACING_TRACER_CALLABLE="ot_views.tracers.otel_tracer",
        OPENTRACING_TRACER_PARAMETERS={
            "service_name": "from-settings",
            "span_processor": processor,
            "flush_on_exit": False,
        },
    ):
        from ot_views.tracers import OTelTracer

        tracer = get_tracer()
        assert isinstance(tracer, OTelTracer)
        assert client.get("/plain/").status_code == 200
        tracer.shutdown()
    (span,) = memory.get_finished_spans()
    assert span.name == "Plain.get"
    assert span.kind == SpanKind.SERVER
    assert span.resource.attributes["service.name"] == "from-settings"


@pytest.mark.parametrize("module", ["ot_views.otel", "ot_views.tracers"])
def test_missing_opentelemetry_names_the_extra(monkeypatch, module):
    import importlib

    for name in list(sys.modules):
        if name == "ot_views.tracers" or name.startswith("ot_views.otel"):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "opentelemetry.shim.opentracing_shim", None)
    with pytest.raises(ImportError, match=r'pip install "ot-views\[otel\]"'):
        importlib.import_module(module)


if __name__ == "__main__" and sys.argv[1:2] == ["serve"]:
    serve(sys.argv[2], sys.argv[3])
