"""Turning request attributes into span tags without leaking secrets or raising.

A traced attribute such as ``"META"`` or ``"data"`` can hold anything: credentials, huge bodies,
objects whose ``__str__`` raises, cyclic structures. Everything here is defensive: a value that
cannot be read or rendered is skipped, values are cut to ``MAX_VALUE_LENGTH`` characters, and a
value whose key matches a redacted pattern is replaced before it is ever turned into a string.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote_plus

from . import reading

REDACTED = "[REDACTED]"
MAX_VALUE_LENGTH = 1024
#: Nested mappings deeper than this are not walked further (also stops cycles).
MAX_DEPTH = 4
#: At most this many tags come from a single traced attribute.
MAX_TAGS_PER_ATTRIBUTE = 128

_PAIR = re.compile(r"([^=&;,\s?]+)=([^&;,\s]*)")


def resolve(target: Any, dotted: str) -> Any:
    """Walk ``dotted`` from ``target`` through attributes and mapping keys.

    Raises whatever the walk raises; the caller treats any exception as "skip this attribute".
    """
    value = target
    for part in dotted.split("."):
        if isinstance(value, Mapping):
            try:
                value = value[part]
                continue
            except KeyError:
                pass
        value = getattr(value, part)
    return value


def redact_pairs(text: str, redacted: re.Pattern[str] | None) -> str:
    """Redact the values of sensitive keys in ``a=1&token=x`` / ``a=1; session=x`` strings."""
    if redacted is None or "=" not in text:
        return text
    if "%" not in text and "+" not in text and redacted.search(text) is None:
        return text

    def _sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if redacted.search(key) or redacted.search(unquote_plus(key)):
            return f"{key}={REDACTED}"
        return match.group(0)

    return _PAIR.sub(_sub, text)


def render(value: Any, redacted: re.Pattern[str] | None) -> str | None:
    """A tag value: a string of at most ``MAX_VALUE_LENGTH`` characters, or None to skip it."""
    try:
        if isinstance(value, bytes):
            text = value[: MAX_VALUE_LENGTH * 4].decode("utf-8", "replace")
        elif isinstance(value, str):
            text = value
        else:
            text = str(value)
        if not isinstance(text, str):
            return None
    except Exception:
        return None
    if len(text) > MAX_VALUE_LENGTH * 4:
        text = text[: MAX_VALUE_LENGTH * 4]
    text = redact_pairs(text, redacted)
    return text[:MAX_VALUE_LENGTH]


def _items(mapping: Any) -> Iterator[tuple[Any, Any]]:
    lists = getattr(mapping, "lists", None)
    if callable(lists):  # QueryDict / MultiValueDict: keep every value of a repeated key
        for key, values in lists():
            yield key, values[0] if len(values) == 1 else values
    else:
        yield from mapping.items()


def _is_mapping(value: Any) -> bool:
    return isinstance(value, Mapping) or callable(getattr(value, "lists", None))


def flatten(
    key: str, value: Any, redacted: re.Pattern[str] | None, depth: int = 0
) -> Iterator[tuple[str, str]]:
    """Yield ``(tag key, tag value)`` pairs for one traced attribute.

    Mappings become one tag per key (``META.HTTP_USER_AGENT``), nested mappings are walked to
    ``MAX_DEPTH``; a key matching a redacted pattern has its whole value replaced, nested
    content included. Lists are rendered as strings only when they hold no mappings, since a
    list of dicts could carry a password that no key check would see.
    """
    if redacted is not None and redacted.search(key):
        yield key, REDACTED
        return
    if _is_mapping(value):
        if depth >= MAX_DEPTH:
            yield key, "[...]"
            return
        try:
            items = list(_items(value))
        except Exception:
            return
        for sub_key, sub_value in items:
            yield from flatten(f"{key}.{sub_key}", sub_value, redacted, depth + 1)
        return
    if isinstance(value, (list, tuple, set, frozenset)) and any(_is_mapping(v) for v in value):
        if depth >= MAX_DEPTH:
            yield key, "[...]"
            return
        for index, item in enumerate(value):
            yield from flatten(f"{key}.{index}", item, redacted, depth + 1)
        return
    text = render(value, redacted)
    if text is not None:
        yield key, text


def collect(target: Any, names: Any, redacted: re.Pattern[str] | None) -> list[tuple[str, str]]:
    """All tags for the traced attribute ``names`` read from ``target``; never raises."""
    tags: list[tuple[str, str]] = []
    for name in names:
        if not isinstance(name, str):
            continue
        try:
            value = reading.read(target, name)
        except Exception:
            continue
        try:
            for count, pair in enumerate(flatten(name, value, redacted), 1):
                tags.append(pair)
                if count >= MAX_TAGS_PER_ATTRIBUTE:
                    break
        except Exception:
            continue
    return tags
