"""The redaction policy: the one place that decides what text may be written to a span.

Every writer goes through it: traced attribute tags, ``http.url``, error logs and stacks, the
SQL spans' error messages. It works in three layers (``docs/redaction.rst`` has the user's view):

1. **Keys.** A value whose key is sensitive is never rendered. Keys are matched as *words*
   (``key`` matches ``api_key``, ``x-api-key`` and ``apiKey``, not ``monkey``), so the policy
   neither leaks ``X-Auth-Token`` nor blanks out ``monkey``.
2. **Shapes.** Query strings are parsed as Django parses them (``&`` between pairs, the key up to
   the first ``=``), URLs lose their userinfo, structures are walked by key at every depth.
3. **Known secrets.** Every value the request carries under a sensitive key (headers, cookies,
   query, form, JSON, DRF's ``request.auth``, the session key, sensitive URL kwargs) is a secret
   of that request, scrubbed from any text written to its spans: an exception that quotes a
   password is logged without it. They are collected only when something is about to be
   written that could hold them, and only from what the request has already loaded.

All work here is linear in a bounded prefix of its input: request data is chosen by the client.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus

__all__ = [
    "DEFAULT_REDACTED_KEYS",
    "REDACTED",
    "KeyPolicy",
    "Secrets",
    "collect_secrets",
    "exception_message",
    "query_secrets",
    "redact_query",
    "redact_text",
    "redact_userinfo",
]

REDACTED = "[REDACTED]"

#: The default sensitive words. Sentry's SDK default denylist, the words Django's
#: ``SafeExceptionReporterFilter.hidden_settings`` hides (API, TOKEN, KEY, SECRET, PASS,
#: SIGNATURE), and the names OAuth, JWT and common frameworks use.
DEFAULT_REDACTED_KEYS: tuple[str, ...] = (
    # passwords
    "password",
    "passwd",
    "pass",
    "pwd",
    "mysql_pwd",
    # keys, tokens, signatures
    "secret",
    "key",
    "api",
    "api_key",
    "apikey",
    "x_api_key",
    "privatekey",
    "private_key",
    "token",
    "jwt",
    "code",
    "signature",
    "credentials",
    "credential",
    # authentication
    "auth",
    "authorization",
    # sessions and cookies
    "session",
    "sessionid",
    "sid",
    "phpsessid",
    "cookie",
    "set_cookie",
    "csrf",
    "csrftoken",
    "x_csrftoken",
    "csrfmiddlewaretoken",
    "xsrf",
)

#: Keys longer than this are not judged: their values are always redacted.
MAX_KEY_SCAN = 256
#: A word glued to others (``accesstoken``) is sensitive when it starts or ends with a sensitive
#: word at least this long; shorter words (``key``, ``pass``) only match whole words.
GLUE_MIN = 5
#: At most this many known secrets from each source of a request (its query string, its form,
#: its JSON body, DRF's data...), each at most this long.
MAX_SECRETS = 64
MAX_SECRET_LENGTH = 4096
#: At most this many secrets per request in all, and spellings of them (each secret is kept with
#: all its spellings or not at all), and characters in those spellings: the cost of a scrub.
MAX_REQUEST_SECRETS = 256
MAX_SPELLINGS = 1024
MAX_SPELLING_CHARS = 1024 * 1024
#: Shorter values are not treated as secrets: scrubbing ``"1"`` would mangle every line number.
MIN_SECRET_LENGTH = 3
#: At most this many cookies of a Cookie header of at most this size are secrets.
MAX_COOKIES = 64
MAX_COOKIE_HEADER = 16384
#: A query string or ``key=value`` text is examined up to this many characters.
MAX_PAIRS_SCAN = 8192
#: Secrets are looked for in at most this many entries of one structure, and nodes in all.
MAX_STRUCTURE_CHILDREN = 1000
MAX_STRUCTURE_NODES = 5000
MAX_STRUCTURE_DEPTH = 32
#: A JSON body is parsed for its secrets (and rendered by structure) only up to this size.
MAX_JSON_BODY = 65536

_CACHE_MAX = 4096


def split_words(key: str, camel: bool = True) -> list[str]:
    """``"HTTP_X_API_KEY"`` -> ``["http", "x", "api", "key"]``; ``"apiKey"`` -> ``["api", "key"]``.

    Words break at anything that is not a letter or digit, between a lower-case letter and an
    upper-case one, and between letters and digits (``password1``). One pass, bounded.
    """
    words: list[str] = []
    current: list[str] = []
    prev = ""
    for char in key[:MAX_KEY_SCAN]:
        if char.isalnum():
            if current and (
                (camel and prev.islower() and char.isupper()) or (prev.isdigit() != char.isdigit())
            ):
                words.append("".join(current).lower())
                current = []
            current.append(char)
        elif current:
            words.append("".join(current).lower())
            current = []
        prev = char
    if current:
        words.append("".join(current).lower())
    return words


class KeyPolicy:
    """Which keys are sensitive: built from ``OPENTRACING_REDACTED_KEYS``."""

    __slots__ = ("_cache", "_glue", "_multi", "_single", "entries")

    def __init__(self, entries: Iterable[str]) -> None:
        self.entries = tuple(entries)
        single: set[str] = set()
        multi: set[tuple[str, ...]] = set()
        for entry in self.entries:
            parts = tuple(split_words(entry))
            if len(parts) == 1:
                single.add(parts[0])
            elif parts:
                multi.add(parts)
        self._single = frozenset(single)
        self._multi = tuple(sorted(multi))
        self._glue = tuple(sorted(w for w in single if len(w) >= GLUE_MIN))
        self._cache: dict[str, bool] = {}

    def __bool__(self) -> bool:
        return bool(self._single or self._multi)

    def matches(self, key: Any) -> bool:
        """Whether a value under ``key`` must never be written."""
        if not isinstance(key, str):
            try:
                key = str(key)
            except Exception:
                return True  # a key we cannot read: do not show its value
        if len(key) > MAX_KEY_SCAN:
            return True  # too long to judge whole: what is cut off could name a secret
        cached = self._cache.get(key)
        if cached is None:
            cached = self._judge(unquote_plus(key) if "%" in key or "+" in key else key)
            if len(self._cache) < _CACHE_MAX:
                self._cache[key] = cached
        return cached

    def _judge(self, key: str) -> bool:
        if not key.isascii():
            # WSGI hands query keys and headers over as latin-1 text; Django decodes the bytes
            # as UTF-8. Judge the key as the view will read it too.
            try:
                repaired = key.encode("latin-1").decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                repaired = key
            if repaired != key and self._judge_words(split_words(repaired, camel=False)):
                return True
        # Both with and without camel-case splits: "apiKey" is api+key, "PaSsWoRd" is password.
        return self._judge_words(split_words(key)) or self._judge_words(
            split_words(key, camel=False)
        )

    def _judge_words(self, words: list[str]) -> bool:
        single = self._single
        for word in words:
            if word in single or (word[-1:] == "s" and word[:-1] in single):
                return True
            for glued in self._glue:
                if len(word) > len(glued) and (word.startswith(glued) or word.endswith(glued)):
                    return True
        for parts in self._multi:
            size = len(parts)
            for start in range(len(words) - size + 1):
                if tuple(words[start : start + size]) == parts:
                    return True
        return False


def pairs(text: str) -> Iterator[tuple[str, str | None]]:
    """The ``(raw key, raw value)`` pairs of a query string, split as Django splits them.

    Only ``&`` separates pairs and the key ends at the first ``=`` (``QueryDict``); a pair
    without ``=`` has the value ``None``.
    """
    for part in text.split("&"):
        key, eq, value = part.partition("=")
        yield key, (value if eq else None)


def redact_query(text: str, policy: KeyPolicy, hidden: frozenset[str] = frozenset()) -> str:
    """``text`` with the value of every sensitive (or ``hidden``) key replaced, whole.

    Pairs are split as Django splits a query string, so ``token=a,b;c`` loses all of
    ``a,b;c``. A value that is not sensitive is still looked into for ``;``- or ``,``-separated
    pairs (``user=bob; password=x``, as in cookie-style headers): from the first sensitive one,
    the rest of the value is replaced. Only the first ``MAX_PAIRS_SCAN`` characters are
    examined; the rest is dropped, since a span never holds that much of a value anyway.
    """
    if "=" not in text or not (policy or hidden):
        return text[:MAX_PAIRS_SCAN]
    text = text[:MAX_PAIRS_SCAN]
    # The pairs as ``pairs()`` splits them; only the ones that change are rebuilt, so a query
    # with nothing to hide (the common case) costs one split and one check per key.
    parts = text.split("&")
    matches = policy.matches
    changed = False
    for index, part in enumerate(parts):
        key, _, value = part.partition("=")
        if not value:  # no "=" or an empty value: nothing to hide
            continue
        if matches(key) or (hidden and _is_hidden(_decoded(key), hidden)):
            parts[index] = f"{key}={REDACTED}"
            changed = True
        elif "=" in value and policy:
            inner = _redact_inner(value, policy)
            if inner is not value:
                parts[index] = f"{key}={inner}"
                changed = True
    return "&".join(parts) if changed else text


_INNER_SEPARATORS = re.compile(r"[;,]")


def _redact_inner(value: str, policy: KeyPolicy) -> str:
    offset = 0
    for segment in _INNER_SEPARATORS.split(value):
        name, eq, rest = segment.partition("=")
        if eq and rest and policy.matches(name.strip()):
            return value[: offset + len(name) + 1] + REDACTED
        offset += len(segment) + 1
    return value


def _decoded(key: str) -> str:
    return unquote_plus(key) if "%" in key or "+" in key else key


def redact_userinfo(text: str) -> str:
    """``https://alice:pw@host/`` -> ``https://[REDACTED]@host/``, for every URL in ``text``.

    Scheme-relative (``//alice:pw@host``), backslashed and single-slashed
    (``https:\\\\alice:pw@host``, ``https:/alice:pw@host``, which browsers read the same)
    authorities too. Linear: each authority is scanned from its ``//``
    to the first ``/``, so no character is looked at twice however they are arranged.
    """
    if "@" not in text:
        return text
    if _AUTHORITY_OPENER.search(text) is None:
        # A bare authority (a Host header): ``user:password@host``, a single token.
        userinfo, _, host = text.rpartition("@")
        if ":" in userinfo and not any(c in _AUTHORITY_END for c in userinfo):
            return f"{REDACTED}@{host}"
        return text
    out: list[str] = []
    emitted = 0
    size = len(text)
    for opener in _AUTHORITY_OPENER.finditer(text):
        start = end = opener.end()
        while end < size and text[end] not in _AUTHORITY_END:
            end += 1
        at = text.rfind("@", start, end)
        if at >= start and start >= emitted:
            out.append(text[emitted:start])
            out.append(REDACTED)
            emitted = at
    out.append(text[emitted:])
    return "".join(out)


#: What opens an authority: ``//`` and the spellings browsers read the same (``\\\\``, and one
#: slash or backslash, or a mix, after a scheme's colon). A run of one character class after
#: another: linear, nothing to backtrack into.
_AUTHORITY_OPENER = re.compile(r"[:/\\][/\\]+")
_AUTHORITY_END = frozenset("/?#\\ \t\r\n\"'<>")


def redact_text(text: str, policy: KeyPolicy) -> str:
    """A free text value: ``key=value`` pairs and URL userinfo redacted."""
    if "=" in text and policy:
        text = redact_query(text, policy)
    return redact_userinfo(text)


# -- known secrets ---------------------------------------------------------------------------


class Secrets:
    """The secret values one request carries, and scrubbing them out of text."""

    __slots__ = ("_needles", "longest")

    def __init__(self, values: Iterable[str] = ()) -> None:
        # The values come most specific source first (docs/redaction.rst): a secret is kept
        # with every spelling or not at all, so that many secrets with many spellings each
        # cannot crowd out the spellings of one that comes first.
        forms: set[str] = set()
        kept = chars = 0
        for value in values:
            if kept >= MAX_REQUEST_SECRETS:
                break
            value = value[:MAX_SECRET_LENGTH]
            stripped = value.strip()
            if len(stripped) < MIN_SECRET_LENGTH or value in forms:
                continue  # too short, or known already (and its spellings with it)
            # A view that trims the value (a form field does) writes it without its blanks.
            try:
                spellings = {value, *_variants(value)}
                if stripped != value:
                    spellings.update((stripped, *_variants(stripped)))
            except Exception:  # a value no encoder takes (a lone surrogate): as written only
                spellings = {value, stripped}
            spellings -= forms
            size = sum(map(len, spellings))
            if len(forms) + len(spellings) > MAX_SPELLINGS or chars + size > MAX_SPELLING_CHARS:
                break  # full: the values after it come from less specific sources
            forms |= spellings
            kept += 1
            chars += size
        # Longest first, so a secret that contains another is replaced whole.
        self._needles = tuple(sorted(forms, key=len, reverse=True))
        self.longest = len(self._needles[0]) if self._needles else 0

    def __bool__(self) -> bool:
        return bool(self._needles)

    def scrub(self, text: str) -> str:
        for needle in self._needles:
            if needle in text:
                if len(needle) > MIN_SECRET_LENGTH:
                    text = text.replace(needle, REDACTED)
                else:
                    text = _replace_token(text, needle)
        return text


NO_SECRETS = Secrets()


def _variants(value: str) -> Iterator[str]:
    """How a secret may be spelled in text: URL-encoded, repr-, JSON- and SQL-escaped.

    Each is at least as long as the value (escaping only adds characters). A spelling that
    cannot be made (a lone surrogate has no UTF-8 bytes to quote) is left out; the others stay.
    """
    for spell in _SPELLINGS:
        try:
            yield spell(value)
        except (UnicodeError, ValueError):
            continue


_SPELLINGS: tuple[Callable[[str], str], ...] = (
    lambda v: quote_plus(v, safe=""),
    lambda v: quote(v, safe=""),
    quote,  # urllib's default, which keeps "/"
    lambda v: quote(v, safe="/:@&+$,-_.!~*'()"),  # as escape_uri_path() writes a path
    lambda v: repr(v)[1:-1],
    # Inside a longer repr the quotes depend on the whole text: a JSON body holds '"', so its
    # repr is delimited by "'" and escapes the secret's own "'".
    lambda v: repr(v + '"')[1:-2],
    lambda v: repr(v.encode("utf-8"))[2:-1],  # quoted as bytes: b'caf\\xc3\\xa9'
    lambda v: repr(v.encode("utf-8") + b'"')[2:-2],
    lambda v: v.replace("'", "''"),  # inlined into SQL as a quoted literal
    lambda v: json.dumps(v)[1:-1],
    lambda v: json.dumps(v, ensure_ascii=False)[1:-1],  # as DRF's JSON renderer writes it
)


def _replace_token(text: str, needle: str) -> str:
    """Replace ``needle`` only where it stands alone (not inside a longer word)."""
    out: list[str] = []
    pos = 0
    while True:
        found = text.find(needle, pos)
        if found < 0:
            break
        before = text[found - 1] if found else ""
        after_at = found + len(needle)
        after = text[after_at] if after_at < len(text) else ""
        if not before.isalnum() and not after.isalnum():
            out.append(text[pos:found])
            out.append(REDACTED)
        else:
            out.append(text[pos:after_at])
        pos = after_at
    out.append(text[pos:])
    return "".join(out)


def scrub_bounded(text: str, limit: int, secrets: Secrets) -> str:
    """``text`` cut to ``limit`` characters with the request's secrets removed.

    The cut is made after scrubbing a window slightly longer than ``limit``, so a secret that
    straddles the cut is not left half visible.
    """
    if secrets:
        text = secrets.scrub(text[: limit + secrets.longest])
    return text[:limit]


def collect_secrets(request: Any, policy: KeyPolicy, extra: Any = None) -> Secrets:
    """The secrets of ``request`` (an ``HttpRequest``), and of ``extra`` (DRF's ``Request``).

    Reads only what the request already holds: ``META``, the query string, a form or JSON body
    that was already read or parsed, DRF's data and ``auth`` once DRF has set them, the session
    key, the resolved URL kwargs. Never parses a body that was not read, never loads a session.
    """
    if request is None:
        return NO_SECRETS
    found: list[str] = []
    try:
        cookies = _from_request(request, policy, found)
        if extra is not None and extra is not request:
            inner = _from_drf(extra, policy, found)
            if inner is not None and inner is not request:
                cookies = _from_request(inner, policy, found) or cookies
        # Cookies last: a client can send them by the hundred, and they are capped on their own.
        if cookies is not None:
            _from_cookies(cookies, found)
    except Exception:  # an odd request object: scrub what was found so far
        pass
    return Secrets(found) if found else NO_SECRETS


def _from_request(request: Any, policy: KeyPolicy, found: list[str]) -> str | None:
    """The secrets of an ``HttpRequest``, most specific source first; returns its Cookie header,
    whose values the caller collects last."""
    attrs = getattr(request, "__dict__", {})
    meta = getattr(request, "META", None)
    match = attrs.get("resolver_match")
    kwargs = getattr(match, "kwargs", None)
    if isinstance(kwargs, Mapping):
        for name, value in kwargs.items():
            if policy.matches(name) and value is not None:
                found.append(str(value))
    cookie = None
    if isinstance(meta, Mapping):
        query = meta.get("QUERY_STRING")
        if isinstance(query, str) and query:
            _from_pairs(query, policy, found)
        headers_limit = len(found) + MAX_SECRETS  # the headers' own budget, like every source's
        for key, value in meta.items():
            if not isinstance(value, str) or not value or not isinstance(key, str):
                continue
            if key == "HTTP_COOKIE":
                cookie = value
            elif len(found) < headers_limit and key[:5] == "HTTP_" and policy.matches(key[5:]):
                _from_header(value, found)
    hidden = _hidden_post_names(request)
    post = attrs.get("_post")
    if post is not None:
        _from_structure(post, policy, found, hidden=hidden)
    body = attrs.get("_body")
    if isinstance(body, (bytes, bytearray)) and body and len(body) <= MAX_JSON_BODY:
        content_type = str(meta.get("CONTENT_TYPE", "")) if isinstance(meta, Mapping) else ""
        if "x-www-form-urlencoded" in content_type.lower():
            _from_pairs(bytes(body).decode("utf-8", "replace"), policy, found, hidden)
        elif body.lstrip()[:1] in (b"{", b"["):
            # JSON whatever its type says: a view may json.loads() a body sent as text/plain
            # (navigator.sendBeacon's) or with no type at all; and only an object or an array
            # can hold a value under a key.
            try:
                _from_structure(json.loads(body), policy, found, hidden=hidden)
            except Exception:
                pass
    session = attrs.get("session")
    key = getattr(session, "_session_key", None) if session is not None else None
    if isinstance(key, str):
        found.append(key)
    return cookie


def query_secrets(query: str, policy: KeyPolicy) -> Secrets:
    """The values of a query string's sensitive keys, as secrets to scrub."""
    found: list[str] = []
    _from_pairs(query, policy, found)
    return Secrets(found) if found else NO_SECRETS


def _from_cookies(header: str, found: list[str]) -> None:
    """Every cookie value, as sent and as Django reads it (unquoted, octal escapes decoded).

    Chunk by chunk, each value with Django's reading of it, so that a repeated name (Django keeps
    the last), a nameless chunk and a quoted value are all seen and stay together under the cap;
    then the values Django keeps, which may come from past the first ``MAX_COOKIES`` chunks.
    """
    from django.http.cookie import parse_cookie

    header = header[:MAX_COOKIE_HEADER]
    if len(header) <= MAX_SECRET_LENGTH:
        # The header whole only when it is one secret: a prefix would be replaced first
        # (longest first) and leave the cookie it cuts through unmatched.
        found.append(header)
    values: list[str] = []
    for chunk in header.split(";", MAX_COOKIES)[:MAX_COOKIES]:
        _name, eq, value = chunk.partition("=")
        values.append(value.strip() if eq else chunk.strip())
        values.extend(parse_cookie(chunk).values())
    try:
        values.extend(list(parse_cookie(header).values())[:MAX_COOKIES])
    except Exception:
        pass
    found.extend(dict.fromkeys(v for v in values if v))


def _from_drf(request: Any, policy: KeyPolicy, found: list[str]) -> Any:
    """The secrets DRF's ``Request`` holds itself; returns the ``HttpRequest`` it wraps."""
    attrs = getattr(request, "__dict__", {})
    data = attrs.get("_full_data")
    if isinstance(data, (Mapping, list, tuple)) or callable(getattr(data, "lists", None)):
        _from_structure(data, policy, found, hidden=_hidden_post_names(request))
    auth = attrs.get("_auth")
    if auth is not None:
        secret = getattr(auth, "key", None)
        if not isinstance(secret, str):
            try:
                secret = str(auth)
            except Exception:
                secret = None
        if isinstance(secret, str):
            found.append(secret)
    return attrs.get("_request")


def _from_header(value: str, found: list[str]) -> None:
    value = value[:MAX_SECRET_LENGTH]
    found.append(value)
    parts = value.split(None, 1)
    if len(parts) != 2:
        return
    scheme, credential = parts[0], parts[1].strip()
    found.append(credential)
    if scheme.lower() == "basic":
        # Decoded as DRF and Django's contrib decode it: stray characters dropped, latin-1 when
        # the bytes are not UTF-8.
        try:
            raw = base64.b64decode(credential)
        except (binascii.Error, ValueError):
            return
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            decoded = raw.decode("latin-1")
        found.append(decoded)
        _user, colon, password = decoded.partition(":")
        if colon:
            found.append(password)


def _from_pairs(
    text: str, policy: KeyPolicy, found: list[str], hidden: frozenset[str] | None = None
) -> None:
    limit = len(found) + MAX_SECRETS  # each source its own budget: one cannot crowd out the next
    for key, value in pairs(text[:MAX_PAIRS_SCAN]):
        if len(found) >= limit:
            return
        if value and (policy.matches(key) or (hidden and _is_hidden(_decoded(key), hidden))):
            found.append(value)
            decoded = unquote_plus(value)
            if decoded != value:
                found.append(decoded)


def _from_structure(
    value: Any, policy: KeyPolicy, found: list[str], hidden: frozenset[str] | None = None
) -> None:
    """Every scalar under a sensitive key (or a ``hidden`` form field), at any depth.

    Breadth first: with the walk bounded, the top-level fields (a login's password) are reached
    before whatever a large sibling holds.
    """
    queue: deque[tuple[Any, bool, int]] = deque([(value, False, 0)])
    limit = len(found) + MAX_SECRETS
    seen = 0
    while queue and len(found) < limit and seen < MAX_STRUCTURE_NODES:
        seen += 1
        item, secret, depth = queue.popleft()
        if isinstance(item, (str, int, float)) and not isinstance(item, bool):
            if secret:
                found.append(str(item))
            continue
        if depth == MAX_STRUCTURE_DEPTH:
            continue  # its children would be past the depth bound
        for key, sub in islice(_children(item), MAX_STRUCTURE_CHILDREN):
            hide = secret or policy.matches(key)
            if not hide and hidden is not None and depth == 0:
                hide = _is_hidden(str(key), hidden)
            queue.append((sub, hide, depth + 1))


def _children(item: Any) -> Iterator[tuple[Any, Any]]:
    from django.utils.functional import LazyObject

    if isinstance(item, LazyObject):
        return  # asking a lazy object anything would evaluate it: not ours to cause
    lists = getattr(item, "lists", None)
    if callable(lists):
        for key, values in lists():
            for value in values:
                yield key, value
    elif isinstance(item, Mapping):
        yield from item.items()
    elif isinstance(item, (list, tuple)):
        for value in item:
            yield "", value


def _hidden_post_names(request: Any) -> frozenset[str] | None:
    """The form fields ``@sensitive_post_parameters`` marked on this request, if any."""
    # DRF's Request hands the attribute over from the HttpRequest it wraps.
    names = getattr(request, "sensitive_post_parameters", None)
    if names == "__ALL__":
        return frozenset({"__ALL__"})
    if isinstance(names, (list, tuple, set, frozenset)):
        return frozenset(str(n) for n in names)
    return None


def _is_hidden(name: str, hidden: frozenset[str]) -> bool:
    """Whether ``@sensitive_post_parameters`` marked the field ``name`` (or every field)."""
    return name in hidden or "__ALL__" in hidden


def hidden_post_names(request: Any) -> frozenset[str]:
    return _hidden_post_names(request) or frozenset()


# -- exceptions ------------------------------------------------------------------------------


def exception_message(exc: BaseException) -> str | None:
    """A message for ``exc`` that cannot repeat user input, or ``None`` when ``str(exc)`` is fine.

    Validation errors quote what the client sent, so only field names and codes are kept. DRF is
    recognised without importing it: ``ot_views`` works where DRF is not installed.
    """
    drf = sys.modules.get("rest_framework.exceptions")
    if drf is not None and isinstance(exc, drf.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = sorted(str(k)[:64] for k in list(detail)[:32])
            return "Invalid input for: " + ", ".join(fields)
        return "Invalid input."
    from django.core.exceptions import ValidationError

    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            fields = sorted(str(k)[:64] for k in list(exc.error_dict)[:32])
            return "Invalid input for: " + ", ".join(fields)
        return "Invalid input."
    return None
