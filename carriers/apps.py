from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarriersConfig(AppConfig):
    """Water users, key-monitoring and planned-use lists, carrier certifications."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "carriers"
    verbose_name = _("Carriers")

    def ready(self):
        from indicators import providers

        from . import coverage

        providers.register(coverage.CODES, coverage.provide)
