from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    """The city's creation campaign: batches, each county's stages, experts, acceptance,
    publicity, naming, and the city's meetings, visits, funding and annual summary."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "campaigns"
    verbose_name = _("Creation campaign")

    def ready(self):
        from core import runs

        from .services import city_work

        runs.register("build_annual_summary", label=_("Build a campaign's annual summary"),
                      retry=city_work.summary_retry)
