"""OpenTracing tags -> OpenTelemetry semantic-convention attributes, mapped once per tag.

Backends that build HTTP dashboards, service graphs and RED metrics from OTLP key on
OpenTelemetry's attribute names. The OpenTracing API (and ``MockTracer``) keeps the OpenTracing
tag names; only what leaves the process through the shim is renamed, when the tag is set.

Which names: ``OTEL_SEMCONV_STABILITY_OPT_IN``, read as OpenTelemetry's instrumentations read it
(a comma-separated list; ``http`` gives the stable HTTP names only, ``http/dup`` the old and
the stable ones, and the same with ``database`` / ``database/dup``; a ``/dup`` wins over its
plain value). Unset, the old names, as OpenTelemetry's own Django instrumentation: with the same
environment a service sends the same names whichever of the two traces it, so moving from one to
the other keeps the dashboards.

Every value comes from the tags, after the redaction the core applied to them: ``url.query``
and ``http.target`` are parts of the redacted ``http.url``, ``client.address`` is the peer tag.
The few request facts no tag carries (user agent, server name and port, protocol version,
client port) are read from the request's ``META`` (see ``OTelTracer.extract``), cut to the
core's value length.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..attributes import MAX_VALUE_LENGTH
from ..conf import conf
from ..redaction import redact_text

OPT_IN_ENV = "OTEL_SEMCONV_STABILITY_OPT_IN"

#: Methods kept as they are; any other becomes ``_OTHER`` (the original goes to
#: ``http.request.method_original``), so a client cannot grow the metrics' cardinality.
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY"}
)

#: Django database vendors -> ``db.system`` (old) and ``db.system.name`` (stable) values.
_DB_SYSTEM_OLD = {"postgresql": "postgresql", "sqlite": "sqlite", "mysql": "mysql"}
_DB_SYSTEM_NEW = {"oracle": "oracle.db"}


def attribute(value: Any) -> Any:
    """A value OpenTelemetry accepts as an attribute: OpenTracing tags may be anything, and the
    SDK would drop the others with a warning per call."""
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)) and all(
        isinstance(v, (str, bool, int, float)) for v in value
    ):
        return list(value)
    return str(value)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Conventions:
    """Which attribute names spans and metrics carry: old, stable, or both, per domain."""

    http_old: bool = True
    http_new: bool = False
    db_old: bool = True
    db_new: bool = False

    @classmethod
    def from_opt_in(cls, value: str | None) -> Conventions:
        """From an ``OTEL_SEMCONV_STABILITY_OPT_IN`` value (``None``/empty: the old names)."""
        tokens = {t.strip() for t in (value or "").split(",")}
        http = "dup" if "http/dup" in tokens else "new" if "http" in tokens else "old"
        db = "dup" if "database/dup" in tokens else "new" if "database" in tokens else "old"
        return cls(
            http_old=http != "new",
            http_new=http != "old",
            db_old=db != "new",
            db_new=db != "old",
        )

    @classmethod
    def from_env(cls) -> Conventions:
        return cls.from_opt_in(os.environ.get(OPT_IN_ENV))

    @property
    def opt_in(self) -> str:
        """The ``OTEL_SEMCONV_STABILITY_OPT_IN`` value these conventions stand for."""
        parts = []
        if self.http_new:
            parts.append("http/dup" if self.http_old else "http")
        if self.db_new:
            parts.append("database/dup" if self.db_old else "database")
        return ",".join(parts)

    # -- server (request) spans -----------------------------------------------------------

    def server_tag(self, key: str, value: Any, out: dict[str, Any]) -> bool:
        """Write the attributes for one request-span tag into ``out``; ``False``: not mapped."""
        if key == "http.method":
            self._method(str(value), out)
        elif key == "http.url":
            self._server_url(str(value), out)
        elif key == "http.status_code":
            code = _int(value)
            if code is None:
                return False
            if self.http_old:
                out["http.status_code"] = code
            if self.http_new:
                out["http.response.status_code"] = code
                if code >= 500:
                    out["error.type"] = str(code)
        elif key in ("peer.ipv4", "peer.ipv6"):
            if self.http_old:
                out["net.peer.ip"] = str(value)
            if self.http_new and "client.address" not in out:
                out["client.address"] = str(value)
        elif key == "http.route":
            out["http.route"] = str(value)
        else:
            return False
        return True

    def _method(self, method: str, out: dict[str, Any]) -> None:
        original = method.strip()
        normal = original.upper()
        if normal not in KNOWN_METHODS:
            normal = "_OTHER"
        if self.http_old:
            out["http.method"] = normal
        if self.http_new:
            out["http.request.method"] = normal
            if original != normal:
                out["http.request.method_original"] = original[:MAX_VALUE_LENGTH]

    def _server_url(self, url: str, out: dict[str, Any]) -> None:
        # The core's http.url: scheme://host/path?query, query values already redacted.
        try:
            parts = urlsplit(url)
        except ValueError:
            if self.http_old:
                out["http.url"] = url
            return
        target = f"{parts.path}?{parts.query}" if parts.query else parts.path
        if self.http_old:
            out["http.url"] = url
            out["http.target"] = target
            if parts.scheme:
                out["http.scheme"] = parts.scheme
            if parts.netloc:
                out["http.host"] = out["net.host.name"] = parts.netloc
        if self.http_new:
            if parts.scheme:
                out["url.scheme"] = parts.scheme
            if parts.netloc:
                out["server.address"] = parts.netloc
            out["url.path"] = parts.path
            if parts.query:
                out["url.query"] = parts.query

    def server_meta(self, meta: Mapping[str, Any], out: dict[str, Any]) -> bool:
        """What no tag says, from the request's ``META``: as OpenTelemetry's WSGI helpers read
        the environ, so the values agree with theirs. ``False`` when the request named no host
        (the URL's host is then the server's own name, which OpenTelemetry does not report as
        the host: ``drop_host`` removes it)."""
        has_host = bool(meta.get("HTTP_HOST"))
        if not has_host:
            drop_host(out)
        name = meta.get("SERVER_NAME")
        if name and self.http_old:
            out["http.server_name"] = str(name)[:MAX_VALUE_LENGTH]
        port = _int(meta.get("SERVER_PORT"))
        if port is not None:
            if self.http_old:
                out["net.host.port"] = port
            if self.http_new:
                out["server.port"] = port
        client_port = _int(meta.get("REMOTE_PORT"))
        if client_port is not None:
            if self.http_old:
                out["net.peer.port"] = client_port
            if self.http_new:
                out["client.port"] = client_port
        remote_host = meta.get("REMOTE_HOST")
        if remote_host and remote_host != meta.get("REMOTE_ADDR"):
            if self.http_old:
                out["net.peer.name"] = str(remote_host)[:MAX_VALUE_LENGTH]
            if self.http_new:
                out["client.address"] = str(remote_host)[:MAX_VALUE_LENGTH]
        agent = meta.get("HTTP_USER_AGENT")
        if agent and isinstance(agent, str):
            # Client-chosen free text: through the redaction policy like any traced header.
            agent = redact_text(agent[:MAX_VALUE_LENGTH], conf.REDACTED_KEYS)
            if self.http_old:
                out["http.user_agent"] = agent
            if self.http_new:
                out["user_agent.original"] = agent
        protocol = meta.get("SERVER_PROTOCOL")
        if protocol and isinstance(protocol, str):
            version = protocol[5:] if protocol.upper().startswith("HTTP/") else protocol
            if version:
                if self.http_old:
                    out["http.flavor"] = version[:16]
                if self.http_new:
                    out["network.protocol.version"] = version[:16]
        return has_host

    # -- other spans (outgoing HTTP calls, SQL) ---------------------------------------------

    def client_tag(self, key: str, value: Any, out: dict[str, Any]) -> bool:
        """An outgoing HTTP call's tags (``span.kind=client`` with ``http.*``)."""
        if key == "http.method":
            self._method(str(value), out)
        elif key == "http.url":
            url = str(value)
            if self.http_old:
                out["http.url"] = url
            if self.http_new:
                out["url.full"] = url
                try:
                    parts = urlsplit(url)
                    host, port = parts.hostname, parts.port
                except ValueError:
                    return True
                if host:
                    out["server.address"] = host
                if port:
                    out["server.port"] = port
        elif key == "http.status_code":
            code = _int(value)
            if code is None:
                return False
            if self.http_old:
                out["http.status_code"] = code
            if self.http_new:
                out["http.response.status_code"] = code
                if code >= 400:
                    out["error.type"] = str(code)
        else:
            return False
        return True

    def db_tag(self, key: str, value: Any, out: dict[str, Any]) -> bool:
        """A SQL span's tags (``db.*``)."""
        if key == "db.type":
            return True  # "sql": db.system (from the connection) says more
        if key == "db.statement":
            if self.db_old:
                out["db.statement"] = str(value)
            if self.db_new:
                out["db.query.text"] = str(value)
        elif key == "db.instance":
            alias, _, name = str(value).partition(":")
            if name:
                if self.db_old:
                    out["db.name"] = name
                if self.db_new:
                    out["db.namespace"] = name
            vendor = _vendor(alias)
            if vendor:
                if self.db_old:
                    out["db.system"] = _DB_SYSTEM_OLD.get(vendor, vendor)
                if self.db_new:
                    out["db.system.name"] = _DB_SYSTEM_NEW.get(vendor, vendor)
        else:
            return False
        return True

    def db_operation(self, operation_name: str, out: dict[str, Any]) -> None:
        """``SELECT library_book`` (the SQL span's name): the verb and the table."""
        verb, _, table = operation_name.partition(" ")
        if not verb or verb == "QUERY":
            return
        if self.db_old:
            out["db.operation"] = verb
            if table:
                out["db.sql.table"] = table
        if self.db_new:
            out["db.operation.name"] = verb
            if table:
                out["db.collection.name"] = table


HOST_KEYS = ("http.host", "net.host.name", "server.address")


def drop_host(out: dict[str, Any]) -> None:
    for key in HOST_KEYS:
        out.pop(key, None)


def _vendor(alias: str) -> str | None:
    """The Django database vendor of connection ``alias`` (``sqlite``, ``postgresql``...)."""
    try:
        from django.db import connections

        if alias not in connections.settings:
            return None
        return str(connections[alias].vendor)
    except Exception:
        return None
