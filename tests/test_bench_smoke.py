"""The benchmark script runs end to end with a tiny N (numbers are not checked: not a timing test).

Each worker checks its variant answered 200 and finished exactly one span per request, so this
also catches a traced variant that silently stopped tracing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "benchmarks", "bench.py")

HAS_DRF = importlib.util.find_spec("rest_framework") is not None
try:
    HAS_OTEL = importlib.util.find_spec("opentelemetry.sdk") is not None
except ImportError:  # no opentelemetry package at all
    HAS_OTEL = False


def _run(*args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    proc = subprocess.run(
        [sys.executable, SCRIPT, "--quick", "--json", *args],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def test_quick_table_covers_untraced_traced_floors_and_targets():
    # One run (each variant is a process of its own: fewer runs, fewer Django start-ups).
    only = [
        "wsgi.func.ot_views",
        "wsgi.tfunc.ot_views",
        "wsgi.cbv.ot_views",
        "asgi.cbv.ot_views",
        "wsgi.func.floor",
        "wsgi.hostile.ot_views",
        "asgi.hostile.ot_views",
    ]
    if HAS_DRF:
        only.append("wsgi.drf.ot_views")
    if HAS_OTEL:
        only += ["wsgi.func.otel_floor", "wsgi.func.ot_views_otel"]
    report = _run("--only", ",".join(only))
    rows = {r["key"]: r for r in report["rows"]}
    untraced = {"wsgi.func", "wsgi.cbv", "asgi.cbv", "wsgi.hostile", "asgi.hostile"}
    untraced |= {"wsgi.drf"} if HAS_DRF else set()
    assert set(rows) == {"contract", *untraced, *only}
    # The spans the traced variants produced are named as docs/design.rst says.
    assert rows["wsgi.func.ot_views"]["last_span"] == "hello"
    assert rows["wsgi.tfunc.ot_views"]["last_span"] == "traced_hello"
    assert rows["wsgi.cbv.ot_views"]["last_span"] == "TracedHello.get"
    if HAS_DRF:
        assert rows["wsgi.drf.ot_views"]["last_span"] == "TracedHelloAPI.get"
    assert rows["asgi.cbv.ot_views"]["last_span"] == "TracedAsyncHello.get"
    assert rows["wsgi.func.floor"]["last_span"] == "hello"
    assert rows["wsgi.func"]["last_span"] is None
    for key in ("wsgi.hostile.ot_views", "asgi.hostile.ot_views"):
        assert rows[key]["last_span"] == "TracedHostile.get"
        assert rows[key]["baseline"] == key.rsplit(".", 1)[0]
    for row in rows.values():
        assert row["best_us"] > 0
    traced = rows["wsgi.cbv.ot_views"]
    assert traced["baseline"] == "wsgi.cbv"
    expected = traced["best_us"] - rows["wsgi.cbv"]["best_us"]
    assert traced["overhead_us"] == pytest.approx(expected, abs=0.02)
    # Each adapter's overhead is put against the MockTracer floor's, beside its target.
    floor = rows["wsgi.func.floor"]["overhead_us"]
    if floor > 0:  # a tiny run on a busy machine can measure anything
        assert traced["overhead_x_floor"] == pytest.approx(expected / floor, rel=0.05, abs=0.05)
    targets = {(t["row"], t["against"]): t for t in report["targets"]}
    adapters = {"wsgi.func.ot_views", "wsgi.tfunc.ot_views", "wsgi.cbv.ot_views"}
    adapters |= {"wsgi.drf.ot_views"} if HAS_DRF else set()
    expected_targets = {(row, "MockTracer floor") for row in adapters}
    hostile_rows = ("wsgi.hostile.ot_views", "asgi.hostile.ot_views")
    expected_targets |= {(row, "us over the same request untraced") for row in hostile_rows}
    if HAS_OTEL:
        # ot_views over otel_tracer is put against the OpenTelemetry floor, not the MockTracer's.
        assert rows["wsgi.func.otel_floor"]["last_span"] == "hello"
        assert rows["wsgi.func.ot_views_otel"]["last_span"] == "hello"
        assert rows["wsgi.func.ot_views_otel"]["floor"] in ("wsgi.func.otel_floor", None)
        expected_targets.add(("wsgi.func.ot_views_otel", "OTel floor"))
    # The peers are installed by `make bench` only: their targets are left out here.
    assert set(targets) == expected_targets
    mixin = targets["wsgi.cbv.ot_views", "MockTracer floor"]
    assert mixin["target"] == 1.5
    assert mixin["met"] == (mixin["ratio"] is not None and mixin["ratio"] <= 1.5)
    for row in hostile_rows:
        hostile = targets[row, "us over the same request untraced"]
        assert hostile["target"] == 1000.0
        assert hostile["met"] == (hostile["overhead_us"] <= 1000.0)


def test_quick_memory_step_reports_every_checkpoint():
    # The default memory variant is the DRF one; the mixin variant works with or without DRF.
    report = _run("--memory", "--memory-variants", "wsgi.cbv.ot_views")
    (result,) = report["memory"]
    assert result["key"] == "wsgi.cbv.ot_views"
    assert result["requests"] == 400
    assert result["checkpoints"][-1] == 400
    assert len(result["rss_growth_bytes"]) == len(result["object_growth"]) == 10
    # One span per request, warm-up included, all dropped by the tracer.
    assert result["spans"] >= 400
