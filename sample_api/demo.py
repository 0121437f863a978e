"""``make demo``: two traced sample services, a scripted scenario, and its traces as trees.

Steps: migrate and seed the SQLite database, start two uvicorn processes of this project on free
127.0.0.1 ports ("library" and the "inventory" service it calls), wait until both answer, drive
the scenario below against "library", fetch the spans both processes' trace viewers recorded
(``/traces/spans.json``, ``ot_views.viewer``), merge them by trace id and print one tree per
request. Then the URLs are printed and the services
keep running until Ctrl-C; ``DEMO_ONESHOT=1`` stops after the scenario (tests use that).
With ``OTEL_EXPORTER_OTLP_ENDPOINT`` set, both services export their spans there as well (they
flush on SIGTERM) and no trees are printed: the steps' statuses alone decide the exit status.

Both processes are stopped whatever happens (``finally``, SIGTERM and SIGHUP included). The exit
status is 1 when a step answered an unexpected status or its trace could not be found.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ot_views.viewer import group_traces
from sample_api import tracing

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = float(os.environ.get("DEMO_READY_TIMEOUT", "30"))
HTTP_TIMEOUT = 10.0
# Never a proxy: every request of the demo goes to 127.0.0.1.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Step:
    label: str
    method: str
    path: str
    expect: int
    body: dict[str, Any] | None = None
    status: int = 0
    trace_id: str | None = None
    data: Any = None


@dataclass
class Service:
    name: str
    port: int
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(method: str, url: str, body: Any = None) -> tuple[int, dict[str, str], bytes]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Accept": "application/json", "User-Agent": "ot-views-demo"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _opener.open(req, timeout=HTTP_TIMEOUT) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def base_env(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "sample_api.settings"
    env["SAMPLE_VAR_DIR"] = str(var_dir)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def prepare_database(env: dict[str, str]) -> None:
    manage = [sys.executable, str(ROOT / "sample_api" / "manage.py")]
    for command in (["migrate", "--noinput", "-v", "0"], ["seed"]):
        subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True, timeout=120)


def die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM when the demo dies, even by SIGKILL.

    The ``finally`` in ``main`` stops the services on every exit Python sees; this covers the
    one it cannot (``kill -9``), so no server outlives the demo.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def start(service: Service) -> None:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "sample_api.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(service.port),
        "--lifespan",
        "off",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with service.log.open("ab") as log:
        service.process = subprocess.Popen(
            command,
            env=service.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the demo only; it stops the servers.
            preexec_fn=die_with_parent if sys.platform.startswith("linux") else None,
        )


def stop(service: Service) -> None:
    process = service.process
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def wait_ready(services: list[Service]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    pending = list(services)
    while pending:
        for service in list(pending):
            assert service.process is not None
            if service.process.poll() is not None:
                raise RuntimeError(
                    f"{service.name} exited with status {service.process.returncode}; "
                    f"see {service.log}:\n{tail(service.log)}"
                )
            try:
                # Not traced, not recorded: the readiness probe leaves no trace behind.
                status, _, _ = request("GET", f"{service.url}/traces/spans.json")
            except OSError:
                continue
            if status in (200, 404):  # 404: the viewer is closed (DEBUG off), the server is up
                pending.remove(service)
        if pending and time.monotonic() > deadline:
            names = ", ".join(s.name for s in pending)
            raise RuntimeError(f"{names} not ready after {READY_TIMEOUT:.0f}s")
        if pending:
            time.sleep(0.1)


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def scenario() -> list[Step]:
    return [
        Step("list books", "GET", "/api/books/", 200),
        Step(
            "create a book",
            "POST",
            "/api/books/",
            201,
            {"title": "The Left Hand of Darkness", "author": None, "year": 1969, "copies": 2},
        ),
        Step("book detail", "GET", "/api/books/{created}/", 200),
        Step("missing book: 404, not an error", "GET", "/api/books/999999/", 404),
        Step("loan fee with days=0: 500", "GET", "/fees/?cents=500&days=0", 500),
        Step(
            "availability: calls the inventory service",
            "GET",
            "/api/books/{first}/availability/",
            200,
        ),
        Step("async view", "GET", "/stats/", 200),
        Step("streaming CSV export", "GET", "/export.csv", 200),
    ]


def drive(base: str, steps: list[Step]) -> None:
    known: dict[str, Any] = {}
    for step in steps:
        if step.body is not None and "author" in step.body and step.body["author"] is None:
            step.body["author"] = known.get("author", 1)
        path = step.path.format(**known)
        step.path = path
        step.status, headers, raw = request(step.method, base + path, step.body)
        step.trace_id = headers.get("X-Trace-Id") or headers.get("x-trace-id")
        try:
            step.data = json.loads(raw)
        except ValueError:
            step.data = raw[:200].decode(errors="replace")
        if step.label == "list books" and isinstance(step.data, list) and step.data:
            known["first"] = step.data[0]["id"]
            known["author"] = step.data[0]["author"]
        if step.label == "create a book" and isinstance(step.data, dict):
            known["created"] = step.data.get("id")
        mark = "" if step.status == step.expect else f"   (expected {step.expect})"
        print(f"  {step.method:4} {path:32} -> {step.status}{mark}", flush=True)


def collect(services: list[Service], steps: list[Step]) -> dict[str, list[dict[str, Any]]]:
    """Both viewers' spans merged by trace id; waits (bounded) for spans that end after the
    response.

    A streaming response's span ends when the server closes it, a moment after the client has
    read the body, so the root spans of the scenario are polled for briefly.
    """
    wanted = {s.trace_id for s in steps if s.trace_id}
    deadline = time.monotonic() + 5
    while True:
        spans: list[dict[str, Any]] = []
        for service in services:
            status, _, raw = request("GET", f"{service.url}/traces/spans.json")
            if status != 200:
                print(f"  ({service.name}: /traces/ answered {status}; it needs DEBUG on)")
                return {}
            spans.extend(json.loads(raw)["spans"])
        traces = group_traces(spans)
        roots = {s["trace_id"] for s in spans if s["parent_id"] is None and s["trace_id"] in wanted}
        if roots >= wanted or time.monotonic() > deadline:
            return traces
        time.sleep(0.1)


def report(steps: list[Step], traces: dict[str, list[dict[str, Any]]]) -> bool:
    ok = True
    for step in steps:
        spans = traces.get(step.trace_id or "")
        title = f"{step.label}: {step.method} {step.path} -> {step.status}"
        if step.status != step.expect:
            ok = False
        if not spans:
            ok = False
            print(f"\n(no trace found for {title})")
            continue
        print()
        print(tracing.format_trace(spans, title=title))
    return ok


def main() -> int:
    oneshot = os.environ.get("DEMO_ONESHOT") == "1"
    var_dir = Path(os.environ.get("SAMPLE_VAR_DIR", ROOT / "sample_api" / "var")).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    env = base_env(var_dir)
    otlp_endpoint = env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if otlp_endpoint:
        print("note: OTEL_EXPORTER_OTLP_ENDPOINT is set: spans go there, no trees here.")

    # SIGTERM/SIGHUP end the demo like Ctrl-C does, through the finally below.
    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    # A shell starting the demo in the background ignores SIGINT for it; Ctrl-C must still work.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGHUP, interrupt)

    print(f"== database: {env.get('SAMPLE_DB') or var_dir / 'library.sqlite3'} (migrate, seed)")
    prepare_database(env)

    inventory = Service("inventory", free_port(), var_dir / "inventory.log")
    library = Service("library", free_port(), var_dir / "library.log")
    inventory.env = {**env, "SAMPLE_SERVICE": "inventory"}
    library.env = {
        **env,
        "SAMPLE_SERVICE": "library",
        "SAMPLE_INVENTORY_URL": inventory.url,
        "SAMPLE_PEER_URLS": inventory.url,
    }
    services = [library, inventory]
    ok = False
    try:
        for service in services:
            start(service)
        wait_ready(services)
        print(f"== services: library {library.url}, inventory {inventory.url} (uvicorn, ASGI)")
        print("== scenario")
        steps = scenario()
        drive(library.url, steps)
        if otlp_endpoint:
            # No buffer to read: the services export their spans, the rest when they stop.
            ok = all(step.status == step.expect for step in steps)
            print(f"\n== traces: exported to {otlp_endpoint} (the last batch as the services stop)")
        else:
            print("\n== traces (both services' recorded spans, merged by trace id)")
            traces = collect(services, steps)
            ok = report(steps, traces)
            dump = var_dir / "demo-spans.json"
            dump.write_text(json.dumps([s for spans in traces.values() for s in spans], indent=1))
            print(f"\n== all spans as JSON: {dump}")
        if oneshot:
            print("== DEMO_ONESHOT=1: stopping the services")
            return 0 if ok else 1
        print("\n== running; try:")
        print(f"  {library.url}/traces/             (both services' traces as waterfalls)")
        print(f"  {library.url}/api/books/          (DRF browsable API)")
        print(f"  {library.url}/api/books/1/availability/   (calls {inventory.url})")
        print(f"  {library.url}/stats/   {library.url}/export.csv   {library.url}/fees/?days=0")
        print(f"  {library.url}/traces/spans.json   {inventory.url}/traces/   (each one's spans)")
        print(f"  logs: {library.log} {inventory.log}")
        print("Ctrl-C stops both services.", flush=True)
        while all(s.process is not None and s.process.poll() is None for s in services):
            time.sleep(0.5)
        print("a service exited; stopping")
        return 1
    except KeyboardInterrupt:
        print("\nstopping")
        return 0 if ok or not oneshot else 1
    finally:
        for service in services:
            stop(service)


if __name__ == "__main__":
    sys.exit(main())
