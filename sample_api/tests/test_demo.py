"""``make demo``'s entry point, run for real: two uvicorn processes, the scenario, the trees.

Also the sample's system checks (``manage.py check``, with and without ``--deploy``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("rest_framework")

from sample_api.tests.processes import read_until

ROOT = Path(__file__).resolve().parent.parent.parent
TREE_LINE = re.compile(
    r"^(?P<indent> +)- (?P<op>.+?) \[(?P<service>[\w-]+)\] (?P<ms>[\d.]+) ms(?P<rest>.*)$"
)
pytestmark = pytest.mark.slow


def demo_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "SAMPLE_"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(SAMPLE_VAR_DIR=str(tmp_path), DEMO_READY_TIMEOUT="30", **extra)
    return env


def parse_trees(output: str) -> dict[str, list[tuple[int, str, str, str]]]:
    """Printed trees by their title: (depth, operation, service, rest of the line) per span."""
    trees: dict[str, list[tuple[int, str, str, str]]] = {}
    current: list[tuple[int, str, str, str]] | None = None
    for line in output.splitlines():
        header = re.match(r"^trace [0-9a-f]{16}  \((?P<title>.+)\)$", line)
        if header:
            current = trees.setdefault(header["title"].split(":")[0], [])
            continue
        match = TREE_LINE.match(line)
        if match and current is not None:
            depth = len(match["indent"]) // 2 - 1
            current.append((depth, match["op"], match["service"], match["rest"]))
        elif not line.strip():
            current = None
    return trees


def shape(tree: list[tuple[int, str, str, str]]) -> list[tuple[int, str]]:
    return [(depth, op) for depth, op, _, _ in tree]


def assert_query_span(span: dict, parent: dict, name: str, where: str | None = None) -> None:
    """A SQL span from the demo's JSON: the child of ``parent``, shaped as the contract says."""
    assert span["operation"] == name
    assert span["parent_id"] == parent["span_id"] and span["trace_id"] == parent["trace_id"]
    assert span["service"] == parent["service"]
    tags = span["tags"]
    assert tags["span.kind"] == "client"
    assert tags["component"] == "django.db"
    assert tags["db.type"] == "sql"
    # The alias and the database behind it: the demo's SQLite file.
    assert tags["db.instance"].startswith("default:") and tags["db.instance"].endswith(
        "library.sqlite3"
    )
    verb, table = name.split(" ")
    assert tags["db.statement"].startswith(verb) and f'"{table}"' in tags["db.statement"]
    if where is not None:
        assert where in tags["db.statement"]  # a placeholder where the value was
    assert "error" not in tags and span["logs"] == []
    assert parent["start"] <= span["start"]
    assert span["start"] + span["duration"] <= parent["start"] + parent["duration"]


def ports_in(output: str) -> list[int]:
    return [
        int(p) for p in re.findall(r"http://127\.0\.0\.1:(\d+)", output.split("\n== scenario")[0])
    ]


def assert_closed(port: int) -> None:
    with socket.socket() as sock:
        sock.settimeout(1)
        assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still listening"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("demo")
    result = subprocess.run(
        [sys.executable, "-m", "sample_api.demo"],
        cwd=ROOT,
        env=demo_env(tmp_path, DEMO_ONESHOT="1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result, tmp_path


def test_demo_exits_cleanly_and_frees_its_ports(demo):
    result, _ = demo
    assert result.returncode == 0, result.stdout + result.stderr
    ports = ports_in(result.stdout)
    assert len(ports) == 2 and ports[0] != ports[1]
    for port in ports:
        assert_closed(port)


def test_demo_prints_every_scenario_step(demo):
    result, _ = demo
    for line in (
        "GET  /api/books/ ",
        "POST /api/books/ ",
        "GET  /api/books/999999/ ",
        "GET  /fees/?cents=500&days=0 ",
        "GET  /stats/ ",
        "GET  /export.csv ",
    ):
        assert line in result.stdout
    assert "expected" not in result.stdout  # every step answered what the scenario expects


def test_cross_service_trace_has_both_server_spans_with_parentage(demo):
    result, tmp_path = demo
    tree = parse_trees(result.stdout)["availability"]
    assert [(d, op, svc) for d, op, svc, _ in tree] == [
        (0, "BookViewSet.availability", "library"),
        (1, "SELECT library_book", "library"),  # get_object(), before the call
        (1, "GET inventory /stock/", "library"),
        (2, "StockView.get", "inventory"),
        (3, "stock.lookup", "inventory"),
        (4, "SELECT library_book", "inventory"),  # the callee's query, in the same trace
    ]
    # The same, from the JSON the demo wrote: ids, not only indentation.
    spans = json.loads((tmp_path / "demo-spans.json").read_text())
    by_op = {s["operation"]: s for s in spans}
    caller, call = by_op["BookViewSet.availability"], by_op["GET inventory /stock/"]
    callee, lookup = by_op["StockView.get"], by_op["stock.lookup"]
    queries = {
        s["service"]: s
        for s in spans
        if s["trace_id"] == caller["trace_id"] and s["operation"] == "SELECT library_book"
    }
    assert set(queries) == {"library", "inventory"}
    where = '"library_book"."id" = %s'
    assert_query_span(queries["library"], caller, "SELECT library_book", where)
    assert_query_span(queries["inventory"], lookup, "SELECT library_book", where)
    assert queries["library"]["start"] + queries["library"]["duration"] <= call["start"]
    assert caller["service"] == "library" and callee["service"] == "inventory"
    assert caller["tags"]["span.kind"] == callee["tags"]["span.kind"] == "server"
    assert call["tags"]["span.kind"] == "client"
    assert caller["trace_id"] == call["trace_id"] == callee["trace_id"]
    assert caller["parent_id"] is None
    assert call["parent_id"] == caller["span_id"]
    assert callee["parent_id"] == call["span_id"]


def test_error_trace_is_marked_and_404_is_not(demo):
    result, _ = demo
    trees = parse_trees(result.stdout)
    ((depth, op, service, rest),) = trees["loan fee with days=0"]
    assert (depth, op, service) == (0, "loan_fee", "library")
    assert "http.status_code=500" in rest and rest.endswith("ERROR")
    assert "! ZeroDivisionError" in result.stdout
    missing, query = trees["missing book"]
    assert "http.status_code=404" in missing[3] and "ERROR" not in missing[3]
    # The query that found nothing is no error either.
    assert query[:3] == (1, "SELECT library_book", "library") and "ERROR" not in query[3]


def test_async_view_and_child_spans_nest_under_their_request(demo):
    trees = parse_trees(demo[0].stdout)
    # The two counts run concurrently, so either may start first; each keeps its own query.
    books = [(1, "stats.count_books"), (2, "SELECT library_book")]
    authors = [(1, "stats.count_authors"), (2, "SELECT library_author")]
    assert shape(trees["async view"]) in (
        [(0, "StatsView.get"), *books, *authors],
        [(0, "StatsView.get"), *authors, *books],
    )
    assert shape(trees["list books"]) == [
        (0, "BookViewSet.list"),
        (1, "books.query"),
        (2, "SELECT library_book"),  # one query, author joined: no N+1 under serialize
        (1, "books.serialize"),
    ]
    # The body's query runs after the view returned, outside the request's context, and the
    # core traces no query there yet: when it does, a SELECT library_book joins export.rows.
    assert shape(trees["streaming CSV export"]) == [
        (0, "export_csv"),
        (1, "export.rows"),
    ]
    assert shape(trees["book detail"]) == [
        (0, "BookViewSet.retrieve"),
        (1, "SELECT library_book"),
    ]


def test_a_requests_queries_are_nested_under_it_in_order(demo):
    """The demo shows a request's queries as its children, one span per query."""
    result, tmp_path = demo
    assert shape(parse_trees(result.stdout)["create a book"]) == [
        (0, "BookViewSet.create"),
        (1, "SELECT library_author"),  # the serializer checks the author exists
        (1, "INSERT library_book"),  # then the book is written
    ]
    spans = json.loads((tmp_path / "demo-spans.json").read_text())
    (create,) = [s for s in spans if s["operation"] == "BookViewSet.create"]
    children = sorted(
        (s for s in spans if s["parent_id"] == create["span_id"]), key=lambda s: s["start"]
    )
    author, insert = children
    assert_query_span(author, create, "SELECT library_author", '"library_author"."id" = %s')
    assert_query_span(insert, create, "INSERT library_book", "VALUES (%s, %s, %s, %s)")
    assert author["start"] + author["duration"] <= insert["start"]
    # No parameter value of the scenario reaches a tag: the posted title, the missing id.
    for span in spans:
        for value in span["tags"].values():
            assert "Left Hand of Darkness" not in str(value)
            if span["tags"].get("component") == "django.db":
                assert "999999" not in str(value)
    # Every query the scenario made inside a request is a child of a span of that request.
    ids = {s["span_id"] for s in spans}
    for span in spans:
        if span["tags"].get("component") == "django.db":
            assert span["parent_id"] in ids, span["operation"]


def settings_value(tmp_path: Path, code: str, **extra: str) -> str:
    """What ``code`` prints with the sample's settings loaded in a fresh process and ``extra``
    in its environment (``OTEL_*`` and ``SAMPLE_*`` of this process left out)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "SAMPLE_"))}
    env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "sample_api.settings",
        "SAMPLE_DB": str(tmp_path / "db.sqlite3"),
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_sample_trace_db_switch(tmp_path):
    """``SAMPLE_TRACE_DB=0`` turns the SQL spans off; anything else (or unset) leaves them on."""
    code = "from django.conf import settings as s; print(s.OPENTRACING_TRACE_DB)"
    assert settings_value(tmp_path, code) == "True"
    assert settings_value(tmp_path, code, SAMPLE_TRACE_DB="0") == "False"
    assert settings_value(tmp_path, code, SAMPLE_TRACE_DB="1") == "True"


def test_async_view_really_ran_on_the_event_loop(demo):
    # The two child spans of the async view overlap in time: asyncio.gather ran them together.
    spans = json.loads((demo[1] / "demo-spans.json").read_text())
    a, b = (s for s in spans if s["operation"].startswith("stats.count_"))
    assert a["start"] < b["start"] + b["duration"] and b["start"] < a["start"] + a["duration"]


def start_demo(tmp_path: Path) -> subprocess.Popen[bytes]:
    """The interactive demo (no DEMO_ONESHOT), its output on a pipe for ``read_until``."""
    return subprocess.Popen(
        [sys.executable, "-m", "sample_api.demo"],
        cwd=ROOT,
        env=demo_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_demo_keeps_running_until_interrupted_then_stops_both(tmp_path, sig):
    process = start_demo(tmp_path)
    try:
        output = read_until(process, "Ctrl-C stops both services.", timeout=90)
        ports = ports_in(output)
        time.sleep(0.3)
        assert process.poll() is None  # still serving
        with socket.create_connection(("127.0.0.1", ports[0]), timeout=2):
            pass
        process.send_signal(sig)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.terminate()  # the demo's own finally stops its two servers
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
    for port in ports:
        assert_closed(port)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "sample_api" / "manage.py"), *args],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("OTEL_")},
            # pytest-django exported the suite's settings module; the sample has its own.
            "DJANGO_SETTINGS_MODULE": "sample_api.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sample_settings_pass_system_checks(tmp_path):
    result = manage("check", "--fail-level", "WARNING", SAMPLE_DB=str(tmp_path / "db.sqlite3"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_lists_only_the_documented_dev_warnings(tmp_path):
    db = str(tmp_path / "db.sqlite3")
    dev = manage("check", "--deploy", SAMPLE_DB=db)
    assert dev.returncode == 0, dev.stderr
    found = set(re.findall(r"\((security\.W\d+)\)", dev.stdout + dev.stderr))
    https = {"security.W004", "security.W008", "security.W016"}
    assert found == {*https, "security.W009", "security.W018"}
    key = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"
    prod = manage("check", "--deploy", SAMPLE_DB=db, SAMPLE_DEBUG="0", SAMPLE_SECRET_KEY=key)
    found = set(re.findall(r"\((security\.W\d+)\)", prod.stdout + prod.stderr))
    assert found == https  # settled by a deployment behind TLS


def test_otlp_endpoint_switches_the_sample_to_the_otel_tracer(tmp_path):
    # No span is exported: only the settings and their system checks are read.
    code = (
        "from django.conf import settings as s; "
        "print(s.OPENTRACING_TRACER_CALLABLE, s.OPENTRACING_TRACER_PARAMETERS['service_name'])"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "sample_api.settings",
        "SAMPLE_DB": str(tmp_path / "db.sqlite3"),
        "SAMPLE_SERVICE": "svc-x",
        "PYTHONPATH": str(ROOT),
    }
    base = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    on = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, **env, "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert on.stdout.split() == ["ot_views.otel.otel_tracer", "svc-x"], on.stderr
    off = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert off.stdout.split() == ["sample_api.tracing.sample_tracer", "svc-x"], off.stderr
    checked = manage(
        "check", SAMPLE_DB=env["SAMPLE_DB"], OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9"
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_otlp_settings_get_the_sigterm_flush_from_ready_not_from_an_import(tmp_path):
    """Loading the settings installs nothing; ``django.setup()`` (main thread) hooks SIGTERM,
    before any tracer is built.

    Under uvicorn the tracer is first built in a worker thread, where Python allows no signal
    handler: without this the spans still batched at shutdown would be lost.
    """
    show = (
        "h = signal.getsignal(signal.SIGTERM); "
        "print('default' if h is signal.SIG_DFL else f'{h.__module__} {h.__qualname__}')"
    )
    code = (
        f"import signal; from django.conf import settings; settings.INSTALLED_APPS; {show}; "
        f"import django; django.setup(); {show}"
    )

    def handlers(**extra: str) -> list[str]:
        return settings_value(tmp_path, code, **extra).splitlines()

    assert handlers(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9") == [
        "default",
        "ot_views.otel.flush install_sigterm_flush.<locals>.on_sigterm",
    ]
    assert handlers() == ["default", "default"]  # the in-process buffer needs no hook


def test_servers_die_with_a_killed_demo(tmp_path):
    """Even ``kill -9`` of the demo, which runs no ``finally``, leaves no server behind."""
    process = start_demo(tmp_path)
    try:
        ports = ports_in(read_until(process, "== scenario", timeout=90))
    finally:
        process.kill()
        process.wait(timeout=10)
    deadline = time.monotonic() + 15
    while True:
        try:
            for port in ports:
                assert_closed(port)
            break
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
