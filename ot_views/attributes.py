"""Turning request attributes into span tags: bounded, redacted, never raising.

A traced attribute such as ``"META"`` or ``"data"`` can hold anything: credentials, huge bodies,
objects whose ``__str__`` raises, cyclic or absurdly deep structures, keys of two million
characters. Everything here is bounded (see ``docs/limits.rst``): a key is cut to
``MAX_KEY_LENGTH``, a value to ``MAX_VALUE_LENGTH``, one attribute gives at most
``MAX_TAGS_PER_ATTRIBUTE`` tags and is walked ``MAX_DEPTH`` levels deep; what is cut is marked.
What may be written is decided by the redaction policy (``redaction.py``), never here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.functional import LazyObject, empty

from . import reading
from .reading import NOT_LOADED
from .redaction import (
    MAX_JSON_BODY,
    MAX_PAIRS_SCAN,
    NO_SECRETS,
    REDACTED,
    KeyPolicy,
    Secrets,
    collect_secrets,
    hidden_post_names,
    redact_query,
    redact_text,
    scrub_bounded,
)

__all__ = ["MAX_TAGS_PER_ATTRIBUTE", "MAX_VALUE_LENGTH", "REDACTED", "Redactor", "collect"]

MAX_VALUE_LENGTH = 1024
MAX_KEY_LENGTH = 256
#: Nested structures deeper than this are not walked further (also stops cycles).
MAX_DEPTH = 4
#: At most this many tags come from a single traced attribute, the marker included.
MAX_TAGS_PER_ATTRIBUTE = 128
#: A list of plain values is rendered with at most this many items.
MAX_LIST_ITEMS = 64
#: The tag value written where a structure is deeper than ``MAX_DEPTH``.
DEPTH_MARKER = "[...]"
#: The key suffix of the tag that says an attribute had more entries than were written.
MORE_SUFFIX = ".__truncated__"
#: The end of a key or a rendered structure that was cut.
CUT = "\u2026"

_CONTAINERS = (list, tuple, set, frozenset)
_SCALARS = (str, int, float, bool, type(None))


class Redactor:
    """What may be written for one request: its key policy, and its secrets once needed."""

    __slots__ = ("_secrets", "extra", "policy", "request")

    def __init__(self, policy: KeyPolicy, request: Any, extra: Any = None) -> None:
        self.policy = policy
        self.request = request
        self.extra = extra
        self._secrets: Secrets | None = None

    @property
    def secrets(self) -> Secrets:
        if self._secrets is None:
            self._secrets = (
                collect_secrets(self.request, self.policy, self.extra)
                if self.policy
                else NO_SECRETS
            )
        return self._secrets

    def text(self, text: str, limit: int = MAX_VALUE_LENGTH) -> str:
        """A free text value as it may be written: pairs and userinfo redacted, secrets gone."""
        text = redact_text(text[:MAX_PAIRS_SCAN], self.policy)
        return scrub_bounded(text, limit, self.secrets)


def cut_key(key: str) -> str:
    return key if len(key) <= MAX_KEY_LENGTH else key[: MAX_KEY_LENGTH - 1] + CUT


def _items(mapping: Any) -> Iterator[tuple[Any, Any]]:
    lists = getattr(mapping, "lists", None)
    if callable(lists):  # QueryDict / MultiValueDict: keep every value of a repeated key
        for key, values in lists():
            yield key, values[0] if len(values) == 1 else values
    else:
        yield from mapping.items()


def settle(value: Any) -> Any:
    """``value`` as it may be read without causing work the request did not do.

    The same rule as ``reading.read`` for what a traced structure holds: an unevaluated lazy
    object or query set is ``[not loaded]`` (asking it anything, even whether it is a mapping,
    would evaluate it), and a model instance with deferred fields is written by its primary key
    (its ``__str__`` could load them).
    """
    if isinstance(value, LazyObject):
        wrapped = object.__getattribute__(value, "_wrapped")
        if wrapped is empty:
            return NOT_LOADED
        value = wrapped
    if isinstance(value, QuerySet):
        return value if value._result_cache is not None else NOT_LOADED
    if isinstance(value, Model):
        try:
            if value.get_deferred_fields():
                return f"<{type(value).__name__}: pk={value.pk!r}>"
        except Exception:
            return NOT_LOADED
    return value


def _is_mapping(value: Any) -> bool:
    return isinstance(value, Mapping) or callable(getattr(value, "lists", None))


def _is_structure(value: Any) -> bool:
    return _is_mapping(value) or isinstance(value, _CONTAINERS)


def flatten(
    key: str, value: Any, redactor: Redactor, depth: int = 0, hidden: frozenset[str] = frozenset()
) -> Iterator[tuple[str, str]]:
    """Yield ``(tag key, tag value)`` pairs for one traced attribute.

    Mappings become one tag per key (``META.HTTP_USER_AGENT``), walked to ``MAX_DEPTH``; a
    sensitive key has its whole value replaced, nested content included. A sequence holding any
    structure is walked by index (``items.0.password``) so that a secret in a dict inside a list
    inside a list is still seen by its key; a sequence of plain values becomes one string.
    """
    if len(key) > MAX_KEY_LENGTH:
        # Too long to judge whole: the part cut off could name a secret.
        yield cut_key(key), REDACTED
        return
    if redactor.policy.matches(key):
        yield key, REDACTED
        return
    if type(value) is str:  # the common leaf (every META value): no structure to look into
        text = render(value, redactor)
        if text is not None:
            yield key, text
        return
    value = settle(value)
    if _is_mapping(value) or (
        isinstance(value, _CONTAINERS)
        and any(_is_structure(settle(v)) for v in islice(value, MAX_TAGS_PER_ATTRIBUTE))
    ):
        if depth >= MAX_DEPTH:
            yield key, DEPTH_MARKER
            return
        children = (
            islice(_items(value), MAX_TAGS_PER_ATTRIBUTE + 1)
            if _is_mapping(value)
            else ((str(i), v) for i, v in enumerate(islice(value, MAX_TAGS_PER_ATTRIBUTE + 1)))
        )
        matches = redactor.policy.matches
        for sub_key, sub_value in children:
            sub = str(sub_key)[: MAX_KEY_LENGTH + 1]
            if hidden and (sub in hidden or "__ALL__" in hidden):
                yield cut_key(f"{key}.{sub}"), REDACTED
                continue
            child = f"{key}.{sub}"
            if type(sub_value) is str and len(child) <= MAX_KEY_LENGTH:
                # A plain leaf, judged here as the recursive call would (no generator per tag).
                if matches(child):
                    yield child, REDACTED
                else:
                    text = render(sub_value, redactor)
                    if text is not None:
                        yield child, text
                continue
            yield from flatten(child, sub_value, redactor, depth + 1)
        return
    text = render(value, redactor)
    if text is not None:
        yield key, text


def render(value: Any, redactor: Redactor) -> str | None:
    """A tag value: a string of at most ``MAX_VALUE_LENGTH`` characters, or None to skip it."""
    try:
        if isinstance(value, (bytes, bytearray)):
            body = getattr(redactor.request, "__dict__", {}).get("_body")
            if body is not None and body is value:
                return render_body(value, redactor)
            text = bytes(value[: MAX_VALUE_LENGTH * 4]).decode("utf-8", "replace")
        elif isinstance(value, str):
            text = value
        elif isinstance(value, _CONTAINERS):
            text = _render_sequence(value)
        else:
            text = str(value)
        if not isinstance(text, str):
            return None
    except Exception:
        return None
    return redactor.text(text)


def _render_sequence(value: Any) -> str:
    """``['a', 'b']`` for a sequence of plain values, without rendering all of a huge one."""
    parts: list[str] = []
    size = 0
    for item in islice(value, MAX_LIST_ITEMS + 1):
        if len(parts) == MAX_LIST_ITEMS or size > MAX_VALUE_LENGTH:
            parts.append(CUT)
            break
        item = settle(item)
        if isinstance(item, str):
            item = item[:MAX_VALUE_LENGTH]
        part = repr(item) if isinstance(item, _SCALARS) else str(item)[:MAX_VALUE_LENGTH]
        parts.append(part)
        size += len(part) + 2
    opener, closer = ("(", ")") if isinstance(value, tuple) else ("[", "]")
    return f"{opener}{', '.join(parts)}{closer}"


def render_body(body: bytes | bytearray, redactor: Redactor) -> str:
    """A request body by its content type: forms and JSON by structure, anything else by size.

    The bytes of an unknown type are never written: a body can be anything from an image to a
    private key.
    """
    meta = getattr(redactor.request, "META", {})
    content_type = str(meta.get("CONTENT_TYPE", "") or "")
    kind = content_type.partition(";")[0].strip().lower()[:100]
    size = len(body)
    if kind == "application/x-www-form-urlencoded":
        text = bytes(body[:MAX_PAIRS_SCAN]).decode("utf-8", "replace")
        text = redact_query(text, redactor.policy, hidden_post_names(redactor.request))
        return scrub_bounded(text, MAX_VALUE_LENGTH, redactor.secrets)
    if kind == "application/json" or kind.endswith("+json"):
        if size <= MAX_JSON_BODY:
            import json

            try:
                parsed = json.loads(body)
            except Exception:
                return f"<{kind}, {size} bytes, not valid JSON>"
            hidden = hidden_post_names(redactor.request)
            text = render_structure(parsed, redactor, hidden=hidden)
            return scrub_bounded(text, MAX_VALUE_LENGTH, redactor.secrets)
        return f"<{kind}, {size} bytes>"
    if kind == "multipart/form-data":
        post = getattr(redactor.request, "__dict__", {}).get("_post")
        if post is not None:
            hidden = hidden_post_names(redactor.request)
            text = render_structure(post, redactor, hidden=hidden)
            return scrub_bounded(
                f"<{kind}, {size} bytes> {text}", MAX_VALUE_LENGTH, redactor.secrets
            )
        return f"<{kind}, {size} bytes>"
    return f"<{kind or 'no content type'}, {size} bytes>"


def render_structure(
    value: Any, redactor: Redactor, hidden: frozenset[str] = frozenset(), depth: int = 0
) -> str:
    """A structure as compact text, every sensitive key redacted at every depth, bounded."""
    out: list[str] = []
    _write_structure(value, redactor, hidden, depth, out, [0])
    text = "".join(out)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + CUT


def _write_structure(
    value: Any,
    redactor: Redactor,
    hidden: frozenset[str],
    depth: int,
    out: list[str],
    size: list[int],
) -> None:
    if size[0] > MAX_VALUE_LENGTH:
        return
    value = settle(value)
    if _is_mapping(value) or isinstance(value, _CONTAINERS):
        if depth >= MAX_DEPTH * 2:
            out.append(DEPTH_MARKER)
            return
        mapping = _is_mapping(value)
        out.append("{" if mapping else "[")
        children: Iterable[tuple[Any, Any]] = _items(value) if mapping else (("", v) for v in value)
        for index, (key, sub) in enumerate(islice(children, MAX_LIST_ITEMS + 1)):
            if index:
                out.append(", ")
            if index == MAX_LIST_ITEMS or size[0] > MAX_VALUE_LENGTH:
                out.append(CUT)
                break
            if mapping:
                full = str(key)[: MAX_KEY_LENGTH + 1]
                name = cut_key(full)
                out.append(repr(name) + ": ")
                size[0] += len(name) + 4
                if (
                    len(full) > MAX_KEY_LENGTH
                    or redactor.policy.matches(name)
                    or (depth == 0 and (name in hidden or "__ALL__" in hidden))
                ):
                    out.append(repr(REDACTED))
                    continue
            _write_structure(sub, redactor, hidden, depth + 1, out, size)
        out.append("}" if mapping else "]")
        return
    if isinstance(value, str):
        text = repr(value[:MAX_VALUE_LENGTH])
    elif isinstance(value, _SCALARS):
        text = repr(value)
    else:
        try:
            text = repr(str(value)[:MAX_VALUE_LENGTH])
        except Exception:
            text = "?"
    out.append(text)
    size[0] += len(text)


def collect(target: Any, names: Iterable[Any], redactor: Redactor) -> list[tuple[str, str]]:
    """All tags for the traced attribute ``names`` read from ``target``; never raises."""
    tags: list[tuple[str, str]] = []
    for name in names:
        if not isinstance(name, str):
            continue
        try:
            value = reading.read(target, name)
        except Exception:
            continue
        hidden = hidden_post_names(target) if name in ("POST", "data") else frozenset()
        try:
            pairs = list(
                islice(flatten(name, value, redactor, hidden=hidden), MAX_TAGS_PER_ATTRIBUTE + 1)
            )
        except Exception:
            continue
        if len(pairs) > MAX_TAGS_PER_ATTRIBUTE:
            pairs[MAX_TAGS_PER_ATTRIBUTE - 1 :] = [(cut_key(name) + MORE_SUFFIX, DEPTH_MARKER)]
        tags.extend(pairs)
    return tags
