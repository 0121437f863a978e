"""What an operator reads in the log when the tracer fails: the first failure of a kind in full,
with its traceback, then one line with the running count at the 10th, 100th, 1000th..."""

from __future__ import annotations

import logging

import pytest

from ot_views import faults


class TracerDown(Exception):
    pass


class OtherFault(Exception):
    pass


@pytest.fixture
def log(caplog, monkeypatch):
    monkeypatch.setattr(faults, "_counts", {})
    caplog.set_level(logging.WARNING, logger="ot_views")

    def records():
        return [r for r in caplog.records if r.name == "ot_views"]

    return records


def test_first_failure_is_logged_in_full_with_its_traceback(log):
    exc = TracerDown("collector unreachable")
    faults.report("start", exc)
    (record,) = log()
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "Tracing failed in start (TracerDown: collector unreachable); the request is served "
        "regardless. Further start failures of this kind are logged at every power of ten."
    )
    assert record.exc_info is not None and record.exc_info[1] is exc
    assert faults.counts() == {("start", TracerDown): 1}


def test_later_failures_are_logged_with_their_count_at_powers_of_ten(log):
    for i in range(1, 1001):
        faults.report("finish", TracerDown(f"down {i}"))
    records = log()
    assert [r.getMessage() for r in records[1:]] == [
        "Tracing failed in finish 10 times so far (TracerDown: down 10).",
        "Tracing failed in finish 100 times so far (TracerDown: down 100).",
        "Tracing failed in finish 1000 times so far (TracerDown: down 1000).",
    ]
    assert all(r.levelno == logging.WARNING and not r.exc_info for r in records[1:])
    assert faults.counts() == {("finish", TracerDown): 1000}


def test_each_place_and_exception_type_is_counted_on_its_own(log):
    for _ in range(3):
        faults.report("start", TracerDown("a"))
    faults.report("start", OtherFault("b"))
    faults.report("finish", TracerDown("c"))
    assert faults.counts() == {
        ("start", TracerDown): 3,
        ("start", OtherFault): 1,
        ("finish", TracerDown): 1,
    }
    # The first failure of each kind is logged in full.
    assert [r.getMessage().split(";")[0] for r in log()] == [
        "Tracing failed in start (TracerDown: a)",
        "Tracing failed in start (OtherFault: b)",
        "Tracing failed in finish (TracerDown: c)",
    ]


@pytest.mark.parametrize(
    ("count", "logged"),
    [
        (1, True),
        (2, False),
        (9, False),
        (10, True),
        (11, False),
        (20, False),
        (90, False),
        (100, True),
        (101, False),
        (110, False),
        (1000, True),
        (10**12, True),
        (2 * 10**12, False),
    ],
)
def test_power_of_ten(count, logged):
    assert faults._is_power_of_ten(count) is logged
