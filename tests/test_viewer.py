"""The trace viewer app: recording through any tracer, access, escaping, filters, bounds."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from html.parser import HTMLParser
from unittest import mock

import opentracing
import pytest
from django.contrib.auth.models import User
from django.core.checks import run_checks
from django.test import Client, override_settings

from ot_views import faults, get_tracer
from ot_views.conf import conf
from ot_views.testing import make_tracer, server_span, traced
from ot_views.viewer import RecordingTracer, recorded_spans
from ot_views.viewer.recorder import recorder

INSTALLED = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "ot_views",
    "ot_views.viewer",
    "tests",
]
VIEWER = {
    "INSTALLED_APPS": INSTALLED,
    "ROOT_URLCONF": "tests.viewer_urls",
    "MIDDLEWARE": [
        "ot_views.middleware.OpenTracingMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    "TEMPLATES": [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
    "OPENTRACING_TRACE_DB": True,
}


@pytest.fixture
def viewer(db):
    recorder.clear()
    with override_settings(**VIEWER):
        yield
    recorder.clear()


@pytest.fixture
def client(viewer):
    return Client(raise_request_exception=False)


@pytest.fixture
def debug(viewer):
    with override_settings(DEBUG=True):
        yield


def by_name(spans):
    return {s["operation"]: s for s in spans}


def hex16(value: int) -> str:
    return f"{value:016x}"


# -- recording -----------------------------------------------------------------------------------


def test_every_span_of_the_request_reaches_both_the_viewer_and_the_real_tracer(client):
    with traced() as tracer:
        assert isinstance(get_tracer(), RecordingTracer)
        assert client.get("/nested/").status_code == 200
    real = {s.operation_name: s for s in tracer.finished_spans()}
    assert set(real) == {"Nested.get", "compute", "SELECT auth_user"}
    seen = by_name(recorded_spans())
    assert set(seen) == set(real)
    for name, span in real.items():
        assert seen[name]["trace_id"] == hex16(span.context.trace_id)
        assert seen[name]["span_id"] == hex16(span.context.span_id)
        expected_parent = None if span.parent_id is None else hex16(span.parent_id)
        assert seen[name]["parent_id"] == expected_parent
    assert seen["compute"]["parent_id"] == seen["Nested.get"]["span_id"]
    assert seen["SELECT auth_user"]["parent_id"] == seen["compute"]["span_id"]
    assert seen["Nested.get"]["tags"]["span.kind"] == "server"
    assert seen["Nested.get"]["tags"]["http.status_code"] == 200
    assert seen["compute"]["tags"] == {"note": "plain"}
    assert seen["SELECT auth_user"]["tags"]["component"] == "django.db"


def test_without_the_app_the_tracer_is_not_wrapped(db):
    with traced() as tracer:
        assert get_tracer() is tracer
        assert conf.tracer is tracer
    with override_settings(**VIEWER), traced() as tracer:
        assert get_tracer().inner is tracer
    with traced() as tracer:  # the override is over: the app is gone again
        assert get_tracer() is tracer


def test_errors_are_logged_to_both(client):
    with traced() as tracer:
        assert client.get("/boom/").status_code == 500
    real = server_span(tracer)
    (seen,) = recorded_spans()
    assert seen["tags"]["error"] is True and real.tags["error"] is True
    (log,) = seen["logs"]
    assert log["fields"]["error.kind"] == "ValueError"
    assert log["fields"]["message"] == "boom happened"
    assert isinstance(log["fields"]["error.object"], str)  # plain data, not the exception


def test_recording_through_the_opentelemetry_tracer(client):
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from ot_views.tracers import otel_tracer

    memory = InMemorySpanExporter()
    tracer = otel_tracer("viewer-test", span_processor=SimpleSpanProcessor(memory))
    try:
        with override_settings(OPENTRACING_TRACER=tracer):
            assert client.get("/nested/").status_code == 200
    finally:
        tracer.shutdown()
    exported = {s.name: s for s in memory.get_finished_spans()}
    assert set(exported) == {"Nested.get", "compute", "SELECT auth_user"}
    seen = by_name(recorded_spans())
    assert set(seen) == set(exported)
    for name, span in exported.items():
        assert seen[name]["trace_id"] == f"{span.context.trace_id:032x}"
        assert seen[name]["span_id"] == hex16(span.context.span_id)
        parent = span.parent.span_id if span.parent is not None else None
        assert seen[name]["parent_id"] == (None if parent is None else hex16(parent))
    assert seen["SELECT auth_user"]["parent_id"] == seen["compute"]["span_id"]
    assert seen["compute"]["parent_id"] == seen["Nested.get"]["span_id"]
    # The real tracer still did its own job: kinds carried over to OpenTelemetry.
    assert exported["Nested.get"].kind.name == "SERVER"
    assert exported["SELECT auth_user"].kind.name == "CLIENT"
    # The process is the OpenTelemetry resource.
    process = seen["Nested.get"]["process"]
    assert seen["Nested.get"]["service"] == process["service.name"] == "viewer-test"
    assert "telemetry.sdk.language" in process


def test_with_no_tracer_configured_the_viewer_numbers_the_spans_itself(client):
    with override_settings(OPENTRACING_TRACER=None):
        assert type(opentracing.global_tracer()) is opentracing.Tracer  # the no-op one
        assert client.get("/nested/").status_code == 200
    seen = by_name(recorded_spans())
    assert set(seen) == {"Nested.get", "compute", "SELECT auth_user"}
    root = seen["Nested.get"]
    assert re.fullmatch(r"[0-9a-f]{32}", root["trace_id"]) and root["parent_id"] is None
    assert {s["trace_id"] for s in seen.values()} == {root["trace_id"]}
    assert seen["compute"]["parent_id"] == root["span_id"]
    assert seen["SELECT auth_user"]["parent_id"] == seen["compute"]["span_id"]


def test_a_span_the_real_tracer_activated_itself_is_still_the_parent(viewer):
    with traced() as real:
        wrapped = get_tracer()
        with real.start_active_span("outside") as outside:
            assert wrapped.active_span is outside.span  # reported as the real tracer has it
            with wrapped.start_active_span("inside") as inside:
                assert wrapped.active_span is inside.span
                assert real.active_span is inside.span.inner
    seen = by_name(recorded_spans())
    assert seen["inside"]["parent_id"] == hex16(outside.span.context.span_id)
    assert "outside" not in seen  # started behind the wrapper: the viewer never saw it


# -- access --------------------------------------------------------------------------------------


def urls_of_one_trace(client) -> list[str]:
    with traced():
        client.get("/plain/")
    (span,) = recorded_spans()
    tid = span["trace_id"]
    return ["/traces/", f"/traces/{tid}/", f"/traces/{tid}.json", "/traces/spans.json"]


def test_debug_off_and_anonymous_is_404_everywhere(client):
    for url in urls_of_one_trace(client):
        assert client.get(url).status_code == 404, url


def test_debug_on_answers(client, debug):
    for url in urls_of_one_trace(client):
        assert client.get(url).status_code == 200, url


def test_staff_answers_with_debug_off_and_others_do_not(client):
    urls = urls_of_one_trace(client)
    user = User.objects.create_user("reader", password="pw")
    client.force_login(user)
    assert client.get(urls[0]).status_code == 404  # logged in is not enough
    user.is_staff = True
    user.save()
    for url in urls:
        assert client.get(url).status_code == 200, url
    user.is_active = False
    user.save()
    assert client.get(urls[0]).status_code == 404


def allow_header(request):
    return request.headers.get("X-Viewer") == "yes"


def broken_access(request):
    raise RuntimeError("broken hook")


def test_the_access_setting_decides(client, debug):
    urls = urls_of_one_trace(client)
    with override_settings(OPENTRACING_VIEWER_ACCESS="tests.test_viewer.allow_header"):
        for url in urls:
            assert client.get(url).status_code == 404, url  # DEBUG no longer opens it
            assert client.get(url, HTTP_X_VIEWER="yes").status_code == 200, url
    with override_settings(OPENTRACING_VIEWER_ACCESS=lambda request: True, DEBUG=False):
        assert client.get(urls[0]).status_code == 200


def _access_faults() -> int:
    return sum(n for (where, _), n in faults.counts().items() if where == "viewer access callback")


def test_a_broken_or_missing_access_hook_refuses(client, debug):
    # Counted, not read from the log: only a fault's first occurrence in the process is logged,
    # and an earlier run in the same process (mutmut's) may have had it already.
    urls = urls_of_one_trace(client)
    before = _access_faults()
    with override_settings(OPENTRACING_VIEWER_ACCESS="tests.test_viewer.broken_access"):
        assert client.get(urls[0]).status_code == 404
    assert _access_faults() == before + 1
    with override_settings(OPENTRACING_VIEWER_ACCESS="tests.test_viewer.no_such_hook"):
        assert client.get(urls[0]).status_code == 404
    assert _access_faults() == before + 2


# -- pages ---------------------------------------------------------------------------------------


def test_tag_values_are_escaped(client, debug):
    payload = "<script>alert('x')</script>"
    with traced():
        client.get("/nested/", {"note": payload})
    tracer = get_tracer()
    with traced():
        span = get_tracer().start_span(payload, tags={payload: payload})
        span.log_kv({"event": payload})
        span.finish()
    del tracer
    for trace_id in {s["trace_id"] for s in recorded_spans()}:
        html = client.get(f"/traces/{trace_id}/").content.decode()
        assert "<script" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    listing = client.get("/traces/").content.decode()
    assert "<script" not in listing and "&lt;script&gt;" in listing


def test_redacted_keys_stay_redacted_in_the_pages(client, debug):
    with traced():
        span = get_tracer().start_span("leaky", tags={"password": "hunter2"})
        span.set_tag("http.url", "http://h/p?api_key=zzz-secret&page=2")
        span.log_kv({"event": "x", "session_id": "sess-secret"})
        span.finish()
    tid = span.trace_id
    for url in (f"/traces/{tid}/", f"/traces/{tid}.json", "/traces/spans.json"):
        body = client.get(url).content.decode()
        for secret in ("hunter2", "zzz-secret", "sess-secret"):
            assert secret not in body, (url, secret)
        assert "REDACTED" in body and "page=2" in body


def make_traces(client):
    with traced():
        client.get("/plain/")
        client.get("/boom/")
        client.get("/nested/")
    return {s["operation"]: s["trace_id"] for s in recorded_spans() if s["parent_id"] is None}


def listed(page) -> list[str]:
    return [t["operation"] for t in page.context["traces"]]


@override_settings(TIME_ZONE="Asia/Kathmandu")
def test_list_columns(client, debug):
    ids = make_traces(client)
    page = client.get("/traces/")
    assert listed(page) == ["Nested.get", "Boom.get", "Plain.get"]  # newest first
    item = {t["operation"]: t for t in page.context["traces"]}
    boom = item["Boom.get"]
    assert (boom["request"], boom["status"]) == ("GET /boom/", 500)
    assert boom["error_kind"] == "ValueError"
    assert item["Nested.get"]["span_count"] == 3 and item["Nested.get"]["services"] == ["tests"]
    html = page.content.decode()
    tr = rf'<tr class="trace error" data-trace-id="{ids["Boom.get"]}">(.*?)</tr>'
    row = re.search(tr, html, re.S)
    assert row is not None
    cells = re.findall(r"<td.*?</td>", row.group(1), re.S)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in cells]
    started, operation, request, status, duration, services, count, error, trace_id = cells
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", started)
    # In UTC whatever TIME_ZONE says (Django's date filter would convert it).
    boom_start = next(t["start"] for t in page.context["traces"] if t["operation"] == "Boom.get")
    utc = datetime.fromtimestamp(boom_start, tz=timezone.utc)
    assert started == f"{utc:%H:%M:%S}.{utc.microsecond // 1000:03d}"
    assert (operation, request, status, services, count, error) == (
        "Boom.get", "GET /boom/", "500", "tests", "1", "ValueError"
    )  # fmt: skip
    assert duration.endswith(" ms") and trace_id == ids["Boom.get"]


def test_filters(client, debug):
    make_traces(client)
    assert listed(client.get("/traces/", {"error": "1"})) == ["Boom.get"]
    assert listed(client.get("/traces/", {"error": "0"})) == ["Nested.get", "Plain.get"]
    # an operation anywhere in the trace, not only its root
    assert listed(client.get("/traces/", {"operation": "SELECT auth_user"})) == ["Nested.get"]
    assert listed(client.get("/traces/", {"operation": "Plain.get"})) == ["Plain.get"]
    assert len(listed(client.get("/traces/", {"service": "tests"}))) == 3
    assert listed(client.get("/traces/", {"service": "elsewhere"})) == []
    assert len(listed(client.get("/traces/", {"min_duration": "0"}))) == 3
    assert listed(client.get("/traces/", {"min_duration": "600000"})) == []
    assert len(listed(client.get("/traces/", {"min_duration": "nan"}))) == 3  # not a filter
    page = client.get("/traces/", {"error": "1", "service": "tests"})
    assert listed(page) == ["Boom.get"]
    html = page.content.decode()
    assert '<option value="1" selected>' in html and "1 of 3" in html


def test_find_by_trace_id(client, debug):
    ids = make_traces(client)
    found = client.get("/traces/", {"trace_id": f"  {ids['Boom.get'].upper()} "})
    assert found.status_code == 302 and found["Location"] == f"/traces/{ids['Boom.get']}/"
    # a 16-digit id of a 32-digit trace (or the other way round) is the same trace
    short = client.get("/traces/", {"trace_id": ids["Boom.get"].lstrip("0") or "0"})
    assert short.status_code == 302
    missing = client.get("/traces/", {"trace_id": "abc123"})
    assert missing.status_code == 200 and "No trace &#x27;abc123&#x27;" in missing.content.decode()
    assert client.get("/traces/not-hex/").status_code == 404
    assert client.get("/traces/0123/").status_code == 404


class _Nesting(HTMLParser):
    VOID = {"meta", "input", "br", "img", "link", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.found: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "details" and "span-row" in (attributes.get("class") or ""):
            groups = [
                a["data-span-id"] for t, a in self.stack if t == "div" and "data-span-id" in a
                and any(t2 == "details" and "subtree" in (a2.get("class") or "")
                        for t2, a2 in self.stack[self.stack.index((t, a)) :])
            ]  # fmt: skip
            self.found.append((attributes["data-span-id"], groups))
        if tag not in self.VOID:
            self.stack.append((tag, attributes))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1][0] == tag, (tag, self.stack[-3:])
        self.stack.pop()


def span_nesting(html: str) -> list[tuple[str, list[str]]]:
    """Each span row's id with the ids of the nodes whose subtree group holds it (well formed)."""
    parser = _Nesting()
    parser.feed(html)
    assert parser.stack == []
    return parser.found


def test_waterfall_nests_in_collapsible_groups_with_parent_ids(client, debug):
    with traced():
        client.get("/nested/")
    (root,) = [s for s in recorded_spans() if s["parent_id"] is None]
    page = client.get(f"/traces/{root['trace_id']}/")
    rows = page.context["rows"]
    assert [(r["depth"], r["span"]["operation"], r["descendants"]) for r in rows] == [
        (0, "Nested.get", 2),
        (1, "compute", 1),
        (2, "SELECT auth_user", 0),
    ]
    html = page.content.decode()
    nesting = span_nesting(html)
    # Each row sits in the groups of its ancestors: folding a group hides its whole subtree.
    assert nesting == [
        (rows[0]["span"]["span_id"], []),
        (rows[1]["span"]["span_id"], [rows[0]["span"]["span_id"]]),
        (rows[2]["span"]["span_id"], [rows[0]["span"]["span_id"], rows[1]["span"]["span_id"]]),
    ]
    assert html.count('<details class="subtree" open') == 2  # unfolded to start with
    root_id, compute_id = rows[0]["span"]["span_id"], rows[1]["span"]["span_id"]
    assert f'data-parent-id="{root_id}"' in html
    assert f'<code class="parent-id">{compute_id}</code>' in html
    assert '<code class="parent-id">none (root)</code>' in html
    # The process of each service, with its attributes.
    assert page.context["processes"][0][0] == "tests"
    process = dict(page.context["processes"][0][1])
    assert process["service.name"] == "tests" and "process.pid" in process


def test_waterfall_rows_close_every_group(debug):
    from ot_views.viewer.traces import waterfall_rows

    def span(sid, parent, start):
        out = {"trace_id": "t", "span_id": sid, "parent_id": parent, "operation": sid}
        return {**out, "service": "s", "start": start, "duration": 1.0, "tags": {}, "logs": []}

    spans = [span("a", None, 0), span("b", "a", 1), span("c", "b", 2), span("d", "a", 3),
             span("e", None, 4)]  # fmt: skip
    rows, _ = waterfall_rows(spans)
    shape = [(r["span"]["span_id"], r["descendants"], len(r["closes"])) for r in rows]
    assert shape == [("a", 3, 0), ("b", 1, 0), ("c", 0, 1), ("d", 0, 1), ("e", 0, 0)]


def test_the_viewers_own_requests_are_not_recorded(client, debug):
    with traced() as tracer:
        client.get("/plain/")
        before = recorded_spans()
        (tid,) = {s["trace_id"] for s in before}
        for url in ("/traces/", f"/traces/{tid}/", f"/traces/{tid}.json", "/traces/spans.json"):
            assert client.get(url).status_code == 200
        assert client.get("/traces/ffff/").status_code == 404
    assert recorded_spans() == before
    # ... yet the real tracer saw them (exclude ^/traces/ with OPENTRACING_EXCLUDED_PATHS).
    assert len([s for s in tracer.finished_spans() if s.parent_id is None]) == 6


def test_trace_json_has_jaegers_shape(client, debug):
    with traced():
        client.get("/nested/")
    (root,) = [s for s in recorded_spans() if s["parent_id"] is None]
    data = client.get(f"/traces/{root['trace_id']}.json").json()
    assert set(data) == {"data", "total", "limit", "offset", "errors"}
    (trace,) = data["data"]
    assert set(trace["processes"]) == {"p1"}
    assert trace["processes"]["p1"]["serviceName"] == "tests"
    tags = {t["key"]: t for t in trace["processes"]["p1"]["tags"]}
    assert tags["process.pid"]["type"] == "int64"
    spans = {s["operationName"]: s for s in trace["spans"]}
    assert spans["compute"]["references"] == [
        {"refType": "CHILD_OF", "traceID": root["trace_id"], "spanID": root["span_id"]}
    ]
    assert all(type(s["startTime"]) is int and s["processID"] == "p1" for s in spans.values())


def test_spans_json_and_peers(client, debug):
    with traced():
        client.get("/plain/")
    mine = client.get("/traces/spans.json").json()["spans"]
    assert [s["operation"] for s in mine] == ["Plain.get"]
    peer_span = {**mine[0], "span_id": "00000000000000ab", "parent_id": mine[0]["span_id"]}
    peer_span.update(operation="peer.work", service="peer", process={"service.name": "peer"})

    class Answer:
        def __init__(self, body):
            self.body = body

        def read(self, limit):
            return self.body[:limit]

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    asked = []

    def fake_open(url, timeout):
        asked.append(url)
        if "down" in url:
            raise ConnectionRefusedError("refused")
        broken = [{**peer_span, "start": "soon"}, {"trace_id": mine[0]["trace_id"]}, 7]
        return Answer(json.dumps({"spans": [peer_span, *broken]}).encode())

    peers = ["http://127.0.0.1:1/traces/", "http://127.0.0.1:2/down/"]
    with (
        override_settings(OPENTRACING_VIEWER_PEERS=peers),
        mock.patch("ot_views.viewer.views._opener.open", fake_open),
    ):
        page = client.get(f"/traces/{mine[0]['trace_id']}/")
        listing = client.get("/traces/").content.decode()
    assert asked[:2] == [
        "http://127.0.0.1:1/traces/spans.json",
        "http://127.0.0.1:2/down/spans.json",
    ]
    assert [(r["depth"], r["span"]["operation"]) for r in page.context["rows"]] == [
        (0, "Plain.get"),
        (1, "peer.work"),
    ]
    assert page.context["summary"]["services"] == ["peer", "tests"]
    assert "127.0.0.1:2/down/spans.json: refused" in listing


# -- bounds --------------------------------------------------------------------------------------


def test_the_buffer_is_bounded_in_traces_and_spans(client):
    limits = {"OPENTRACING_VIEWER_MAX_TRACES": 3, "OPENTRACING_VIEWER_MAX_SPANS": 2}
    with traced(), override_settings(**limits):
        for _ in range(10):
            client.get("/nested/")  # three spans each
        assert recorder.counts() == (3, 6)
        after_ten = recorder.counts()
        for _ in range(60):
            client.get("/nested/")
        assert recorder.counts() == after_ten  # flat: the same ceiling after 7x the requests
        assert set(recorder.dropped().values()) == {1}  # the root was one over the limit
    traces = {}
    for span in recorded_spans():
        traces.setdefault(span["trace_id"], []).append(span["operation"])
    assert all(names == ["SELECT auth_user", "compute"] for names in traces.values())


def test_oldest_trace_goes_first_and_a_busy_one_stays(viewer):
    with traced(), override_settings(OPENTRACING_VIEWER_MAX_TRACES=2):
        tracer = get_tracer()
        long = tracer.start_span("long")
        tracer.start_span("early", child_of=long).finish()
        tracer.start_span("one").finish()
        tracer.start_span("late", child_of=long).finish()  # the long trace is fresh again
        tracer.start_span("two").finish()
        long.finish()
    assert [s["operation"] for s in recorded_spans()] == ["two", "early", "late", "long"]


def test_each_span_is_bounded(viewer):
    from ot_views.viewer.recorder import MAX_FIELDS, MAX_LOGS, MAX_TAGS, MAX_VALUE_LENGTH

    with traced():
        span = get_tracer().start_span("big")
        for i in range(MAX_TAGS + 50):
            span.set_tag(f"t{i}", "x" * (MAX_VALUE_LENGTH * 2))
        for i in range(MAX_LOGS + 10):
            span.log_kv({f"f{j}": i for j in range(MAX_FIELDS + 5)})
        span.finish()
    (seen,) = recorded_spans()
    assert len(seen["tags"]) == MAX_TAGS
    assert all(len(v) <= MAX_VALUE_LENGTH + 3 for v in seen["tags"].values())
    assert len(seen["logs"]) == MAX_LOGS
    assert all(len(log["fields"]) == MAX_FIELDS for log in seen["logs"])


def test_limits_are_checked_settings():
    with override_settings(OPENTRACING_VIEWER_MAX_TRACES=0, OPENTRACING_VIEWER_MAX_SPANS="9"):
        errors = {(m.id, m.msg.split(" ")[0]) for m in run_checks()}
    assert ("ot_views.E002", "OPENTRACING_VIEWER_MAX_TRACES") in errors
    assert ("ot_views.E002", "OPENTRACING_VIEWER_MAX_SPANS") in errors
    with override_settings(OPENTRACING_VIEWER_MAX_TRACES=(5,)):
        assert "ot_views.E001" in {m.id for m in run_checks()}


def test_a_fresh_tracer_per_test_does_not_keep_old_wrappers(viewer):
    first, second = make_tracer(), make_tracer()
    with traced(first):
        a = get_tracer()
        assert get_tracer() is a  # one wrapper per real tracer, reused
    with traced(second):
        b = get_tracer()
    assert a.inner is first and b.inner is second and a is not b
