"""The walk that collects a structure's secrets (form, JSON body, DRF data) is bounded.

A client chooses the structure, so the walk stops at ``MAX_STRUCTURE_NODES`` values in all,
``MAX_STRUCTURE_CHILDREN`` per container, 32 levels deep and ``MAX_SECRETS`` secrets
(docs/limits.rst). Each bound is tested at its value: the last value it lets in is collected
and the first it keeps out is not. Past a bound, tags are still redacted by key; only the scrub
of the values elsewhere is lost.
"""

from __future__ import annotations

from ot_views import redaction
from ot_views.redaction import (
    MAX_SECRETS,
    MAX_STRUCTURE_CHILDREN,
    MAX_STRUCTURE_NODES,
    KeyPolicy,
    _from_structure,
)

POLICY = KeyPolicy(["password", "token", "key", "pass"])


def collected(value, hidden=None):
    found: list[str] = []
    _from_structure(value, POLICY, found, hidden=hidden)
    return found


def test_the_walk_stops_after_max_structure_nodes(monkeypatch):
    monkeypatch.setattr(redaction, "MAX_STRUCTURE_NODES", 4)
    # The mapping is one value, then its children last first: three of the four fit.
    value = {"password": "aaa1", "token": "bbb2", "key": "ccc3", "pass": "ddd4"}
    assert collected(value) == ["ddd4", "ccc3", "bbb2"]


def test_max_structure_nodes_at_its_value():
    # Five lists of 1,000 plain values, then one secret in a list popped last: the root, the six
    # lists and the 5,000 values come first, so the secret is past the limit...
    plain = [[f"v{i}" for i in range(MAX_STRUCTURE_CHILDREN)] for _ in range(5)]
    assert MAX_STRUCTURE_NODES == 5000
    assert collected([{"password": "late-secret"}, *plain]) == []
    # ... and with one list fewer it is reached.
    assert collected([{"password": "late-secret"}, *plain[1:]]) == ["late-secret"]


def test_at_most_max_secrets_are_collected():
    value = {"password": [f"secret-{i:03d}" for i in range(MAX_SECRETS + 6)]}
    found = collected(value)
    assert len(found) == MAX_SECRETS


def test_a_container_gives_at_most_max_structure_children():
    plain = [f"v{i}" for i in range(MAX_STRUCTURE_CHILDREN - 1)]
    assert MAX_STRUCTURE_CHILDREN == 1000
    assert collected([*plain, {"password": "last-child"}]) == ["last-child"]
    assert collected([*plain, "one more", {"password": "last-child"}]) == []


def test_a_value_32_levels_deep_is_collected_and_33_is_not():
    def nested(levels, leaf):
        for _ in range(levels):
            leaf = [leaf]
        return leaf

    # {"password": X}: X is at depth 1, each list adds one.
    assert collected({"password": nested(31, "depth-32")}) == ["depth-32"]
    assert collected({"password": nested(32, "depth-33")}) == []


def test_a_structure_too_deep_does_not_end_the_walk():
    # Popped first, the deep branch is skipped where it is too deep; the secret beside it is
    # still collected.
    deep = {"password": "beside-it"}
    branch = "leaf"
    for _ in range(40):
        branch = [branch]
    deep["zz"] = branch
    assert collected(deep) == ["beside-it"]


def test_every_top_level_field_is_a_secret_when_all_are_marked():
    value = {"city": "Oslo", "nested": {"deeper": "inner-value"}}
    assert sorted(collected(value, hidden=frozenset({"__ALL__"}))) == ["Oslo", "inner-value"]
    assert collected(value, hidden=frozenset({"__all__"})) == []
    assert collected(value, hidden=frozenset({"city"})) == ["Oslo"]
