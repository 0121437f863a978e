"""Views that make SQL queries, for the SQL child span tests (``tests/test_db.py``).

Every view takes ``?db=<alias>`` so that the same assertions run on SQLite and PostgreSQL. The
parameter values are distinctive strings so a test can look for them in every tag and log.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group, User
from django.db import connections
from django.http import HttpResponse

from ot_views import TracedView
from ot_views.conf import conf

USERNAME = "param-user-5b1e"
PASSWORD_HASH = "pbkdf2_sha256$870000$paramsalt9d2c$c2VjcmV0LWhhc2gtdmFsdWUtbmV2ZXItdGFnZ2Vk="
FIRST_NAME = "param-first-77aa"
GROUPS = ("param-group-31c0", "param-group-8e4d")
ALL_PARAMS = (USERNAME, PASSWORD_HASH, FIRST_NAME, *GROUPS)

#: What the failing view saw: (exception inside the wrapper chain, exception the view got).
FAILURES: list[tuple[BaseException, BaseException]] = []


def _alias(request) -> str:
    return request.GET.get("db", "default")


def run_queries(alias: str) -> int:
    """Five statements, one of each kind the span names distinguish."""
    users = User.objects.using(alias)
    users.create(username=USERNAME, password=PASSWORD_HASH)  # INSERT auth_user
    count = users.filter(password=PASSWORD_HASH).count()  # SELECT auth_user
    users.filter(username=USERNAME).update(first_name=FIRST_NAME)  # UPDATE auth_user
    with connections[alias].cursor() as cursor:
        cursor.execute("DELETE FROM auth_user WHERE username = %s", [USERNAME])
        cursor.executemany(
            "INSERT INTO auth_group (name) VALUES (%s)", [(name,) for name in GROUPS]
        )
    return count


class Queries(TracedView):
    def get(self, request):
        return HttpResponse(str(run_queries(_alias(request))))


class QueriesInUserSpan(TracedView):
    """A span the view opens itself: the query nests under it, inside the request."""

    def get(self, request):
        with conf.tracer.start_active_span("compute"):
            count = User.objects.using(_alias(request)).count()
        return HttpResponse(str(count))


class Failing(TracedView):
    """A duplicate key: PostgreSQL quotes the value in its message, SQLite names the column."""

    def get(self, request):
        alias = _alias(request)
        connection = connections[alias]
        seen: list[BaseException] = []

        def inner(execute, sql, params, many, context):
            try:
                return execute(sql, params, many, context)
            except Exception as exc:
                seen.append(exc)
                raise

        sql = "INSERT INTO auth_user (username, password, is_superuser, first_name, last_name, "
        sql += "email, is_staff, is_active, date_joined) "
        sql += "VALUES (%s, %s, false, '', '', '', false, true, CURRENT_TIMESTAMP)"
        with connection.cursor() as cursor:
            cursor.execute(sql, [USERNAME, PASSWORD_HASH])
            with connection.execute_wrapper(inner):
                try:
                    cursor.execute(sql, [USERNAME, PASSWORD_HASH])
                except Exception as exc:
                    FAILURES.append((seen[0], exc))
                    raise
        return HttpResponse("unreachable")


def untraced(request):
    return HttpResponse(str(User.objects.using(_alias(request)).count()))


def middleware_only(request):
    """A function view traced only by the middleware."""
    return HttpResponse(str(Group.objects.using(_alias(request)).count()))


class AsyncQueries(TracedView):
    """Django's async ORM and ``sync_to_async`` ORM calls, each one query."""

    async def get(self, request):
        alias = _alias(request)
        users = User.objects.using(alias)
        await users.acreate(username=USERNAME, password=PASSWORD_HASH)  # INSERT
        count = await users.filter(password=PASSWORD_HASH).acount()  # SELECT
        user = await users.aget(username=USERNAME)  # SELECT
        names = await sync_to_async(list)(users.values_list("first_name", flat=True))  # SELECT
        await sync_to_async(users.filter(pk=user.pk).update)(first_name=FIRST_NAME)  # UPDATE
        return HttpResponse(f"{count} {len(names)}")
