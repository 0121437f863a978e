"""Tracing observes, never causes: traced attributes never load or parse what the view did not.

Side by side, the same request with tracing on and off (off: the path is in
``OPENTRACING_EXCLUDED_PATHS``, so no adapter starts a span or reads an attribute), for each
adapter: the mixin, ``@trace``, the middleware with ``OPENTRACING_TRACED_ATTRIBUTES``, sync and
async. The views trace ``user.username``, ``session``, ``POST``, ``FILES`` and ``body`` but never
touch any of them; what must be identical is what a client, a cache or the database sees: the
status, the body, every header (``Vary`` included), the cookies set or deleted, the number of
queries, the upload handlers run and the session saves and deletions.
"""

from __future__ import annotations

from typing import Any

import django
import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import Permission, User
from django.core.checks import run_checks
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import AsyncClient, Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.utils.functional import SimpleLazyObject

from ot_views import TracedView, trace
from ot_views.reading import NOT_LOADED, read
from ot_views.testing import server_span

from .observing import (
    FAST_PASSWORDS,
    TRACING_OFF,
    UPLOAD_HANDLERS,
    logged_in_client,
    observe,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.test_side_effects")]

MIDDLEWARE = "ot_views.middleware.OpenTracingMiddleware"
SESSION_AUTH = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
QUIET = ["user.username", "session", "POST", "FILES", "body"]

# -- views that never touch the user, the session or the body ------------------------------------


class Quiet(TracedView):
    traced_attributes = QUIET

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("quiet")

    post = get


class AsyncQuiet(TracedView):
    traced_attributes = QUIET

    async def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("quiet")

    post = get


@trace(*QUIET)
def quiet_func(request: HttpRequest) -> HttpResponse:
    return HttpResponse("quiet")


@trace(*QUIET)
async def aquiet_func(request: HttpRequest) -> HttpResponse:
    return HttpResponse("quiet")


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("quiet")


async def aplain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("quiet")


# -- views that do read what they trace ----------------------------------------------------------


class ReadsUser(TracedView):
    traced_attributes = ["user.username"]

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.GET.get("look"):
            request.user.is_authenticated  # noqa: B018
        return HttpResponse("user")


class AsyncReadsUser(TracedView):
    traced_attributes = ["user.username"]

    async def get(self, request: HttpRequest) -> HttpResponse:
        if request.GET.get("look"):
            await request.auser()
        return HttpResponse("user")


class AsyncLogsIn(TracedView):
    """``auser()`` first (the anonymous user is cached), then a login replaces ``request.user``."""

    traced_attributes = ["user.username"]

    async def get(self, request: HttpRequest) -> HttpResponse:
        from django.contrib.auth import alogin

        await request.auser()
        await alogin(request, await User.objects.aget(username="alice"))
        return HttpResponse("logged in")


@trace("POST", "FILES", "body")
def reads_body(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("read")
    if kind == "form":
        request.POST  # noqa: B018
    elif kind == "body":
        request.body  # noqa: B018
    return HttpResponse("body")


@trace("session")
def reads_session(request: HttpRequest) -> HttpResponse:
    if request.GET.get("look"):
        request.session["visits"] = request.session.get("visits", 0) + 1
    return HttpResponse("session")


@trace("perm.codename", "perm.content_type.model", "author.username", "author.email")
def reads_models(request: HttpRequest) -> HttpResponse:
    perms = Permission.objects.order_by("pk")
    if request.GET.get("related"):
        perms = perms.select_related("content_type")
    request.perm = perms.first()  # type: ignore[attr-defined]
    request.author = User.objects.only("username").get()  # type: ignore[attr-defined]
    return HttpResponse("models")


urlpatterns = [
    path("quiet/view/", Quiet.as_view()),
    path("quiet/aview/", AsyncQuiet.as_view()),
    path("quiet/func/", quiet_func),
    path("quiet/afunc/", aquiet_func),
    path("quiet/plain/", plain),
    path("quiet/aplain/", aplain),
    path("reads/user/", ReadsUser.as_view()),
    path("reads/auser/", AsyncReadsUser.as_view()),
    path("reads/alogin/", AsyncLogsIn.as_view()),
    path("reads/body/", reads_body),
    path("reads/session/", reads_session),
    path("reads/models/", reads_models),
]

# -- the side-by-side harness ---------------------------------------------------------------------

# adapter -> (path, extra settings, async)
ADAPTERS: dict[str, tuple[str, dict[str, Any], bool]] = {
    "mixin": ("/quiet/view/", {}, False),
    "decorator": ("/quiet/func/", {}, False),
    "middleware": (
        "/quiet/plain/",
        {"MIDDLEWARE": [MIDDLEWARE, *SESSION_AUTH], "OPENTRACING_TRACED_ATTRIBUTES": QUIET},
        False,
    ),
    "async-mixin": ("/quiet/aview/", {}, True),
    "async-decorator": ("/quiet/afunc/", {}, True),
    "async-middleware": (
        "/quiet/aplain/",
        {"MIDDLEWARE": [MIDDLEWARE, *SESSION_AUTH], "OPENTRACING_TRACED_ATTRIBUTES": QUIET},
        True,
    ),
}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORDS


def logged_in(client: Client, user: User) -> dict[str, Any]:
    return {}


def rotated_secret(client: Client, user: User) -> dict[str, Any]:
    # The session was signed under the old key: fetching the user would re-key and save it.
    return {"SECRET_KEY": "rotated-tests-key", "SECRET_KEY_FALLBACKS": ["tests-only-not-secret"]}


def stale_session(client: Client, user: User) -> dict[str, Any]:
    # The password changed since the login: fetching the user would flush the session.
    user.set_password("pw-Changed-2")
    user.save()
    return {}


SCENARIOS = {
    "logged-in": ("get", logged_in),
    "upload": ("post", logged_in),
    "rotated-secret": ("get", rotated_secret),
    "stale-session": ("get", stale_session),
}

# With only the middleware tracing an async request, the attributes are read in the event loop
# after every inner middleware has answered: Django refuses the session's query there
# (SynchronousOnlyOperation) and the headers are already final, so only the body is at stake.
CASES = [
    (adapter, scenario)
    for adapter in ADAPTERS
    for scenario in SCENARIOS
    if not (adapter == "async-middleware" and scenario != "upload")
]


def run(adapter: str, scenario: str, traced_on: bool, tracer: Any) -> dict:
    path, settings, is_async = ADAPTERS[adapter]
    method, prepare = SCENARIOS[scenario]
    client, user = logged_in_client()
    extra = prepare(client, user)
    kwargs = upload() if method == "post" else {}
    off = {} if traced_on else TRACING_OFF
    with override_settings(FILE_UPLOAD_HANDLERS=UPLOAD_HANDLERS, **settings, **extra, **off):
        return observe(client, is_async, method, path, **kwargs)


@pytest.mark.parametrize(("adapter", "scenario"), CASES)
def test_tracing_on_and_off_look_the_same(adapter, scenario, tracer):
    off = run(adapter, scenario, False, tracer)
    assert tracer.finished_spans() == []
    on = run(adapter, scenario, True, tracer)

    assert on == off
    span = server_span(tracer)
    for name in ("user.username", "POST", "FILES", "body"):
        assert span.tags[name] == "[not loaded]", (name, span.tags)


def test_the_scenarios_do_cause_the_side_effects_when_the_view_loads(tracer):
    """The harness sees what it guards against: a view that reads the user and the form."""
    client, user = logged_in_client()
    stale_session(client, user)
    with override_settings(FILE_UPLOAD_HANDLERS=UPLOAD_HANDLERS):
        quiet = observe(client, False, "post", "/quiet/view/", **upload())
        client, user = logged_in_client()
        stale_session(client, user)
        loud = observe(client, False, "post", "/reads/body/?read=form", **upload())
        client.force_login(user)
        looked = observe(client, False, "get", "/reads/user/?look=1")
    assert quiet["uploads"] == [] and loud["uploads"][0] == "parse"
    assert ("Vary", "Cookie") in looked["headers"] and len(looked["queries"]) == 2


# -- what the view did read is still tagged ------------------------------------------------------


def test_user_is_tagged_when_the_view_read_it(client, django_user_model, tracer):
    django_user_model.objects.create_user("alice", password="pw-Alice-1")
    client.login(username="alice", password="pw-Alice-1")
    client.get("/reads/user/")
    client.get("/reads/user/?look=1")
    quiet, looked = (s.tags for s in tracer.finished_spans())
    assert quiet["user.username"] == "[not loaded]"
    assert looked["user.username"] == "alice"


@pytest.mark.skipif(django.VERSION < (5, 0), reason="request.auser() is new in Django 5.0")
def test_user_fetched_with_auser_in_an_async_view_is_tagged(django_user_model, tracer):
    django_user_model.objects.create_user("alice", password="pw-Alice-1")
    client = Client()
    client.login(username="alice", password="pw-Alice-1")
    aclient = AsyncClient()
    aclient.cookies = client.cookies
    async_to_sync(aclient.get)("/reads/auser/")
    async_to_sync(aclient.get)("/reads/auser/?look=1")
    quiet, looked = (s.tags for s in tracer.finished_spans())
    assert quiet["user.username"] == "[not loaded]"
    assert looked["user.username"] == "alice"


@pytest.mark.skipif(django.VERSION < (5, 0), reason="alogin() is new in Django 5.0")
def test_user_logged_in_after_auser_is_the_one_tagged(django_user_model, tracer):
    # The user auser() cached is stale once a login sets request.user: the tag is the new user.
    django_user_model.objects.create_user("alice", password="pw-Alice-1")
    response = async_to_sync(AsyncClient().get)("/reads/alogin/")
    assert response.status_code == 200
    assert server_span(tracer).tags["user.username"] == "alice"


def test_form_and_body_are_tagged_when_the_view_read_them(client, tracer):
    form = {"data": "title=visible", "content_type": "application/x-www-form-urlencoded"}
    client.post("/reads/body/", **form)
    client.post("/reads/body/?read=form", **form)
    client.post("/reads/body/?read=body", "raw text", content_type="text/plain")
    client.post("/reads/body/?read=form", upload()["data"])
    unread, read_form, read_body, read_upload = (s.tags for s in tracer.finished_spans())
    assert unread["POST"] == unread["FILES"] == unread["body"] == "[not loaded]"
    assert read_form["POST.title"] == "visible"
    assert read_form["body"] == "title=visible"  # parsing the urlencoded form read the body
    assert read_body["body"] not in ("[not loaded]", "raw text")  # read, rendered by its size
    assert read_body["POST"] == "[not loaded]"
    assert read_upload["POST.title"] == "t"
    assert read_upload["FILES.file"] == "a.txt"
    # Streamed to the upload handlers: Django keeps no body, so there is none to read.
    assert read_upload["body"] == "[not loaded]"


@override_settings(OPENTRACING_REDACTED_KEYS=["password"])
def test_session_is_tagged_only_once_loaded(client, tracer):
    client.get("/reads/session/?look=1")  # creates the session
    client.get("/reads/session/")
    client.get("/reads/session/?look=1")
    with override_settings(OPENTRACING_LOAD_LAZY_ATTRIBUTES=["session"]):
        loaded = observe(client, False, "get", "/reads/session/")
    _, quiet, looked, forced = (s.tags for s in tracer.finished_spans())
    assert quiet["session"] == "[not loaded]"
    assert looked["session.visits"] == "2"
    # Opted in: the session is loaded for the tag, at the cost of a query and Vary: Cookie.
    assert forced["session.visits"] == "2"
    assert len(loaded["queries"]) == 1 and ("Vary", "Cookie") in loaded["headers"]


def test_model_fields_and_relations_not_fetched_are_not_loaded(client, django_user_model, tracer):
    django_user_model.objects.create_user("bob", email="bob@example.com")
    with CaptureQueriesContext(connection) as plain:
        client.get("/reads/models/")
    assert len(plain.captured_queries) == 2  # the view's own two queries, nothing for tracing
    client.get("/reads/models/?related=1")
    lazy, joined = (s.tags for s in tracer.finished_spans())
    assert lazy["author.username"] == "bob"
    assert lazy["author.email"] == "[not loaded]"  # deferred by .only()
    assert lazy["perm.codename"]
    assert lazy["perm.content_type.model"] == "[not loaded]"  # not select_related
    assert joined["perm.content_type.model"] == "permission"


# -- the opt-in ---------------------------------------------------------------------------------


def test_opt_in_loads_the_user_at_its_stated_cost(tracer):
    client, user = logged_in_client()
    quiet = observe(client, False, "get", "/quiet/view/")
    with override_settings(OPENTRACING_LOAD_LAZY_ATTRIBUTES=["user.username"]):
        loaded = observe(client, False, "get", "/quiet/view/")
    first, second = (s.tags for s in tracer.finished_spans())
    assert first["user.username"] == "[not loaded]"
    assert second["user.username"] == user.username
    # The cost: the session and the user are fetched, and the response varies on Cookie.
    assert len(loaded["queries"]) == len(quiet["queries"]) + 2
    assert ("Vary", "Cookie") in loaded["headers"]
    assert ("Vary", "Cookie") not in quiet["headers"]
    # Only the names listed are loaded: the body stays unread.
    assert second["POST"] == second["body"] == "[not loaded]"


def test_opt_in_cannot_fetch_the_user_in_an_async_view(tracer):
    """Django refuses the session's query in the event loop: no tag, yet the session was touched."""
    client, _ = logged_in_client()
    quiet = observe(client, True, "get", "/quiet/aview/")
    with override_settings(OPENTRACING_LOAD_LAZY_ATTRIBUTES=["user.username"]):
        forced = observe(client, True, "get", "/quiet/aview/")
    first, second = (s.tags for s in tracer.finished_spans())
    assert first["user.username"] == "[not loaded]"
    assert ("Vary", "Cookie") not in quiet["headers"]
    assert "user.username" not in second
    assert ("Vary", "Cookie") in forced["headers"]


def test_opt_in_setting_is_type_checked(settings):
    settings.OPENTRACING_LOAD_LAZY_ATTRIBUTES = "user.username"
    assert [m.id for m in run_checks() if str(m.id).startswith("ot_views.")] == ["ot_views.E002"]


# -- the reader on its own ------------------------------------------------------------------------


class Holder:
    pass


def test_read_leaves_a_lazy_object_unevaluated_until_it_was():
    calls: list[int] = []

    def build() -> Holder:
        calls.append(1)
        item = Holder()
        item.name = "built"  # type: ignore[attr-defined]
        return item

    holder = Holder()
    holder.lazy = SimpleLazyObject(build)  # type: ignore[attr-defined]
    assert read(holder, "lazy.name") is NOT_LOADED
    assert read(holder, "lazy") is NOT_LOADED
    assert calls == []
    holder.lazy.name  # type: ignore[attr-defined]  # noqa: B018
    assert read(holder, "lazy.name") == "built"
    assert calls == [1]


def test_read_raises_for_what_is_missing():
    with pytest.raises(AttributeError):
        read(Holder(), "nothing")
    assert read({"a": {"b": 1}}, "a.b") == 1
    assert isinstance(NOT_LOADED, str) and NOT_LOADED == "[not loaded]"
