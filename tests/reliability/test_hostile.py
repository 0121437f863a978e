"""Hostile input never breaks a request or escapes the package.

Property-based (hypothesis, derandomized so every run tries the same inputs): trace headers
made of random bytes, huge, duplicated or non-ASCII; request attributes of every type; random
paths and query strings. Requests go through Django's test client with
``raise_request_exception=True``, so an exception out of the package fails the test, and each
response is compared with the one the site gives untraced.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

import pytest
from django.http import QueryDict
from django.test import Client, override_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ot_views.attributes import MAX_TAGS_PER_ATTRIBUTE, MAX_VALUE_LENGTH, collect, flatten
from ot_views.conf import DEFAULT_REDACTED_KEYS, compile_keys
from ot_views.testing import make_tracer, server_span, server_spans

from .checks import assert_tags_valid
from .servers import raw_request
from .testsite import views

URLS = "tests.reliability.testsite.urls"
MIDDLEWARE = "ot_views.middleware.OpenTracingMiddleware"
REDACTED = compile_keys(DEFAULT_REDACTED_KEYS)
PROPERTY = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=120,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Figures for the README, filled as the tests run.
TRIED: dict[str, int] = {}


def tried(kind: str) -> None:
    TRIED[kind] = TRIED.get(kind, 0) + 1


# -- strategies -----------------------------------------------------------------------------------

latin1 = st.binary(max_size=80).map(lambda b: b.decode("latin-1"))
trace_header_names = st.sampled_from(
    [
        "ot-tracer-traceid",
        "ot-tracer-spanid",
        "ot-tracer-sampled",
        "ot-baggage-user",
        "uber-trace-id",
        "traceparent",
        "tracestate",
        "x-b3-traceid",
        "b3",
    ]
)
header_names = trace_header_names | st.text(
    alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=20
)
header_values = st.one_of(
    latin1,
    st.text(max_size=80),  # non-ASCII, surrogates excluded by hypothesis by default
    st.integers(0, 20_000).map(lambda n: "f" * n),  # huge hex
    st.integers(0, 20_000).map(lambda n: "é" * n),
    st.sampled_from(["zz", "-1", "0x1f", " 1f", "\uff11\uff12", "", "\x00", "1f,2e", "1" * 40]),
)
#: Duplicated headers are sent as repeated (name, value) pairs; WSGI servers join them with ",".
header_lists = st.lists(st.tuples(header_names, header_values), max_size=8)


def environ_for(pairs: list[tuple[str, str]]) -> dict[str, str]:
    environ: dict[str, str] = {}
    for name, value in pairs:
        key = "HTTP_" + name.upper().replace("-", "_")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


class RaisingStr:
    def __str__(self) -> str:
        raise RuntimeError("__str__ raised")

    __repr__ = __format__ = __str__  # type: ignore[assignment]


class NonStrStr:
    def __str__(self) -> Any:
        return 42


class HugeStr:
    def __str__(self) -> str:
        return "h" * 2_000_000


class RaisingGetattr:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"no {name} for you")


class RaisingMapping(Mapping):
    def __getitem__(self, key: Any) -> Any:
        raise RuntimeError("getitem")

    def __iter__(self) -> Iterator[Any]:
        raise RuntimeError("iter")

    def __len__(self) -> int:
        raise RuntimeError("len")


class LyingLists:
    def lists(self) -> Any:
        raise RuntimeError("lists")


class EvilStr(str):
    def __str__(self) -> str:
        raise RuntimeError("str subclass")


def cyclic_dict() -> dict[str, Any]:
    d: dict[str, Any] = {"a": 1}
    d["self"] = d
    d["list"] = [d, "x"]
    return d


def cyclic_list() -> list[Any]:
    items: list[Any] = ["x"]
    items.append(items)
    return items


def deep_dict(depth: int) -> dict[str, Any]:
    d: dict[str, Any] = {"leaf": "v"}
    for _ in range(depth):
        d = {"a": d}
    return d


def deep_list(depth: int) -> list[Any]:
    items: list[Any] = ["v"]
    for _ in range(depth):
        items = [items]
    return items


def query_dict() -> QueryDict:
    return QueryDict("a=1&a=2&token=t&b=" + "x" * 5000)


ODD_FACTORIES = [
    RaisingStr,
    NonStrStr,
    HugeStr,
    RaisingGetattr,
    RaisingMapping,
    LyingLists,
    lambda: EvilStr("a=1&token=t"),
    cyclic_dict,
    cyclic_list,
    lambda: deep_dict(10_000),
    lambda: deep_list(100_000),
    lambda: "s" * 5_000_000,
    lambda: b"\xff\xfe" * 1_000_000,
    lambda: {str(i): i for i in range(100_000)},
    query_dict,
    object,
    lambda: float("nan"),
    lambda: 10**5000,
]
odd_values = st.sampled_from(ODD_FACTORIES).map(lambda make: make())
leaves = odd_values | st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=50),
    st.binary(max_size=50),
    st.integers(1000, 5000).map(lambda n: "x" * n),
)
keys = st.one_of(st.text(max_size=12), st.integers(), st.sampled_from(["token", "a", "0", b"k"]))
values = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.dictionaries(keys, children, max_size=4),
    ),
    max_leaves=20,
)
attribute_names = st.lists(
    st.sampled_from(["value", "value.a", "value.0", "value.self.self", "missing", "value.x.y"])
    | st.text(max_size=12),
    max_size=5,
).map(lambda names: ["value", *names])


class Target:
    def __init__(self, value: Any) -> None:
        self.value = value


# -- attributes, unit level -----------------------------------------------------------------------


def assert_pairs_valid(pairs: list[tuple[str, str]], names: list[str]) -> None:
    assert len(pairs) <= MAX_TAGS_PER_ATTRIBUTE * len(names)
    for key, text in pairs:
        assert isinstance(key, str)
        assert isinstance(text, str) and len(text) <= MAX_VALUE_LENGTH, (key, type(text))


@settings(PROPERTY, max_examples=400)
@given(value=values, names=attribute_names)
def test_collect_never_raises_and_bounds_every_value(value, names):
    tried("attribute values (collect)")
    pairs = collect(Target(value), names, REDACTED)
    assert_pairs_valid(pairs, names)


@pytest.mark.parametrize("make", ODD_FACTORIES, ids=lambda f: getattr(f, "__name__", "lambda"))
def test_collect_and_flatten_survive_each_odd_value(make):
    value = make()
    pairs = collect(Target(value), ["value", "value.a", "value.0"], REDACTED)
    assert_pairs_valid(pairs, ["value", "value.a", "value.0"])
    # flatten alone is a generator: whatever it yields is bounded; collect is the guard.
    try:
        flat = list(flatten("value", value, REDACTED))
    except Exception:
        flat = []
    assert all(isinstance(v, str) and len(v) <= MAX_VALUE_LENGTH for _, v in flat)


# -- through views --------------------------------------------------------------------------------


def get(client: Client, path: str, **extra: Any) -> tuple[int, bytes]:
    response = client.get(path, **extra)
    return response.status_code, response.content


@pytest.mark.urls(URLS)
@pytest.mark.parametrize("middleware", [False, True], ids=["mixin", "middleware"])
@PROPERTY
@given(value=values)
def test_hostile_attribute_values_through_a_view(middleware, value):
    tried("attribute values (view)")
    views.HOSTILE["value"] = value
    mw = [MIDDLEWARE] if middleware else []
    try:
        with override_settings(MIDDLEWARE=mw), make_traced() as tracer:
            status, body = get(Client(raise_request_exception=True), "/h/payload")
    finally:
        views.HOSTILE["value"] = None
    assert (status, body) == (200, b"hostile ok")
    span = server_span(tracer)
    assert_tags_valid(span.tags)


def make_traced() -> Any:
    from ot_views.testing import traced

    return traced(make_tracer())


@pytest.mark.urls(URLS)
@pytest.mark.parametrize("middleware", [False, True], ids=["mixin", "middleware"])
@PROPERTY
@given(pairs=header_lists)
@example(pairs=[("ot-tracer-traceid", "zz"), ("ot-tracer-spanid", "1")])
@example(
    pairs=[("ot-tracer-traceid", "1f"), ("ot-tracer-traceid", "2e"), ("ot-tracer-spanid", "3")]
)
@example(pairs=[("ot-tracer-traceid", "f" * 100_000), ("ot-tracer-spanid", "é" * 10_000)])
def test_hostile_trace_headers(middleware, pairs):
    tried("trace header sets")
    extra = environ_for(pairs)
    mw = [MIDDLEWARE] if middleware else []
    with override_settings(MIDDLEWARE=mw), make_traced() as tracer:
        status, body = get(Client(raise_request_exception=True), "/h/headers", **extra)
    assert (status, body) == (200, b"hostile ok")
    span = server_span(tracer)
    assert_tags_valid(span.tags)


paths = st.text(max_size=60).map(lambda t: quote(t, safe="/"))
query_strings = latin1 | st.text(max_size=80) | st.integers(0, 10_000).map(lambda n: "q=" + "%" * n)


@pytest.mark.urls(URLS)
@PROPERTY
@given(prefix=st.sampled_from(["/h/", "/", "/sync/", "/fault/"]), path=paths, query=query_strings)
def test_hostile_paths_and_query_strings(prefix, path, query):
    tried("paths and query strings")
    url = prefix + path
    with override_settings(MIDDLEWARE=[], OPENTRACING_TRACER=None):
        untraced = get(Client(raise_request_exception=False), url, QUERY_STRING=query)
    with override_settings(MIDDLEWARE=[MIDDLEWARE]), make_traced() as tracer:
        traced_answer = get(Client(raise_request_exception=False), url, QUERY_STRING=query)
    assert traced_answer[0] == untraced[0], (url, query, traced_answer[0])
    if untraced[0] < 500:
        assert traced_answer == untraced
    for span in server_spans(tracer):
        assert_tags_valid(span.tags)
        assert span.operation_name.startswith(("HTTP ", "Hostile.", "FaultOk", "Fault"))


# -- on real servers: bytes no HTTP client library will send ---------------------------------------

header_bytes = st.binary(max_size=200).map(
    lambda b: bytes(c for c in b if c == 9 or 32 <= c < 127 or c >= 128).strip()
)
raw_names = st.sampled_from([b"ot-tracer-traceid", b"ot-tracer-spanid", b"ot-baggage-x", b"x-odd"])


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["gunicorn", "uvicorn"])
def test_hostile_raw_headers_on_real_servers(live_server_factory, kind):
    server = live_server_factory(kind, "middleware")
    sent: list[str] = []

    @settings(derandomize=True, deadline=None, max_examples=60, database=None)
    @given(pairs=st.lists(st.tuples(raw_names, header_bytes), max_size=6))
    @example(pairs=[(b"ot-tracer-traceid", b"1f"), (b"ot-tracer-traceid", b"\xff\xfe")])
    @example(pairs=[(b"ot-tracer-traceid", b"f" * 6000), (b"ot-tracer-spanid", b"\xc3\xa9" * 900)])
    def one(pairs):
        tried(f"raw header sets ({kind})")
        rid = f"hostile-{kind}-{len(sent):04d}"
        sent.append(rid)
        lines = b"".join(name + b": " + value + b"\r\n" for name, value in pairs)
        request = (
            b"GET /sync/plain/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + b"X-Request-Id: " + rid.encode() + b"\r\n" + lines + b"\r\n"
        )  # fmt: skip
        status, body = raw_request(server.port, request)
        assert status == 200, (status, pairs)
        assert rid.encode() in body  # plain or chunked, the view's own answer

    one()
    from .testsite.tracers import read_spans

    spans = [
        s
        for s in read_spans(server.spans_dir)
        if str(s["tags"].get("headers.x-request-id", "")).startswith(f"hostile-{kind}-")
    ]
    assert len(spans) == len(sent)  # every request traced, none lost
    for span in spans:
        assert_tags_valid(span["tags"])


# -- caches keyed on client or statement data stay bounded in size ---------------------------------


@pytest.fixture
def empty_cache(monkeypatch):
    """``setattr(module, name, {})`` for the test, so the cache is measured from empty."""

    def empty(module: Any, name: str) -> dict[str, str]:
        cache: dict[str, str] = {}
        monkeypatch.setattr(module, name, cache)
        return cache

    return empty


def test_sql_name_cache_is_bounded_in_size_with_huge_in_lists(empty_cache):
    from ot_views import db

    cache = empty_cache(db, "_NAMES")
    placeholders = ", ".join(["%s"] * 12_000)  # an IN list of 12,000 ids: ~48,000 characters
    for i in range(300):
        statement = f'SELECT "shop_item"."id" FROM "shop_item" WHERE "id" IN ({placeholders}, {i})'
        assert db.operation_name(statement) == "SELECT shop_item"
    size = sum(len(key) for key in cache)
    # Today's keys are the whole statements: 300 x ~60,000 characters, ~18 million.
    assert size <= db._NAMES_MAX * db._NAME_SCAN, size
    assert size <= 2 * db._NAME_SCAN  # they share one prefix: one key (two with a racing clear)


def test_sql_name_cache_is_bounded_with_distinct_huge_statements(empty_cache):
    from ot_views import db

    cache = empty_cache(db, "_NAMES")
    filler = "x" * 30_000
    for i in range(db._NAMES_MAX + 200):
        db.operation_name(f"SELECT {i} AS {filler} FROM t{i}")
        assert sum(len(key) for key in cache) <= db._NAMES_MAX * db._NAME_SCAN


def test_header_name_cache_is_bounded_in_size(empty_cache):
    from ot_views import propagation

    cache = empty_cache(propagation, "_NAMES")
    for i in range(propagation._MAX_NAMES + 100):
        meta = {f"HTTP_X_{i}_" + "A" * 8_000: "1", "HTTP_X_B3_TRACEID": "abc"}
        carrier = propagation.MetaCarrier(meta)
        assert carrier["x-b3-traceid"] == "abc"
        assert carrier[f"x-{i}-" + "a" * 8_000] == "1"  # long names still translated
    size = sum(len(key) for key in cache)
    # Today: 1,024 names of 8 KB, ~8 million characters.
    assert size <= propagation._MAX_NAMES * propagation.MAX_CACHED_NAME_LENGTH, size
    assert "HTTP_X_B3_TRACEID" in cache  # the short names trace headers use are still cached
