"""A sequence of plain values is one tag: ``['a', 'b']`` (a tuple in parentheses), bounded.

At most ``MAX_LIST_ITEMS`` items are written, then ``CUT``; and no item is written once the
rendered items take more than ``MAX_VALUE_LENGTH`` characters (each counted with its ``", "``).
The count is exact at the limit: it decides which items a redacted pair, which makes the text
shorter again, lets into the tag.
"""

from __future__ import annotations

from ot_views.attributes import CUT, MAX_LIST_ITEMS, MAX_VALUE_LENGTH, REDACTED, Redactor, render
from ot_views.redaction import DEFAULT_REDACTED_KEYS, KeyPolicy

REDACTOR = Redactor(KeyPolicy(DEFAULT_REDACTED_KEYS), None)


def test_a_tuple_is_written_in_parentheses_a_list_in_brackets():
    assert render((1, "a", None), REDACTOR) == "(1, 'a', None)"
    assert render([1, "a"], REDACTOR) == "[1, 'a']"


def test_a_sequence_at_the_item_limit_is_written_whole():
    items = list(range(MAX_LIST_ITEMS))
    assert render(items, REDACTOR) == "[" + ", ".join(map(str, items)) + "]"


def test_a_sequence_over_the_item_limit_is_cut_and_closed():
    items = list(range(MAX_LIST_ITEMS + 1))
    shown = ", ".join(map(str, items[:MAX_LIST_ITEMS]))
    assert render(items, REDACTOR) == f"[{shown}, {CUT}]"


class Leaf:
    def __str__(self):
        return "leaf"


def test_other_items_are_written_by_their_text():
    assert render([Leaf(), 1], REDACTOR) == "[leaf, 1]"


def test_items_are_written_while_the_text_is_within_the_value_limit():
    # The first item counts exactly MAX_VALUE_LENGTH (its repr, two quotes, and ", "): the next
    # item is still written, the one after is not. Redacting the token's value (up to the "&")
    # brings that next item into view.
    first = "token=" + "x" * (MAX_VALUE_LENGTH - 10)
    assert len(repr(first)) + 2 == MAX_VALUE_LENGTH
    text = render([first, "&k=a", "&k=b"], REDACTOR)
    assert text == f"['token={REDACTED}&k=a', {CUT}]"
