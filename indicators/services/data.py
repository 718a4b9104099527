"""Entering raw statistics: a department's data report for a quarter, filled in a form or
from its Excel template, checked, saved in one transaction and reviewed with the same
workflow as progress entries. Submitted and approved figures feed the indicators, so
every change of what counts enqueues a recompute once it is committed."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import workflow
from core.errors import ImportBlocked
from core.workflow import TransitionRefused, require_editable, save_versioned
from org.notifications import review_step_notify

from .. import selectors
from ..formulas import BUILTINS, parse
from ..models import ChecklistAnswer, DataElement, DataReport, DataValue, Indicator, UtilityFigures
from ..selectors import known_names, neighbours, values_by_quarter
from ..validation import UTILITY_FIELDS, Findings, NotANumber, check_figures, check_utility, fmt, parse_number
from .compute import recompute_after_commit


def data_report_open(*, department, quarter):
    """The department's stored report for ``quarter``, created as an empty draft if there
    is none yet (for saving: a page only showing it uses ``data_report_entry``)."""
    report, _created = DataReport.objects.get_or_create(
        department=department, year=quarter.year, quarter=quarter.number, defaults={"region": department.region}
    )
    return report


def data_report_entry(*, department, quarter):
    """The department's report for ``quarter`` to show or fill in: the stored one, or an
    unsaved empty draft that the first save brings into being. Writes nothing."""
    stored = DataReport.objects.filter(department=department, year=quarter.year, quarter=quarter.number).first()
    return stored or DataReport(department=department, region=department.region, year=quarter.year,
                                quarter=quarter.number)


@dataclass
class Entry:
    """What was typed for one data element."""

    code: str
    raw: object
    comment: str = ""


@dataclass
class UtilityEntry:
    utility: str
    raw: dict  # field -> what was typed
    comment: str = ""


@dataclass
class Prepared:
    values: dict = field(default_factory=dict)  # code -> Decimal or None
    comments: dict = field(default_factory=dict)
    utilities: list = field(default_factory=list)  # [(name, {field: Decimal}, comment)]
    findings: Findings = field(default_factory=Findings)
    changes: list = field(default_factory=list)  # [(key, label, old, new)]
    new_warnings: bool = False

    @property
    def ok(self):
        return not self.findings.errors


def _denominators(indicators, names):
    """code -> codes it is divided by in some formula where it is not itself a divisor."""
    result = {}
    for indicator in indicators:
        if indicator.method != Indicator.Method.FORMULA:
            continue
        formula = parse(indicator.formula, known_names=names)
        below = formula.denominators - BUILTINS.keys()
        for code in formula.names - below:
            result.setdefault(code, set()).update(below)
    return result


def data_prepare(report, *, duties, entries, utilities=None):
    """Parse and check what was entered for ``report``; nothing is written. ``utilities``
    is None when the leakage figures are not part of this entry."""
    prepared = Prepared()
    findings = prepared.findings
    mine = set(duties.elements_of(report.department))
    elements = {e.code: e for e in DataElement.objects.select_related("not_above")}
    for entry in entries:
        if entry.code not in mine:
            findings.error(entry.code, _("is not a figure %(department)s reports") % {
                "department": report.department.short_name or report.department.name})
            continue
        try:
            prepared.values[entry.code] = parse_number(entry.raw)
        except NotANumber as error:
            findings.error(entry.code, str(error))
        prepared.comments[entry.code] = (entry.comment or "").strip()[:300]
        if len(entry.comment or "") > 300:
            findings.error(entry.code, _("The comment is longer than 300 characters."))
    quarter = report.period
    around = values_by_quarter(report.region, neighbours(quarter))
    stored = around[quarter]
    present = {code: row.value for code, row in stored.items()}
    present.update(prepared.values)
    labels = {
        "previous": _("the previous quarter (%(label)s)") % {"label": quarter.previous().label},
        "last_year": _("the same quarter last year (%(label)s)") % {"label": quarter.same_quarter_last_year().label},
        "same_year": quarter.number > 1,
    }
    figures = check_figures(
        {code: value for code, value in prepared.values.items() if code not in findings.errors},
        elements=elements,
        previous={code: row.value for code, row in around[quarter.previous()].items()},
        last_year={code: row.value for code, row in around[quarter.same_quarter_last_year()].items()},
        present=present,
        denominators=_denominators(duties.indicators, known_names()),
        labels=labels,
    )
    for code, messages in figures.errors.items():
        for message in messages:
            findings.error(code, message)
    for code, value in prepared.values.items():
        old = stored.get(code)
        warnings = figures.warnings.get(code, [])
        for message in warnings:
            findings.warn(code, message)
        if warnings and (old is None or old.value != value or old.warnings != warnings):
            prepared.new_warnings = True
        old_value = old.value if old else None
        if old_value != value or (old.comment if old else "") != prepared.comments.get(code, ""):
            element = elements.get(code)
            prepared.changes.append((code, element.name if element else code, fmt(old_value), fmt(value)))
    if utilities is not None:
        _prepare_utilities(report, utilities, prepared)
    return prepared


def _prepare_utilities(report, utilities, prepared):
    findings = prepared.findings
    stored = {u.utility: u for u in report.utilities.all()} if report.pk else {}
    # Names carried over from last quarter that nobody has filled in yet are not an entry.
    carried = set() if stored else {u.utility for u in selectors.utility_rows_to_fill(report)}
    seen = set()
    for index, entry in enumerate(utilities):
        key = f"utility-{index}"
        name = (entry.utility or "").strip()
        if name in carried and not any(entry.raw.values()) and not (entry.comment or "").strip():
            continue
        if not name:
            findings.error(key, _("Name the water utility."))
            continue
        if name in seen:
            findings.error(key, _("“%(name)s” is listed twice.") % {"name": name})
            continue
        seen.add(name)
        parsed = {}
        for name_of_field, label in UTILITY_FIELDS:
            try:
                parsed[name_of_field] = parse_number(entry.raw.get(name_of_field))
            except NotANumber as error:
                findings.error(f"{key}-{name_of_field}", f"{label}：{error}")
        if any(k.startswith(f"{key}-") for k in findings.errors):
            continue
        checked = check_utility(parsed)
        for name_of_field, messages in checked.errors.items():
            for message in messages:
                findings.error(f"{key}-{name_of_field}", message)
        for name_of_field, messages in checked.warnings.items():
            for message in messages:
                findings.warn(f"{key}-{name_of_field}", f"{name}：{message}")
        if checked.errors:
            continue
        if parsed["frost_depth"] is None:
            parsed["frost_depth"] = 0
        warnings = [m for messages in checked.warnings.values() for m in messages]
        old = stored.get(name)
        if warnings and (old is None or old.warnings != warnings):
            prepared.new_warnings = True
        before = _utility_text(old) if old else "—"
        after = _utility_text_from(parsed)
        if before != after:
            prepared.changes.append((key, _("Water utility %(name)s") % {"name": name}, before, after))
        prepared.utilities.append((name, parsed, (entry.comment or "").strip()[:300], warnings))
    for name in stored.keys() - seen:
        prepared.changes.append((f"utility-{name}", _("Water utility %(name)s") % {"name": name},
                                 _utility_text(stored[name]), "—"))


def _utility_text(row):
    return _utility_text_from({key: getattr(row, key) for key, _label in UTILITY_FIELDS})


def _utility_text_from(values):
    return " / ".join(fmt(values[key]) for key, _label in UTILITY_FIELDS)


def validate_for_submission(report, *, duties, prepared_values=None):
    """What a submitted report must hold: every figure of the department, the leakage
    figures where it reports them, and every checklist item answered (a yes with
    evidence). Field errors by element code or checklist key."""
    errors = {}
    values = prepared_values
    if values is None:
        values = {row.element.code: row.value for row in report.values.select_related("element")}
    for code in duties.elements_of(report.department):
        if values.get(code) is None:
            errors[code] = _("Fill in this figure before submitting (0 is a figure; leave nothing blank).")
    if duties.owned_indicators(report.department, Indicator.Method.LEAKAGE) and not report.utilities.exists():
        errors["utilities"] = _("Enter the leakage figures of at least one water utility.")
    for indicator in duties.owned_indicators(report.department, Indicator.Method.CHECKLIST):
        answers = {a.item: a for a in report.answers.filter(indicator=indicator).prefetch_related("evidence")}
        for index, _question in enumerate(indicator.checklist):
            answer = answers.get(index)
            key = f"checklist-{indicator.pk}-{index}"
            if answer is None or answer.answer is None:
                errors[key] = _("%(indicator)s, item %(number)d: answer yes or no.") % {
                    "indicator": indicator.name, "number": index + 1}
            elif answer.answer and not answer.evidence.all():
                errors[key] = _("%(indicator)s, item %(number)d: attach evidence for a yes.") % {
                    "indicator": indicator.name, "number": index + 1}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def data_report_save(*, report, version, user, prepared, duties, confirm_warnings=False, submit=False,
                     source_sha256=""):
    """Write what ``data_prepare`` checked, all or nothing; with ``submit``, also send the
    report for review. Errors, or new warnings not confirmed, refuse the save: ``ImportBlocked``
    whose ``preview`` is the ``Findings`` (by element code or utility key). An unsaved
    ``report`` (from ``data_report_entry``) comes into being here; one stored meanwhile by
    someone else is found and, changed since, refused as stale."""
    arguments = {"version": version, "user": user, "prepared": prepared, "duties": duties,
                 "confirm_warnings": confirm_warnings, "submit": submit, "source_sha256": source_sha256}
    if report.pk is not None:
        return _save_report(report, **arguments)
    report.pk = data_report_open(department=report.department, quarter=report.period).pk
    report._state.adding = False
    try:
        return _save_report(report, **arguments)
    except Exception:
        report.pk, report._state.adding = None, True  # rolled back: nothing is stored after all
        raise


def _save_report(report, *, version, user, prepared, duties, confirm_warnings, submit, source_sha256):
    stored_report = workflow.lock(report)
    require_editable(stored_report)
    if not prepared.ok:
        raise _refused(prepared.findings)
    if prepared.new_warnings and not confirm_warnings:
        raise _refused(prepared.findings, warnings_only=True)
    existing = {row.element.code: row for row in report.values.select_related("element")}
    elements = {e.code: e for e in DataElement.objects.filter(code__in=prepared.values)}
    quarter = report.period
    for code, value in prepared.values.items():
        row = existing.get(code)
        if value is None:
            if row is not None:
                row._history_user = user
                row.delete()
            continue
        warnings = prepared.findings.warnings.get(code, [])
        comment = prepared.comments.get(code, "")
        if row is None:
            row = DataValue(region=report.region, element=elements[code], year=quarter.year, quarter=quarter.number,
                            report=report)
        elif row.value == value and row.comment == comment and row.warnings == warnings:
            continue
        else:
            row.version += 1
        row.value, row.comment, row.warnings, row.entered_by = value, comment, warnings, user
        if source_sha256:
            row.source_sha256 = source_sha256
        row._history_user = user
        row.save()
    if prepared.utilities or report.utilities.exists():
        _save_utilities(report, prepared, user, source_sha256)
    fields = []
    if submit:
        values = {code: row.value for code, row in existing.items()}
        values.update(prepared.values)
        validate_for_submission(report, duties=duties, prepared_values=values)
        fields = workflow.mark_submitted(report, user)
    report._history_user = user
    save_versioned(report, version=version, fields=fields)
    if report.counts:
        recompute_after_commit(report.region, quarter)
    if submit:
        _review_step(report, user)
    return report


def _refused(findings, *, warnings_only=False):
    messages = findings.warnings if warnings_only else findings.errors
    return ImportBlocked([f"{key}：{message}" for key, items in messages.items() for message in items],
                         preview=findings, warnings_only=warnings_only)


def _save_utilities(report, prepared, user, source_sha256):
    stored = {u.utility: u for u in report.utilities.all()}
    keep = set()
    for name, values, comment, warnings in prepared.utilities:
        keep.add(name)
        row = stored.get(name) or UtilityFigures(
            region=report.region, utility=name, year=report.year, quarter=report.quarter, report=report
        )
        for key, value in values.items():
            setattr(row, key, value)
        row.comment, row.warnings = comment, warnings
        if source_sha256:
            row.source_sha256 = source_sha256
        row._history_user = user
        row.save()
    for name, row in stored.items():
        if name not in keep:
            row._history_user = user
            row.delete()


@transaction.atomic
def data_report_submit(*, report, version, user, duties):
    """Submit a report as it is stored."""
    stored = workflow.lock(report)
    require_editable(stored)
    validate_for_submission(stored, duties=duties)
    fields = workflow.mark_submitted(stored, user)
    stored._history_user = user
    save_versioned(stored, version=version, fields=fields)
    recompute_after_commit(stored.region, stored.period)
    return _review_step(stored, user)


def _review_step(report, user):
    """Tell the reviewers of a submission, the department of a decision (after the commit)."""
    subject = _("%(quarter)s statistics of %(department)s") % {
        "quarter": report.period.label, "department": report.department.short_name or report.department.name}
    review_step_notify(report, subject=subject, actor=user)
    return report


@transaction.atomic
def data_report_approve(*, report, user, version):
    """Approve the report as the reviewer saw it (``version``); EditConflict if it changed."""
    report = workflow.approve(report, user=user, version=version, region=report.region)
    recompute_after_commit(report.region, report.period)
    return _review_step(report, user)


@transaction.atomic
def data_report_return(*, report, user, comment, version):
    report = workflow.send_back(report, user=user, comment=comment, version=version)
    recompute_after_commit(report.region, report.period)
    return _review_step(report, user)


@transaction.atomic
def data_report_reopen(*, report, user, reason):
    report = workflow.reopen(report, user=user, reason=reason)
    recompute_after_commit(report.region, report.period)
    return _review_step(report, user)


@transaction.atomic
def checklist_answer_save(*, report, indicator, item, answer, note, user, duties):
    """Record the department's yes/no for one checklist item."""
    require_editable(workflow.lock(report))
    if indicator not in duties.owned_indicators(report.department, Indicator.Method.CHECKLIST):
        raise TransitionRefused(_("%(department)s does not answer this checklist.") % {
            "department": report.department})
    if not 0 <= item < len(indicator.checklist):
        raise TransitionRefused(_("There is no such checklist item."))
    if answer is False and not note.strip():
        raise ValidationError({"note": _("Say what is not yet met.")})
    row, _created = ChecklistAnswer.objects.get_or_create(report=report, indicator=indicator, item=item)
    row.answer, row.note = answer, note.strip()
    row._history_user = user
    row.save()
    return row


