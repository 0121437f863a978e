"""Importing ot_views installs nothing: no signal handler changes hands by an import.

A handler installed by an import replaces the server's own (gunicorn's, uvicorn's graceful
shutdown) at a moment nobody chose. The SIGTERM flush of the OpenTelemetry tracer is installed
explicitly instead (``otel_tracer()`` or ``AppConfig.ready()``). Checked in a fresh interpreter,
since in this one every module is already imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_PROBE = r"""
import importlib, json, pkgutil, signal
from django.conf import settings
settings.configure()

def handlers():
    out = {}
    for sig in sorted(signal.valid_signals()):
        try:
            out[signal.Signals(sig).name] = repr(signal.getsignal(sig))
        except (ValueError, OSError):
            continue
    return out

before = handlers()
import ot_views
imported, missing_extra = [], []
for info in pkgutil.walk_packages(ot_views.__path__, "ot_views.", onerror=lambda name: None):
    try:
        importlib.import_module(info.name)
    except ImportError as exc:
        # Only the OpenTelemetry modules may be missing a dependency (the "otel" extra).
        if "ot-views[otel]" not in str(exc):
            raise
        missing_extra.append(info.name)
    else:
        imported.append(info.name)
after = handlers()
print(json.dumps({"before": before, "after": after, "imported": imported,
                  "missing_extra": missing_extra}))
"""


def test_importing_every_ot_views_module_changes_no_signal_handler():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    run = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    imported = set(result["imported"])
    assert {"ot_views.middleware", "ot_views.span", "ot_views.db", "ot_views.testing"} <= imported
    if not result["missing_extra"]:  # with the otel extra, its modules were imported too
        assert {"ot_views.tracers", "ot_views.otel", "ot_views.otel.flush"} <= imported
    assert {"SIGTERM", "SIGINT", "SIGHUP"} <= set(result["before"])
    changed = {
        name: (handler, result["after"].get(name))
        for name, handler in result["before"].items()
        if result["after"].get(name) != handler
    }
    assert changed == {}
