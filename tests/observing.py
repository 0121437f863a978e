"""What one request shows or changes outside the process, for the side-by-side tests.

Tracing must leave all of it exactly as it is without tracing: the response (status, body,
headers, cookies set or deleted), the queries run, the upload handlers invoked and the session
saves and deletions.
"""

from __future__ import annotations

import itertools
from typing import Any
from unittest import mock

from asgiref.sync import async_to_sync
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db import connection
from django.test import AsyncClient, Client
from django.test.utils import CaptureQueriesContext

#: The same path in OPENTRACING_EXCLUDED_PATHS: no adapter starts a span or reads an attribute.
TRACING_OFF = {"OPENTRACING_EXCLUDED_PATHS": [r"^/"]}
FAST_PASSWORDS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

UPLOADS: list[str] = []


class RecordingUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: every multipart parse goes through it."""

    def handle_raw_input(self, *args: Any, **kwargs: Any) -> None:
        UPLOADS.append("parse")

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        UPLOADS.append("chunk")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


UPLOAD_HANDLERS = [
    "tests.observing.RecordingUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
]

_users = itertools.count()


def logged_in_client() -> tuple[Client, User]:
    """A client logged in (session and auth middleware) as a new user."""
    user = User.objects.create_user(f"reader{next(_users)}", password="pw-Reader-1")
    client = Client()
    client.force_login(user)
    return client, user


def upload() -> dict[str, Any]:
    """Keyword arguments for a multipart POST carrying a form field and a file."""
    return {"data": {"title": "t", "file": SimpleUploadedFile("a.txt", b"x" * 2000)}}


def observe(
    client: Client, is_async: bool, method: str, path: str, **kwargs: Any
) -> dict[str, Any]:
    """Send one request (through an AsyncClient sharing the cookies when ``is_async``)."""
    UPLOADS.clear()
    sessions: list[str] = []
    save, delete = SessionStore.save, SessionStore.delete

    def counting_save(self: SessionStore, must_create: bool = False) -> None:
        sessions.append("save")
        save(self, must_create)

    def counting_delete(self: SessionStore, session_key: str | None = None) -> None:
        sessions.append("delete")
        delete(self, session_key)

    with (
        mock.patch.object(SessionStore, "save", counting_save),
        mock.patch.object(SessionStore, "delete", counting_delete),
        CaptureQueriesContext(connection) as queries,
    ):
        if is_async:
            aclient = AsyncClient()
            aclient.cookies = client.cookies
            response = async_to_sync(getattr(aclient, method))(path, **kwargs)
        else:
            response = getattr(client, method)(path, **kwargs)
    return {
        "status": response.status_code,
        "content": response.content,
        "headers": sorted(response.items()),
        "cookies": {
            name: "deleted" if morsel.value == "" else "set"
            for name, morsel in response.cookies.items()
        },
        # Read now: the next request's request_started signal empties the connection's log.
        # The start of each statement names its table; the ids and keys after it differ.
        "queries": [q["sql"][:48] for q in queries.captured_queries],
        "uploads": list(UPLOADS),
        "sessions": sessions,
    }
