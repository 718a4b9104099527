from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Scorecards, quarterly reports, exports and job status."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from core import events

        from . import services

        events.subscribe(events.SCORES_CHANGED, services.scores_stale)
