from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("books", views.BookViewSet)
router.register("pings", views.PingViewSet, basename="ping")

urlpatterns = [
    path("echo/", views.Echo.as_view()),
    path("plain-echo/", views.PlainEcho.as_view()),
    path("secured/", views.Secured.as_view()),
    path("plain-secured/", views.PlainSecured.as_view()),
    path("throttled/", views.Throttled.as_view()),
    path("plain-throttled/", views.PlainThrottled.as_view()),
    path("book-list/", views.BookList.as_view()),
    *router.urls,
]
