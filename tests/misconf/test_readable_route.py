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
