"""Assertions shared by the reliability tests."""

from __future__ import annotations

from typing import Any

from ot_views.attributes import MAX_VALUE_LENGTH

#: Tags whose type is part of the contract; every other tag value is a bounded string.
TYPED_TAGS: dict[str, type] = {"http.status_code": int, "error": bool}


def assert_tags_valid(tags: dict[str, Any]) -> None:
    for key, value in tags.items():
        assert isinstance(key, str), key
        if key in TYPED_TAGS:
            assert type(value) is TYPED_TAGS[key], (key, value)
        else:
            assert isinstance(value, str), (key, type(value))
            assert len(value) <= MAX_VALUE_LENGTH, (key, len(value))
