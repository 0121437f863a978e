"""The known secrets of a Django request, and their bounds (docs/redaction.rst, "Known secrets").

``collect_secrets`` returns the ``Secrets`` every error log and SQL span of the request is
scrubbed with: what they scrub (and, at a bound, what they no longer scrub) is the contract.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.test import RequestFactory

from ot_views.redaction import (
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
