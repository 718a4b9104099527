"""Background jobs of ``reports``: thin wrappers around services, each run recorded."""

import traceback
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.periods import Quarter
from org.models import Region
from tasks.models import Plan

from . import services
from .models import JobRun, QuarterlyReport, StaleScores

SWEEP_AFTER = timedelta(minutes=30)


@contextmanager
def recorded(name, **arguments):
    """Record a run of job ``name``: running, then done with its result or failed with
    the error (re-raised, so Celery sees the failure too)."""
    run = JobRun.objects.create(name=name, arguments=arguments)
    outcome = {"result": ""}
    try:
        yield outcome
    except Exception:
        run.state, run.error = JobRun.State.FAILED, traceback.format_exc()[-4000:]
        run.finished_at = timezone.now()
        run.save(update_fields=["state", "error", "finished_at"])
        raise
    run.state, run.result, run.finished_at = JobRun.State.DONE, str(outcome["result"])[:300], timezone.now()
    run.save(update_fields=["state", "result", "finished_at"])


@shared_task(name="reports.jobs.recompute_scores")
def recompute_scores(region_id, quarter):
    """Recompute one region × quarter's scorecards and verdict (safe to run twice)."""
    period = Quarter.parse(quarter)
    # Claim the stale mark first: changes made while this runs mark it again.
    StaleScores.objects.filter(region_id=region_id, year=period.year, quarter=period.number).delete()
    with recorded("recompute_scores", region=region_id, quarter=quarter) as outcome:
        written = services.scores_compute(Region.objects.get(pk=region_id), period)
        outcome["result"] = _("%(count)d scorecards") % {"count": written}
    return written


@shared_task(name="reports.jobs.recompute_regions")
def recompute_regions(region_ids, quarters):
    """One part of a recompute of everything: the regions' indicator values, verdicts and
    scorecards of ``quarters`` (safe to run twice: it upserts)."""
    periods = [Quarter.parse(text) for text in quarters]
    with recorded("recompute_regions", regions=region_ids, quarters=quarters) as outcome:
        values, scorecards = services.recompute_all(quarters=periods, region_ids=region_ids)
        outcome["result"] = _("%(values)d indicator values, %(scorecards)d scorecards") % {
            "values": values, "scorecards": scorecards}
    return values, scorecards


@shared_task(name="reports.jobs.sweep_scores")
def sweep_scores():
    """Nightly: recompute every region's current quarter, and any region × quarter whose
    mark no job will take (see ``_orphaned_marks``); in bulk, a quarter at a time."""
    current = Quarter.containing(timezone.localdate())
    wanted = _orphaned_marks()
    running = Plan.objects.filter(start_year__lte=current.year, end_year__gte=current.year)
    wanted[current] |= set(running.values_list("region_id", flat=True))
    with recorded("sweep_scores") as outcome:
        outcome["result"] = _recompute_marked(wanted)
    return sum(len(region_ids) for region_ids in wanted.values())


@shared_task(name="reports.jobs.recompute_unqueued_scores")
def recompute_unqueued_scores():
    """Every few minutes: the region × quarters whose recompute could not be queued (the
    broker was down when they changed) or was lost with the broker, recomputed in bulk. A
    run with nothing to do is not recorded."""
    wanted = _orphaned_marks()
    if not wanted:
        return 0
    with recorded("recompute_unqueued_scores") as outcome:
        outcome["result"] = _recompute_marked(wanted)
    return sum(len(region_ids) for region_ids in wanted.values())


def _orphaned_marks():
    """{quarter: region ids} of the stale marks no queued job will take: the broker refused
    their job, or they were marked long enough ago that their job must have been lost."""
    wanted = defaultdict(set)
    orphaned = StaleScores.objects.filter(Q(queue_failed=True) | Q(since__lt=timezone.now() - SWEEP_AFTER))
    for region_id, year, number in orphaned.values_list("region_id", "year", "quarter"):
        wanted[Quarter(year, number)].add(region_id)
    return wanted


def _recompute_marked(wanted):
    for quarter, region_ids in sorted(wanted.items()):
        # Claimed first, as by recompute_scores: changes made meanwhile mark them again.
        StaleScores.objects.filter(region__in=region_ids, year=quarter.year, quarter=quarter.number).delete()
        services.scores_compute_regions(sorted(region_ids), [quarter])
    count = sum(len(region_ids) for region_ids in wanted.values())
    return _("%(count)d region-quarters") % {"count": count}


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
        outcome["result"] = report.download_name("xlsx") if built else _("Built by another run.")
    return report.pk


def _close_lost_runs(report_id):
    """The runs of this build still shown as running belong to a worker that died."""
    JobRun.objects.filter(name="build_report", arguments__report=report_id, state=JobRun.State.RUNNING).update(
        state=JobRun.State.FAILED, finished_at=timezone.now(),
        error=_("The worker running this job stopped before it finished; the job was delivered again."),
    )
