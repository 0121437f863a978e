"""Shapes: query strings, ``key=value`` text and URL userinfo, as docs/redaction.rst states them.

These helpers return the text a tag holds, so their return values are the contract.
"""

from __future__ import annotations

from ot_views.redaction import (
    MAX_KEY_SCAN,
    MAX_PAIRS_SCAN,
    REDACTED,
    KeyPolicy,
    pairs,
    query_secrets,
    redact_query,
    redact_text,
    redact_userinfo,
)

R = REDACTED
POLICY = KeyPolicy(["token", "password", "key"])
NONE = KeyPolicy([])


# -- pairs: split as Django splits a query string -----------------------------------------


def test_pairs_split_at_ampersands_and_the_first_equals_sign():
    assert list(pairs("a=1&b&c=&d=x=y")) == [("a", "1"), ("b", None), ("c", ""), ("d", "x=y")]
    assert list(pairs("a=1 b=2")) == [("a", "1 b=2")]
    assert list(pairs("")) == [("", None)]


# -- redact_query ------------------------------------------------------------------------


def test_a_sensitive_value_is_replaced_whole_and_the_rest_kept():
    assert redact_query("token=abc", POLICY) == f"token={R}"
    assert redact_query("q=1&token=a,b;c&page=2", POLICY) == f"q=1&token={R}&page=2"
    assert redact_query("a&token=x", POLICY) == f"a&token={R}"
    assert redact_query("token=&q=1&key=v", POLICY) == f"token=&q=1&key={R}"


def test_the_key_ends_at_the_first_equals_sign():
    assert redact_query("token=a=b", POLICY) == f"token={R}"
    assert redact_query("q=token=x", POLICY) == f"q=token={R}"


def test_nothing_sensitive_leaves_the_text_as_it_is():
    for text in ("q=1&page=2", "a=1&&b", "x", "=", "q=a=1", "q=user=bob;token", "q=token="):
        assert redact_query(text, POLICY) == text


def test_a_value_holding_cookie_style_pairs_is_redacted_from_the_first_sensitive_one():
    text = "h=user=bob; password=x; lang=en"
    assert redact_query(text, POLICY) == f"h=user=bob; password={R}"
    assert redact_query("h=a=1;b=2;token=x;c=3", POLICY) == f"h=a=1;b=2;token={R}"
    assert redact_query("h=a=1,bb=22,token=x", POLICY) == f"h=a=1,bb=22,token={R}"
    assert redact_query("h=token=x", POLICY) == f"h=token={R}"
    assert redact_query("h=user=1; token=a=b", POLICY) == f"h=user=1; token={R}"
    assert redact_query("h=x;token=y&k=1", POLICY) == f"h=x;token={R}&k=1"


def test_hidden_fields_are_redacted_by_their_decoded_name():
    hidden = frozenset({"pin", "my pin"})
    assert redact_query("pin=1234&q=1", NONE, hidden) == f"pin={R}&q=1"
    assert redact_query("p%69n=1234", NONE, hidden) == f"p%69n={R}"
    assert redact_query("my+pin=1234", NONE, hidden) == f"my+pin={R}"
    assert redact_query("my%20pin=1234", NONE, hidden) == f"my%20pin={R}"
    assert redact_query("q=1&pins=2", NONE, hidden) == "q=1&pins=2"
    assert redact_query("token=1&pin=2&q=3", POLICY, hidden) == f"token={R}&pin={R}&q=3"


def test_an_empty_policy_hides_nothing_even_a_key_too_long_to_judge():
    long_key = "a" * (MAX_KEY_SCAN + 1)
    assert redact_query(f"{long_key}=v", NONE) == f"{long_key}=v"
    assert redact_query(f"q={long_key}=v", NONE, frozenset({"pin"})) == f"q={long_key}=v"
    assert redact_query(f"{long_key}=v", POLICY) == f"{long_key}={R}"


def test_only_the_first_max_pairs_scan_characters_are_kept():
    text = "q=" + "x" * MAX_PAIRS_SCAN
    assert redact_query(text, POLICY) == text[:MAX_PAIRS_SCAN]
    assert redact_query(text, NONE) == text[:MAX_PAIRS_SCAN]
    assert redact_query("x" * (MAX_PAIRS_SCAN + 5), NONE) == "x" * MAX_PAIRS_SCAN


# -- redact_text ---------------------------------------------------------------------------


def test_free_text_loses_sensitive_pairs_and_userinfo():
    assert redact_text("token=x", POLICY) == f"token={R}"
    assert redact_text("https://u:p@host/?token=x", POLICY) == f"https://{R}@host/?token={R}"
    assert redact_text("token=x", NONE) == "token=x"


def test_free_text_without_pairs_is_not_cut():
    text = "x" * (MAX_PAIRS_SCAN + 10)
    assert redact_text(text, POLICY) == text


# -- query_secrets -------------------------------------------------------------------------


def test_query_secrets_are_the_values_of_sensitive_keys_raw_and_decoded():
    secrets = query_secrets("q=visible&token=a%2Bb=c&x=1", POLICY)
    assert secrets.scrub("a%2Bb=c a+b=c visible") == f"{R} {R} visible"
    assert not query_secrets("q=1&token=", POLICY)
    assert not query_secrets("q=1", POLICY)


# -- redact_userinfo -----------------------------------------------------------------------


def test_userinfo_is_removed_from_every_url():
    assert redact_userinfo("https://alice:pw@host/") == f"https://{R}@host/"
    assert redact_userinfo("//alice:pw@host") == f"//{R}@host"
    assert (
        redact_userinfo("a https://u@h/x and ftp://v:w@g/y")
        == f"a https://{R}@h/x and ftp://{R}@g/y"
    )
    assert redact_userinfo("https:\\\\u:p@host") == f"https:\\\\{R}@host"
    assert redact_userinfo("https:/u:p@host/") == f"https:/{R}@host/"
    assert redact_userinfo("https://@host/") == f"https://{R}@host/"


def test_the_last_at_sign_of_the_authority_ends_the_userinfo():
    assert redact_userinfo("https://a@b:c@host/") == f"https://{R}@host/"
    assert redact_userinfo("https://u:p@hos/path@x") == f"https://{R}@hos/path@x"


def test_an_at_sign_outside_the_authority_is_left_alone():
    for text in ("https://host/path@x", "mail me@host", "https://host/?a=b@c", "x@y https://h/"):
        assert redact_userinfo(text) == text


def test_a_bare_authority_loses_its_userinfo_when_it_has_a_password():
    assert redact_userinfo("alice:pw@example.com") == f"{R}@example.com"
    assert redact_userinfo("alice:p@w@host") == f"{R}@host"
    assert redact_userinfo("alice@example.com") == "alice@example.com"
    assert redact_userinfo("a b:c@host") == "a b:c@host"
