"""The walk that collects a structure's secrets (form, JSON body, DRF data) is bounded.

A client chooses the structure, so the walk stops at ``MAX_STRUCTURE_NODES`` values in all,
``MAX_STRUCTURE_CHILDREN`` per container, ``MAX_STRUCTURE_DEPTH`` levels deep and
``MAX_SECRETS`` secrets (docs/limits.rst). Each bound is tested at its value: the last value it
lets in is collected and the first it keeps out is not. The walk is breadth first, so the
values a bound keeps out are the deepest and the last ones. Past a bound, tags are still
redacted by key; only the scrub of the values elsewhere is lost.
"""

from __future__ import annotations

from ot_views import redaction
from ot_views.redaction import (
    MAX_SECRETS,
    MAX_STRUCTURE_CHILDREN,
    MAX_STRUCTURE_DEPTH,
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
    # The mapping is one value, then its children in order: three of the four fit.
    value = {"password": "aaa1", "token": "bbb2", "key": "ccc3", "pass": "ddd4"}
    assert collected(value) == ["aaa1", "bbb2", "ccc3"]


def test_max_structure_nodes_at_its_value():
    # Breadth first: the root (1), its five lists and the dict (7), the lists' 4,992 values, then
    # the dict's secret: value 5,000, the last one walked. One more plain value keeps it out.
    assert MAX_STRUCTURE_NODES == 5000
    sizes = [1000, 1000, 1000, 1000, 992]
    plain = [[f"v{i}" for i in range(size)] for size in sizes]
    assert collected([*plain, {"password": "last-secret"}]) == ["last-secret"]
    plain[-1].append("one more")
    assert collected([*plain, {"password": "last-secret"}]) == []


def test_a_secret_near_the_top_is_reached_whatever_its_siblings_hold():
    samples = [[0] * (MAX_STRUCTURE_CHILDREN - 1)] * 6  # past the node bound on its own
    assert collected({"samples": samples, "password": "top-level"}) == ["top-level"]


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
    assert MAX_STRUCTURE_DEPTH == 32
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
