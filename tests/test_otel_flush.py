"""The SIGTERM flush of ``otel_tracer``: installed explicitly, and effective when the tracer is
built in a worker thread (uvicorn builds it there), where Python allows no signal handler."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk")

ROOT = Path(__file__).resolve().parent.parent

# A process whose tracer is built in a worker thread and whose spans wait in a batch (5 s
# delay); SIGTERM with the default action must still deliver them, through the handler
# AppConfig.ready() installed in the main thread.
_SCRIPT = r"""
import os, signal, sys, threading
from collections.abc import Sequence
import django
from django.conf import settings
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

class Printing(SpanExporter):
    def export(self, spans: Sequence) -> SpanExportResult:
        for span in spans:
            print("EXPORTED", span.name, flush=True)
        return SpanExportResult.SUCCESS

params = {"exporter": Printing()}
if sys.argv[1] == "no-flush":
    params["flush_on_exit"] = False
settings.configure(
    INSTALLED_APPS=["ot_views"],
    OPENTRACING_TRACER_CALLABLE="ot_views.otel.otel_tracer",
    OPENTRACING_TRACER_PARAMETERS=params,
)
def show():
    handler = signal.getsignal(signal.SIGTERM)
    print("HANDLER", "default" if handler is signal.SIG_DFL else handler.__module__, flush=True)

show()
django.setup()
show()

def work():
    from ot_views import get_tracer
    get_tracer().start_span("from-a-worker-thread").finish()

worker = threading.Thread(target=work)
worker.start()
worker.join()
os.kill(os.getpid(), signal.SIGTERM)
signal.pause()
"""


def _run(mode: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-c", _SCRIPT, mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_ready_installs_the_flush_that_a_worker_thread_tracer_relies_on():
    run = _run("flush")
    assert run.returncode == -signal.SIGTERM, run.stderr
    assert run.stdout.splitlines() == [
        "HANDLER default",  # configuring the settings installs nothing
        "HANDLER ot_views.otel.flush",  # django.setup(): AppConfig.ready()
        "EXPORTED from-a-worker-thread",
    ]


def test_flush_on_exit_false_installs_nothing():
    run = _run("no-flush")
    assert run.returncode == -signal.SIGTERM, run.stderr
    assert run.stdout.splitlines() == ["HANDLER default", "HANDLER default"]


def test_install_from_a_worker_thread_is_refused():
    from ot_views.otel import flush

    if flush.installed():
        pytest.skip("already installed in this process")
    before = signal.getsignal(signal.SIGTERM)
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(flush.install_sigterm_flush()))
    thread.start()
    thread.join()
    assert result == [False]
    assert signal.getsignal(signal.SIGTERM) is before
