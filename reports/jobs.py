"""Background jobs of ``reports``: thin wrappers around services, each run recorded
(``core.runs``). The scores' recompute after a change runs as ``core.jobs.recompute``."""

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext as _

from core import recompute
from core.models import JobRun
from core.periods import Quarter
from core.runs import recorded
from tasks.models import Plan

from . import services
from .models import QuarterlyReport, Scorecard


@shared_task(name="reports.jobs.recompute_regions")
def recompute_regions(region_ids, quarters, force=False):
    """One part of a recompute of everything: the regions' indicator values, verdicts and
    scorecards of ``quarters`` (safe to run twice: it upserts); with ``force`` even those
    whose inputs did not change."""
    periods = [Quarter.parse(text) for text in quarters]
    with recorded("recompute_regions", regions=region_ids, quarters=quarters) as outcome:
        values, scorecards = services.recompute_all(quarters=periods, region_ids=region_ids, force=force)
        outcome["result"] = _("%(values)d indicator values, %(scorecards)d scorecards") % {
            "values": values, "scorecards": scorecards}
    return values, scorecards


@shared_task(name="reports.jobs.sweep_scores")
def sweep_scores():
    """Nightly: recompute every region's current quarter, every earlier quarter last scored
    while it was running (so that it is scored in full once its reports are due), and any
    region × quarter whose mark no job will take (see ``core.recompute.orphaned``); in bulk.
    Then the derived rows whose parent is gone (``services.sweep_orphans``)."""
    current = Quarter.containing(timezone.localdate())
    running = Plan.objects.filter(start_year__lte=current.year, end_year__gte=current.year)
    wanted = recompute.orphaned(services.RECOMPUTE)
    wanted |= {(region_id, current) for region_id in running.values_list("region_id", flat=True)}
    scored_early = Scorecard.objects.filter(running=True).exclude(year=current.year, quarter=current.number)
    wanted |= {(region_id, Quarter(year, number))
               for region_id, year, number in scored_early.order_by().values_list("plan__region", "year", "quarter")
               .distinct()}
    with recorded("sweep_scores") as outcome:
        for region_ids, quarters in recompute.batches(wanted):
            recompute.compute_now(services.RECOMPUTE, region_ids, quarters)
        services.sweep_orphans()
        outcome["result"] = _("%(count)d region-quarters") % {"count": len(wanted)}
    return len(wanted)


@shared_task(bind=True, name="reports.jobs.build_report")
def build_report(self, report_id):
    """Build one queued quarterly report. A second delivery while the first runs, or after
    it finished, does nothing; a delivery after its worker died takes the build over."""
    report = QuarterlyReport.objects.select_related("region").get(pk=report_id)
    if report.state == QuarterlyReport.State.RUNNING and report.build_task == self.request.id:
        _close_lost_runs(report_id)
    with recorded("build_report", report=report_id) as outcome:
        try:
            built = services.report_build(report, task=self.request.id or "")
        except services.NothingToReport as empty:
            outcome["result"] = str(empty)  # recorded on the report; not a crash of the job
            return None
        except Exception as error:
            services.report_failed(report, error)
            raise
        if built:
            # A report without its PDF is built all the same; the run says why it lacks one.
            outcome["result"] = "；".join(filter(None, [report.download_name("xlsx"), built.pdf_note]))
        else:
            outcome["result"] = _("Built by another run.")
    return report.pk


def _close_lost_runs(report_id):
    """The runs of this build still shown as running belong to a worker that died."""
    JobRun.objects.filter(name="build_report", arguments__report=report_id, state=JobRun.State.RUNNING).update(
        state=JobRun.State.FAILED, finished_at=timezone.now(),
        error=_("The worker running this job stopped before it finished; the job was delivered again."),
    )
