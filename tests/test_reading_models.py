"""Reading a traced attribute through a model instance: each kind of field, by its own rule.

A column is read unless deferred; a to-one relation (forward, reverse or generic) only once its
object was fetched, or when its key is null (the descriptor then answers ``None`` without a
query); a related manager (many-to-many, reverse foreign key) always, since getting one runs no
query. The models are declared here, in the ``tests`` app, and used unsaved or with the caches
set by hand, so that no read can hide behind a table that happens to be empty.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from ot_views.reading import NOT_LOADED, read


class Shelf(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        app_label = "tests"


class Item(models.Model):
    shelf = models.ForeignKey(Shelf, models.CASCADE, related_name="items", null=True)

    class Meta:
        app_label = "tests"


class Cover(models.Model):
    shelf = models.OneToOneField(Shelf, models.CASCADE, related_name="cover")

    class Meta:
        app_label = "tests"


class Label(models.Model):
    content_type = models.ForeignKey(ContentType, models.CASCADE, null=True)
    object_id = models.PositiveIntegerField(null=True)
    target = GenericForeignKey()

    class Meta:
        app_label = "tests"


def test_a_many_to_many_manager_is_read():
    user = User(pk=7, username="bob")
    groups = read(user, "groups")
    assert groups is not NOT_LOADED
    assert groups.instance is user


def test_a_reverse_foreign_key_manager_is_read():
    shelf = Shelf(pk=3, name="top")
    items = read(shelf, "items")
    assert items is not NOT_LOADED
    assert items.instance is shelf


def test_a_foreign_key_column_is_read_by_its_attname():
    perm = Permission(codename="see", content_type_id=5)
    assert read(perm, "content_type_id") == 5
    assert read(perm, "codename") == "see"
    assert read(perm, "content_type") is NOT_LOADED  # the object behind it was not fetched


@pytest.mark.django_db
def test_a_deferred_foreign_key_is_not_loaded_by_either_name():
    perm = Permission.objects.only("codename").order_by("pk").first()
    assert perm is not None
    with CaptureQueriesContext(connection) as queries:
        assert read(perm, "content_type_id") is NOT_LOADED
        assert read(perm, "content_type") is NOT_LOADED
        assert read(perm, "content_type.model") is NOT_LOADED
    assert queries.captured_queries == []


def test_a_null_foreign_key_not_fetched_reads_as_none():
    item = Item()
    assert "shelf_id" in item.__dict__ and not Item.shelf.field.is_cached(item)
    assert read(item, "shelf") is None
    assert read(item, "shelf_id") is None


def test_a_fetched_foreign_key_is_read():
    shelf = Shelf(pk=3, name="top")
    item = Item(shelf=shelf)
    assert read(item, "shelf.name") == "top"


def test_a_reverse_one_to_one_is_read_once_fetched():
    shelf = Shelf(pk=3, name="top")
    assert read(shelf, "cover") is NOT_LOADED
    cover = Cover(pk=4)
    shelf.cover = cover
    assert read(shelf, "cover") is cover


@pytest.mark.django_db
def test_a_generic_foreign_key_is_read_once_fetched():
    perm_type = ContentType.objects.get_for_model(Permission)
    perm = Permission.objects.order_by("pk").first()
    assert perm is not None
    fetched = Label(target=perm)
    assert read(fetched, "target") is perm
    assert read(fetched, "target.codename") == perm.codename
    not_fetched = Label(content_type=perm_type, object_id=perm.pk)
    with CaptureQueriesContext(connection) as queries:
        assert read(not_fetched, "target") is NOT_LOADED
    assert queries.captured_queries == []
