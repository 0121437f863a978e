"""Known secrets are scrubbed out of text exactly: whole, every time, and nothing else.

``Secrets.scrub`` is the last line of the policy (docs/redaction.rst, "Known secrets"): what it
returns is what reaches an error log or a SQL span, so its result is pinned here directly.
"""

from __future__ import annotations

from ot_views import redaction
from ot_views.redaction import (
    MAX_REQUEST_SECRETS,
    MAX_SECRET_LENGTH,
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


def test_a_secret_inside_a_longer_repr_is_replaced():
    # The repr of a text holding '"' is delimited by "'" and escapes the secret's own "'".
    secret = "it's-é-1"
    for text in (repr(f'say "{secret}"'), repr(f'say "{secret}"'.encode())):
        assert "s-" not in scrub(text, secret), text


def test_a_secret_is_cut_to_max_secret_length():
    value = "x" * MAX_SECRET_LENGTH + "TAIL"
    assert scrub(value, value) == f"{R}TAIL"


def test_at_most_max_request_secrets_are_kept():
    # Letters and digits only: each value is its own single spelling.
    values = [f"v{i:05d}" for i in range(MAX_REQUEST_SECRETS + 1)]
    secrets = Secrets(values)
    assert secrets.scrub(values[MAX_REQUEST_SECRETS - 1]) == R
    assert secrets.scrub(values[MAX_REQUEST_SECRETS]) == values[MAX_REQUEST_SECRETS]


def test_a_value_given_twice_counts_once():
    # The same value from two sources (DRF's data and the body it was parsed from).
    secrets = Secrets(["same-value"] * (MAX_REQUEST_SECRETS + 1) + ["after-it"])
    assert secrets.scrub("same-value after-it") == f"{R} {R}"


def test_a_secret_is_kept_with_all_its_spellings_or_not_at_all(monkeypatch):
    # "it's é/x" has ten spellings; with room for four, it is left out whole (none of its
    # spellings is kept), and so is what comes after it.
    monkeypatch.setattr(redaction, "MAX_SPELLINGS", 4)
    secrets = Secrets(["first-1", "it's é/x", "third-3"])
    assert secrets.scrub("first-1 it's é/x it%27s%20%C3%A9%2Fx third-3") == (
        f"{R} it's é/x it%27s%20%C3%A9%2Fx third-3"
    )
    monkeypatch.setattr(redaction, "MAX_SPELLINGS", 12)
    secrets = Secrets(["first-1", "it's é/x", "third-3"])
    assert secrets.scrub("first-1 it's é/x it%27s%20%C3%A9%2Fx third-3") == f"{R} {R} {R} {R}"


def test_spellings_are_bounded_in_characters_too(monkeypatch):
    monkeypatch.setattr(redaction, "MAX_SPELLING_CHARS", 20)
    secrets = Secrets(["a" * 12, "c" * 8, "b" * 9])
    assert secrets.scrub(f"{'a' * 12} {'c' * 8} {'b' * 9}") == f"{R} {R} {'b' * 9}"


def test_a_secret_is_also_known_without_its_surrounding_blanks():
    assert scrub("key sk-99 used", "  sk-99\n") == f"key {R} used"


def test_a_bounded_text_never_shows_part_of_a_secret_at_the_cut():
    secrets = Secrets(["SECRETVALUE"])
    text = "x" * 10 + "SECRETVALUE" + "y" * 20
    assert scrub_bounded(text, 15, secrets) == ("x" * 10 + R)[:15]
    assert scrub_bounded(text, 15, NO_SECRETS) == text[:15]
    assert secrets.longest == len("SECRETVALUE")
