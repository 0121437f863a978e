"""How deep a traced attribute is walked, and the marker where the walk stops.

Mappings and sequences that hold structures are walked ``MAX_DEPTH`` (4) levels below the attribute;
a structure found deeper is written as ``DEPTH_MARKER`` under its key, so a reader sees that
something was cut and where. Lists count as levels like mappings (a list of mappings is walked by
index, so a secret inside one is still found by its key).
"""

from __future__ import annotations

from django.http import HttpResponse

from ot_views import TracedView
from ot_views.attributes import (
    CUT,
    DEPTH_MARKER,
    MAX_KEY_LENGTH,
    MAX_TAGS_PER_ATTRIBUTE,
    MORE_SUFFIX,
    REDACTED,
)
from ot_views.testing import server_span, server_spans


class Payload(TracedView):
    traced_attributes = ["payload"]

    def get(self, request):
        return HttpResponse("ok")


def payload_tags(rf, tracer, payload):
    request = rf.get("/p/")
    request.payload = payload
    assert Payload.as_view()(request).status_code == 200
    return {k: v for k, v in server_span(tracer).tags.items() if k.startswith("payload")}


def nest(levels, leaf):
    value = leaf
    for name in reversed(levels):
        value = [value] if name == "[]" else {name: value}
    return value


def test_mappings_down_to_the_limit_are_walked(rf, tracer):
    tags = payload_tags(rf, tracer, nest(["a", "b", "c", "d"], "v"))
    assert tags == {"payload.a.b.c.d": "v"}


def test_mapping_below_the_limit_is_marked(rf, tracer):
    tags = payload_tags(rf, tracer, nest(["a", "b", "c", "d"], {"e": "v"}))
    assert tags == {"payload.a.b.c.d": DEPTH_MARKER}


def test_lists_of_mappings_down_to_the_limit_are_walked(rf, tracer):
    tags = payload_tags(rf, tracer, nest(["[]", "a", "[]", "b"], "v"))
    assert tags == {"payload.0.a.0.b": "v"}


def test_list_of_mappings_below_the_limit_is_marked(rf, tracer):
    tags = payload_tags(rf, tracer, nest(["a", "b", "[]", "c"], [{"password": "pw", "x": 1}]))
    assert tags == {"payload.a.b.0.c": DEPTH_MARKER}
    assert "pw" not in repr(tags)


def test_mapping_inside_lists_below_the_limit_is_marked(rf, tracer):
    tags = payload_tags(rf, tracer, nest(["[]", "[]", "[]", "[]"], {"k": "v"}))
    assert tags == {"payload.0.0.0.0": DEPTH_MARKER}


def test_secret_in_a_list_of_mappings_at_the_limit_is_redacted(rf, tracer):
    tags = payload_tags(rf, tracer, nest(["a", "b"], [{"token": "t0k", "n": 1}]))
    assert tags == {"payload.a.b.0.token": REDACTED, "payload.a.b.0.n": "1"}


def test_list_of_plain_values_is_one_value_at_any_depth(rf, tracer):
    tags = payload_tags(rf, tracer, nest(["a", "b", "c", "d"], ["x", "y"]))
    assert tags == {"payload.a.b.c.d": "['x', 'y']"}


def test_cut_marker_of_a_long_attribute_name_at_the_key_limit(rf, tracer):
    # An attribute whose name is exactly MAX_KEY_LENGTH long keeps it whole in its marker key;
    # one character more and the name is too long to judge: cut, marked, its value redacted.
    for name in ("n" * MAX_KEY_LENGTH, "n" * (MAX_KEY_LENGTH + 1)):

        class Many(TracedView):
            traced_attributes = [name]

            def get(self, request):
                return HttpResponse("ok")

        request = rf.get("/m/")
        setattr(request, name, {f"k{i}": i for i in range(MAX_TAGS_PER_ATTRIBUTE * 2)})
        Many.as_view()(request)
    short, long = server_spans(tracer)
    assert short.tags["n" * MAX_KEY_LENGTH + MORE_SUFFIX] == DEPTH_MARKER
    assert {k: v for k, v in long.tags.items() if k.startswith("n")} == {
        "n" * (MAX_KEY_LENGTH - 1) + CUT: REDACTED
    }
