"""Which keys are sensitive: the word rules of docs/redaction.rst, pinned on ``KeyPolicy``.

``KeyPolicy.matches`` decides whether a value is ever rendered, so each rule is pinned with a key
it must hide and a key it must leave visible, on small policies that isolate the rule.
"""

from __future__ import annotations

import pytest

from ot_views.redaction import DEFAULT_REDACTED_KEYS, MAX_KEY_SCAN, KeyPolicy, split_words

#: "KeY-x" with an en dash, as WSGI hands it over: its UTF-8 bytes read as latin-1.
WSGI_EN_DASH = "\u2013".encode().decode("latin-1")


# -- words --------------------------------------------------------------------------------


def test_words_break_at_separators_and_are_lower_cased():
    assert split_words("HTTP_X_API_KEY") == ["http", "x", "api", "key"]
    assert split_words("a-b.c d") == ["a", "b", "c", "d"]
    assert split_words("__x__") == ["x"]
    assert split_words("") == []


def test_words_break_between_lower_and_upper_case():
    assert split_words("apiKey") == ["api", "key"]
    assert split_words("myApiKey") == ["my", "api", "key"]
    assert split_words("apiKey", camel=False) == ["apikey"]


def test_an_upper_case_run_is_one_word():
    assert split_words("API") == ["api"]
    assert split_words("APIKey") == ["apikey"]


def test_words_break_between_letters_and_digits():
    assert split_words("password1") == ["password", "1"]
    assert split_words("1abc") == ["1", "abc"]
    assert split_words("v12x") == ["v", "12", "x"]
    assert split_words("ab12", camel=False) == ["ab", "12"]


def test_only_the_first_max_key_scan_characters_are_split():
    assert split_words("a" * MAX_KEY_SCAN + "_key") == ["a" * MAX_KEY_SCAN]


# -- the policy's rules ----------------------------------------------------------------------


def test_a_policy_is_true_when_it_has_any_entry():
    assert KeyPolicy(["key"])
    assert KeyPolicy(["private_key"])
    assert KeyPolicy(["key", "private_key"])
    assert not KeyPolicy([])
    assert not KeyPolicy(["__"])  # no word at all


def test_a_whole_word_matches_and_a_longer_word_does_not():
    policy = KeyPolicy(["key"])
    assert policy.matches("key") is True
    assert policy.matches("api_key") is True
    assert policy.matches("x-api-key") is True
    assert policy.matches("monkey") is False
    assert policy.matches("keyx") is False
    assert policy.matches("keyboard") is False


def test_a_plural_s_matches_and_other_endings_do_not():
    assert KeyPolicy(["cookie"]).matches("COOKIES") is True
    policy = KeyPolicy(["key"])  # shorter than GLUE_MIN: no glued matches either
    assert policy.matches("keys") is True
    assert policy.matches("api_keys") is True
    assert policy.matches("keysx") is False
    assert policy.matches("keyx") is False
    assert policy.matches("status") is False
    assert policy.matches("s") is False


def test_a_long_word_matches_glued_at_either_end():
    policy = KeyPolicy(["token"])  # exactly GLUE_MIN (5) letters
    assert policy.matches("accesstoken") is True
    assert policy.matches("tokenvalue") is True
    assert policy.matches("token") is True
    assert policy.matches("mytokenx") is False
    assert policy.matches("elephants") is False
    assert policy.matches("toke") is False


def test_a_short_word_does_not_match_glued():
    policy = KeyPolicy(["pass", "auth"])
    assert policy.matches("passenger") is False
    assert policy.matches("author") is False
    assert policy.matches("pass") is True


def test_a_several_word_entry_matches_consecutive_words_only():
    policy = KeyPolicy(["private_key"])
    assert policy.matches("private_key") is True
    assert policy.matches("privateKey") is True
    assert policy.matches("my_private_key") is True
    assert policy.matches("private_key_id") is True
    assert policy.matches("x_private_key_y") is True
    assert policy.matches("key") is False
    assert policy.matches("private") is False
    assert policy.matches("key_private") is False
    assert policy.matches("private_x_key") is False
    assert policy.matches("x_y") is False


def test_mixed_case_matches_with_and_without_camel_splits():
    assert KeyPolicy(["key"]).matches("apiKey") is True  # split: api + key
    assert KeyPolicy(["password"]).matches("PaSsWoRd") is True  # not split: password
    assert KeyPolicy(["key"]).matches("monKey") is True  # mon + key: over-redaction is safe


def test_an_escaped_key_is_judged_decoded():
    policy = KeyPolicy(["key"])
    assert policy.matches("my%5Fkey") is True  # my_key
    assert policy.matches("my%5fkey") is True
    assert policy.matches("api+key") is True
    assert policy.matches("my%5Fmonkey") is False


def test_a_key_up_to_max_key_scan_characters_is_judged():
    policy = KeyPolicy(["key"])
    assert policy.matches("a" * MAX_KEY_SCAN) is False
    assert policy.matches("a" * (MAX_KEY_SCAN - 4) + "_key") is True
    assert policy.matches("a" * (MAX_KEY_SCAN + 1)) is True  # too long to judge


def test_a_non_text_key_is_judged_by_its_text():
    class Named:
        def __init__(self, name: str) -> None:
            self.name = name

        def __str__(self) -> str:
            return self.name

    class Unreadable:
        def __str__(self) -> str:
            raise RuntimeError("no")

    policy = KeyPolicy(["token"])
    assert policy.matches(Named("token")) is True
    assert policy.matches(Named("page")) is False
    assert policy.matches(12) is False
    assert policy.matches(Unreadable()) is True


def test_verdicts_are_the_same_on_every_call():
    policy = KeyPolicy(["key"])
    for _ in range(3):
        assert policy.matches("api_key") is True
        assert policy.matches("monkey") is False


# -- non-ASCII keys ------------------------------------------------------------------------


def test_a_wsgi_latin1_key_is_judged_as_the_view_reads_it():
    # "KeY-x" with an en dash: as WSGI gives it, the dash is "â" plus two control characters,
    # and "keyâ" is no word of the list; decoded as the view reads it, it is "key" and "x".
    key = f"KeY{WSGI_EN_DASH}x"
    assert KeyPolicy(["key"]).matches(key) is True
    assert KeyPolicy(["key"]).matches(f"x{WSGI_EN_DASH}KeY") is True


def test_a_wsgi_latin1_key_with_no_sensitive_word_stays_visible():
    cafe = "café".encode().decode("latin-1")  # "cafÃ©"
    assert KeyPolicy(list(DEFAULT_REDACTED_KEYS)).matches(cafe) is False
    assert KeyPolicy(list(DEFAULT_REDACTED_KEYS)).matches(f"{cafe}_token") is True


@pytest.mark.parametrize("key", ["café", "ключ", "caf\xe9_name", "\u2603"])
def test_a_key_that_is_no_wsgi_text_is_judged_as_it_is(key):
    assert KeyPolicy(["key"]).matches(key) is False
    assert KeyPolicy(["key"]).matches(f"{key}_key") is True
