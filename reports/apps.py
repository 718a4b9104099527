from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Scorecards, quarterly reports, exports and job status."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from django.conf import settings

        from core import events, recompute, runs
        from indicators.services.compute import RECOMPUTE as INDICATOR_VALUES

        from . import services

        # Scores read the indicator values: the catch-up sweep recomputes those first.
        recompute.register(services.RECOMPUTE, compute=services.scores_recompute, label=_("Recompute scores"),
                           countdown=lambda: settings.SCORES_COALESCE_SECONDS, after=(INDICATOR_VALUES,))
        events.subscribe(events.SCORES_CHANGED, services.scores_stale)
        runs.register("recompute_regions", label=_("Recompute indicators and scores of many regions"),
                      retry=services.recompute_regions_retry)
        runs.register("sweep_scores", label=_("Nightly sweep of stale scores"), retry=services.sweep_retry)
        runs.register("build_report", label=_("Build a quarterly report"), retry=services.build_retry)
        # Runs recorded before the catch-up sweep moved to core.jobs.recompute_stale: listed, not retried.
        runs.register("recompute_unqueued_scores", label=_("Recompute scores whose job could not be queued"))
