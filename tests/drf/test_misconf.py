"""DRF views with a mixin in the wrong place or the wrong mixin fail at class definition."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import viewsets
from rest_framework.views import APIView

from ot_views import TracedViewMixin
from ot_views_drf import TracedAPIViewMixin


def test_drf_mixin_after_apiview_fails():
    with pytest.raises(ImproperlyConfigured) as info:

        class Echo(APIView, TracedAPIViewMixin):
            pass

    message = str(info.value)
    assert "lists TracedAPIViewMixin after the view class" in message
    assert message.endswith("Put the mixin first: class Echo(TracedAPIViewMixin, APIView).")


def test_drf_mixin_after_a_viewset_fails():
    right = r"class BVS\(TracedAPIViewMixin, ModelViewSet\)"
    with pytest.raises(ImproperlyConfigured, match=right):

        class BVS(viewsets.ModelViewSet, TracedAPIViewMixin):
            pass


def test_core_mixin_on_a_viewset_points_at_the_drf_mixin():
    # Today's behaviour without this check: list and retrieve named BVS2.http_method_not_allowed.
    with pytest.raises(ImproperlyConfigured) as info:

        class BVS2(TracedViewMixin, viewsets.ModelViewSet):
            pass

    message = str(info.value)
    assert "is a Django REST framework view traced with ot_views.TracedViewMixin" in message
    assert message.endswith(
        "from ot_views_drf import TracedAPIViewMixin; class BVS2(TracedAPIViewMixin, ModelViewSet)."
    )


def test_core_mixin_on_an_apiview_points_at_the_drf_mixin():
    with pytest.raises(ImproperlyConfigured, match=r"class Plain\(TracedAPIViewMixin, APIView\)"):

        class Plain(TracedViewMixin, APIView):
            pass


def test_core_mixin_on_a_drf_view_message_names_every_view_base():
    # The whole message: what is wrong, why it matters and the class line to write instead,
    # keeping every base of the view in its order.
    class Paging:
        pass

    with pytest.raises(ImproperlyConfigured) as info:

        class Listing(TracedViewMixin, Paging, APIView):
            pass

    assert str(info.value) == (
        "test_core_mixin_on_a_drf_view_message_names_every_view_base.<locals>.Listing is a "
        "Django REST framework view traced with ot_views.TracedViewMixin, which cannot see "
        "viewset actions or DRF's exception handling and would name its spans wrongly. "
        "Use the DRF mixin: from ot_views_drf import TracedAPIViewMixin; "
        "class Listing(TracedAPIViewMixin, Paging, APIView)."
    )
