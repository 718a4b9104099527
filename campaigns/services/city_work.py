"""The city's own work: joint meetings and supervision visits as recorded by the bureau,
and the annual summary report built in the background from stored data."""

import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from core.runs import BROKER_DOWN, CannotRetry
from org.models import Department, Region

from .. import annual_summary
from ..models import AnnualSummary, JointMeeting, SupervisionVisit
from ..selectors import counties_q
from .campaign import locked_unchanged

logger = logging.getLogger(__name__)


def _outside(region, departments):
    """The departments not of ``region`` or a region below it."""
    inside = set(Department.objects.filter(region.subtree_q("region__"), pk__in=[d.pk for d in departments])
                 .values_list("pk", flat=True))
    return [department for department in departments if department.pk not in inside]


def meeting_save(*, meeting, departments, user, seen=None):
    """Create or change ``meeting`` (a form's instance, its region set) with the departments
    present, each of the meeting's region or below."""
    outside = _outside(meeting.region, departments)
    if outside:
        raise ValidationError({"departments": _("Not a department of %(region)s or below: %(names)s.") % {
            "region": meeting.region.name, "names": "、".join(d.name for d in outside)}})
    with transaction.atomic():
        if meeting.pk is not None:
            locked_unchanged(JointMeeting, meeting.pk, seen)
        meeting.full_clean()
        meeting._history_user = user
        meeting.save()
        meeting.departments.set(departments)
    return meeting


def visit_save(*, visit, counties, user, seen=None):
    """Create or change ``visit`` (a form's instance, its region set) with the counties
    visited, each a county under the visit's region."""
    if not counties:
        raise ValidationError({"counties": _("Choose the counties visited.")})
    under = set(Region.objects.filter(counties_q(visit.region), pk__in=[c.pk for c in counties])
                .values_list("pk", flat=True))
    outside = [county.name for county in counties if county.pk not in under]
    if outside:
        raise ValidationError({"counties": _("%(counties)s are not counties under %(region)s.") % {
            "counties": "、".join(outside), "region": visit.region.name}})
    with transaction.atomic():
        if visit.pk is not None:
            locked_unchanged(SupervisionVisit, visit.pk, seen)
        visit.full_clean()
        visit._history_user = user
        visit.save()
        visit.counties.set(counties)
    return visit


# --- the annual summary ------------------------------------------------------------------------


def summary_request(*, campaign, year, user=None, enqueue=True):
    """Queue a build of the campaign's summary of ``year``; the job starts once this
    commits (without ``enqueue`` the caller builds it). Earlier builds stay listed."""
    from .. import jobs

    summary = AnnualSummary.objects.create(campaign=campaign, year=year, requested_by=user)
    if enqueue:
        transaction.on_commit(lambda: _enqueue(jobs.build_annual_summary, summary))
    return summary


def _enqueue(job, summary):
    try:
        job.delay(summary.pk)
    except OperationalError:
        logger.warning("annual summary %s not enqueued: broker unavailable", summary.pk)
        AnnualSummary.objects.filter(pk=summary.pk).update(
            state=AnnualSummary.State.FAILED, reason=str(BROKER_DOWN), finished_at=timezone.now())


def summary_build(summary, *, today=None):
    """Build the summary's Word report and Excel annex from stored data; returns the
    summary, or None when another run has it (only a queued build is claimed)."""
    claimed = AnnualSummary.objects.filter(pk=summary.pk, state=AnnualSummary.State.QUEUED).update(
        state=AnnualSummary.State.RUNNING)
    if not claimed:
        return None
    campaign = summary.campaign
    files = annual_summary.build(campaign, summary.year, today=today or timezone.localdate())
    summary.document.save(files.document_name, ContentFile(files.document), save=False)
    summary.workbook.save(files.workbook_name, ContentFile(files.workbook), save=False)
    summary.state, summary.finished_at = AnnualSummary.State.DONE, timezone.now()
    summary.save(update_fields=["document", "workbook", "state", "finished_at"])
    return summary


def summary_failed(summary, error):
    """A build crashed: the reason stays on the row for the page to show."""
    AnnualSummary.objects.filter(pk=summary.pk).update(
        state=AnnualSummary.State.FAILED, reason=f"生成失败：{type(error).__name__}: {error}"[:500],
        finished_at=timezone.now())


def summary_retry(run, user):
    """A failed build is requested afresh; the failed one stays listed with its reason."""
    failed = AnnualSummary.objects.select_related("campaign").filter(pk=run.arguments.get("summary")).first()
    if failed is None:
        raise CannotRetry(_("The annual summary of this run no longer exists."))
    summary = summary_request(campaign=failed.campaign, year=failed.year, user=user)
    summary.refresh_from_db()
    if summary.state == AnnualSummary.State.FAILED:
        raise CannotRetry(summary.reason)
