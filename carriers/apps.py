from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CarriersConfig(AppConfig):
    """Water users, key-monitoring and planned-use lists, carrier certifications."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "carriers"
    verbose_name = _("Carriers")

    def ready(self):
        from indicators import providers

        from . import coverage

        providers.register(coverage.CODES, coverage.provide, frame="carriers.coverage_frames.provide_frame")
        post_migrate.connect(_ensure_defaults, sender=self)


def _ensure_defaults(sender, using="default", **kwargs):
    from . import defaults

    # A migrate that stops before the migrations making these tables has nothing to fill.
    tables = connections[using].introspection.table_names()
    if "carriers_carrierkind" in tables and "carriers_evaluationstandard" in tables:
        defaults.ensure_defaults(using=using)
