from __future__ import annotations

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("health/", views.health),
    path("sync/mixin/", views.SyncMixin.as_view()),
    path("sync/plain/", views.sync_plain),
    path("async/mixin/", views.AsyncMixin.as_view()),
    path("async/plain/", views.async_plain),
    path("fault/ok/", views.FaultOk.as_view()),
    path("fault/missing/", views.FaultMissing.as_view()),
    path("fault/boom/", views.FaultBoom.as_view()),
    path("fault/plain/", views.fault_plain),
    re_path(r"^h/(?P<rest>.*)$", views.Hostile.as_view()),
    path("secret/view/", views.SecretView.as_view()),
    path("secret/func/", views.secret_func),
    path("secret/plain/", views.secret_plain),
]
