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


def _run(*args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    proc = subprocess.run(
        [sys.executable, SCRIPT, "--quick", "--json", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def test_quick_table_covers_untraced_traced_and_contract():
    only = "wsgi.func.ot_views,wsgi.cbv.ot_views,asgi.cbv.ot_views,wsgi.func.floor"
    report = _run("--only", only + (",wsgi.drf.ot_views" if HAS_DRF else ""))
    rows = {r["key"]: r for r in report["rows"]}
    drf_rows = {"wsgi.drf", "wsgi.drf.ot_views"} if HAS_DRF else set()
    assert set(rows) == drf_rows | {
        "contract",
        "wsgi.func",
        "wsgi.func.ot_views",
        "wsgi.func.floor",
        "wsgi.cbv",
        "wsgi.cbv.ot_views",
        "asgi.cbv",
        "asgi.cbv.ot_views",
    }
    # The spans the traced variants produced are named as docs/design.rst says.
    assert rows["wsgi.func.ot_views"]["last_span"] == "hello"
    assert rows["wsgi.cbv.ot_views"]["last_span"] == "TracedHello.get"
    if HAS_DRF:
        assert rows["wsgi.drf.ot_views"]["last_span"] == "TracedHelloAPI.get"
    assert rows["asgi.cbv.ot_views"]["last_span"] == "TracedAsyncHello.get"
    assert rows["wsgi.func.floor"]["last_span"] == "hello"
    assert rows["wsgi.func"]["last_span"] is None
    for row in rows.values():
        assert row["best_us"] > 0
    traced = rows["wsgi.cbv.ot_views"]
    assert traced["baseline"] == "wsgi.cbv"
    expected = traced["best_us"] - rows["wsgi.cbv"]["best_us"]
    assert traced["overhead_us"] == pytest.approx(expected, abs=0.02)
    assert traced["overhead_x_contract"] == pytest.approx(
        expected / report["contract_us"], rel=0.05, abs=0.05
    )
    # The verdict is over the WSGI rows (ASGI thread hand-offs drown microseconds).
    assert report["worst_ot_views_multiple"] == max(
        r["overhead_x_contract"] for r in rows.values() if r["ot_views"] and r["server"] == "wsgi"
    )


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
