"""The ``stack`` of an error log: Python's own traceback layout, innermost frames kept.

Operators paste it into the same tools as a Python traceback, so its lines are exactly those
of ``traceback``'s format; a cut is marked with the number of frames left out.
"""

from __future__ import annotations

import pytest

from ot_views import TracedView
from ot_views.span import MAX_STACK_FRAMES, _frames
from ot_views.testing import server_span

HEADER = "Traceback (most recent call last):\n"


def boom():
    raise ValueError("plain")


def down(n):
    if n == 0:
        raise RuntimeError("at the bottom")
    down(n - 1)


def caught(call, *args):
    try:
        call(*args)
    except Exception as exc:
        return exc
    raise AssertionError("did not raise")


def test_a_short_stack_is_whole_in_traceback_layout():
    exc = caught(boom)
    tb = exc.__traceback__
    assert tb.tb_next.tb_next is None
    assert _frames(tb) == (
        HEADER
        + f'  File "{__file__}", line {tb.tb_lineno}, in caught\n'
        + "    call(*args)\n"
        + f'  File "{__file__}", line {tb.tb_next.tb_lineno}, in boom\n'
        + '    raise ValueError("plain")\n'
    )


def test_a_deep_stack_keeps_the_innermost_frames_and_counts_the_cut():
    exc = caught(down, 60)  # caught, then 61 frames of down
    text = _frames(exc.__traceback__)
    lines = text.splitlines()
    assert lines[0] == HEADER.rstrip("\n")
    assert lines[1] == f"  [... {62 - MAX_STACK_FRAMES} outer frames cut ...]"
    assert text.count('  File "') == MAX_STACK_FRAMES
    assert lines[-2].endswith(", in down")
    assert lines[-1] == '    raise RuntimeError("at the bottom")'


def test_a_frame_without_source_has_no_code_line():
    namespace = {}
    exec(compile("def generated():\n    raise KeyError('k')\n", "<generated>", "exec"), namespace)
    exc = caught(namespace["generated"])
    tb = exc.__traceback__
    assert _frames(tb) == (
        HEADER
        + f'  File "{__file__}", line {tb.tb_lineno}, in caught\n'
        + "    call(*args)\n"
        + '  File "<generated>", line 2, in generated\n'
    )


def test_no_traceback_is_the_header_alone():
    assert _frames(None) == HEADER


class Raises(TracedView):
    def get(self, request):
        boom()


def test_a_view_error_stack_is_uncut_and_ends_with_the_raise(tracer, rf):
    with pytest.raises(ValueError):
        Raises.as_view()(rf.get("/x/"))
    [log] = [e.key_values for e in server_span(tracer).logs if e.key_values["event"] == "error"]
    stack = log["stack"]
    assert stack.startswith(HEADER)
    assert "frames cut" not in stack
    assert stack.endswith('    raise ValueError("plain")\nValueError: plain\n')
