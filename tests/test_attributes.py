"""Traced attributes: dotted paths, flattening, truncation, redaction, never raising."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client

from ot_views import TracedView, trace
from ot_views.attributes import MAX_TAGS_PER_ATTRIBUTE, MAX_VALUE_LENGTH, REDACTED
from ot_views.conf import DEFAULT_REDACTED_KEYS
from ot_views.testing import server_span

# One name per default word, as it would appear in a header, a query/form key and a cookie:
# the word between two others, so that it is matched as a word inside a longer key.
PATTERN_NAMES = {word: f"x-{word.replace('_', '-')}-data" for word in DEFAULT_REDACTED_KEYS}


def test_every_default_pattern_has_a_case():
    assert set(PATTERN_NAMES) == set(DEFAULT_REDACTED_KEYS)


def secret_for(pattern):
    return f"leak{abs(hash(pattern)) % 10**8}value"


def all_tag_text(span):
    return "\n".join(f"{k}={v}" for k, v in span.tags.items())


def assert_no_secrets(span):
    text = all_tag_text(span)
    for pattern in PATTERN_NAMES:
        assert secret_for(pattern) not in text, (pattern, text)
    for log in span.logs:
        for value in log.key_values.values():
            for pattern in PATTERN_NAMES:
                assert secret_for(pattern) not in str(value)


def test_redaction_of_every_default_pattern_everywhere(tracer):
    client = Client()
    headers = {name: secret_for(p) for p, name in PATTERN_NAMES.items()}
    headers["authorization"] = "Bearer " + secret_for("authorization")
    headers["x-visible"] = "plain-header"
    query = "&".join(f"{name}={secret_for(p)}" for p, name in PATTERN_NAMES.items())
    for p, name in PATTERN_NAMES.items():
        client.cookies[name.replace("-", "_")] = secret_for(p)
    client.cookies["theme"] = "dark"
    form = {name: secret_for(p) for p, name in PATTERN_NAMES.items()}
    form["title"] = "visible-title"
    response = client.post(f"/books/1/?{query}&page=2", form, headers=headers)
    assert response.status_code == 200

    span = server_span(tracer)
    tags = span.tags
    assert_no_secrets(span)
    # Non-sensitive values stay readable.
    assert tags["headers.X-Visible"] == "plain-header"
    assert tags["META.HTTP_X_VISIBLE"] == "plain-header"
    assert tags["GET.page"] == "2"
    assert tags["POST.title"] == "visible-title"
    # The attribute name itself matches "cookie": every cookie can be a credential, so the
    # whole mapping is one redacted tag.
    assert tags["COOKIES"] == REDACTED
    assert not any(k.startswith("COOKIES.") for k in tags)
    # Sensitive keys stay, their values are replaced.
    for name in PATTERN_NAMES.values():
        assert tags[f"GET.{name}"] == REDACTED
        assert tags[f"POST.{name}"] == REDACTED
        assert tags["META.HTTP_" + name.upper().replace("-", "_")] == REDACTED
        assert tags["headers." + name.replace("_", "-").title()] == REDACTED
        assert f"{name}={REDACTED}" in tags["http.url"]
        assert f"{name}={REDACTED}" in tags["META.QUERY_STRING"]
    assert tags["META.HTTP_AUTHORIZATION"] == REDACTED
    assert tags["headers.Authorization"] == REDACTED
    assert tags["META.HTTP_COOKIE"] == REDACTED
    assert tags["headers.Cookie"] == REDACTED
    assert "page=2" in tags["http.url"]


def test_http_url_redacted_under_middleware_alone(tracer, with_middleware):
    Client().get("/untraced/?token=abc123&api%2Dkey=k9&q=books")
    url = server_span(tracer).tags["http.url"]
    assert "abc123" not in url and "k9" not in url
    assert url == f"http://testserver/untraced/?token={REDACTED}&api%2Dkey={REDACTED}&q=books"


def test_key_value_strings_keep_keys(rf, tracer):
    request = rf.get("/x/?a=1&session=s1&b=2", HTTP_X_PAIRS="user=bob; password=hunter2; lang=en")
    Attrs.as_view()(request)
    tags = server_span(tracer).tags
    assert tags["META.QUERY_STRING"] == f"a=1&session={REDACTED}&b=2"
    # Cookie-style pairs: from the first sensitive one, the rest of the value goes.
    assert tags["META.HTTP_X_PAIRS"] == f"user=bob; password={REDACTED}"


class Exploding:
    @property
    def value(self):
        raise RuntimeError("cannot read")

    def __str__(self):
        raise RuntimeError("cannot print")


class Attrs(TracedView):
    traced_attributes = [
        "path",
        "custom.nested.deep",
        "number",
        "raw",
        "explodes.value",
        "explodes",
        "absent",
        "absent.deeper",
        "late",
        "nested",
        "listed",
        "plain_list",
        "big",
        "long",
        "META",
        "GET",
    ]

    def get(self, request):
        request.late = "set-in-handler"
        return HttpResponse("ok")


def run_attrs(rf, url="/x/", **setup):
    request = rf.get(url)
    for key, value in setup.items():
        setattr(request, key, value)
    response = Attrs.as_view()(request)
    assert response.status_code == 200
    return request


def test_dotted_paths_walk_attributes_and_mapping_keys(rf, tracer):
    run_attrs(rf, custom={"nested": type("O", (), {"deep": "found"})()})
    assert server_span(tracer).tags["custom.nested.deep"] == "found"


def test_values_are_strings(rf, tracer):
    run_attrs(rf, number=42, raw=b"bytes \xff")
    tags = server_span(tracer).tags
    assert tags["number"] == "42"
    assert tags["raw"] == "bytes \ufffd"


def test_missing_and_raising_attributes_are_skipped(rf, tracer):
    run_attrs(rf, explodes=Exploding())
    tags = server_span(tracer).tags
    for key in ("explodes.value", "explodes", "absent", "absent.deeper"):
        assert key not in tags
    assert tags["path"] == "/x/"


def test_attributes_are_read_after_the_handler(rf, tracer):
    run_attrs(rf)
    assert server_span(tracer).tags["late"] == "set-in-handler"


def test_nested_mappings_and_lists_of_mappings(rf, tracer):
    run_attrs(
        rf,
        nested={"a": {"b": {"password": "pw1", "ok": 1}}, "token": {"inner": "t1"}},
        listed=[{"secret": "s1", "name": "n"}, {"x": 1}],
        plain_list=["a", "b"],
    )
    tags = server_span(tracer).tags
    assert tags["nested.a.b.password"] == REDACTED
    assert tags["nested.a.b.ok"] == "1"
    assert tags["nested.token"] == REDACTED
    assert "nested.token.inner" not in tags
    assert tags["listed.0.secret"] == REDACTED
    assert tags["listed.0.name"] == "n"
    assert tags["plain_list"] == "['a', 'b']"
    assert "pw1" not in all_tag_text(server_span(tracer))


def test_cyclic_mapping_is_bounded(rf, tracer):
    cyclic = {"name": "c"}
    cyclic["self"] = cyclic
    run_attrs(rf, nested=cyclic)
    tags = server_span(tracer).tags
    assert tags["nested.name"] == "c"
    assert any(v == "[...]" for k, v in tags.items() if k.startswith("nested.self"))


def test_values_are_truncated(rf, tracer):
    run_attrs(rf, long="y" * 100_000, url="/x/?q=" + "z" * 5000)
    tags = server_span(tracer).tags
    assert tags["long"] == "y" * MAX_VALUE_LENGTH
    assert len(tags["GET.q"]) == MAX_VALUE_LENGTH
    assert len(tags["META.QUERY_STRING"]) == MAX_VALUE_LENGTH
    assert len(tags["http.url"]) == MAX_VALUE_LENGTH


def test_huge_mapping_is_capped(rf, tracer):
    run_attrs(rf, big={f"k{i}": i for i in range(1000)})
    keys = [k for k in server_span(tracer).tags if k.startswith("big.")]
    assert len(keys) == MAX_TAGS_PER_ATTRIBUTE


def test_repeated_query_keys_keep_every_value(rf, tracer):
    run_attrs(rf, url="/x/?a=1&a=2&b=3")
    tags = server_span(tracer).tags
    assert tags["GET.a"] == "['1', '2']"
    assert tags["GET.b"] == "3"


def test_custom_redacted_keys_setting(rf, tracer, settings):
    settings.OPENTRACING_REDACTED_KEYS = ["ssn"]
    run_attrs(rf, url="/x/?ssn=123-45&token=visible-now")
    tags = server_span(tracer).tags
    assert tags["GET.ssn"] == REDACTED
    assert tags["GET.token"] == "visible-now"
    assert f"ssn={REDACTED}" in tags["http.url"]


def test_empty_redacted_keys_setting_redacts_nothing(rf, tracer, settings):
    settings.OPENTRACING_REDACTED_KEYS = []
    run_attrs(rf, url="/x/?token=t")
    assert server_span(tracer).tags["GET.token"] == "t"


def test_get_traced_attributes_override(rf, tracer):
    class Chooser(TracedView):
        def get_traced_attributes(self):
            return ["method", "path"]

        def get(self, request):
            return HttpResponse()

    Chooser.as_view()(rf.get("/c/"))
    tags = server_span(tracer).tags
    assert tags["method"] == "GET"
    assert tags["path"] == "/c/"


def test_get_traced_attributes_raising_is_swallowed(rf, tracer):
    class Broken(TracedView):
        def get_traced_attributes(self):
            raise RuntimeError("broken attributes")

        def get(self, request):
            return HttpResponse("fine")

    response = Broken.as_view()(rf.get("/c/"))
    assert response.content == b"fine"
    assert server_span(tracer).tags["http.status_code"] == 200


class UnreadableMapping(Mapping):
    """A mapping that breaks while it is walked, after its first key."""

    def __getitem__(self, key):
        return "value"

    def __len__(self):
        return 2

    def __iter__(self):
        yield "first"
        raise RuntimeError("broken while iterating")


def test_attributes_after_one_that_cannot_be_used_are_still_tagged(rf, tracer):
    # get_traced_attributes() is not checked like the class attribute: a name that is no string,
    # an attribute the request does not have and a value that breaks while walked are each
    # skipped, and the next name is still read.
    class Chooser(TracedView):
        def get_traced_attributes(self):
            return [1, "path", "no_such_attribute", "GET", None, "broken", "method"]

        def get(self, request):
            request.broken = UnreadableMapping()
            return HttpResponse("fine")

    response = Chooser.as_view()(rf.get("/c/?q=1"))
    assert response.content == b"fine"
    tags = server_span(tracer).tags
    assert tags["path"] == "/c/"
    assert tags["GET.q"] == "1"
    assert tags["method"] == "GET"
    assert not [key for key in tags if key.startswith("no_such")]
    assert not [key for key in tags if key.startswith("broken")]


def test_attributes_read_when_the_view_raises(rf, tracer):
    class Raising(TracedView):
        traced_attributes = ["path", "late"]

        def get(self, request):
            request.late = "before-raise"
            raise ValueError("x")

    with pytest.raises(ValueError):
        Raising.as_view()(rf.get("/r/"))
    tags = server_span(tracer).tags
    assert tags["path"] == "/r/"
    assert tags["late"] == "before-raise"


def test_trace_decorator_attributes(client, tracer):
    client.get("/func/?x=1&password=p")
    tags = server_span(tracer).tags
    assert tags["path"] == "/func/"
    assert tags["GET.x"] == "1"
    assert tags["GET.password"] == REDACTED


def test_trace_decorator_meta(rf, tracer):
    @trace("META")
    def view(request):
        return HttpResponse()

    view(rf.get("/m/", HTTP_AUTHORIZATION="Basic abc", HTTP_USER_AGENT="ua"))
    tags = server_span(tracer).tags
    assert tags["META.HTTP_AUTHORIZATION"] == REDACTED
    assert tags["META.HTTP_USER_AGENT"] == "ua"


@pytest.mark.parametrize("bad", ["path", ["path", 3], None, {"path"}])
def test_malformed_traced_attributes_fail_at_class_creation(bad):
    with pytest.raises(ImproperlyConfigured, match="traced_attributes"):
        type("Bad", (TracedView,), {"traced_attributes": bad})


def test_malformed_operation_name_fails_at_class_creation():
    with pytest.raises(ImproperlyConfigured, match="operation_name"):
        type("Bad", (TracedView,), {"operation_name": 3})
