"""Background jobs of the campaign: thin wrappers around services, each run recorded
(``core.runs``)."""

from celery import shared_task
from django.utils.translation import gettext as _

from core.runs import recorded

from .models import AnnualSummary
from .services import city_work


@shared_task(name="campaigns.jobs.build_annual_summary")
def build_annual_summary(summary_id):
    """Build one queued annual summary; a second delivery finds it claimed and does nothing."""
    summary = AnnualSummary.objects.select_related("campaign__region", "campaign__indicator_set").get(pk=summary_id)
    with recorded("build_annual_summary", summary=summary_id) as outcome:
        try:
            built = city_work.summary_build(summary)
        except Exception as error:
            city_work.summary_failed(summary, error)
            raise
        outcome["result"] = built.document.name if built else _("Built by another run.")
    return summary_id
