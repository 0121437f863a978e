"""Django REST framework support for ot-views."""

from __future__ import annotations

from .mixins import TracedAPIView, TracedAPIViewMixin

__all__ = ["TracedAPIView", "TracedAPIViewMixin"]
