"""Smoke test run *inside* a fresh venv that has only the built wheel installed.

``scripts/wheel_test.py`` runs it with ``python -I`` from a directory outside the repository, so
the source tree cannot stand in for a file the wheel forgot. Two modes:

``core``    a tiny Django configured in-process: a ``TracedView``, a ``@trace`` function view and
            a ``TracedAPIView``, each through the test client, each asserted on its span.
``sample``  the repository's ``sample_api`` (its copy is on ``PYTHONPATH``, the package is not):
            ``check``, ``migrate`` and ``seed``, then traced requests to its API.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def check_installed() -> None:
    """The packages come from site-packages, with their ``py.typed`` markers.

    Found, not imported: importing ``ot_views_drf`` needs configured settings (DRF reads them).
    """
    from importlib.metadata import version
    from importlib.util import find_spec

    for name in ("ot_views", "ot_views_drf"):
        spec = find_spec(name)
        assert spec is not None and spec.origin, f"{name} is not installed"
        where = Path(spec.origin).resolve().parent
        assert "site-packages" in where.parts, f"{name} found in {where}"
        assert (where / "py.typed").is_file(), f"{name}: py.typed is not installed"
        print("installed:", where)
    print("distribution: ot-views", version("ot-views"))


def core() -> None:
    import django
    from django.conf import settings
    from django.http import HttpRequest, HttpResponse, JsonResponse
    from django.urls import path

    settings.configure(
        DEBUG=False,
        SECRET_KEY="wheel-smoke",
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "rest_framework",
            "ot_views",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        REST_FRAMEWORK={"DEFAULT_AUTHENTICATION_CLASSES": [], "UNAUTHENTICATED_USER": None},
        USE_TZ=True,
    )
    django.setup()

    from django.core import checks
    from django.test import Client
    from django.test.utils import setup_test_environment
    from rest_framework.request import Request
    from rest_framework.response import Response

    from ot_views import TracedView, trace
    from ot_views.testing import server_span, traced
    from ot_views_drf import TracedAPIView

    class Hello(TracedView):
        traced_attributes = ["method"]

        def get(self, request: HttpRequest) -> HttpResponse:
            return HttpResponse("hello")

    @trace(operation_name="ping")
    def ping(request: HttpRequest) -> HttpResponse:
        return JsonResponse({"ok": True})

    class Books(TracedAPIView):
        def get(self, request: Request, pk: int) -> Response:
            return Response({"id": pk})

    global urlpatterns
    urlpatterns = [
        path("hello/", Hello.as_view()),
        path("ping/", ping),
        path("books/<int:pk>/", Books.as_view()),
    ]

    errors = [m for m in checks.run_checks() if m.level >= checks.ERROR]
    assert not errors, errors
    setup_test_environment()
    client = Client()
    cases = [
        ("/hello/", "Hello.get", 200),
        ("/ping/", "ping", 200),
        ("/books/7/?token=s3cret", "Books.get", 200),
    ]
    for url, name, status in cases:
        with traced() as tracer:
            response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        span = server_span(tracer)
        assert span.operation_name == name, (url, span.operation_name)
        assert span.tags["span.kind"] == "server", span.tags
        assert span.tags["http.status_code"] == status, span.tags
        assert "s3cret" not in str(span.tags), span.tags
        print(f"span ok: GET {url} -> {span.operation_name} {span.tags['http.status_code']}")


def sample() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sample_api.settings")
    import django
    from django.core.management import call_command

    django.setup()
    import sample_api

    where = Path(sample_api.__file__ or "").resolve()
    assert "site-packages" not in where.parts, where
    call_command("check", fail_level="ERROR")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed", verbosity=0)

    from django.test import Client
    from django.test.utils import setup_test_environment

    from ot_views.testing import server_span, traced

    setup_test_environment()
    client = Client()
    for url, name in [("/api/books/", "BookViewSet.list"), ("/api/authors/", "AuthorViewSet.list")]:
        with traced() as tracer:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        span = server_span(tracer)
        assert span.operation_name == name, (url, span.operation_name)
        print(f"sample span ok: GET {url} -> {span.operation_name}")


urlpatterns: list[object] = []

if __name__ == "__main__":
    check_installed()
    {"core": core, "sample": sample}[sys.argv[1]]()
    print("smoke:", sys.argv[1], "passed")
