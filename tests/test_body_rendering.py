"""A JSON body traced as ``body`` is written as its structure, redacted by key at every depth.

The tag is the structure as compact text (mappings in braces, lists in brackets, strings
quoted), walked ``MAX_DEPTH * 2`` levels deep, then ``DEPTH_MARKER``.
"""

from __future__ import annotations

import json

from django.http import HttpResponse

from ot_views import TracedView
from ot_views.attributes import CUT, DEPTH_MARKER, MAX_DEPTH, MAX_VALUE_LENGTH, REDACTED


class Body(TracedView):
    traced_attributes = ["body"]

    def post(self, request):
        json.loads(request.body)  # a body the view read (one it did not is "[not loaded]")
        return HttpResponse("ok")


def body_tag(rf, tracer, payload):
    request = rf.post("/b/", data=json.dumps(payload), content_type="application/json")
    assert Body.as_view()(request).status_code == 200
    return tracer.finished_spans()[-1].tags["body"]


def nest(levels, leaf):
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


def test_json_body_is_written_as_its_structure(rf, tracer):
    payload = {"a": [1, {"b": "x"}, None, True], "password": "pw", "n": {"token": {"t": 1}}}
    assert body_tag(rf, tracer, payload) == (
        f"{{'a': [1, {{'b': 'x'}}, None, True], 'password': '{REDACTED}', "
        f"'n': {{'token': '{REDACTED}'}}}}"
    )


def test_json_list_body(rf, tracer):
    assert body_tag(rf, tracer, [{"k": "v"}, ["x"], []]) == "[{'k': 'v'}, ['x'], []]"


def test_json_body_depth_limit(rf, tracer):
    limit = MAX_DEPTH * 2
    assert body_tag(rf, tracer, nest(limit, "v")) == "[" * limit + "'v'" + "]" * limit
    deeper = body_tag(rf, tracer, nest(limit + 1, "v"))
    assert deeper == "[" * limit + DEPTH_MARKER + "]" * limit


def test_json_body_rendering_is_cut_and_marked_at_the_value_limit(rf, tracer):
    # A JSON string renders with its two quotes: MAX_VALUE_LENGTH - 2 characters fit exactly.
    fits = body_tag(rf, tracer, "x" * (MAX_VALUE_LENGTH - 2))
    assert fits == "'" + "x" * (MAX_VALUE_LENGTH - 2) + "'"
    cut = body_tag(rf, tracer, "x" * (MAX_VALUE_LENGTH - 1))
    assert cut == "'" + "x" * (MAX_VALUE_LENGTH - 2) + CUT
    many = body_tag(rf, tracer, {f"item{i}": "v" * 50 for i in range(100)})
    assert len(many) == MAX_VALUE_LENGTH
    assert many.endswith(CUT)
    assert many.startswith("{'item0': '" + "v" * 50 + "', 'item1': ")
