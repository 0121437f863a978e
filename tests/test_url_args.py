"""Traced views receive the URL's positional and keyword arguments unchanged.

Positional arguments come from unnamed groups of a ``re_path``; keyword arguments from named
groups and path converters. Each adapter passes both on, traced or not (an excluded path skips
the span but not the view), sync and async.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from django.http import JsonResponse
from django.test import AsyncClient, Client
from django.urls import path, re_path
from django.views import View

from ot_views import TracedView, TracedViewMixin, trace
from ot_views.testing import server_span, server_spans

pytestmark = pytest.mark.urls("tests.test_url_args")


def echo(request, *args, **kwargs):
    return JsonResponse({"args": list(args), "kwargs": kwargs})


class Echo(TracedView):
    def get(self, request, *args, **kwargs):
        return echo(request, *args, **kwargs)


class AsyncEcho(TracedViewMixin, View):
    async def get(self, request, *args, **kwargs):
        await asyncio.sleep(0)
        return echo(request, *args, **kwargs)


@trace()
def echo_func(request, *args, **kwargs):
    return echo(request, *args, **kwargs)


@trace()
async def aecho_func(request, *args, **kwargs):
    await asyncio.sleep(0)
    return echo(request, *args, **kwargs)


VIEWS = {"cbv": Echo.as_view(), "acbv": AsyncEcho.as_view(), "func": echo_func, "afunc": aecho_func}

urlpatterns = []
for _prefix, _view in VIEWS.items():
    urlpatterns += [
        re_path(rf"^{_prefix}/pos/(\d+)/([a-z]+)/$", _view),
        path(f"{_prefix}/kw/<int:year>/<slug:slug>/", _view),
        re_path(rf"^{_prefix}/skip/pos/(\d+)/([a-z]+)/$", _view),
        path(f"{_prefix}/skip/kw/<int:year>/<slug:slug>/", _view),
    ]


def get(prefix, url):
    if prefix.startswith("a"):

        async def run():
            return await AsyncClient().get(url)

        return asyncio.run(run())
    return Client().get(url)


@pytest.mark.parametrize("prefix", list(VIEWS))
def test_positional_groups_reach_the_view(tracer, prefix):
    response = get(prefix, f"/{prefix}/pos/1999/abc/")
    assert response.status_code == 200
    assert json.loads(response.content) == {"args": ["1999", "abc"], "kwargs": {}}
    assert server_span(tracer).tags["http.status_code"] == 200


@pytest.mark.parametrize("prefix", list(VIEWS))
def test_keyword_arguments_reach_the_view(tracer, prefix):
    response = get(prefix, f"/{prefix}/kw/2024/a-b/")
    assert response.status_code == 200
    assert json.loads(response.content) == {"args": [], "kwargs": {"year": 2024, "slug": "a-b"}}
    assert server_span(tracer).tags["http.status_code"] == 200


@pytest.mark.parametrize("prefix", list(VIEWS))
def test_untraced_path_still_passes_every_argument(tracer, settings, prefix):
    settings.OPENTRACING_EXCLUDED_PATHS = [r"/skip/"]
    response = get(prefix, f"/{prefix}/skip/pos/7/xy/")
    assert json.loads(response.content) == {"args": ["7", "xy"], "kwargs": {}}
    response = get(prefix, f"/{prefix}/skip/kw/7/x-y/")
    assert json.loads(response.content) == {"args": [], "kwargs": {"year": 7, "slug": "x-y"}}
    assert server_spans(tracer) == []
