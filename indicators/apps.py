from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    """Data elements, indicators, formulas and target rules, reference values and computed values."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "indicators"
    verbose_name = _("Indicators")

    def ready(self):
        from core import recompute

        from .services.compute import RECOMPUTE, values_recompute

        recompute.register(RECOMPUTE, compute=values_recompute, label=_("Recompute indicator values"))
