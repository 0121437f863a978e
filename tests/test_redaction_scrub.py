"""Known secrets are scrubbed out of text exactly: whole, every time, and nothing else.

``Secrets.scrub`` is the last line of the policy (docs/redaction.rst, "Known secrets"): what it
returns is what reaches an error log or a SQL span, so its result is pinned here directly.
"""

from __future__ import annotations

from ot_views.redaction import (
    MAX_SECRET_LENGTH,
    MAX_SECRETS,
    NO_SECRETS,
    REDACTED,
    Secrets,
    scrub_bounded,
)

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


# -- longer secrets, spellings and bounds ----------------------------------------------------


def test_a_longer_secret_is_replaced_even_inside_a_word():
    assert scrub("xabcdx", "abcd") == f"x{R}x"


def test_too_short_values_are_no_secrets():
    assert not Secrets(["ab"])
    assert not Secrets([" ab "])  # judged without surrounding blanks
    assert Secrets(["abc"])
    assert scrub("ab xab", "ab") == "ab xab"


def test_a_secret_containing_another_is_replaced_whole():
    assert scrub("abcdef", "abcd", "abcdef") == R
    assert scrub("abcdef", "abcdef", "abcd") == R
    # Longest first, not in reverse alphabetical order: "zzz-1" sorts after "a-zzz-1".
    assert scrub("x a-zzz-1 y", "zzz-1", "a-zzz-1") == f"x {R} y"


def test_every_spelling_of_a_secret_is_replaced():
    spellings = [
        "p%40ss+w%2Frd%22%C3%A9%0A",  # form-encoded
        "p%40ss%20w%2Frd%22%C3%A9%0A",  # URL-encoded
        "p@ss%20w/rd%22%C3%A9%0A",  # as a request path
        'p@ss w/rd"é\\n',  # repr
        'p@ss w/rd"\\xc3\\xa9\\n',  # repr of its UTF-8 bytes
        'p@ss w/rd\\"\\u00e9\\n',  # JSON
    ]
    secrets = Secrets(['p@ss w/rd"é\n'])
    for spelling in spellings:
        assert secrets.scrub(f"<{spelling}>") == f"<{R}>", spelling


def test_a_secret_is_cut_to_max_secret_length():
    value = "x" * MAX_SECRET_LENGTH + "TAIL"
    assert scrub(value, value) == f"{R}TAIL"


def test_at_most_four_times_max_secrets_spellings_are_kept():
    # Letters and digits only: each value is its own single spelling.
    values = [f"v{i:05d}" for i in range(MAX_SECRETS * 4 + 1)]
    secrets = Secrets(values)
    assert secrets.scrub(values[MAX_SECRETS * 4 - 1]) == R
    assert secrets.scrub(values[MAX_SECRETS * 4]) == values[MAX_SECRETS * 4]


def test_a_bounded_text_never_shows_part_of_a_secret_at_the_cut():
    secrets = Secrets(["SECRETVALUE"])
    text = "x" * 10 + "SECRETVALUE" + "y" * 20
    assert scrub_bounded(text, 15, secrets) == ("x" * 10 + R)[:15]
    assert scrub_bounded(text, 15, NO_SECRETS) == text[:15]
    assert secrets.longest == len("SECRETVALUE")
