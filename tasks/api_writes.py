"""/api/v1/ writes of the quarterly ledger: a department's system posts its progress entries,
through the entry page's form (``ProgressForm``: the same fields, choices and number checks)
and the batch page's service (``progress_save_many``: all or nothing, stale versions and
entries already with the reviewer refused by name)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Schema

from core.api import Input, NumberText, Refused, audited_api, quarter_param
from core.numbers import plain
from org.api_auth import api_reporting_department, require_write

# The read routes' router: a path both read and written is one route with two methods.
from .api import ProgressOut, progress_out, progress_reports, router
from .forms import ProgressForm
from .models import Assignment, ProgressReport, TaskNode
from .selectors import lead_items
from .services import BatchRefused, EditConflict, TransitionRefused, progress_entry, progress_save_many
from .services.progress import REPORT_FIELDS

MAX_ENTRIES = 500  # a department leads a few dozen items; more is not one quarter's ledger


class TargetQuantityIn(Input):
    target: int
    quantity: NumberText = None


class ProgressEntryIn(Input):
    """One entry. A field left out keeps what is stored (an entry not stored yet: empty)."""

    item: int
    version: int | None = Field(None, description="The version read; null for an entry not stored yet.")
    status: str | None = None
    percent: NumberText = None
    quantity: NumberText = None
    work_done: str | None = None
    problems: str | None = None
    next_plan: str | None = None
    targets: list[TargetQuantityIn] | None = None


class ProgressWriteIn(Input):
    quarter: str
    submit: bool = False
    entries: list[ProgressEntryIn] = Field(..., min_length=1, max_length=MAX_ENTRIES)


class ProgressWriteOut(Schema):
    """The entries saved, each as GET /progress answers it (with the version to send next)."""

    quarter: str
    submitted: bool
    entries: list[ProgressOut]


def _form_data(entry, report, form_targets):
    """What the entry page would post for ``entry``: the fields sent, the stored ones for
    those left out."""
    sent = entry.model_fields_set
    data = {}
    for name in REPORT_FIELDS:
        if name in sent:
            value = getattr(entry, name)
        else:  # as the page shows it: 5, not the column's 5.0000
            value = getattr(report, name)
            value = plain(value) if name == "quantity" else value
        data[name] = "" if value is None else value
    stored = {row.target_id: row.quantity for row in report.target_quantities.all()} if report.pk else {}
    for target in form_targets:
        data[f"target_{target.pk}"] = plain(stored[target.pk]) if stored.get(target.pk) is not None else ""
    for row in entry.targets or []:
        data[f"target_{row.target}"] = row.quantity if row.quantity is not None else ""
    data["version"] = "" if entry.version is None else entry.version
    return data


def _outside(index, item_id, department, quarter):
    """Why the department cannot write item ``item_id`` for ``quarter``: the plan does not
    run in the quarter (the quarter's fault), or it is no item the department leads."""
    led = (TaskNode.objects.filter(pk=item_id, assignments__department=department,
                                   assignments__role=Assignment.Role.LEAD, plan__region=department.region_id)
           .select_related("plan").first())
    if led is not None and not led.plan.covers(quarter):
        return ("quarter", _("%(quarter)s is not a quarter of the plan (%(years)s).") % {
            "quarter": quarter.label, "years": led.plan.period_label})
    return (f"entries[{index}].item", _("is not a work item %(department)s leads in %(quarter)s") % {
        "department": department.short_name or department.name, "quarter": quarter.label})


def _form_errors(index, form, targets):
    where = {f"target_{target.pk}": f"entries[{index}].targets[{position}].quantity"
             for target, position in targets.items()}
    for name, problems in form.errors.items():
        field = where.get(name, f"entries[{index}]" if name == "__all__" else f"entries[{index}].{name}")
        for problem in problems:
            yield field, problem


def _refusal_errors(index, error, targets):
    """A refused row of ``progress_save_many`` as (field, message) pairs."""
    if isinstance(error, EditConflict):
        return [(f"entries[{index}].version", _("the entry was changed meanwhile (now version %(version)s); read it "
                                                "again and send that version") % {"version": error.current.version})]
    if isinstance(error, TransitionRefused):
        return [(f"entries[{index}]", str(error))]
    where = {f"target_{target.pk}": f"entries[{index}].targets[{position}].quantity"
             for target, position in targets.items()}
    return [(where.get(key, f"entries[{index}].{key}"), problem)
            for key, problems in error.message_dict.items() for problem in problems]


@router.post("/progress", response=ProgressWriteOut, summary=_("Save or submit the department's progress entries"))
@audited_api(gettext_lazy("Save progress through the API"))
def progress_write(request, payload: ProgressWriteIn):
    """Save (``submit``: and send for review) the entries of the token's department for one
    quarter, all or nothing. Any error: nothing is written, 422 naming every field
    (``entries[2].percent``); an entry changed since its ``version`` was read: 409; an entry
    with the reviewer or approved is refused, never changed."""
    require_write(request)
    department = api_reporting_department(request)
    quarter = quarter_param(payload.quarter)
    if quarter is None:
        raise Refused(_("Nothing was written: name the quarter."), [("quarter", _("is required"))])
    led = {item.pk: item for item in lead_items(department, quarter).prefetch_related("targets")}
    stored = {report.item_id: report for report in ProgressReport.objects.filter(
        department=department, year=quarter.year, quarter=quarter.number, item__in=list(led))}
    errors, conflicts, pairs, targets_by_item = [], [], [], {}
    indexes, positions = {}, {}  # item id -> the entry's index; -> {target: its index in the entry's targets}
    for index, entry in enumerate(payload.entries):
        item = led.get(entry.item)
        if item is None:
            errors.append(_outside(index, entry.item, department, quarter))
            continue
        if entry.item in indexes:
            errors.append((f"entries[{index}].item", _("is listed twice")))
            continue
        indexes[item.pk] = index
        report = progress_entry(item=item, department=department, quarter=quarter, stored=stored.get(item.pk))
        if report.pk is not None and entry.version is None:
            conflicts.append((f"entries[{index}].version", _("the entry is already stored (version %(version)s); "
                                                            "read it and send its version") % {
                "version": report.version}))
            continue
        own = {target.pk: target for target in item.targets.all()}  # the targets the entry page offers
        positions[item.pk] = {own[row.target]: position for position, row in enumerate(entry.targets or [])
                              if row.target in own}
        problems = [(f"entries[{index}].targets[{position}].target", _("is not a target of this work item"))
                    for position, row in enumerate(entry.targets or []) if row.target not in own]
        if entry.targets and not own:
            problems.append((f"entries[{index}].targets", _("this work item has no targets; send quantity")))
        if own and entry.quantity is not None:
            problems.append((f"entries[{index}].quantity", _("this work item has targets: send the quantity "
                                                            "achieved against each in targets")))
        form = ProgressForm(_form_data(entry, report, own.values()), instance=report)
        if entry.quantity is not None and not own and "quantity" not in form.fields:
            problems.append((f"entries[{index}].quantity", _("this work item has no target to count a quantity "
                                                            "against")))
        if not form.is_valid():
            problems += list(_form_errors(index, form, positions[item.pk]))
        if problems:
            errors += problems
            continue
        pairs.append((form.instance, form.cleaned_data["version"]))
        if form.targets:
            targets_by_item[item.pk] = form.target_quantities()
    if errors or conflicts:
        raise _refused(errors, conflicts)
    try:
        progress_save_many(pairs, user=request.user, submit=payload.submit, targets=targets_by_item)
    except BatchRefused as refused:
        errors, conflicts = [], []
        for item_id, error in refused.errors.items():
            found = _refusal_errors(indexes[item_id], error, positions[item_id])
            (conflicts if isinstance(error, EditConflict) else errors).extend(found)
        raise _refused(errors, conflicts) from None
    saved = {report.item_id: report for report in progress_reports(request.user).filter(
        pk__in=[report.pk for report, _version in pairs])}
    return {"quarter": str(quarter), "submitted": payload.submit,
            "entries": [progress_out(saved[report.item_id]) for report, _version in pairs]}


def _refused(errors, conflicts):
    """Every problem found, as one refusal: 409 when an entry was changed meanwhile (read it
    again before anything else), else 422."""
    if conflicts:
        return Refused(_("Nothing was written: an entry was changed after it was read."), conflicts + errors,
                       status=409)
    return Refused(_("Nothing was written; correct the fields named below."), errors)
