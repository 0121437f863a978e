"""Real gunicorn and uvicorn servers for the reliability tests, on 127.0.0.1 only.

The test binds the listening socket itself (port 0, so the kernel picks a free port) and hands
the file descriptor to the server: no port race, and nothing but loopback is ever bound.
Servers run in their own process group so stopping one also stops its workers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 30.0
REQUEST_TIMEOUT = 15.0


@dataclass
class Server:
    kind: str
    mode: str
    port: int
    spans_dir: str
    log_path: str
    proc: subprocess.Popen[bytes] = field(repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, size: int = 4000) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as fh:
                return fh.read()[-size:]
        except OSError:
            return ""


def start(kind: str, mode: str, workdir: Path) -> Server:
    """Start ``kind`` (gunicorn or uvicorn) serving the reliability site in ``mode``."""
    spans_dir = workdir / f"{kind}-{mode}-spans"
    spans_dir.mkdir(parents=True)
    log_path = str(workdir / f"{kind}-{mode}.log")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    fd = sock.fileno()
    if kind == "gunicorn":
        cmd = [
            sys.executable, "-m", "gunicorn",
            "--bind", f"fd://{fd}",
            "--worker-class", "gthread", "--workers", "2", "--threads", "8",
            "--timeout", "30", "--graceful-timeout", "3", "--log-level", "warning",
            "tests.reliability.testsite.wsgi:application",
        ]  # fmt: skip
    elif kind == "uvicorn":
        cmd = [
            sys.executable, "-m", "uvicorn",
            "--fd", str(fd), "--lifespan", "off", "--no-access-log", "--log-level", "warning",
            "tests.reliability.testsite.asgi:application",
        ]  # fmt: skip
    else:
        raise ValueError(kind)
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.reliability.testsite.settings",
        OT_RELIABILITY_SPANS=str(spans_dir),
        OT_RELIABILITY_MODE=mode,
        PYTHONPATH=str(REPO),
    )
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=[fd],
            start_new_session=True,
        )
    sock.close()
    server = Server(kind, mode, port, str(spans_dir), log_path, proc)
    try:
        _wait_ready(server)
    except BaseException:
        stop(server)
        raise
    return server


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.kind} exited at startup:\n{server.log_tail()}")
        try:
            if requests.get(f"{server.base_url}/health/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{server.kind} not ready in {STARTUP_TIMEOUT}s:\n{server.log_tail()}"
            )
        time.sleep(0.1)


def stop(server: Server) -> None:
    """Stop the server's process group: SIGTERM, then SIGKILL after a bounded wait."""
    proc = server.proc
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
    else:
        try:  # the master is gone; make sure no worker of its group lingers
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def run_concurrently(
    calls: Iterable[Any], send: Callable[[requests.Session, Any], Any], workers: int = 32
) -> list[Any]:
    """``send(session, call)`` for every call from ``workers`` threads, results in call order."""
    local = threading.local()

    def one(call: Any) -> Any:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        return send(session, call)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, calls))


def raw_request(port: int, request: bytes) -> tuple[int, bytes]:
    """Send raw HTTP/1.1 bytes (duplicate or non-ASCII headers that clients refuse to build)."""
    with socket.create_connection(("127.0.0.1", port), timeout=REQUEST_TIMEOUT) as conn:
        conn.sendall(request)
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body
