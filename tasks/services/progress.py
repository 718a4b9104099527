"""The quarterly ledger: drafts, submission, review (approve / return / reopen).

Who may do what is decided by the scope before these are called; these enforce what the
record's state allows, whoever asks, and keep every change in the record's history.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import events, workflow
from core import evidence as evidence_files
from core.errors import ImportBlocked
from core.numbers import plain
from core.periods import Quarter
from core.workflow import EditConflict, TransitionRefused, require_editable, save_versioned
from org.models import Department
from org.notifications import review_step_notify
from org.scoping import reporters_of
from org.services import notification_send

from ..models import Assignment, Contribution, ProgressReport, TaskNode
from ..progress_workbook import HEADERS, LETTERS
from ..selectors import lead_items
from .targets import (
    TYPO_FACTOR,
    main_quantity,
    progress_targets_write,
    upcoming_deadline,
    validate_target_quantities,
)

REPORT_FIELDS = ["status", "percent", "quantity", "work_done", "problems", "next_plan"]


def progress_open(*, item, department, quarter):
    """The department's stored entry for ``item`` and ``quarter``, created as an empty
    draft if there is none yet (for saving: a page only showing an entry uses
    ``progress_entry``). Only a lead department has one."""
    _require_lead(item, department)
    report, _created = ProgressReport.objects.get_or_create(
        item=item, department=department, year=quarter.year, quarter=quarter.number
    )
    return report


UNREAD = object()


def progress_entry(*, item, department, quarter, stored=UNREAD):
    """The department's entry for ``item`` and ``quarter`` to show in a form: the stored
    one (``stored``, when the caller has already read it: the entry or None), or an unsaved
    empty draft that the first save brings into being. Writes nothing."""
    if stored is UNREAD:
        _require_lead(item, department)
        stored = ProgressReport.objects.filter(
            item=item, department=department, year=quarter.year, quarter=quarter.number
        ).first()
    report = stored or ProgressReport(item=item, department=department, year=quarter.year, quarter=quarter.number)
    report.item = item  # already read, with its plan
    return report


def _require_lead(item, department):
    if not Assignment.objects.filter(node=item, department=department, role=Assignment.Role.LEAD).exists():
        raise TransitionRefused(_("%(department)s does not lead this work item.") % {"department": department})


def validate_for_submission(report):
    """What a submitted entry must satisfy, as field errors."""
    errors = {}
    if report.status == ProgressReport.Status.DONE and report.percent != 100:
        errors["percent"] = _("A completed item must be at 100 percent.")
    if report.percent == 100 and report.status not in (ProgressReport.Status.DONE,):
        errors["status"] = _("At 100 percent the item is completed; choose “Completed”.")
    if not report.work_done.strip():
        errors["work_done"] = _("Say what was done this quarter.")
    if report.status == ProgressReport.Status.BEHIND and not report.problems.strip():
        errors["problems"] = _("Say what holds the item back.")
    item = report.item
    if report.quantity is not None:
        if report.quantity < 0:
            errors["quantity"] = _("The quantity cannot be negative.")
        elif item.target_unit in ("%", "‰") and report.quantity > (100 if item.target_unit == "%" else 1000):
            errors["quantity"] = _("A share cannot be more than 100%.")
        elif item.target_value is not None and report.quantity > item.target_value * TYPO_FACTOR:
            # Ten times the target is not an achievement but a typing slip (100 for 10).
            message = _("%(quantity)s is far beyond the target of %(target)s %(unit)s; check the number.")
            errors["quantity"] = message % {
                "quantity": plain(report.quantity), "target": plain(item.target_value), "unit": item.target_unit,
            }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def progress_save(*, report, version, user, submit=False, evidence=None, targets=None, remove=None):
    """Save the reporter's fields (``report`` holds the new values); with ``submit``, check
    them and send the entry for review. A draft is saved whatever it holds, so no input is
    ever lost. An unsaved ``report`` (from ``progress_entry``) comes into being here; one
    stored meanwhile by someone else is found and, changed since, refused as stale.
    ``evidence``: a file to attach with this save (ValidationError {"evidence": ...}).
    ``remove``: one of the entry's evidence files to remove with this save.
    ``targets``: [(target, quantity or None)] achieved against each target of the item."""
    if report.pk is not None:
        return _save(report, version, user, submit, evidence, targets, remove)
    if version is None:  # a form for an entry not stored yet need not say
        version = report.version
    created = progress_open(item=report.item, department=report.department, quarter=report.period)
    report.pk, report._state.adding = created.pk, False
    try:
        return _save(report, version, user, submit, evidence, targets)
    except Exception:
        # Refused: the draft is not stored after all (the transaction is rolled back), so
        # the page must not offer what needs a stored entry.
        report.pk, report._state.adding = None, True
        raise


def _save(report, version, user, submit, evidence, targets=None, remove=None):
    stored = ProgressReport.objects.select_for_update().get(pk=report.pk)
    require_editable(stored)
    if remove is not None:  # the entry is locked and editable: checked just above
        evidence_files.discard(remove)
    if evidence is not None:
        try:
            evidence_files.store(report.evidence, upload=evidence, user=user)
        except ValidationError as error:
            raise ValidationError({"evidence": error.messages}) from None
    fields = list(REPORT_FIELDS)
    if targets is not None:
        report.quantity = main_quantity(report.item, targets)
    if submit:
        if targets is not None:  # first: the main target's quantity is checked again below
            validate_target_quantities(targets)
        validate_for_submission(report)
        fields += workflow.mark_submitted(report, user)
    report._history_user = user
    save_versioned(report, version=version, fields=fields)
    if targets is not None:
        progress_targets_write(report=report, targets=targets, user=user)
    if submit:
        _scores_changed(report)
        _review_step(report, user)
    return report


def _scores_changed(report):
    """The quarter's scorecards count submissions, approvals and returns."""
    events.publish(events.SCORES_CHANGED, region=report.item.plan.region, quarter=report.period)


def _review_step(report, user):
    """Tell the reviewers of a submission, the department of a decision (after the commit)."""
    subject = _("%(quarter)s progress of “%(item)s”") % {"quarter": report.period.label, "item": report.item.label[:40]}
    review_step_notify(report, subject=subject, actor=user)
    return report


@transaction.atomic
def progress_approve(*, report, user, version):
    """Approve the entry as the reviewer saw it (``version``); EditConflict if it changed."""
    _scores_changed(report)
    stored = workflow.approve(report, user=user, version=version, region=report.item.plan.region)
    return _review_step(_with_item(stored, report), user)


@transaction.atomic
def progress_return(*, report, user, comment, version):
    _scores_changed(report)
    stored = workflow.send_back(report, user=user, comment=comment, version=version)
    return _review_step(_with_item(stored, report), user)


@transaction.atomic
def progress_reopen(*, report, user, reason):
    _scores_changed(report)
    return _review_step(_with_item(workflow.reopen(report, user=user, reason=reason), report), user)


def _with_item(stored, report):
    """The stored row the workflow returns, with what the caller already read."""
    stored.item, stored.department = report.item, report.department
    return stored


def progress_bulk_approve(*, decisions, user):
    """Approve each of ``decisions`` — (entry, version the reviewer saw) — that is still
    that version and submitted. Returns (how many were approved, [(entry, why it was not)])."""
    approved, refused = 0, []
    for report, version in decisions:
        try:
            progress_approve(report=report, user=user, version=version)
        except EditConflict:
            refused.append((report, _("changed after the list was shown; open it to see its current content")))
        except TransitionRefused as error:
            refused.append((report, str(error)))
        else:
            approved += 1
    return approved, refused


@transaction.atomic
def contribution_save(*, item, department, quarter, note, user):
    """A cooperating department's note for ``item`` and ``quarter``, shown on the lead
    departments' entries."""
    if not note.strip():
        raise ValidationError({"note": _("Write what your department contributed.")})
    if not item.plan.covers(quarter):
        raise TransitionRefused(_("%(quarter)s is not a quarter of the plan (%(years)s).") % {
            "quarter": quarter.label, "years": item.plan.period_label})
    if not Assignment.objects.filter(node=item, department=department, role=Assignment.Role.COOPERATING).exists():
        raise TransitionRefused(_("%(department)s does not cooperate on this work item.") % {"department": department})
    contribution, _created = Contribution.objects.update_or_create(
        item=item,
        department=department,
        year=quarter.year,
        quarter=quarter.number,
        defaults={"note": note.strip(), "updated_by": user},
    )
    events.publish(events.SCORES_CHANGED, region=item.plan.region, quarter=quarter)
    return contribution


DUE_SOON, OVERDUE = "due_soon", "overdue"


def progress_reminders_send(*, today, days_ahead):
    """Remind each lead department's reporters of entries due within ``days_ahead`` days and
    of overdue ones, this quarter and last. Each entry and kind is reminded once per person,
    however often this runs (the notification key is the claim); returns how many were new."""
    quarters = [Quarter.containing(today), Quarter.containing(today).previous()]
    sent = 0
    for quarter in quarters:
        leads = Assignment.objects.filter(
            TaskNode.in_quarter_q(quarter, "node__"),
            role=Assignment.Role.LEAD,
            node__level=TaskNode.Level.WORK_ITEM,
            node__plan__start_year__lte=quarter.year,
            node__plan__end_year__gte=quarter.year,
        ).select_related("node__plan", "department").prefetch_related("node__targets")
        done = set(
            ProgressReport.objects.filter(year=quarter.year, quarter=quarter.number)
            .exclude(state__in=[ProgressReport.State.DRAFT, ProgressReport.State.RETURNED])
            .values_list("item_id", "department_id")
        )
        reporters = {}
        for assignment in leads:
            if (assignment.node_id, assignment.department_id) in done:
                continue
            due = assignment.node.plan.deadline_rule.due_on(quarter)
            days_left = (due - today).days
            if days_left < 0:
                kind = OVERDUE
            elif days_left <= days_ahead:
                kind = DUE_SOON
            else:
                continue
            if assignment.department_id not in reporters:
                reporters[assignment.department_id] = list(reporters_of(assignment.department_id))
            for user in reporters[assignment.department_id]:
                sent += _remind(user, assignment.node, quarter, kind, due, today=today)
    return sent


def _remind(user, item, quarter, kind, due, *, today):
    if kind == DUE_SOON:
        title = _("Due %(date)s: %(quarter)s progress of “%(item)s”")
    else:
        title = _("Overdue since %(date)s: %(quarter)s progress of “%(item)s”")
    values = {"date": date_format(due), "quarter": quarter.label, "item": item.label[:40]}
    return notification_send(
        user=user,
        key=f"progress:{kind}:{item.pk}:{user.department_id}:{quarter}",
        title=title % values,
        body=_remind_body(item, today),
        url=reverse("tasks:progress_entry", args=[item.pk, str(quarter)]),
    )


def _remind_body(item, today):
    body = _("Please enter and submit it on the portal.")
    own = upcoming_deadline(item, today=today)
    if own is not None:
        body += " " + _("The work item itself is due %(date)s.") % {"date": date_format(own)}
    return body


@dataclass
class TemplateRow:
    entry: object  # progress_workbook.Entry
    item: object
    report: object  # the stored entry, or None
    changes: list  # [(field label, old value, new value)]


def progress_template_check(*, department, quarter, entries):
    """What each uploaded row would change, and every row that must be refused (item not
    led by the department this quarter, or a change to an entry already with the reviewer
    or approved)."""
    items = {item.pk: item for item in lead_items(department, quarter)}
    reports = {
        report.item_id: report
        for report in ProgressReport.objects.filter(department=department, year=quarter.year, quarter=quarter.number)
    }
    rows, problems = [], []
    for entry in entries:
        item = items.get(entry.item_id)
        if item is None:
            problems.append(
                _("Row %(row)d: %(item)s is not an item %(department)s leads in %(quarter)s.")
                % {"row": entry.row, "item": entry.shown or entry.item_id, "department": department,
                   "quarter": quarter.label}
            )
            continue
        report = reports.get(item.pk)
        changes, changed = [], []
        for name, new in entry.values.items():
            field = ProgressReport._meta.get_field(name)
            old = getattr(report, name) if report else field.get_default()
            if (old or "") != (new or "") and not (old is not None and new is not None and old == new):
                shown = dict(field.flatchoices) if field.choices else {}
                changes.append((field.verbose_name, shown.get(old, old), shown.get(new, new)))
                changed.append(name)
        # The template lists the entries already with the reviewer or approved too: left as
        # they are, they are no reason to refuse the file; changed, they are.
        if changes and report is not None and not report.is_editable:
            problems.append(
                _("Row %(row)d, column %(column)s (%(header)s): the entry is %(state)s and cannot be changed by a "
                  "template.")
                % {"row": entry.row, "column": LETTERS[changed[0]], "header": HEADERS[changed[0]],
                   "state": report.get_state_display()}
            )
            continue
        rows.append(TemplateRow(entry, item, report, changes))
    return rows, problems


@transaction.atomic
def progress_template_apply(*, department, quarter, rows, user):
    """Save every changed row as a draft, all or nothing; returns how many changed. The rows
    are checked again against the entries as they are now, with the department locked, so
    two uploads of one file at once are applied one after the other: the second finds
    nothing left to change. ``ImportBlocked`` (nothing saved) when a row no longer fits."""
    Department.objects.select_for_update(no_key=True).filter(pk=department.pk).first()
    rows, problems = progress_template_check(department=department, quarter=quarter, entries=[r.entry for r in rows])
    if problems:
        raise ImportBlocked(problems)
    changed = 0
    for row in rows:
        if not row.changes:
            continue
        report = progress_open(item=row.item, department=department, quarter=quarter)
        require_editable(report)
        for name, value in row.entry.values.items():
            setattr(report, name, value)
        progress_save(report=report, version=report.version, user=user)
        changed += 1
    return changed


class BatchRefused(ValueError):
    """Some rows of a batch could not be saved; ``errors`` maps item ids to the
    ValidationError, EditConflict or TransitionRefused (submitted or approved meanwhile) of
    each. Nothing was saved."""

    def __init__(self, errors):
        super().__init__("batch refused")
        self.errors = errors


@transaction.atomic
def progress_save_many(pairs, *, user, submit, targets=None):
    """Save (and with ``submit`` send) many entries at once, all or nothing. ``pairs`` are
    (entry holding the new values, version the form started from); ``targets``, where
    given, {item id: [(target, quantity or None)]} as ``progress_save`` takes them."""
    errors = {}
    targets = targets or {}
    for report, version in pairs:
        try:
            with transaction.atomic():
                progress_save(report=report, version=version, user=user, submit=submit,
                              targets=targets.get(report.item_id))
        except (ValidationError, EditConflict, TransitionRefused) as error:
            errors[report.item_id] = error
    if errors:
        transaction.set_rollback(True)
        raise BatchRefused(errors)
    return len(pairs)
