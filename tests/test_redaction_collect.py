"""The known secrets of a Django request, and their bounds (docs/redaction.rst, "Known secrets").

``collect_secrets`` returns the ``Secrets`` every error log and SQL span of the request is
scrubbed with: what they scrub (and, at a bound, what they no longer scrub) is the contract.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from ot_views.redaction import (
    MAX_COOKIES,
    MAX_JSON_BODY,
    MAX_SECRET_LENGTH,
    MAX_SECRETS,
    REDACTED,
    KeyPolicy,
    collect_secrets,
    exception_message,
    hidden_post_names,
)

R = REDACTED
POLICY = KeyPolicy(["password", "token", "authorization"])


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def test_basic_credentials_yield_the_password_up_to_the_first_colon_only():
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=basic("bob:pa:ssword"))
    secrets = collect_secrets(request, POLICY)
    assert secrets.scrub("pw pa:ssword") == f"pw {R}"


def test_a_credential_with_spaces_is_one_secret():
    request = RequestFactory().get("/", HTTP_AUTHORIZATION="Bearer abc def")
    secrets = collect_secrets(request, POLICY)
    assert secrets.scrub("got abc def") == f"got {R}"


def test_query_values_and_their_decoded_form_are_secrets():
    request = RequestFactory().get("/", QUERY_STRING="token=a%2Bbc&q=1")
    assert collect_secrets(request, POLICY).scrub("a+bc a%2Bbc 1") == f"{R} {R} 1"


def test_at_most_max_secrets_query_values_are_collected():
    values = [f"tv-{i:04d}" for i in range(MAX_SECRETS + 1)]
    query = "&".join(f"token={v}" for v in values)
    secrets = collect_secrets(RequestFactory().get("/", QUERY_STRING=query), POLICY)
    assert secrets.scrub(values[MAX_SECRETS - 1]) == R  # the last one that fits
    assert secrets.scrub(values[MAX_SECRETS]) == values[MAX_SECRETS]  # one too many


def test_a_read_form_body_yields_fields_marked_sensitive():
    request = RequestFactory().post(
        "/", data="pin=98765&note=visible", content_type="application/x-www-form-urlencoded"
    )
    request.sensitive_post_parameters = ["pin"]
    request.body  # noqa: B018 - the view read it
    assert collect_secrets(request, POLICY).scrub("98765 visible") == f"{R} visible"
    assert hidden_post_names(request) == frozenset({"pin"})


def test_hidden_post_names_of_an_unmarked_request_is_empty():
    assert hidden_post_names(RequestFactory().get("/")) == frozenset()


def nested(depth: int) -> dict[str, Any]:
    """A JSON document whose password value lies ``depth`` levels below the root."""
    doc: dict[str, Any] = {"password": "deep-secret"}
    for _ in range(depth - 1):
        doc = {"a": doc}
    return doc


def json_request(doc: Any) -> Any:
    request = RequestFactory().post("/", data=json.dumps(doc), content_type="application/json")
    request.body  # noqa: B018
    return request


def test_a_json_secret_is_found_down_to_depth_32_and_not_below():
    assert collect_secrets(json_request(nested(32)), POLICY).scrub("deep-secret") == R
    deeper = collect_secrets(json_request(nested(33)), POLICY)
    assert deeper.scrub("deep-secret") == "deep-secret"


def test_validation_errors_are_logged_as_field_names_only():
    exc = ValidationError({"password": ["hunter2 is too short"], "email": ["bad"]})
    assert exception_message(exc) == "Invalid input for: email, password"
    assert exception_message(ValidationError("hunter2 is bad")) == "Invalid input."
    assert exception_message(ValueError("fine")) is None


def test_a_json_body_of_up_to_max_json_body_bytes_is_read_for_secrets():
    def body_of(size: int) -> Any:
        doc = {"password": "json-secret", "pad": ""}
        doc["pad"] = "p" * (size - len(json.dumps(doc)))
        request = RequestFactory().post("/", data=json.dumps(doc), content_type="application/json")
        request.body  # noqa: B018
        assert len(request.body) == size
        return request

    assert collect_secrets(body_of(MAX_JSON_BODY), POLICY).scrub("json-secret") == R
    beyond = collect_secrets(body_of(MAX_JSON_BODY + 1), POLICY)
    assert beyond.scrub("json-secret") == "json-secret"


def test_cookie_values_are_secrets_up_to_max_cookies():
    values = [f"cv-{i:04d}" for i in range(MAX_COOKIES + 1)]
    header = "; ".join(f"c{i}={v}" for i, v in enumerate(values))
    secrets = collect_secrets(RequestFactory().get("/", HTTP_COOKIE=header), POLICY)
    assert secrets.scrub(values[0]) == R
    assert secrets.scrub(values[MAX_COOKIES - 1]) == R
    assert secrets.scrub(values[MAX_COOKIES]) == values[MAX_COOKIES]


def test_a_quoted_cookie_is_a_secret_as_django_reads_it_too():
    request = RequestFactory().get("/", HTTP_COOKIE='sid="ab\\054cd"')
    assert collect_secrets(request, POLICY).scrub("ab,cd") == R


def test_each_source_has_its_own_budget_of_secrets():
    # A query string full of sensitive keys cannot crowd out the form's password.
    query = "&".join(f"token=q{i:04d}" for i in range(MAX_SECRETS + 5))
    request = RequestFactory().post("/?" + query, {"password": "form-pass-1"})
    request.POST  # noqa: B018 - read by the view
    secrets = collect_secrets(request, POLICY)
    assert secrets.scrub("form-pass-1") == R
    assert secrets.scrub(f"q{MAX_SECRETS - 1:04d}") == R
    assert secrets.scrub(f"q{MAX_SECRETS:04d}") == f"q{MAX_SECRETS:04d}"


def test_a_source_after_another_still_has_its_whole_budget():
    # The URL kwargs come first; the query string then still gives MAX_SECRETS values.
    class Match:
        kwargs = {"token": "url-tok-1"}

    query = "&".join(f"token=q{i:04d}" for i in range(MAX_SECRETS))
    request = RequestFactory().get("/?" + query)
    request.resolver_match = Match()
    secrets = collect_secrets(request, POLICY)
    assert secrets.scrub("url-tok-1") == R
    assert secrets.scrub(f"q{MAX_SECRETS - 1:04d}") == R


def test_every_value_of_a_repeated_cookie_is_a_secret():
    # Django keeps only the last value of a repeated name; the client sent them all, and any of
    # them may reach a message. A value may itself hold "=" (base64 padding), or blanks around.
    header = "sessionid= first-sid-1=; sessionid=second-sid-2;sessionid=third-sid-3"
    secrets = collect_secrets(RequestFactory().get("/", HTTP_COOKIE=header), POLICY)
    for value in ("first-sid-1=", "second-sid-2", "third-sid-3"):
        assert secrets.scrub(f"x {value} y") == f"x {R} y"


def test_every_nameless_cookie_value_is_a_secret():
    header = "nameless-1; nameless-2"
    secrets = collect_secrets(RequestFactory().get("/", HTTP_COOKIE=header), POLICY)
    assert secrets.scrub("nameless-1 nameless-2") == f"{R} {R}"


def test_the_first_max_cookies_values_of_a_repeated_cookie_are_secrets():
    values = [f"cv-{i:04d}" for i in range(MAX_COOKIES + 3)]
    header = "; ".join(f"c={v}" for v in values)
    secrets = collect_secrets(RequestFactory().get("/", HTTP_COOKIE=header), POLICY)
    assert [secrets.scrub(v) for v in values[:MAX_COOKIES]] == [R] * MAX_COOKIES
    assert secrets.scrub(values[-1]) == R  # the one Django keeps


def test_every_value_of_a_repeated_quoted_cookie_is_a_secret_as_django_reads_it():
    # Django reads "a\\054first" as "a,first" but keeps only the last value of the name.
    header = 'sid="a\\054first"; sid="b\\054second"'
    secrets = collect_secrets(RequestFactory().get("/", HTTP_COOKIE=header), POLICY)
    assert secrets.scrub("a,first b,second") == f"{R} {R}"


def test_a_form_body_is_read_for_secrets_whatever_the_case_of_its_type():
    request = RequestFactory().post(
        "/", "password=form-body-1&q=x", content_type="Application/X-WWW-Form-Urlencoded"
    )
    request.body  # noqa: B018 - read by the view
    assert collect_secrets(request, POLICY).scrub("form-body-1") == R


def test_a_form_body_that_is_not_utf8_is_read_for_secrets():
    request = RequestFactory().post(
        "/", b"name=\xff\xfe&password=form-body-2", content_type="application/x-www-form-urlencoded"
    )
    request.body  # noqa: B018 - read by the view
    assert collect_secrets(request, POLICY).scrub("form-body-2") == R


def test_marked_fields_of_a_form_and_of_a_json_body_are_secrets():
    form = RequestFactory().post("/", {"answer": "form-answer", "note": "visible"})
    form.sensitive_post_parameters = ["answer"]
    form.POST  # noqa: B018 - read by the view
    body = RequestFactory().post(
        "/", json.dumps({"answer": "json-answer", "note": "visible"}), "application/json"
    )
    body.sensitive_post_parameters = ["answer"]
    body.body  # noqa: B018 - read by the view
    for request, value in ((form, "form-answer"), (body, "json-answer")):
        secrets = collect_secrets(request, POLICY)
        assert secrets.scrub(f"{value} visible") == f"{R} visible"


def test_a_quoted_cookie_is_a_secret_as_sent_too():
    # An error may quote the header as it came: the quoted spelling, "=" and escapes included,
    # of a named and of a nameless cookie.
    header = 'sid="tok=\\054en-1"; "nameless\\054-2"; other=x'
    secrets = collect_secrets(RequestFactory().get("/", HTTP_COOKIE=header), POLICY)
    assert secrets.scrub('bad "tok=\\054en-1" and "nameless\\054-2"') == f"bad {R} and {R}"


def test_a_cookie_header_of_max_secret_length_is_one_secret():
    header = "c=" + "v" * (MAX_SECRET_LENGTH - 7) + "; d=w"
    assert len(header) == MAX_SECRET_LENGTH
    secrets = collect_secrets(RequestFactory().get("/", HTTP_COOKIE=header), POLICY)
    assert secrets.scrub(f"header: {header}") == f"header: {R}"


@pytest.mark.parametrize(
    "body", ['\n  {"password": "json-lead-1"}', '[{"password": "json-lead-1"}]']
)
def test_a_json_body_is_known_by_its_first_character(body):
    request = RequestFactory().post("/", body, content_type="text/plain")
    request.body  # noqa: B018 - read by the view
    assert collect_secrets(request, POLICY).scrub("json-lead-1") == R


def test_a_meta_key_that_is_not_a_string_does_not_stop_the_collection():
    request = RequestFactory().post("/", {"password": "after-odd-key"})
    request.META[42] = "odd"
    request.POST  # noqa: B018 - read by the view
    assert collect_secrets(request, POLICY).scrub("after-odd-key") == R


def test_a_structure_past_the_depth_bound_does_not_end_the_walk_of_its_level():
    # At depth 32 a list (whose values would be past the bound) comes before a secret: the
    # walk skips the list and still reaches the secret.
    value = ["skipped-33", "secret-32"]
    value[0] = [value[0]]
    for _ in range(30):
        value = [value]
    request = RequestFactory().post("/", json.dumps({"password": value}), "application/json")
    request.body  # noqa: B018 - read by the view
    secrets = collect_secrets(request, POLICY)
    assert secrets.scrub("secret-32 skipped-33") == f"{R} skipped-33"


def test_sensitive_url_kwargs_and_the_session_key_are_secrets():
    class Match:
        kwargs = {"token": "url-tok-1", "page": "visible"}

    class Session:
        _session_key = "sess-key-1"

    request = RequestFactory().get("/")
    request.resolver_match = Match()
    request.session = Session()
    secrets = collect_secrets(request, POLICY)
    assert secrets.scrub("url-tok-1 sess-key-1 visible") == f"{R} {R} visible"


def test_validation_error_field_names_are_bounded():
    fields = {f"f{i:02d}": ["bad"] for i in range(40)}
    message = exception_message(ValidationError(fields))
    assert message == "Invalid input for: " + ", ".join(f"f{i:02d}" for i in range(32))
    long_name = "n" * 65
    assert exception_message(ValidationError({long_name: ["x"]})) == (
        "Invalid input for: " + "n" * 64
    )
