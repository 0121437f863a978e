"""``render_structure``, the compact text a parsed body is written as: its limits, exactly.

At most ``MAX_LIST_ITEMS`` entries of one mapping or list (then ``CUT``), keys of at most
``MAX_KEY_LENGTH`` characters (a longer one is cut and its value redacted: the part cut off could
name a secret), the fields ``@sensitive_post_parameters`` marks redacted at the top level only
(where a form's fields are), and no more work once the text is past ``MAX_VALUE_LENGTH``, however
many times a structure repeats itself.
"""

from __future__ import annotations

from ot_views.attributes import (
    CUT,
    MAX_KEY_LENGTH,
    MAX_LIST_ITEMS,
    MAX_VALUE_LENGTH,
    REDACTED,
    Redactor,
    render_structure,
)
from ot_views.redaction import DEFAULT_REDACTED_KEYS, KeyPolicy

REDACTOR = Redactor(KeyPolicy(DEFAULT_REDACTED_KEYS), None)


def render(value, hidden=frozenset()):
    return render_structure(value, REDACTOR, hidden=frozenset(hidden))


def test_a_list_at_the_item_limit_is_written_whole():
    items = list(range(MAX_LIST_ITEMS))
    assert render(items) == "[" + ", ".join(map(str, items)) + "]"


def test_a_list_over_the_item_limit_is_cut_and_closed():
    items = list(range(MAX_LIST_ITEMS + 1))
    shown = ", ".join(map(str, items[:MAX_LIST_ITEMS]))
    assert render(items) == f"[{shown}, {CUT}]"
    assert render({"n": items}) == f"{{'n': [{shown}, {CUT}]}}"


def test_a_key_at_the_key_limit_is_written_whole():
    key = "k" * MAX_KEY_LENGTH
    assert render({key: "v"}) == f"{{'{key}': 'v'}}"


def test_a_key_over_the_key_limit_is_cut_and_its_value_redacted():
    key = "k" * (MAX_KEY_LENGTH + 1)
    cut = "k" * (MAX_KEY_LENGTH - 1) + CUT
    assert render({key: "v"}) == f"{{'{cut}': '{REDACTED}'}}"


def test_marked_fields_are_redacted_at_the_top_level_only():
    value = {"pin": "42", "n": {"pin": "7"}, "city": "Oslo"}
    assert render(value, {"pin"}) == f"{{'pin': '{REDACTED}', 'n': {{'pin': '7'}}, 'city': 'Oslo'}}"
    assert render(value) == "{'pin': '42', 'n': {'pin': '7'}, 'city': 'Oslo'}"


def test_all_fields_marked_redacts_every_top_level_value():
    value = {"pin": "42", "n": {"city": "Oslo"}}
    assert render(value, {"__ALL__"}) == f"{{'pin': '{REDACTED}', 'n': '{REDACTED}'}}"


class Leaf:
    def __init__(self, text):
        self.text = text

    def __str__(self):
        return self.text


class Broken:
    def __str__(self):
        raise RuntimeError("no")


def test_other_values_are_written_by_their_text_or_as_a_question_mark():
    assert render({"a": Leaf("x" * (MAX_VALUE_LENGTH + 5)), "b": 1}).startswith(
        "{'a': '" + "x" * (MAX_VALUE_LENGTH - 8)
    )
    assert render([Leaf("plain"), Broken(), 2.5]) == "['plain', ?, 2.5]"


class Counted:
    """A leaf that counts how often it is rendered."""

    renders = 0

    def __str__(self):
        Counted.renders += 1
        return "v"


def test_a_structure_repeating_itself_is_rendered_in_bounded_work():
    # 64 keys holding the same 64-key mapping of leaves: 4096 leaves in a few hundred bytes.
    leaves = {f"k{i}": Counted() for i in range(MAX_LIST_ITEMS)}
    shared = {f"k{i}": leaves for i in range(MAX_LIST_ITEMS)}
    Counted.renders = 0
    text = render(shared)
    assert len(text) == MAX_VALUE_LENGTH and text.endswith(CUT)
    # Each leaf adds at least 9 characters ("'kN': 'v'"): no more are rendered than fit.
    assert Counted.renders <= MAX_VALUE_LENGTH // 9
