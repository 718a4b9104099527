from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo and the scale data: management commands and the data they load, no models."""

    name = "demo"
