from django.apps import AppConfig


class DrfTestsConfig(AppConfig):
    name = "tests.drf"
    label = "drf"
