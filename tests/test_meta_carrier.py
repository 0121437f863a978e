"""The header mapping tracers extract from: every lookup a tracer may make, answered as headers.

Tracers look headers up in whatever case their format spells them (``Content-Type``,
``uber-trace-id``, ``X-B3-TraceId``). The body headers are not ``HTTP_*`` in ``META`` but are
headers all the same. A value over the size limit, or one that is not a string, reads as absent
in every form of lookup, never as an exception other than ``KeyError``.
"""

from __future__ import annotations

import uuid

import pytest

from ot_views import propagation
from ot_views.propagation import MAX_CACHED_NAME_LENGTH, MAX_HEADER_LENGTH, MetaCarrier
from ot_views.testing import server_span

META = {
    "HTTP_X_B3_TRACEID": "abc",
    "CONTENT_TYPE": "application/json",
    "CONTENT_LENGTH": "12",
}


@pytest.mark.parametrize("name", ["content-type", "Content-Type", "CONTENT-TYPE"])
def test_body_headers_in_any_case(name):
    carrier = MetaCarrier(META)
    assert carrier[name] == "application/json"
    assert name in carrier
    assert carrier.get(name) == "application/json"


@pytest.mark.parametrize("name", ["content-length", "Content-Length"])
def test_content_length_is_a_header(name):
    carrier = MetaCarrier(META)
    assert carrier[name] == "12"
    assert carrier.get(name) == "12"


@pytest.mark.parametrize("name", ["x-b3-traceid", "X-B3-TraceId", "X-B3-TRACEID"])
def test_trace_headers_in_any_case(name):
    carrier = MetaCarrier(META)
    assert carrier[name] == "abc"
    assert carrier.get(name, "none") == "abc"


@pytest.mark.parametrize("name", ["x-missing", "X-Missing", "content-md5", "Remote-Addr"])
def test_missing_header_is_a_key_error_naming_it(name):
    carrier = MetaCarrier({**META, "REMOTE_ADDR": "1.2.3.4"})
    with pytest.raises(KeyError) as info:
        carrier[name]
    assert info.value.args == (name,)
    assert name not in carrier
    assert carrier.get(name, "none") == "none"


@pytest.mark.parametrize("value", [12, b"12", None, ["12"]])
def test_non_string_body_header_reads_as_absent(value):
    carrier = MetaCarrier({"CONTENT_LENGTH": value, "CONTENT_TYPE": value})
    for name in ("content-length", "Content-Type"):
        with pytest.raises(KeyError):
            carrier[name]
        assert name not in carrier
        assert carrier.get(name) is None


def test_body_header_size_limit_is_inclusive():
    at_limit = "x" * MAX_HEADER_LENGTH
    carrier = MetaCarrier({"CONTENT_TYPE": at_limit, "CONTENT_LENGTH": at_limit + "x"})
    assert carrier["content-type"] == at_limit
    assert "content-length" not in carrier


def test_trace_header_size_limit_is_inclusive():
    at_limit = "f" * MAX_HEADER_LENGTH
    carrier = MetaCarrier({"HTTP_X_B3_TRACEID": at_limit, "HTTP_X_B3_SPANID": at_limit + "f"})
    assert carrier["X-B3-TraceId"] == at_limit
    assert "x-b3-spanid" not in carrier


def test_header_never_seen_before_is_named_like_any_other(client, tracer):
    # A fresh name each run: header names are translated once and remembered, so only a name
    # this process has not seen yet goes through the translation itself.
    item = "item" + uuid.uuid4().hex
    upstream = tracer.start_span("upstream")
    context = {
        "HTTP_OT_TRACER_TRACEID": f"{upstream.context.trace_id:x}",
        "HTTP_OT_TRACER_SPANID": f"{upstream.context.span_id:x}",
        "HTTP_OT_TRACER_SAMPLED": "true",
        f"HTTP_OT_BAGGAGE_{item.upper()}": "v_1",
    }
    client.get("/plain/", **context)
    span = server_span(tracer)
    assert span.parent_id == upstream.context.span_id
    assert span.context.baggage == {item: "v_1"}
    carrier = MetaCarrier({f"HTTP_X_{item.upper()}_ID": "1"})
    assert dict(carrier) == {f"x-{item}-id": "1"}


#: A key that is not a string (only a hand-made META has one) sends the carrier down its
#: slower path, which must answer the same.
PATHS = pytest.mark.parametrize("extra", [{}, {42: "x"}], ids=["str-keys", "a-non-str-key"])


@PATHS
def test_trace_header_size_limit_is_inclusive_on_both_paths(extra):
    at_limit = "f" * MAX_HEADER_LENGTH
    carrier = MetaCarrier(
        {**extra, "HTTP_X_B3_TRACEID": at_limit, "HTTP_X_B3_SPANID": at_limit + "f"}
    )
    assert dict(carrier) == {"x-b3-traceid": at_limit}


@PATHS
def test_a_meta_key_that_names_no_header_is_left_out(extra):
    meta = {"HTTP_": "x", "HTTP_A": "1", "HTTP_X_B3_TRACEID": "abc", "REMOTE_ADDR": "1.2.3.4"}
    carrier = MetaCarrier({**extra, **meta, "wsgi.url_scheme": "http"})
    assert dict(carrier) == {"a": "1", "x-b3-traceid": "abc"}
    assert "" not in carrier


def test_the_header_name_cache_is_bounded_in_count_and_key_length(monkeypatch):
    monkeypatch.setattr(propagation, "_NAMES", {})
    monkeypatch.setattr(propagation, "_MAX_NAMES", 4)
    longest = "HTTP_" + "L" * (MAX_CACHED_NAME_LENGTH - 5)
    too_long = longest + "L"
    MetaCarrier({too_long: "1", longest: "1"})
    assert set(propagation._NAMES) == {longest}  # a longer key is translated, not kept
    meta = {f"HTTP_H{i}": str(i) for i in range(10)}
    carrier = MetaCarrier(meta)
    assert dict(carrier) == {f"h{i}": str(i) for i in range(10)}  # named past the bound too
    assert len(propagation._NAMES) == 4
