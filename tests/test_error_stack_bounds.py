"""The ``stack`` field of an error log: bounded, cut from the outside in, and scrubbed.

The stack keeps the innermost frames and ends with the (already safe) message; past
``MAX_STACK_LENGTH`` the outer part is dropped behind a marker. A code line in a frame is source,
not data, but it can quote a literal that is also one of the request's secrets: the stack is
scrubbed of them as a whole, after the cut, within a fixed bound.
"""

from __future__ import annotations

import pytest
from django.http import HttpResponse

from ot_views import TracedView
from ot_views.attributes import REDACTED, Redactor
from ot_views.conf import conf
from ot_views.span import MAX_FRAME_LINE, MAX_STACK_LENGTH, _stack
from ot_views.testing import server_span

HEAD = "Traceback (most recent call last):\n"
CUT = "[... stack cut ...]\n"


def no_secrets(rf):
    return Redactor(conf.REDACTED_KEYS, rf.get("/x/"))


def test_stack_exactly_at_its_limit_is_kept_whole(rf):
    # An exception never raised has no frames: the stack is the header and the message line.
    message = "m" * (MAX_STACK_LENGTH - len(HEAD) - len("RuntimeError: \n"))
    stack = _stack(RuntimeError(), message, no_secrets(rf))
    assert stack == f"{HEAD}RuntimeError: {message}\n"
    assert len(stack) == MAX_STACK_LENGTH


def test_stack_past_its_limit_keeps_its_end_behind_a_marker(rf):
    message = "m" * MAX_STACK_LENGTH + "end"
    stack = _stack(RuntimeError(), message, no_secrets(rf))
    whole = f"{HEAD}RuntimeError: {message}\n"
    assert stack == CUT + whole[-MAX_STACK_LENGTH:]
    assert stack.endswith("mend\n")


def test_scrubbed_stack_that_grew_is_cut_at_its_bound(rf):
    # "abc" is a secret of the request; each becomes the longer "[REDACTED]".
    redactor = Redactor(conf.REDACTED_KEYS, rf.get("/x/", {"password": "abc"}))
    message = "abc " * (MAX_STACK_LENGTH // 4)
    stack = _stack(RuntimeError(), message, redactor)
    assert stack.startswith(CUT)
    assert "abc" not in stack
    assert REDACTED in stack
    assert len(stack) == MAX_STACK_LENGTH + 32


def test_chained_message_is_cut_per_line(rf):
    exc = RuntimeError("outer")
    exc.__cause__ = ValueError("v" * (2 * MAX_FRAME_LINE))
    stack = _stack(exc, "outer", no_secrets(rf))
    assert stack.endswith(
        f"RuntimeError: outer\n(while handling ValueError: {'v' * MAX_FRAME_LINE})\n"
    )


def deny(matched):
    if matched:
        raise RuntimeError("denied")


class CompareToken(TracedView):
    def get(self, request):
        deny(request.GET["token"] == "c4q-literal-s3cr3t")  # a literal the frame line quotes
        return HttpResponse("ok")


def test_secret_quoted_by_a_frame_line_is_scrubbed(tracer, rf):
    with pytest.raises(RuntimeError):
        CompareToken.as_view()(rf.get("/x/", {"token": "c4q-literal-s3cr3t"}))
    [log] = [log.key_values for log in server_span(tracer).logs]
    assert "c4q-literal-s3cr3t" not in log["stack"]
    assert f'deny(request.GET["token"] == "{REDACTED}")' in log["stack"]


class BrokenLoader:
    """A module loader whose source lookup fails: formatting a traceback through it raises."""

    def get_source(self, name):
        raise RuntimeError("loader broken")


def ghost_raiser():
    namespace = {"__name__": "ot_views_ghost_module", "__loader__": BrokenLoader()}
    source = "def raiser():\n    raise ValueError('from a module without source')\n"
    exec(compile(source, "/nonexistent/ot_views_ghost_module.py", "exec"), namespace)
    return namespace["raiser"]


class Ghost(TracedView):
    raiser = staticmethod(ghost_raiser())

    def get(self, request):
        self.raiser()


def test_traceback_that_cannot_be_formatted_leaves_the_message(tracer, rf):
    with pytest.raises(ValueError, match="without source"):
        Ghost.as_view()(rf.get("/x/"))
    [log] = [log.key_values for log in server_span(tracer).logs]
    assert log["message"] == "from a module without source"
    assert log["stack"] == "ValueError: from a module without source\n"
