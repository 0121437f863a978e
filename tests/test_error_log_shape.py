"""What the error log of a view exception holds when the exception is chained, long or safe.

``error.object`` goes to the tracer only when the logged text is the exception's whole text and
nothing hangs off it: a tracer renders the object itself (its chain included), outside the
redaction policy. The stack names chained exceptions (up to ``MAX_CHAINED``) with their own
texts, or by type only when the exception carried a safe message of its own.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from ot_views import TracedView
from ot_views.attributes import REDACTED
from ot_views.span import MAX_CHAINED, MAX_MESSAGE_LENGTH, SAFE_MESSAGE_ATTR
from ot_views.testing import server_span


class Fails(TracedView):
    make = None

    def get(self, request):
        raise type(self).make()


def failed_span(tracer, rf, make):
    view = type("View", (Fails,), {"make": staticmethod(make)})
    with pytest.raises(Exception):  # noqa: B017 - the view's own exception, re-raised
        view.as_view()(rf.get("/x/"))
    return server_span(tracer)


def error_log(tracer, rf, make):
    span = failed_span(tracer, rf, make)
    [log] = [log.key_values for log in span.logs if log.key_values.get("event") == "error"]
    return log


def raising_in_handler():
    try:
        raise ValueError("inner detail")
    except ValueError:
        raise RuntimeError("outer")  # noqa: B904 - the implicit chain is the point


def explicit_cause_only():
    exc = RuntimeError("outer")
    exc.__cause__ = ValueError("root cause")
    return exc


def test_plain_exception_is_logged_whole(tracer, rf):
    log = error_log(tracer, rf, lambda: RuntimeError("plain text"))
    assert log["message"] == "plain text"
    assert isinstance(log["error.object"], RuntimeError)
    assert "(while handling" not in log["stack"]


def test_implicitly_chained_exception_has_no_error_object(tracer, rf):
    def make():
        try:
            raising_in_handler()
        except RuntimeError as exc:
            return exc

    log = error_log(tracer, rf, make)
    assert log["message"] == "outer"
    assert "error.object" not in log
    assert log["stack"].endswith("RuntimeError: outer\n(while handling ValueError: inner detail)\n")


def test_explicit_cause_without_context_has_no_error_object(tracer, rf):
    log = error_log(tracer, rf, explicit_cause_only)
    assert log["message"] == "outer"
    assert "error.object" not in log
    assert log["stack"].endswith("RuntimeError: outer\n(while handling ValueError: root cause)\n")


def test_a_chained_validation_error_is_named_by_its_safe_message(tracer, rf):
    # The outer exception is plain, the one beneath it quotes what the client sent: the chain
    # names that one with its field names only.
    def make():
        exc = RuntimeError("could not save")
        exc.__cause__ = ValidationError({"nickname": ["'client-typed-7' is taken"]})
        return exc

    log = error_log(tracer, rf, make)
    assert log["stack"].endswith(
        "RuntimeError: could not save\n(while handling ValidationError: Invalid input for: "
        "nickname)\n"
    )
    assert "client-typed-7" not in log["stack"]


def test_message_cut_to_its_limit_has_no_error_object(tracer, rf):
    text = "x" * (MAX_MESSAGE_LENGTH + 10)
    log = error_log(tracer, rf, lambda: RuntimeError(text))
    assert log["message"] == text[:MAX_MESSAGE_LENGTH]
    assert "error.object" not in log


def test_chain_is_named_up_to_its_limit(tracer, rf):
    def make():
        exc = RuntimeError("outer")
        link = exc
        for n in range(MAX_CHAINED + 2):
            link.__cause__ = ValueError(f"link {n}")
            link = link.__cause__
        return exc

    log = error_log(tracer, rf, make)
    named = [line for line in log["stack"].splitlines() if line.startswith("(while handling")]
    assert named == [f"(while handling ValueError: link {n})" for n in range(MAX_CHAINED)]


def test_safe_message_is_logged_and_its_chain_named_by_type_only(tracer, rf):
    def make():
        exc = RuntimeError("raw text with alice's values")
        exc.__cause__ = ValueError("driver text with alice's values")
        setattr(exc, SAFE_MESSAGE_ATTR, "safe text")
        return exc

    log = error_log(tracer, rf, make)
    assert log["message"] == "safe text"
    assert "error.object" not in log
    assert log["stack"].endswith("RuntimeError: safe text\n(while handling ValueError)\n")
    assert "alice" not in log["stack"]


def test_safe_message_without_chain_still_has_no_error_object(tracer, rf):
    def make():
        exc = RuntimeError("raw text")
        setattr(exc, SAFE_MESSAGE_ATTR, "raw text")
        return exc

    log = error_log(tracer, rf, make)
    assert log["message"] == "raw text"
    assert "error.object" not in log


@pytest.mark.parametrize("status_code", ["404", True, None])
def test_status_code_that_is_not_an_int_is_a_server_error(tracer, rf, status_code):
    class Odd(Exception):
        pass

    Odd.status_code = status_code
    span = failed_span(tracer, rf, lambda: Odd("odd"))
    [log] = [log.key_values for log in span.logs if log.key_values.get("event") == "error"]
    assert log["error.kind"] == "Odd"
    assert span.tags["error"] is True
    assert span.tags["http.status_code"] == 500


def test_safe_message_is_cut_to_its_limit(tracer, rf):
    def make():
        exc = RuntimeError("raw")
        setattr(exc, SAFE_MESSAGE_ATTR, "s" * (MAX_MESSAGE_LENGTH + 10))
        return exc

    log = error_log(tracer, rf, make)
    assert log["message"] == "s" * MAX_MESSAGE_LENGTH


def test_safe_message_is_scrubbed_of_the_request_secrets(tracer):
    class Quotes(Fails):
        def get(self, request):
            exc = RuntimeError("raw")
            setattr(exc, SAFE_MESSAGE_ATTR, f"value {request.GET['token']} refused")
            raise exc

    with pytest.raises(RuntimeError):
        Quotes.as_view()(RequestFactory().get("/x/", {"token": "c4q-s3cr3t-t0ken"}))
    [log] = [log.key_values for log in server_span(tracer).logs]
    assert log["message"] == f"value {REDACTED} refused"
