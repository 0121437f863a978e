"""A mixin placed after its view class fails when the class is defined, naming the fix."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.views import View
from django.views.generic import DetailView

from ot_views import TracedViewMixin


def test_mixin_after_the_view_fails_at_class_definition():
    with pytest.raises(ImproperlyConfigured) as info:

        class V(View, TracedViewMixin):
            pass

    assert str(info.value) == (
        "test_mixin_after_the_view_fails_at_class_definition.<locals>.V lists TracedViewMixin "
        "after the view class, so the view's dispatch never reaches it and no request is "
        "traced. Put the mixin first: class V(TracedViewMixin, View)."
    )


def test_mixin_after_a_generic_view_with_other_mixins():
    class Audit:
        pass

    with pytest.raises(ImproperlyConfigured, match=r"class Books\(Audit, TracedViewMixin, "):

        class Books(Audit, DetailView, TracedViewMixin):
            pass


def test_right_order_and_subclasses_are_accepted():
    class Good(TracedViewMixin, View):
        pass

    class Child(Good):
        pass

    class Abstract(TracedViewMixin):  # no view yet: checked when it meets one
        pass

    class Concrete(Abstract, DetailView):
        pass

    assert Concrete._ot_views_path.endswith("Concrete")
