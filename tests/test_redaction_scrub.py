"""Known secrets are scrubbed out of text exactly: whole, every time, and nothing else.

``Secrets.scrub`` is the last line of the policy (docs/redaction.rst, "Known secrets"): what it
returns is what reaches an error log or a SQL span, so its result is pinned here directly.
"""

from __future__ import annotations

from ot_views.redaction import REDACTED, Secrets

R = REDACTED


def scrub(text: str, *secrets: str) -> str:
    return Secrets(secrets).scrub(text)


# -- a secret of exactly MIN_SECRET_LENGTH (3) characters: replaced only where it stands alone


def test_short_secret_is_replaced_at_every_standalone_occurrence():
    assert scrub("abc-abc", "abc") == f"{R}-{R}"
    assert scrub("x abc y abc z", "abc") == f"x {R} y {R} z"


def test_short_secret_at_the_very_start_and_end_of_the_text():
    assert scrub("abc", "abc") == R
    assert scrub("abc x", "abc") == f"{R} x"
    assert scrub("x abc", "abc") == f"x {R}"


def test_short_secret_inside_a_word_is_kept_and_the_text_is_whole():
    assert scrub("xabc", "abc") == "xabc"
    assert scrub("abcx", "abc") == "abcx"
    assert scrub("xabc abc", "abc") == f"xabc {R}"
    assert scrub("abcx abc", "abc") == f"abcx {R}"
    assert scrub("abc abcx", "abc") == f"{R} abcx"


def test_short_secret_judged_by_the_character_just_before_it():
    assert scrub("a-abc", "abc") == f"a-{R}"
    assert scrub("x abc", "abc") == f"x {R}"
