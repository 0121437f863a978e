"""readable_route: regex routes from the URLconf become templates, in one linear pass."""

from __future__ import annotations

import time

import pytest

from ot_views import naming
from ot_views.naming import readable_route


@pytest.mark.parametrize(
    ("pattern", "readable"),
    [
        ("books/<int:pk>/", "books/<int:pk>/"),
        ("api/books/$", "api/books/"),
        ("api/books/(?P<pk>[^/.]+)/availability/$", "api/books/<pk>/availability/"),
        (r"^books\.(?P<format>[a-z0-9]+)/?$", "books.<format>/"),
        (r"^articles/([0-9]{4})/$", "articles/<arg>/"),
        (r"^h/(?P<rest>.*)$", "h/<rest>"),
        (r"^p/(?=x)x/\Z", "p/x/"),
        (r"^s/[()\]]/$", r"s/[()\]]/"),
        ("^$", ""),
    ],
)
def test_readable_route(pattern, readable):
    assert readable_route(pattern) == readable


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(naming, "_ROUTES", {})
    for i in range(naming._MAX_ROUTES + 50):
        readable_route(f"^r{i}/(?P<pk>[0-9]+)/$")
    assert len(naming._ROUTES) == naming._MAX_ROUTES


def test_hostile_nesting_is_linear():
    pattern = "(" * 20000 + "[" + "]" + ")" * 20000 + "\\" * 20001
    start = time.perf_counter()
    readable_route(pattern)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("pattern", "readable"),
    [
        # A "]" right after "[" or "[^" belongs to the set; the class is kept whole, with the
        # regex marks inside it (a "$" here is not an anchor).
        (r"^s/[]$]/$", "s/[]$]/"),
        (r"^s/[^]$]/$", "s/[^]$]/"),
        (r"^s/[^]]/$", "s/[^]]/"),
        (r"^s/[a]$]/$", "s/[a]]/"),
        # An escaped "]" does not close the class.
        (r"^s/[\]$]/$", r"s/[\]$]/"),
        # A class left open runs to the end of the route, kept as written.
        ("a[b$", "a[b$"),
        ("a[", "a["),
        ("a[^", "a[^"),
    ],
)
def test_character_classes(pattern, readable):
    assert readable_route(pattern) == readable


@pytest.mark.parametrize(
    ("pattern", "readable"),
    [
        # The zero-width escapes go; any other escaped character reads as itself.
        (r"^\Abooks\b/\B(?P<pk>\d+)/\Z", "books/<pk>/"),
        (r"^c\+\+/\X$", "c++/X"),
        # A backslash with nothing after it is kept.
        ("a\\", "a\\"),
    ],
)
def test_escapes_and_anchors(pattern, readable):
    assert readable_route(pattern) == readable


@pytest.mark.parametrize(
    ("pattern", "readable"),
    [
        # The name is what stands between "?P<" and the first ">" inside the group.
        (r"^a>b/(?P<pk>\d+)/$", "a>b/<pk>/"),
        (r"^(?P<pk>a>b)/$", "<pk>/"),
        (r"^(?P<>a>b)/$", "<>/"),
        # A name not closed inside its group cannot be read: the group is an <arg>.
        ("x/(?P<pk", "x/<arg>"),
        (r"^(?P<a)>", "<arg>>"),
        # A group left open runs to the end; its last character stands for the ")".
        ("x/(?P<ab>", "x/<arg>"),
        ("x/(?P<pk>ab", "x/<pk>"),
    ],
)
def test_group_names(pattern, readable):
    assert readable_route(pattern) == readable


@pytest.mark.parametrize(
    ("pattern", "readable"),
    [
        # Lookarounds match no characters: they go, where other groups read as <arg>.
        (r"^(?<=a)b(?<!c)d(?!e)f(?=g)g$", "bdfg"),
        # A quantifier after a group goes with it; what follows is kept.
        (r"(?P<pk>\d+)?/x", "<pk>/x"),
        (r"(a)X/$", "<arg>X/"),
        (r"^(a)*x(b)+y$", "<arg>x<arg>y"),
        # Optional and repeat marks go, the characters around them stay.
        (r"^X/(?P<pk>\d+)/X$", "X/<pk>/X"),
        (r"^a+b/$", "ab/"),
        (r"^a*b?c/$", "abc/"),
    ],
)
def test_groups_and_quantifiers(pattern, readable):
    assert readable_route(pattern) == readable


@pytest.mark.parametrize(
    ("pattern", "readable"),
    [
        # Escaped parentheses and parentheses in a class do not end a group...
        (r"^(?P<v>\(\d+\))/$", "<v>/"),
        (r"^(?P<v>\)+)/x$", "<v>/x"),
        (r"^(?P<v>\(+)/x$", "<v>/x"),
        (r"^(?P<p>[)(]+)/$", "<p>/"),
        (r"^(?P<p>[()]+)/$", "<p>/"),
        # ...the character right after an escape or a class may.
        (r"^(?P<pk>\d)/x$", "<pk>/x"),
        (r"^(?P<p>[a-z])/x$", "<p>/x"),
        # Nested groups: the outer one is the argument.
        (r"^(?P<slug>(?:a|b)x)/$", "<slug>/"),
        (r"^((a)(b))/(c)$", "<arg>/<arg>"),
    ],
)
def test_group_ends(pattern, readable):
    assert readable_route(pattern) == readable
