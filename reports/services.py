"""Recomputing scores: the scorecards of every plan of a region and the region's verdict
for a quarter, written in bulk and idempotently, as the recompute ``RECOMPUTE`` of
``core.recompute``; building quarterly reports; retrying this app's failed jobs."""

import logging
from functools import partial

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from core import pdf
from core.beside import read_beside
from core.bulk import changed, upsert_frame, upsert_rows, written_behind
from core.memory import cyclic_gc_paused
from core.periods import Quarter
from core.recompute import batches, mark_stale
from core.runs import BROKER_DOWN, CannotRetry, queue, regions_of
from indicators.models import Adoption, IndicatorSet
from tasks.models import Plan

from . import recompute_inputs, report_document, report_workbook, scoring
from .models import QuarterlyReport, RecomputedInputs, RegionVerdict, Scorecard
from .parts import packed
from .scoring import of_quarters

logger = logging.getLogger(__name__)


RECOMPUTE = "scores"  # the name this app's recompute is registered under in core.recompute
BATCH = 250  # regions read and written together: bounds memory and the size of IN lists


def scores_compute(region, quarter, *, today=None):
    """Recompute ``region``'s scorecards and verdict for ``quarter`` as of ``today`` (by
    default the portal's); returns how many scorecards were written. The same records on
    the same day give the same rows."""
    return scores_compute_regions([region.pk], [quarter], today=today)


def scores_compute_regions(region_ids, quarters, *, today=None):
    """Recompute the scorecards of every plan of the regions and their verdicts for
    ``quarters``, a batch of regions at a time in a fixed number of queries; returns how
    many scorecards were written."""
    from . import vector_scorecards, vector_verdicts  # Polars loads with the first recompute (see indicators' compute)

    written = 0
    today = today or timezone.localdate()
    years = {quarter.year for quarter in quarters}
    for start in range(0, len(region_ids), BATCH):
        region_batch = region_ids[start : start + BATCH]
        plans = list(Plan.objects.filter(region__in=region_batch, start_year__lte=max(years),
                                         end_year__gte=min(years)).select_related("score_weights").order_by())
        with cyclic_gc_paused():  # a batch's departments, targets and verdicts: tens of thousands of live objects
            # Every quarter of the batch at once, read into frames: no Python object per entry or value.
            standards = vector_verdicts.read_standards(region_batch, quarters)
            inputs = vector_scorecards.read(plans, quarters, today, standards)
            written += _plans_scores(plans, quarters, inputs)
            _verdicts(region_batch, quarters, standards)
    return written


_SCORED = ["composite", "band", "parts", "running", "leads"]


def _plans_scores(plans, quarters, inputs):
    """Write the scorecards of ``plans`` in ``quarters`` (``vector_scorecards.cards`` of
    ``inputs``) whose digest differs from the stored one's, and delete the plans' others of
    the quarters each is scored in (departments no longer in the plan). Returns how many
    scorecards there are."""
    from . import vector_scorecards

    stored = Scorecard.objects.filter(of_quarters(quarters), plan__in=plans).order_by()
    written, absent, gone, count = vector_scorecards.against_stored(
        inputs, stored.values_list("plan", "department", "year", "quarter", "pk", "digest"))
    # Written from the frame: on PostgreSQL Polars writes the CSV that COPY reads.
    upsert_frame(Scorecard, written, unique_fields=["plan", "department", "year", "quarter"],
                 update_fields=[*_SCORED, "digest", "computed_at"], compare_fields=_SCORED, absent=absent)
    if gone:
        Scorecard.objects.filter(pk__in=gone).delete()
    return count


def _scorecards(plan, quarter, facts):
    """The plan's rows department by department: the reference ``vector_scorecards`` is
    tested against (its rows are the ones written)."""
    weights, bands = scoring.plan_weights(plan)
    rows = []
    # A running quarter's parts say what is in so far; a composite and a band of them would
    # rank departments on reports not yet due.
    running = facts.running
    for department_id in set(facts.leads) | set(facts.cooperations):
        parts = scoring.parts_for(department_id, plan, quarter, facts)
        total = None if running else scoring.composite(parts, weights)
        rows.append((plan.pk, department_id, quarter.year, quarter.number, total, bands.band(total),
                     packed(parts, weights), running, len(facts.leads.get(department_id, []))))
    return rows


_VERDICT = ("region_id", "indicator_set_id", "year", "quarter", "verdict", "reason", "figures", "points", "digest")


def _verdicts(region_ids, quarters, standards):
    """The regions' verdicts in ``quarters``, one per standard each adopted, from the
    computed values of ``standards`` (``vector_verdicts.read_standards``); none where a
    standard has no value. Only those whose digest changed are written."""
    from . import vector_verdicts

    rows = vector_verdicts.verdict_rows(standards)
    stored = RegionVerdict.objects.filter(of_quarters(quarters), region__in=region_ids).order_by()
    existing = vector_verdicts.stored(stored.values_list("region", "indicator_set", "year", "quarter", "pk", "digest"))
    written = changed(rows, {key: digest for key, (_pk, digest) in existing.items()}, key_width=4)
    upsert_rows(RegionVerdict, _VERDICT, written, unique_fields=["region", "indicator_set", "year", "quarter"],
                update_fields=["verdict", "reason", "figures", "points", "digest", "computed_at"],
                compare_fields=["verdict", "reason", "figures", "points"])
    kept = {row[:4] for row in rows}
    adopted = {(region_id, indicator_set.pk) for region_id, found in standards.sets.items() for indicator_set in found}
    # A standard adopted but without values now loses its stale verdict; one no longer
    # adopted keeps the verdicts it was given (removing an adoption deletes nothing).
    gone = [pk for key, (pk, _digest) in existing.items() if key[:2] in adopted and key not in kept]
    if gone:
        RegionVerdict.objects.filter(pk__in=gone).delete()


def recompute_all(*, quarters, region_ids=None, force=False):
    """Every indicator value, verdict and scorecard of every region (or of ``region_ids``)
    for ``quarters``, in bulk: the indicators first, as the verdicts and scorecards read
    them. Returns (values, scorecards) written. For a new catalogue or rules, a restore, or
    a benchmark; ``recompute_all_enqueue`` spreads the same work over the Celery workers.

    A region × quarter whose inputs are as when this last computed it (``recompute_inputs``)
    is left alone, unless ``force``: its results are what computing it again would give."""
    today = timezone.localdate()
    quarters = sorted(quarters)
    adopted = Adoption.objects.order_by("region_id").values_list("region_id", "indicator_set")
    if region_ids is not None:
        adopted = adopted.filter(region__in=region_ids)
    regions = _scored_regions(quarters, region_ids, adopted)
    keys = {(region_id, quarter) for region_id in regions for quarter in quarters}
    stored = recompute_inputs.stored(regions, quarters)
    # Fingerprinted as of now, before anything is read for computing (on PostgreSQL beside
    # the computing): a change made meanwhile leaves a fingerprint already old, so it is
    # computed next time.
    with read_beside(partial(recompute_inputs.fingerprinted, regions, quarters, today)) as fresh:
        # What has no fingerprint to compare is computed whatever its own; the rest once it is known.
        first = keys if force else keys - set(stored)
        values, scorecards = _computed(first, today)
        found = fresh()
        rest = {key for key in keys - first if stored[key] != found[key]}
        more_values, more_scorecards = _computed(rest, today)
        recompute_inputs.store({key: found[key] for key in first | rest})
    logger.info("recompute_all: %d of %d region × quarters computed", len(first | rest), len(keys))
    return values + more_values, scorecards + more_scorecards


def _computed(keys, today):
    """Values, then verdicts and scorecards, of ``keys`` (region id, quarter); returns how many
    of each were written."""
    values = scorecards = 0
    for part, part_quarters in batches(keys):
        with written_behind():  # all written before the scores read them
            values += _values_of(part, part_quarters)
        with written_behind():
            scorecards += scores_compute_regions(part, part_quarters, today=today)
    return values, scorecards


def _values_of(region_ids, quarters):
    """``compute_regions`` of each standard the regions adopt, for the regions adopting it."""
    from indicators.services.compute import compute_regions  # indicators' services import this app's jobs

    adopted = Adoption.objects.filter(region__in=region_ids).order_by("region_id").values_list("region_id",
                                                                                              "indicator_set")
    values = 0
    for indicator_set in IndicatorSet.objects.filter(pk__in=[set_id for _region, set_id in adopted]):
        members = [region_id for region_id, set_id in adopted if set_id == indicator_set.pk]
        values += compute_regions(region_ids=members, quarters=quarters, indicator_set=indicator_set)
    return values


def _scored_regions(quarters, region_ids, adopted):
    """The regions with a plan running in one of the quarters or an adopted set."""
    years = {quarter.year for quarter in quarters}
    planned = Plan.objects.filter(start_year__lte=max(years), end_year__gte=min(years))
    if region_ids is not None:
        planned = planned.filter(region__in=region_ids)
    return sorted({region_id for region_id, _set in adopted} | set(planned.values_list("region_id", flat=True)))


def sweep_orphans():
    """Delete the derived rows whose parent is gone: values, scorecards, verdicts and the
    fingerprints of what they were computed from have no
    foreign key constraint in the database (see ``ComputedValue``), so a row a recompute
    wrote while its region, indicator, plan or department was being deleted outlives it.
    Nothing but a recompute wrote them, and a recompute would not write them again. Returns
    how many rows were deleted."""
    from indicators.models import ComputedValue, Indicator
    from org.models import Department, Region

    gone = [
        ComputedValue.objects.exclude(region__in=Region.objects.all()),
        ComputedValue.objects.exclude(indicator__in=Indicator.objects.all()),
        Scorecard.objects.exclude(plan__in=Plan.objects.all()),
        Scorecard.objects.exclude(department__in=Department.objects.all()),
        RegionVerdict.objects.exclude(region__in=Region.objects.all()),
        RegionVerdict.objects.exclude(indicator_set__in=IndicatorSet.objects.all()),
        RecomputedInputs.objects.exclude(region__in=Region.objects.all()),
    ]
    return sum(rows.delete()[0] for rows in gone)


def recompute_all_enqueue(*, quarters, force=False):
    """Queue ``recompute_all`` in parts of ``BATCH`` regions, one job each, for the Celery
    workers to share; returns the number of jobs. The parts are independent: a region's
    scores depend on its own indicator values only."""
    from . import jobs

    adopted = Adoption.objects.values_list("region_id", "indicator_set")
    region_ids = _scored_regions(quarters, None, adopted)
    texts = [str(quarter) for quarter in sorted(quarters)]
    parts = [region_ids[start : start + BATCH] for start in range(0, len(region_ids), BATCH)]
    for part in parts:
        transaction.on_commit(partial(jobs.recompute_regions.delay, part, texts, force=force))
    return len(parts)


def scores_recompute(region_ids, quarters):
    """The recompute registered as ``RECOMPUTE``; returns what it wrote, in words."""
    return _("%(count)d scorecards") % {"count": scores_compute_regions(region_ids, quarters)}


def plan_scores_stale(plan):
    """The plan's weights changed: every quarter of it up to now is to be recomputed."""
    last = min(Quarter.containing(timezone.localdate()), Quarter(plan.end_year, 4))
    quarters, quarter = [], Quarter(plan.start_year, 1)
    while quarter <= last:
        quarters.append(quarter)
        quarter = quarter.shift(1)
    mark_stale(RECOMPUTE, region_ids=[plan.region_id], quarters=quarters)


def region_scores_stale(region, quarters):
    """Something ``region``'s scores of every one of ``quarters`` depend on changed (the
    standards it adopts): recomputed once this commits, by one job."""
    mark_stale(RECOMPUTE, region_ids=[region.pk], quarters=quarters)


def scores_stale(*, region, quarter):
    """Something ``region``'s scores of ``quarter`` depend on changed: once the change
    commits they are recomputed, by one job however many changes come in a burst (see
    ``core.recompute``)."""
    mark_stale(RECOMPUTE, region_ids=[region.pk], quarters=[quarter])


# --- the quarterly report --------------------------------------------------------------------------


class NothingToReport(ValueError):
    """The quarter has no stored data to report on."""


def report_request(*, region, quarter, user=None, enqueue=True):
    """Queue a build of ``region``'s report of ``quarter``; the job starts once this commits
    (without ``enqueue`` the caller builds it). Returns the new row; the current report
    stays current until the new one is complete."""
    from . import jobs

    report = QuarterlyReport.objects.create(region=region, year=quarter.year, quarter=quarter.number,
                                            requested_by=user)
    if enqueue:
        transaction.on_commit(lambda: _enqueue_build(jobs.build_report, report))
    return report


def _enqueue_build(job, report):
    try:
        job.delay(report.pk)
    except OperationalError:
        logger.warning("report build %s not enqueued: broker unavailable", report.pk)
        QuarterlyReport.objects.filter(pk=report.pk).update(
            state=QuarterlyReport.State.FAILED, reason=str(BROKER_DOWN), finished_at=timezone.now()
        )


def report_build(report, *, task=""):
    """Build the report's files from stored data and make it the current one; returns the
    report, or None when it was not this run's to build. Raises NothingToReport for a
    quarter without any data (the row records why).

    ``task`` is the id of the Celery task building it: a worker killed mid-build leaves the
    row running, and the broker hands the same task (same id) out again, which takes the
    row back instead of leaving it running for ever."""
    claimable = Q(state=QuarterlyReport.State.QUEUED)
    if task:
        claimable |= Q(state=QuarterlyReport.State.RUNNING, build_task=task)
    claimed = QuarterlyReport.objects.filter(claimable, pk=report.pk).update(
        state=QuarterlyReport.State.RUNNING, progress=5, build_task=task
    )
    if not claimed:
        return None  # another job has it, or it is already built
    quarter = Quarter(report.year, report.quarter)
    data = report_workbook.report_data(report.region, quarter)
    if data.is_empty:
        _fail(report, f"{report.region.name}{quarter.chinese_label}没有任何进展、指标或载体数据，未生成报告")
        raise NothingToReport(report.reason)
    name = f"{report.region.name}{quarter.chinese_label}节水工作进展情况"
    report.workbook.save(f"{name}.xlsx", ContentFile(report_workbook.build(data)), save=False)
    _progress(report, 50)
    report.document.save(f"{name}（草稿）.docx", ContentFile(report_document.build(data)), save=False)
    _progress(report, 80)
    html = render_to_string("reports/quarterly_print.html", {"data": data, "report": report})
    report.html.save(f"{name}.html", ContentFile(html.encode()), save=False)
    _progress(report, 90)
    _print_pdf(report, html, name)
    with transaction.atomic():
        stored = QuarterlyReport.objects.select_for_update().get(pk=report.pk)
        if stored.state != QuarterlyReport.State.RUNNING or stored.build_task != task:
            # Another delivery of the job finished it first: its files are the report's.
            _delete_files(report)
            return None
        QuarterlyReport.objects.filter(region=report.region, year=report.year, quarter=report.quarter,
                                       is_current=True).update(is_current=False)
        report.state, report.progress, report.is_current = QuarterlyReport.State.DONE, 100, True
        report.build_task, report.finished_at = task, timezone.now()
        report.save()
    return report


def _print_pdf(report, html, name):
    """The print page as a PDF beside the other files. Without Chromium, or when it fails,
    the report is built without it and ``pdf_note`` says why."""
    report.pdf_note = ""
    try:
        content = pdf.html_to_pdf(html)
    except pdf.PdfUnavailable:
        report.pdf_note = _("Chromium is not installed: no PDF was made.")
    except pdf.PdfFailed as error:
        logger.warning("report %s: no PDF: %s", report.pk, error)
        report.pdf_note = (_("The PDF could not be made: %(error)s") % {"error": error})[:200]
    else:
        report.pdf.save(f"{name}.pdf", ContentFile(content), save=False)


def _delete_files(report):
    for field in QuarterlyReport.FILES.values():
        getattr(report, field).delete(save=False)


def _progress(report, percent):
    QuarterlyReport.objects.filter(pk=report.pk).update(progress=percent)


def _fail(report, reason):
    report.state, report.reason, report.finished_at = QuarterlyReport.State.FAILED, reason[:500], timezone.now()
    report.save(update_fields=["state", "reason", "finished_at"])


def report_failed(report, error):
    """A build crashed: keep the reason on the row so the page can show it and offer a retry."""
    QuarterlyReport.objects.filter(pk=report.pk).update(
        state=QuarterlyReport.State.FAILED, reason=f"生成失败：{type(error).__name__}: {error}"[:500],
        finished_at=timezone.now(),
    )


# --- failed jobs ----------------------------------------------------------------------------------


def build_retry(run, user):
    """A report build is requested afresh, so the failed build stays listed with its reason."""
    failed = QuarterlyReport.objects.select_related("region").filter(pk=run.arguments.get("report")).first()
    if failed is None:
        raise CannotRetry(_("The report of this run no longer exists."))
    report = report_request(region=failed.region, quarter=Quarter(failed.year, failed.quarter), user=user)
    report.refresh_from_db()
    if report.state == QuarterlyReport.State.FAILED:
        raise CannotRetry(report.reason)


def recompute_regions_retry(run, user):
    from . import jobs

    queue(jobs.recompute_regions, regions_of(run), run.arguments["quarters"])


def sweep_retry(run, user):
    from . import jobs

    queue(jobs.sweep_scores)
