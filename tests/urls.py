from __future__ import annotations

from django.conf import settings
from django.urls import include, path, re_path

from tests import views

urlpatterns = [
    path("plain/", views.Plain.as_view()),
    path("books/<int:pk>/", views.BookDetail.as_view(), name="book-detail"),
    path("named/", views.Named.as_view()),
    path("per-request/", views.PerRequestName.as_view()),
    path("boom/", views.Boom.as_view()),
    path("missing/", views.Missing.as_view()),
    path("status/<int:code>/", views.Status.as_view()),
    path("child/", views.Child.as_view()),
    path("async/", views.AsyncChild.as_view()),
    path("async-boom/", views.AsyncBoom.as_view()),
    path("stream/", views.Stream.as_view()),
    path("file/", views.File.as_view()),
    path("span-in-view/", views.SpanInView.as_view()),
    path("untraced/", views.Untraced.as_view()),
    path("untraced-boom/", views.UntracedBoom.as_view()),
    path("func/", views.func_view),
    path("func-named/", views.func_named),
    path("afunc/", views.afunc_view),
    path("func-boom/", views.func_boom),
    path("plain-func/", views.plain_func),
    path("raise/<str:kind>/", views.Raise.as_view()),
    path("async-plain/", views.AsyncPlain.as_view()),
    path("async-stream/", views.AsyncStream.as_view()),
    path("broken-stream/", views.BrokenStream.as_view()),
    path("afunc-plain/", views.afunc_plain),
    path("untraced-raise/<str:kind>/", views.untraced_raise),
    re_path(r"^health/?$", views.plain_func),
    path("async-broken-stream/", views.AsyncBrokenStream.as_view()),
    path("not-found-mid-stream/", views.NotFoundMidStream.as_view()),
    path("tagged-stream/", views.TaggedStream.as_view()),
    path("async-tagged-stream/", views.AsyncTaggedStream.as_view()),
    path("async-hang/", views.AsyncHang.as_view()),
    path("afunc-hang/", views.afunc_hang),
    path("untraced-hang/", views.untraced_hang),
    path("dav/", views.Dav.as_view()),
    path("async-hang-stream/", views.AsyncHangStream.as_view()),
]

if "tests.drf" in settings.INSTALLED_APPS:
    urlpatterns.append(path("api/", include("tests.drf.urls")))
