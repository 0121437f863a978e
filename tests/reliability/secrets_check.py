"""One known secret, sent in every place a secret travels, searched for in everything traced."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

SECRET = "Zq7-sekrit-4d1e9b7c0a"
BASIC = base64.b64encode(f"alice:{SECRET}".encode()).decode()
#: What must never appear: the secret, its halves (a cut-off value), its Basic-auth form.
NEEDLES = (SECRET, SECRET[:10], SECRET[-10:], BASIC)

HEADERS = {
    "Authorization": f"Bearer {SECRET}",
    "Proxy-Authorization": f"Basic {BASIC}",
    "X-Api-Key": SECRET,
    "X-CSRFToken": SECRET,
    "X-Auth-Token": SECRET,
    "Cookie": f"sessionid={SECRET}; csrftoken={SECRET}; remember_token={SECRET}; theme=dark",
}
QUERY = urlencode(
    {"token": SECRET, "access_token": SECRET, "api_key": SECRET, "password": SECRET, "q": "ok"}
)
FORM = {
    "username": "alice",
    "password": SECRET,
    "token": SECRET,
    "csrfmiddlewaretoken": SECRET,
    "api_key": SECRET,
}
JSON_BODY = {
    "username": "alice",
    "password": SECRET,
    "token": SECRET,
    "user": {"client_secret": SECRET, "name": "alice"},
    "items": [{"password": SECRET}],
}

#: (name, client.generic kwargs): the bodies every secret-carrying request is sent with.
BODIES: list[tuple[str, str, dict[str, Any]]] = [
    ("get", "GET", {}),
    (
        "urlencoded",
        "POST",
        {"data": urlencode(FORM), "content_type": "application/x-www-form-urlencoded"},
    ),
    ("json", "POST", {"data": json.dumps(JSON_BODY), "content_type": "application/json"}),
]


def span_dump(operation_name: Any, tags: Any, logs: Any) -> str:
    """Everything a backend would receive from a span, as text (repr and str of each part)."""
    parts = [repr(operation_name), repr(tags), repr(logs)]
    for log in logs:
        parts.extend(str(v) for v in dict(log).values())
    return "\n".join(parts)


def leaks(text: str) -> list[str]:
    return [needle for needle in NEEDLES if needle in text]


def span_text(span: Any) -> str:
    """One finished MockSpan as text: operation name, tags, and each log field, repr and str."""
    parts = [repr(span.operation_name), repr(span.tags)]
    for log in span.logs:
        parts.append(repr(log.key_values))
        parts.extend(str(v) for v in log.key_values.values())
    return "\n".join(parts)
