from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from sample_api.library import views

router = DefaultRouter()
router.register("books", views.BookViewSet)
router.register("authors", views.AuthorViewSet)

urlpatterns = [
    path("", views.index, name="index"),
    path("api/", include(router.urls)),
    path("stock/<int:pk>/", views.StockView.as_view(), name="stock"),
    path("stats/", views.StatsView.as_view(), name="stats"),
    path("fees/", views.loan_fee, name="loan-fee"),
    path("export.csv", views.export_csv, name="export"),
    path("traces/", include("ot_views.viewer.urls")),
]
