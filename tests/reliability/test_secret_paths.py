"""Every path a secret was seen to take into a span, closed by the one redaction policy.

Each test sends one shape that leaked before the policy existed (a ``,`` inside a sensitive query
value, a dict in a list in a list, an exception that quotes a form field, a JSON body traced as
``body``, a password in a Referer's userinfo, a reset token in the path...) and looks for the
secret in everything the span holds: operation name, tags, and every log field as text.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ot_views import TracedView, trace
from ot_views.redaction import DEFAULT_REDACTED_KEYS, REDACTED, KeyPolicy
from ot_views.testing import server_span, traced

from .secrets_check import span_text as dump

SECRET = "Hq9-S3CRET-value-71c"

pytestmark = pytest.mark.urls(__name__)


def assert_clean(span: Any, secret: str = SECRET) -> None:
    text = dump(span)
    assert secret not in text, text[:3000]


class Attrs(TracedView):
    traced_attributes = ["META", "GET", "POST", "path", "extra", "body"]

    def get(self, request: Any, **kwargs: Any) -> HttpResponse:
        request.extra = getattr(self, "extra_value", None)
        return HttpResponse("ok")

    def post(self, request: Any, **kwargs: Any) -> HttpResponse:
        request.extra = getattr(self, "extra_value", None)
        request.POST  # noqa: B018 - the view reads its form, as a real one would
        return HttpResponse("ok")


@method_decorator(csrf_exempt, name="dispatch")
class BodyView(TracedView):
    traced_attributes = ["body"]

    def post(self, request: Any) -> HttpResponse:
        request.body  # noqa: B018 - the view read its body
        return HttpResponse("ok")


@method_decorator(csrf_exempt, name="dispatch")
class MultipartView(TracedView):
    traced_attributes = ["body", "POST"]

    def post(self, request: Any) -> HttpResponse:
        request.body  # noqa: B018 - read raw first, so that both body and POST exist
        request.POST  # noqa: B018
        return HttpResponse("ok")


@method_decorator(csrf_exempt, name="dispatch")
class IntOfPassword(TracedView):
    traced_attributes = ["POST"]

    def post(self, request: Any) -> HttpResponse:
        return HttpResponse(str(int(request.POST["password"])))


@csrf_exempt
@trace("POST")
def int_of_password(request: Any) -> HttpResponse:
    return HttpResponse(str(int(request.POST["password"])))


@csrf_exempt
def plain_int_of_password(request: Any) -> HttpResponse:
    return HttpResponse(str(int(request.POST["password"])))


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(sensitive_post_parameters("pin"), name="post")
class SensitiveForm(TracedView):
    traced_attributes = ["POST", "body"]

    def post(self, request: Any) -> HttpResponse:
        request.POST  # noqa: B018
        return HttpResponse("ok")


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(sensitive_post_parameters("pin", "memorable word"), name="post")
class SensitiveBody(TracedView):
    """Reads the raw body only: request.POST is never parsed, so the body is all there is."""

    traced_attributes = ["body"]

    def post(self, request: Any) -> HttpResponse:
        return HttpResponse(str(len(request.body)))


@method_decorator(csrf_exempt, name="dispatch")
class RawSql(TracedView):
    def post(self, request: Any) -> HttpResponse:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {request.POST['password']}")  # a bug quoting user input
        return HttpResponse("ok")


@trace("path", "META")
def reset(request: Any, uidb64: str, token: str) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    path("attrs/", Attrs.as_view()),
    path("body/", BodyView.as_view()),
    path("multipart/", MultipartView.as_view()),
    path("int/", IntOfPassword.as_view()),
    path("int-func/", int_of_password),
    path("int-plain/", plain_int_of_password),
    path("sensitive/", SensitiveForm.as_view()),
    path("sensitive-body/", SensitiveBody.as_view()),
    path("raw-sql/", RawSql.as_view()),
    path("reset/<uidb64>/<token>/", reset),
]


def run(path_: str, method: str = "get", middleware: bool = False, **kwargs: Any) -> Any:
    mw = ["ot_views.middleware.OpenTracingMiddleware"] if middleware else []
    with override_settings(MIDDLEWARE=mw), traced() as tracer:
        client = Client(raise_request_exception=False)
        response = getattr(client, method)(path_, **kwargs)
    return response, server_span(tracer)


@pytest.mark.parametrize("separator", [",", ";", ",;", "%2C"])
def test_separator_inside_a_sensitive_query_value(separator):
    # Django reads "x,S3CRET" whole as the value of token: so must the policy.
    _, span = run(f"/attrs/?token=x{separator}{SECRET}&q=1")
    assert_clean(span)
    assert span.tags["http.url"].endswith(f"?token={REDACTED}&q=1")
    assert span.tags["META.QUERY_STRING"] == f"token={REDACTED}&q=1"
    assert span.tags["GET.token"] == REDACTED


@pytest.mark.parametrize(
    "value",
    [
        [[{"password": SECRET}]],
        {"a": [1, [{"api_key": SECRET}]]},
        ({"x": ({"token": SECRET},)},),
        [[[[[[{"password": SECRET}]]]]]],  # past the depth bound: a placeholder, not a repr
        {"a": {"b": {"c": {"d": {"e": {"secret": SECRET}}}}}},
    ],
)
def test_nested_structures_are_redacted_by_key_at_every_depth(value):
    Attrs.extra_value = value
    try:
        _, span = run("/attrs/")
    finally:
        del Attrs.extra_value
    assert_clean(span)
    assert any(k.startswith("extra") for k in span.tags)


def test_exception_quoting_a_form_field_is_scrubbed_everywhere():
    for url in ("/int/", "/int-func/"):
        response, span = run(url, "post", data={"password": f"hunter2-{SECRET}"})
        assert response.status_code == 500
        assert_clean(span)
        log = span.logs[0].key_values
        assert log["error.kind"] == "ValueError"
        assert REDACTED in log["message"]
        assert REDACTED in log["stack"]
        assert "error.object" not in log  # the tracer would render it unscrubbed
        assert span.tags["error"] is True


def test_exception_quoting_a_form_field_under_the_middleware_alone():
    response, span = run("/int-plain/", "post", middleware=True, data={"password": SECRET})
    assert response.status_code == 500
    assert_clean(span)
    assert span.logs[0].key_values["error.kind"] == "ValueError"


def test_chained_exception_is_logged_without_its_object():
    response, span = run("/int/", "post", data={"password": "12", "x": "y"})
    assert response.status_code == 200
    _, span = run("/int/", "post", data={"pin": "nan-value"})
    log = span.logs[0].key_values
    assert log["error.kind"] == "MultiValueDictKeyError"
    # Raised while handling a KeyError: a tracer rendering the object would print the chain
    # outside the policy, so the object is left out (tests/test_errors.py shows it kept for a
    # plain exception of a request without secrets).
    assert "error.object" not in log
    assert "while handling KeyError" in log["stack"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", json.dumps({"user": "a", "password": SECRET})),
        ("application/json", json.dumps([[{"deep": {"token": SECRET}}]])),
        ("application/vnd.api+json", json.dumps({"data": {"api_key": SECRET}})),
        ("application/x-www-form-urlencoded", f"user=a&password={SECRET}"),
        ("text/plain", f"password={SECRET}"),
        ("application/octet-stream", SECRET),
        ("application/json", "{" + SECRET),  # not JSON: its size, never its bytes
    ],
)
def test_bodies_are_redacted_by_structure_or_written_as_size(content_type, body):
    _, span = run("/body/", "post", data=body, content_type=content_type)
    assert_clean(span)
    assert "body" in span.tags


def test_json_body_keeps_what_is_not_sensitive():
    body = json.dumps({"user": "alice", "password": SECRET})
    _, span = run("/body/", "post", data=body, content_type="application/json")
    assert "'user': 'alice'" in span.tags["body"]
    assert f"'password': '{REDACTED}'" in span.tags["body"]


def test_other_bodies_are_size_and_type():
    _, span = run("/body/", "post", data=b"\x89PNG" + b"x" * 96, content_type="image/png")
    assert span.tags["body"] == "<image/png, 100 bytes>"


def test_multipart_body_by_structure():
    _, span = run("/multipart/", "post", data={"user": "alice", "password": SECRET})
    assert_clean(span)
    assert span.tags["POST.password"] == REDACTED
    assert span.tags["body"].startswith("<multipart/form-data")
    assert "'user': 'alice'" in span.tags["body"]


@pytest.mark.parametrize("name", ["code", "key", "pwd", "auth", "jwt", "private_key", "apiKey"])
def test_default_words(name):
    _, span = run(f"/attrs/?{name}={SECRET}")
    assert_clean(span)
    assert span.tags[f"GET.{name}"] == REDACTED


@pytest.mark.parametrize("name", ["monkey", "keyboard", "author", "passenger", "username"])
def test_words_not_substrings(name):
    _, span = run(f"/attrs/?{name}=visible")
    assert span.tags[f"GET.{name}"] == "visible"


def test_default_list_covers_sentry_and_django_words():
    policy = KeyPolicy(DEFAULT_REDACTED_KEYS)
    sentry = [
        "password", "passwd", "secret", "api_key", "apikey", "auth", "credentials", "mysql_pwd",
        "privatekey", "private_key", "token", "session", "csrftoken", "sessionid", "x_csrftoken",
        "set_cookie", "cookie", "authorization", "x_api_key", "csrf_token", "_csrf",
        "PHPSESSID", "connect.sid", "XSRF-TOKEN", "user_session", "aiohttp_session",
    ]  # fmt: skip
    django = ["API", "TOKEN", "KEY", "SECRET", "PASS", "SIGNATURE"]
    for name in [*sentry, *django, "code", "jwt"]:
        assert policy.matches(name), name
        assert policy.matches(f"HTTP_X_{name.upper()}"), name


@pytest.mark.parametrize("header", ["HTTP_REFERER", "HTTP_ORIGIN", "HTTP_X_LOCATION"])
def test_userinfo_in_url_headers(header):
    _, span = run("/attrs/", **{header: f"https://alice:{SECRET}@example.com/page?x=1"})
    assert_clean(span)
    assert span.tags[f"META.{header}"] == f"https://{REDACTED}@example.com/page?x=1"


def test_userinfo_in_host_header():
    _, span = run("/attrs/", HTTP_HOST=f"alice:{SECRET}@example.com")
    assert_clean(span)


@pytest.mark.parametrize("middleware", [False, True])
def test_reset_token_in_the_path(middleware):
    token = f"c4q-{SECRET}"
    _, span = run(f"/reset/MQ/{token}/", middleware=middleware)
    assert_clean(span, token)
    assert_clean(span)
    assert span.tags["http.url"].endswith(f"/reset/MQ/{REDACTED}/")
    assert span.tags["path"] == f"/reset/MQ/{REDACTED}/"


def test_sensitive_post_parameters_are_honoured():
    _, span = run("/sensitive/", "post", data={"pin": SECRET, "name": "alice"})
    assert_clean(span)
    assert span.tags["POST.pin"] == REDACTED
    assert span.tags["POST.name"] == "alice"


@pytest.mark.parametrize("key", ["pi%6E", "p%69n", "memorable+word", "memorable%20word"])
def test_sensitive_post_parameter_spelled_encoded_in_the_body(key):
    # The body holds the key as sent; Django decodes it to the hidden field's name, so must
    # the policy, in the body tag as in the secrets it scrubs from every other tag.
    body = f"{key}={SECRET}&name=alice"
    _, span = run(
        "/sensitive-body/", "post", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert_clean(span)
    assert span.tags["body"] == f"{key}={REDACTED}&name=alice"


@pytest.mark.django_db
def test_sql_error_quoting_a_secret(settings):
    settings.OPENTRACING_TRACE_DB = True
    password = f"hunter{SECRET.replace('-', '')}"
    with traced() as tracer:
        response = Client(raise_request_exception=False).post(
            "/raw-sql/", data={"password": password}
        )
    assert response.status_code == 500
    spans = tracer.finished_spans()
    assert len(spans) == 2  # the SQL span and the request span
    for span in spans:
        assert_clean(span, password)
    db_span = next(s for s in spans if s.tags.get("component") == "django.db")
    assert db_span.tags["error"] is True
    assert REDACTED in db_span.logs[0].key_values["message"]


# -- a secret of random shape, in random places ----------------------------------------------

SENSITIVE = st.sampled_from(
    ["password", "token", "api_key", "x-auth-token", "client_secret", "apiKey", "jwt", "code"]
)
SAFE_KEY = st.sampled_from(["name", "items", "a", "b", "value", "list"])
SECRETS = st.text(
    alphabet=st.characters(min_codepoint=48, max_codepoint=122, categories=("L", "N")),
    min_size=8,
    max_size=40,
).map(lambda s: f"S3c{s}")


@st.composite
def placed(draw: Any) -> tuple[Any, str]:
    """A structure with the secret somewhere under a sensitive key, at a random depth."""
    secret = draw(SECRETS)
    value: Any = {draw(SENSITIVE): secret}
    for _ in range(draw(st.integers(0, 7))):
        kind = draw(st.sampled_from(["dict", "list", "tuple", "sensitive-dict"]))
        if kind == "dict":
            value = {draw(SAFE_KEY): value, "other": draw(st.integers())}
        elif kind == "sensitive-dict":
            value = {draw(SENSITIVE): value}
        elif kind == "list":
            value = [draw(st.integers()), value]
        else:
            value = (value,)
    return value, secret


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(placed(), st.sampled_from(["attr", "json", "header", "query", "exception"]))
def test_random_secret_in_random_places(placement, where):
    value, secret = placement
    if where == "attr":
        Attrs.extra_value = value
        try:
            _, span = run("/attrs/")
        finally:
            del Attrs.extra_value
    elif where == "json":
        _, span = run("/body/", "post", data=json.dumps(value), content_type="application/json")
    elif where == "header":
        _, span = run("/attrs/", HTTP_X_CLIENT_SECRET=secret, HTTP_AUTHORIZATION=f"Bearer {secret}")
    elif where == "query":
        _, span = run(f"/attrs/?a=1&access_token={secret}%2C{secret}&b=2")
    else:
        _, span = run("/int/", "post", data={"password": secret})
    assert_clean(span, secret)
