"""Hostile requests cost nothing and every span stays bounded, whatever the request holds.

The timing bounds here are deliberately generous (tens of milliseconds for work that took
seconds before the parsers became linear): they catch the quadratic shape, not noise.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt

from ot_views import TracedView
from ot_views.attributes import (
    MAX_KEY_LENGTH,
    MAX_TAGS_PER_ATTRIBUTE,
    MAX_VALUE_LENGTH,
    MORE_SUFFIX,
)
from ot_views.redaction import REDACTED
from ot_views.span import MAX_MESSAGE_LENGTH, MAX_STACK_FRAMES, MAX_STACK_LENGTH
from ot_views.testing import server_span, traced

pytestmark = pytest.mark.urls(__name__)


@method_decorator(csrf_exempt, name="dispatch")
class Everything(TracedView):
    traced_attributes = ["META", "GET", "path", "body", "headers"]

    def get(self, request: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponse("ok")

    def post(self, request: Any, **kwargs: Any) -> HttpResponse:
        request.body  # noqa: B018
        return HttpResponse("ok")


class Raises(TracedView):
    def get(self, request: Any) -> HttpResponse:
        raise ValueError("boom " + "x" * 5_000_000)


class Deep(TracedView):
    def get(self, request: Any) -> HttpResponse:
        def down(n: int) -> None:
            if n == 0:
                raise RuntimeError("at the bottom")
            down(n - 1)

        down(300)
        return HttpResponse()


class Chained(TracedView):
    def get(self, request: Any) -> HttpResponse:
        try:
            raise KeyError("k" * 100_000)
        except KeyError as exc:
            raise ValueError("outer") from exc


urlpatterns = [
    path("all/", Everything.as_view()),
    path("raises/", Raises.as_view()),
    path("deep/", Deep.as_view()),
    path("chained/", Chained.as_view()),
]


def timed(**request: Any) -> tuple[float, Any]:
    method = request.pop("method", "get")
    url = request.pop("url", "/all/")
    with override_settings(MIDDLEWARE=[]), traced() as tracer:
        client = Client(raise_request_exception=False)
        start = time.process_time()
        getattr(client, method)(url, **request)
        spent = time.process_time() - start
    return spent, server_span(tracer)


def test_long_query_without_equals_is_linear():
    # The old key=value regex backtracked on this shape: ~1.2 s of CPU for 16 KB.
    spent, span = timed(url="/all/?" + "a" * 16_384 + "&token=x")
    assert spent < 0.2, spent
    assert len(span.tags["http.url"]) <= MAX_VALUE_LENGTH


@pytest.mark.parametrize(
    "query",
    [
        "a" * 200_000 + "&token=x",
        "token" * 40_000 + "=x",
        "&".join(f"k{i}=v" for i in range(10_000)),
        "=" * 100_000,
        ";" * 100_000 + "token=x",
        "a=" + ";b" * 50_000,
        "a=" + "x=;" * 30_000,
        "%" * 100_000,
    ],
    ids=["no-eq", "key-words", "10k-params", "equals", "semicolons", "inner", "inner-eq", "pct"],
)
def test_odd_query_strings_cost_little(query):
    spent, span = timed(url="/all/?" + query)
    assert spent < 0.5, spent
    assert len(span.tags["http.url"]) <= MAX_VALUE_LENGTH
    assert len(span.tags["META.QUERY_STRING"]) <= MAX_VALUE_LENGTH


def test_fifty_traced_4kb_headers_and_a_1mb_header():
    headers = {f"HTTP_X_H{i}": "v" * 4000 + ";password=x" for i in range(50)}
    headers["HTTP_X_HUGE"] = "a" * 1_000_000
    headers["HTTP_REFERER"] = "http://" + "a:" * 200_000 + "@host/"
    spent, span = timed(**headers)
    assert spent < 0.5, spent
    for key, value in span.tags.items():
        assert len(key) <= MAX_KEY_LENGTH
        assert len(str(value)) <= MAX_VALUE_LENGTH


def test_100kb_path_under_the_middleware():
    settings = {"MIDDLEWARE": ["ot_views.middleware.OpenTracingMiddleware"]}
    with override_settings(**settings), traced() as tracer:
        start = time.process_time()
        Client().get("/" + "%41" * 30_000 + "/")
        spent = time.process_time() - start
    assert spent < 0.5, spent
    assert len(server_span(tracer).tags["http.url"]) <= MAX_VALUE_LENGTH


def test_json_body_with_a_two_million_character_key():
    body = json.dumps({"k" * 2_000_000: "v", "password": "pw-value"})
    spent, span = timed(method="post", data=body, content_type="application/json")
    assert spent < 2.0, spent  # dominated by Django's own parse; the span work is bounded
    assert len(span.tags["body"]) <= MAX_VALUE_LENGTH
    for key in span.tags:
        assert len(key) <= MAX_KEY_LENGTH


def test_traced_mapping_keys_are_cut_and_marked():
    rf = RequestFactory()

    class Keyed(TracedView):
        traced_attributes = ["stuff"]

        def get(self, request: Any) -> HttpResponse:
            request.stuff = {"k" * 2_000_000: "v", "short": "s"}
            return HttpResponse()

    with traced() as tracer:
        Keyed.as_view()(rf.get("/"))
    tags = server_span(tracer).tags
    long_keys = [k for k in tags if k.startswith("stuff.k")]
    assert len(long_keys) == 1
    assert len(long_keys[0]) == MAX_KEY_LENGTH
    assert long_keys[0].endswith("\u2026")
    # A key too long to judge is not shown with its value: it could hide a sensitive word.
    assert tags[long_keys[0]] == REDACTED
    assert tags["stuff.short"] == "s"


def test_one_attribute_adds_a_bounded_number_of_tags_and_says_so():
    with traced() as tracer:
        Client().get(
            "/all/?" + "&".join(f"p{i}=1" for i in range(900))
        )  # under DATA_UPLOAD_MAX_NUMBER_FIELDS
    tags = server_span(tracer).tags
    get_tags = [k for k in tags if k.startswith("GET.")]
    assert len(get_tags) == MAX_TAGS_PER_ATTRIBUTE
    assert tags["GET" + MORE_SUFFIX] == "[...]"


def test_five_megabyte_exception_text_is_bounded_on_the_span():
    _, span = timed(url="/raises/")
    log = span.logs[0].key_values
    assert len(log["message"]) <= MAX_MESSAGE_LENGTH
    assert len(log["stack"]) <= MAX_STACK_LENGTH + 64
    assert log["stack"].rstrip().endswith("x" * 10)
    assert "error.object" not in log  # its text was not logged whole: a tracer would render it
    assert span.tags["error"] is True


def test_deep_stack_keeps_the_innermost_frames_and_marks_the_cut():
    _, span = timed(url="/deep/")
    stack = span.logs[0].key_values["stack"]
    assert "outer frames cut" in stack
    assert stack.count('  File "') == MAX_STACK_FRAMES
    assert "in down" in stack.splitlines()[-3]
    assert stack.rstrip().endswith("RuntimeError: at the bottom")


def test_chained_exception_is_summarised_bounded():
    _, span = timed(url="/chained/")
    stack = span.logs[0].key_values["stack"]
    assert "while handling KeyError" in stack
    assert len(stack) < MAX_STACK_LENGTH
