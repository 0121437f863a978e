"""Reading a traced attribute without doing work the request had not already done.

Tracing observes; it must never cause. A dotted traced attribute such as ``"user.username"`` or
``"POST"`` can reach things that are computed on first read: Django's lazy ``request.user``
(evaluating it loads the session, runs queries and makes ``SessionMiddleware`` add
``Vary: Cookie``), the session store, the request body and everything parsed from it (a
multipart body is streamed through the upload handlers into temporary files), DRF's
authentication, model fields left deferred or relations not fetched. Reading any of those after
the view would change the response headers, the query count or the session, so the reader walks
the dotted name itself and applies one rule at every step:

    a value that is computed on first read is read only if it has already been computed.

The rule is applied by type, from the markers Django and DRF leave once a value is computed
(see ``docs/attributes.rst`` for the table):

- a ``LazyObject`` (``SimpleLazyObject``, ``request.user``): its ``_wrapped`` is set (or, for
  ``request.user``, the user ``AuthenticationMiddleware`` fetched for ``await request.auser()``);
- a session store: its data was loaded (``_session_cache``);
- ``HttpRequest.body`` / ``POST`` / ``FILES``: ``_body`` / ``_post`` / ``_files`` are set;
- DRF's ``Request``: ``data`` / ``POST`` / ``FILES`` / ``stream`` / ``user`` / ``auth`` /
  ``successful_authenticator`` once their cache attribute holds something other than DRF's
  ``Empty``; other names are read from the wrapped ``HttpRequest`` under its rules;
- a model instance: a deferred field, or a to-one relation not yet fetched.

A value the rule holds back is returned as ``NOT_LOADED``, a string that renders as the tag value
``[not loaded]``. The names listed in ``OPENTRACING_LOAD_LAZY_ATTRIBUTES`` are exempt: they are
read whatever it costs. DRF is recognised without importing it (``ot_views`` runs without DRF):
its classes are looked up in ``sys.modules``, where they are whenever a DRF request exists.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.http import HttpRequest
from django.utils.functional import LazyObject, empty

from .conf import conf


class _NotLoaded(str):
    """The type of ``NOT_LOADED``; a ``str`` so that every renderer writes it as it is."""

    __slots__ = ()


#: What ``read()`` returns for a value the request had not computed (the tag's value).
NOT_LOADED: str = _NotLoaded("[not loaded]")

#: HttpRequest properties that read or parse the body, and where Django keeps their result.
_HTTP_CACHED = {"body": "_body", "POST": "_post", "FILES": "_files"}

#: Where ``AuthenticationMiddleware`` keeps the user fetched by ``await request.auser()``, which
#: leaves the lazy ``request.user`` itself unevaluated.
_ASYNC_USER = "_acached_user"

#: DRF Request properties that parse the body or authenticate, and where DRF keeps the result.
_DRF_CACHED = {
    "data": "_full_data",
    "POST": "_data",
    "FILES": "_files",
    "stream": "_stream",
    "user": "_user",
    "auth": "_auth",
    "successful_authenticator": "_authenticator",
}


class _Held(Exception):
    """Raised inside the walk when the rule holds a value back."""


def read(target: Any, dotted: str) -> Any:
    """The value of the traced attribute ``dotted`` on ``target``, or ``NOT_LOADED``.

    Raises (``AttributeError``, ``KeyError``, anything a property raises) when the attribute is
    missing or fails; the caller skips the attribute then.
    """
    load = dotted in conf.LOAD_LAZY_ATTRIBUTES
    try:
        value = _unwrap(target, load)
        for part in dotted.split("."):
            value = _unwrap(_step(value, part, load), load)
    except _Held:
        return NOT_LOADED
    return value


def _evaluated(lazy: Any) -> bool:
    return object.__getattribute__(lazy, "_wrapped") is not empty


def _unwrap(value: Any, load: bool) -> Any:
    """The object behind a lazy object or a session store, if it was computed (or ``load``)."""
    if isinstance(value, LazyObject):
        if not _evaluated(value):
            if not load:
                raise _Held
            value._setup()
        return object.__getattribute__(value, "_wrapped")
    if isinstance(value, SessionBase):
        data = value.__dict__.get("_session_cache")
        if data is None:
            if not load:
                raise _Held
            data = dict(value.items())  # loads it, as any read of the session would
        return data
    return value


def _step(value: Any, part: str, load: bool) -> Any:
    """``value.part`` (or ``value[part]`` for a mapping), unless it would compute something."""
    if isinstance(value, Mapping):
        try:
            return value[part]
        except KeyError:
            pass
    if not load:
        if isinstance(value, HttpRequest):
            marker = _HTTP_CACHED.get(part)
            if marker is not None and marker not in value.__dict__:
                raise _Held
            if part == "user" and _ASYNC_USER in value.__dict__:
                user = value.__dict__.get("user")
                if isinstance(user, LazyObject) and not _evaluated(user):
                    return value.__dict__[_ASYNC_USER]
        elif isinstance(value, Model):
            _check_model_field(value, part)
        else:
            drf = _drf_request_class()
            if drf is not None and isinstance(value, drf):
                marker = _DRF_CACHED.get(part)
                if marker is not None:
                    if value.__dict__.get(marker, _drf_empty()) is _drf_empty():
                        raise _Held
                elif not hasattr(type(value), part) and part not in value.__dict__:
                    # DRF forwards unknown names to the HttpRequest: walk it under its rules.
                    return _step(value.__dict__["_request"], part, load)
    return getattr(value, part)


def _check_model_field(instance: Model, part: str) -> None:
    """Hold back a deferred field or a to-one relation whose object was not fetched."""
    try:
        field: Any = instance._meta.get_field(part)
    except FieldDoesNotExist:
        return  # a plain attribute, a property or a method
    if getattr(field, "many_to_many", False) or getattr(field, "one_to_many", False):
        return  # a related manager: getting it runs no query
    attname = getattr(field, "attname", None)
    # A column, the key of a foreign key read by its attname included: loaded unless deferred. A
    # GenericForeignKey (a Field since Django 5.1) has an attname equal to its name but no column.
    if not field.is_relation or (attname == part and field.concrete):
        if attname is not None and attname not in instance.__dict__:
            raise _Held
        return
    is_cached = getattr(field, "is_cached", None)
    if is_cached is None or is_cached(instance):
        return
    if attname is not None and instance.__dict__.get(attname, 0) is None:
        return  # a null foreign key: the descriptor answers None without a query
    raise _Held


def _drf_request_class() -> type | None:
    module = sys.modules.get("rest_framework.request")
    cls = getattr(module, "Request", None) if module is not None else None
    return cls if isinstance(cls, type) else None


def _drf_empty() -> Any:
    return getattr(sys.modules.get("rest_framework.request"), "Empty", None)
