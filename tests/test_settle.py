"""What a traced structure holds is written only as far as the request had computed it.

``settle`` applies the reader's rule to the values inside a structure: an unevaluated lazy object
or query set is ``[not loaded]``, an evaluated one is what it holds, and a model instance with
deferred fields is written by its primary key (its ``__str__`` could load them), or as
``[not loaded]`` when even asking which fields are deferred fails.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils.functional import SimpleLazyObject

from ot_views import TracedView
from ot_views.attributes import settle
from ot_views.reading import NOT_LOADED
from ot_views.testing import server_span


def test_an_unevaluated_lazy_object_is_not_loaded():
    calls = []
    lazy = SimpleLazyObject(lambda: calls.append(1) or "built")
    assert settle(lazy) is NOT_LOADED
    assert calls == []


def test_an_evaluated_lazy_object_is_what_it_holds():
    lazy = SimpleLazyObject(lambda: {"a": 1})
    lazy["a"]
    settled = settle(lazy)
    assert type(settled) is dict and settled == {"a": 1}


@pytest.mark.django_db
def test_a_query_set_is_not_loaded_until_evaluated():
    users = User.objects.all()
    with CaptureQueriesContext(connection) as queries:
        assert settle(users) is NOT_LOADED
    assert queries.captured_queries == []
    list(users)
    assert settle(users) is users


@pytest.mark.django_db
def test_a_model_with_deferred_fields_is_written_by_its_primary_key():
    User.objects.create_user("bob")
    deferred = User.objects.only("username").get()
    assert settle(deferred) == f"<User: pk={deferred.pk!r}>"
    whole = User.objects.get()
    assert settle(whole) is whole


def test_a_model_that_cannot_say_what_is_deferred_is_not_loaded():
    odd = User(pk=1, username="bob")

    def refuse():
        raise RuntimeError("no")

    odd.get_deferred_fields = refuse  # type: ignore[method-assign]
    assert settle(odd) is NOT_LOADED


class Holder(TracedView):
    traced_attributes = ["ctx"]

    def get(self, request):
        request.ctx = {
            "lazy": SimpleLazyObject(lambda: "built"),
            "items": [SimpleLazyObject(lambda: "built"), "x"],
        }
        return HttpResponse("ok")


def test_lazy_values_inside_a_traced_structure_are_not_loaded(rf, tracer):
    assert Holder.as_view()(rf.get("/h/")).status_code == 200
    tags = server_span(tracer).tags
    assert tags["ctx.lazy"] == "[not loaded]"
    assert tags["ctx.items"] == "['[not loaded]', 'x']"
