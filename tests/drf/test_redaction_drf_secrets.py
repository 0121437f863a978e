"""The known secrets of a DRF ``Request``: its parsed data, ``request.auth`` and its inner request.

``collect_secrets(request, policy, extra)`` reads DRF's request (``extra``) only through what DRF
has already set; what it returns is what every error log and SQL span of the request is
scrubbed with, so the returned ``Secrets`` are checked directly.
"""

from __future__ import annotations

import json
from typing import Any

from django.test import RequestFactory
from rest_framework.parsers import JSONParser
from rest_framework.request import Request

from ot_views import redaction
from ot_views.redaction import MAX_SECRETS, REDACTED, KeyPolicy, collect_secrets

R = REDACTED
POLICY = KeyPolicy(["password", "token"])


def drf_request(data: Any = None, query: str = "") -> tuple[Any, Request]:
    if data is None:
        django = RequestFactory().get(f"/x/?{query}")
    else:
        body = json.dumps(data)
        django = RequestFactory().post(f"/x/?{query}", data=body, content_type="application/json")
    return django, Request(django, parsers=[JSONParser()])


def plain() -> Any:
    """The request the span was started with, holding no secret of its own."""
    return RequestFactory().get("/x/")


def test_parsed_data_under_sensitive_keys_are_secrets():
    _, drf = drf_request({"password": "hunter22", "note": "visible"})
    drf.data  # noqa: B018 - DRF has parsed it
    secrets = collect_secrets(plain(), POLICY, drf)
    assert secrets.scrub("x hunter22 visible") == f"x {R} visible"


def test_fields_marked_by_sensitive_post_parameters_are_secrets():
    # Data DRF parsed from a stream the Django request no longer holds: only DRF's data has it.
    django, drf = drf_request()
    django.sensitive_post_parameters = ["pin"]
    drf._full_data = {"pin": "98765", "note": "visible"}
    secrets = collect_secrets(plain(), POLICY, drf)
    assert secrets.scrub("98765 visible") == f"{R} visible"


def test_form_like_data_with_lists_is_walked():
    class FormData:
        """Parsed data shaped like a ``MultiValueDict`` without being a ``Mapping``."""

        def lists(self) -> list[tuple[str, list[str]]]:
            return [("password", ["s3cret-a", "s3cret-b"]), ("q", ["visible"])]

    _, drf = drf_request()
    drf._full_data = FormData()
    secrets = collect_secrets(plain(), POLICY, drf)
    assert secrets.scrub("s3cret-a s3cret-b visible") == f"{R} {R} visible"


def test_a_token_key_is_a_secret():
    class Token:
        key = "tok-123456"

        def __str__(self) -> str:
            return "Token object (1)"

    _, drf = drf_request()
    drf.auth = Token()
    secrets = collect_secrets(plain(), POLICY, drf)
    assert secrets.scrub("tok-123456 Token object (1)") == f"{R} Token object (1)"


def test_an_auth_without_a_key_is_a_secret_as_text():
    _, drf = drf_request()
    drf.auth = "jwt.abc.def"
    secrets = collect_secrets(plain(), POLICY, drf)
    assert secrets.scrub("got jwt.abc.def") == f"got {R}"


def test_the_inner_request_secrets_are_collected_too():
    _, drf = drf_request(query="token=inner-tok&q=1")
    drf.auth = "jwt.abc.def"
    secrets = collect_secrets(plain(), POLICY, drf)
    assert secrets.scrub("inner-tok jwt.abc.def q") == f"{R} {R} q"


def test_an_unreadable_auth_takes_no_secret_slot():
    class Unreadable:
        def __str__(self) -> str:
            raise RuntimeError("no")

    # MAX_SECRETS - 1 from the data, then the auth that cannot be read, then the inner request's
    # query token: it still fits in the last slot.
    values = [f"pw-{i:04d}" for i in range(MAX_SECRETS - 1)]
    _, drf = drf_request({"password": values}, query="token=last-one")
    drf.data  # noqa: B018
    drf.auth = Unreadable()
    secrets = collect_secrets(plain(), POLICY, drf)
    assert secrets.scrub("pw-0000 last-one") == f"{R} {R}"


def test_drf_validation_errors_are_logged_as_field_names_only():
    from rest_framework.exceptions import ValidationError

    from ot_views.redaction import exception_message

    fields = {f"f{i:02d}": ["hunter2"] for i in range(40)}
    expected = "Invalid input for: " + ", ".join(f"f{i:02d}" for i in range(32))
    assert exception_message(ValidationError(fields)) == expected
    assert exception_message(ValidationError({"n" * 65: ["x"]})) == "Invalid input for: " + "n" * 64
    assert exception_message(ValidationError(["hunter2 is bad"])) == "Invalid input."


def test_a_full_cookie_jar_comes_after_drfs_data(monkeypatch):
    # Cookies are collected last, after DRF's data: with the request's budget smaller than the
    # jar, the password DRF parsed is still kept.
    monkeypatch.setattr(redaction, "MAX_REQUEST_SECRETS", 10)
    cookies = "; ".join(f"c{i}=cookie-{i:03d}" for i in range(20))
    django = RequestFactory().get("/x/", HTTP_COOKIE=cookies)
    drf = Request(django)
    drf._full_data = {"password": "drf-pass-77"}  # parsed from a stream Django no longer holds
    secrets = collect_secrets(django, POLICY, drf)
    assert secrets.scrub("drf-pass-77 cookie-000") == f"{R} {R}"
    assert secrets.scrub("cookie-019") == "cookie-019"


def test_the_cookies_of_the_request_drf_wraps_are_secrets():
    # The span's request is another one (a plain request here): DRF's inner request's cookies
    # are read too.
    django = RequestFactory().get("/x/", HTTP_COOKIE="sid=inner-cookie-5")
    drf = Request(django)
    secrets = collect_secrets(plain(), POLICY, drf)
    assert secrets.scrub("inner-cookie-5") == R
