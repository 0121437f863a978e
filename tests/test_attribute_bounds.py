"""The bounds of one traced attribute, each tested exactly at its limit.

- an attribute gives at most ``MAX_TAGS_PER_ATTRIBUTE`` tags: exactly that many are all written,
  one more and the last is replaced by the ``.__truncated__`` marker;
- at most ``MAX_TAGS_PER_ATTRIBUTE + 1`` entries of one mapping or sequence are looked at, even
  when entries give no tag (a value whose text cannot be read);
- whether a sequence is walked by index depends on its first ``MAX_TAGS_PER_ATTRIBUTE`` items;
- a free text value is judged on its first ``MAX_PAIRS_SCAN`` characters, a bytes value on its
  first ``4 * MAX_VALUE_LENGTH`` bytes, an item of a sequence on its first ``MAX_VALUE_LENGTH``
  characters. A sensitive pair's value runs to the next ``&``, so where the text stops decides
  what is left after the redacted value.
"""

from __future__ import annotations

from ot_views.attributes import (
    DEPTH_MARKER,
    MAX_TAGS_PER_ATTRIBUTE,
    MAX_VALUE_LENGTH,
    MORE_SUFFIX,
    REDACTED,
    Redactor,
    render,
)
from ot_views.redaction import DEFAULT_REDACTED_KEYS, MAX_PAIRS_SCAN, KeyPolicy
from tests.test_attribute_depth import payload_tags

REDACTOR = Redactor(KeyPolicy(DEFAULT_REDACTED_KEYS), None)


def test_exactly_the_tag_limit_is_written_without_a_marker(rf, tracer):
    tags = payload_tags(rf, tracer, {f"k{i}": "v" for i in range(MAX_TAGS_PER_ATTRIBUTE)})
    assert len(tags) == MAX_TAGS_PER_ATTRIBUTE
    assert f"payload.k{MAX_TAGS_PER_ATTRIBUTE - 1}" in tags
    assert "payload" + MORE_SUFFIX not in tags


def test_one_tag_over_the_limit_replaces_the_last_by_the_marker(rf, tracer):
    tags = payload_tags(rf, tracer, {f"k{i}": "v" for i in range(MAX_TAGS_PER_ATTRIBUTE + 1)})
    assert len(tags) == MAX_TAGS_PER_ATTRIBUTE
    assert tags["payload" + MORE_SUFFIX] == DEPTH_MARKER
    assert f"payload.k{MAX_TAGS_PER_ATTRIBUTE - 2}" in tags
    assert f"payload.k{MAX_TAGS_PER_ATTRIBUTE - 1}" not in tags


class Unreadable:
    """A value whose text cannot be read (no tag), counting how often it was asked."""

    asked = 0

    def __str__(self):
        Unreadable.asked += 1
        raise RuntimeError("no")


def test_entries_past_the_limit_are_never_looked_at(rf, tracer):
    count = MAX_TAGS_PER_ATTRIBUTE + 10
    Unreadable.asked = 0
    assert payload_tags(rf, tracer, {f"k{i}": Unreadable() for i in range(count)}) == {}
    assert Unreadable.asked == MAX_TAGS_PER_ATTRIBUTE + 1
    Unreadable.asked = 0
    tracer.reset()
    items = [{"a": "b"}] + [Unreadable() for _ in range(count)]
    assert payload_tags(rf, tracer, items) == {"payload.0.a": "b"}
    assert Unreadable.asked == MAX_TAGS_PER_ATTRIBUTE


def test_a_sequence_is_walked_only_for_a_structure_among_its_first_items(rf, tracer):
    within = ["x"] * (MAX_TAGS_PER_ATTRIBUTE - 1) + [{"a": "b"}]
    assert payload_tags(rf, tracer, within)[f"payload.{MAX_TAGS_PER_ATTRIBUTE - 1}.a"] == "b"
    tracer.reset()
    beyond = ["x"] * MAX_TAGS_PER_ATTRIBUTE + [{"a": "b"}]
    assert list(payload_tags(rf, tracer, beyond)) == ["payload"]


def test_free_text_is_judged_on_its_first_pairs_scan_characters():
    # The "&" is the last character scanned: the value redacted runs to it, nothing after it.
    text = "token=" + "x" * (MAX_PAIRS_SCAN - 7) + "&k=a"
    assert text.index("&") == MAX_PAIRS_SCAN - 1
    assert render(text, REDACTOR) == f"token={REDACTED}&"


def test_bytes_are_judged_on_their_first_bytes_only():
    limit = MAX_VALUE_LENGTH * 4
    data = b"token=" + b"x" * (limit - 7) + b"&k=a"
    assert data.index(b"&") == limit - 1
    assert render(data, REDACTOR) == f"token={REDACTED}&"


def test_an_item_of_a_sequence_is_judged_on_its_first_value_length_characters():
    item = "token=" + "x" * (MAX_VALUE_LENGTH - 6) + "&k=a"
    assert item.index("&") == MAX_VALUE_LENGTH
    assert render([item], REDACTOR) == f"['token={REDACTED}"
