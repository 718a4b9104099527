"""Quarterly progress pages: the reporter's to-do and entry form, the record with its
history, and the reviewer's inbox with approve / return / reopen."""


from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from carriers.selectors import carrier_counts
from core import evidence as evidence_files
from core import review as decisions
from core import staged_import
from core.audit import Outcome, audited, returned, submitted
from core.errors import ImportBlocked
from core.history import record_history
from core.periods import Quarter
from core.views import requested_quarter, requested_region, xlsx_response
from org.models import Department
from org.scoping import reporting_department, visible_to

from .. import progress_workbook
from ..forms import (
    BatchProgressForm,
    ContributionForm,
    ProgressForm,
    TemplateUploadForm,
)
from ..models import Contribution, Evidence, ProgressReport, TaskNode
from ..selectors import TodoRow, inbox_for, lead_items, todo_for
from ..services import (
    BatchRefused,
    EditConflict,
    TransitionRefused,
    contribution_save,
    progress_approve,
    progress_bulk_approve,
    progress_entry,
    progress_reopen,
    progress_return,
    progress_save,
    progress_save_many,
    progress_template_apply,
    progress_template_check,
)
from ..services.targets import target_standing


def _todo_groups():
    """The to-do's groups, in the order a clerk works through them."""
    return [
        (ProgressReport.State.RETURNED, ProgressReport.State.RETURNED.label),
        (TodoRow.UNREPORTED, _("Not reported yet")),
        (ProgressReport.State.DRAFT, ProgressReport.State.DRAFT.label),
        (ProgressReport.State.SUBMITTED, ProgressReport.State.SUBMITTED.label),
        (ProgressReport.State.APPROVED, ProgressReport.State.APPROVED.label),
    ]


@require_safe
@login_required
def todo(request):
    department = reporting_department(request.user)
    quarter = requested_quarter(request)
    rows = todo_for(department, quarter, today=timezone.localdate())
    groups = [(state, label, [row for row in rows if row.state == state]) for state, label in _todo_groups()]
    return render(
        request,
        "tasks/progress_todo.html",
        {
            "department": department,
            "quarter": quarter,
            "previous": quarter.previous(),
            "next": quarter.next(),
            "groups": [group for group in groups if group[2]],
            "total": len(rows),
        },
    )


ENTRY_FILE = "evidence"  # the entry form's file field, posted to evidence_upload in place too
REMOVE_EVIDENCE = "remove_evidence"  # the entry form's button removing one file, without script


@require_http_methods(["GET", "POST"])
@login_required
@audited(
    gettext_lazy("Save a progress draft"), "tasks.TaskNode", key="item_pk",
    variants=(*submitted(gettext_lazy("Submit progress")),
              (REMOVE_EVIDENCE, None, gettext_lazy("Save a progress draft, removing evidence"))),
)
def entry(request, item_pk, quarter):
    """The reporter's form for one item and quarter: save a draft, or submit it. Showing
    the form writes nothing: the draft comes into being on its first save.

    Evidence is attached and removed in place (htmx, ``evidence_upload``/``evidence_delete``)
    while the fields keep what is typed. Without script its buttons post this form instead,
    so the file is attached (or removed) with a draft save of what was typed: nothing typed
    is lost either way, and a new entry gets its first file this way too."""
    department = reporting_department(request.user)
    try:
        period = Quarter.parse(quarter)
    except ValueError:
        raise Http404 from None
    item = get_object_or_404(lead_items(department, period), pk=item_pk)
    report = progress_entry(item=item, department=department, quarter=period)
    form = ProgressForm(request.POST if request.method == "POST" else None, instance=report)
    current = None
    if request.method == "POST" and report.is_editable and form.is_valid():
        submit = "submit" in request.POST
        upload = request.FILES.get(ENTRY_FILE)
        removed = _posted_evidence(request, report)
        try:
            progress_save(report=form.instance, version=form.cleaned_data["version"], user=request.user,
                          submit=submit, evidence=upload, remove=removed,
                          targets=form.target_quantities() if form.targets else None)
        except EditConflict as conflict:
            current = conflict.current
            form.show_conflict(current)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except TransitionRefused as error:
            messages.error(request, str(error))
            return redirect(_entry_url(report))
        else:
            if submit:
                messages.success(request, _("Submitted for review."))
            elif upload is not None or removed is not None:  # back to the page, to see the files
                messages.success(request, _saved_with_files(upload, removed))
                return redirect(_entry_url(report))
            else:
                messages.success(request, _("Draft saved."))
            return redirect(f"{_todo_url()}?quarter={period}")
    deadline = report.deadline_status(today=timezone.localdate(), rule=item.plan.deadline_rule)
    return render(
        request,
        "tasks/progress_entry.html",
        {
            "form": form,
            "report": report,
            "item": item,
            "quarter": period,
            "deadline": deadline,
            "current": current,
            "evidence": report.evidence.all() if report.pk else [],
            "carrier_count": carrier_counts(item.plan, [item], today=timezone.localdate()).get(item.pk),
            "standing": target_standing(report=report, today=timezone.localdate()),
        },
    )


def _posted_evidence(request, report):
    """The entry's evidence file whose remove button posted the entry form, if any (one of
    another entry or a stale one: a 404, as on ``evidence_delete``)."""
    pk = request.POST.get(REMOVE_EVIDENCE)
    if pk is None or report.pk is None:
        return None
    return get_object_or_404(report.evidence.all(), pk=pk if pk.isdigit() else None)


def _saved_with_files(upload, removed):
    if upload is not None:
        return _("Draft saved; “%(name)s” attached.") % {"name": upload.name}
    return _("Draft saved; “%(name)s” removed.") % {"name": removed.name}


def _todo_url():
    return reverse("tasks:progress_todo")


def _next_or(request, default):
    """The ``next`` address posted by our own pages, never one on another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _visible_report(request, pk):
    scope = visible_to(request.user)
    queryset = ProgressReport.objects.select_related(
        "item__plan__region", "item__parent", "department", "submitted_by", "reviewed_by"
    )
    return scope, scope.record_or_404(queryset, department="department", pk=pk)


@require_safe
@login_required
def detail(request, pk):
    scope, report = _visible_report(request, pk)
    changes = record_history(report)
    can_review = scope.can_review_region(report.item.plan.region)
    return render(
        request,
        "tasks/progress_detail.html",
        {
            "report": report,
            "changes": changes,
            "can_review": can_review,
            "can_edit": report.is_editable and request.user.department_id == report.department_id,
            "review_form": decisions.ReviewForm.showing(report),
            "evidence": report.evidence.all(),
            "contributions": Contribution.objects.filter(
                item=report.item_id, year=report.year, quarter=report.quarter
            ).select_related("department"),
            "reopen_form": decisions.ReopenForm(),
            "standing": target_standing(report=report, today=timezone.localdate()),
        },
    )


def _reviewable_report(request, pk):
    scope = visible_to(request.user)
    return scope.get_or_404(
        ProgressReport.objects.select_related("item__plan__region", "department"),
        region="item__plan__region",
        change=True,
        pk=pk,
    )


@require_POST
@login_required
@audited(gettext_lazy("Approve progress"), "tasks.ProgressReport", variants=returned(gettext_lazy("Return progress")))
def review(request, pk):
    report = _reviewable_report(request, pk)
    if not decisions.decide(request, report, approve=progress_approve, send_back=progress_return):
        return redirect(report)
    return redirect(_next_or(request, report.get_absolute_url()))


@require_POST
@login_required
@audited(gettext_lazy("Reopen approved progress"), "tasks.ProgressReport")
def reopen(request, pk):
    report = _reviewable_report(request, pk)
    decisions.reopen(request, report, service=progress_reopen)
    return redirect(report)


@require_safe
@login_required
def inbox(request):
    scope = visible_to(request.user)
    # One district at a time: an administrator's scope is every district in the country.
    regions = scope.districts(change=True)
    region = requested_region(request, regions, scope.home_region)
    if region is None:
        raise Http404
    quarter = requested_quarter(request)
    departments = scope.departments(change=True).filter(region=region).order_by("short_name")
    wanted = request.GET.get("department", "")
    department = departments.filter(pk=wanted).first() if wanted.isdigit() else None
    state = request.GET.get("state") if request.GET.get("state") in ProgressReport.State.values else ""
    late_only = request.GET.get("late") == "1"
    rows = inbox_for(
        scope, quarter, today=timezone.localdate(), region=region, department=department, state=state,
        late_only=late_only,
    )
    return render(
        request,
        "tasks/review_inbox.html",
        {
            "quarter": quarter,
            "region": region,
            "regions": regions,
            "previous": quarter.previous(),
            "next": quarter.next(),
            "rows": rows,
            "departments": departments,
            "department": department,
            "state": state,
            "late_only": late_only,
            "states": ProgressReport.State.choices,
            "submitted_count": sum(1 for row in rows if row.report.state == ProgressReport.State.SUBMITTED),
        },
    )


@require_POST
@login_required
@audited(gettext_lazy("Approve progress in bulk"))
def bulk_approve(request):
    scope = visible_to(request.user)
    shown = _shown_versions(request.POST.getlist("report"))
    reports = scope.filter(
        ProgressReport.objects.filter(pk__in=shown).select_related("item__plan__region", "department"),
        region="item__plan__region", change=True,
    )
    approved, refused = progress_bulk_approve(
        decisions=[(report, shown[report.pk]) for report in reports], user=request.user
    )
    messages.success(request, _("%(count)d entries approved.") % {"count": approved})
    if refused:
        messages.error(request, _("Not approved: %(entries)s") % {"entries": "；".join(
            f"{report.item.label[:40]}（{report.department}）：{reason}" for report, reason in refused)})
    return redirect(_next_or(request, reverse("tasks:review_inbox")))


def _shown_versions(values):
    """{entry id: version the inbox showed} from the ticked boxes (``id:version``); a box
    without its version is left out, as nothing says what the reviewer saw."""
    shown = {}
    for value in values:
        pk, _sep, version = value.partition(":")
        if pk.isdigit() and version.isdigit():
            shown[int(pk)] = int(version)
    return shown


def _own_editable_report(request, pk):
    """An entry of the user's own department, for changes the department makes to it."""
    department = reporting_department(request.user)
    return get_object_or_404(
        ProgressReport.objects.select_related("item__plan", "department"), pk=pk, department=department
    )


def _entry_url(report):
    return reverse("tasks:progress_entry", kwargs={"item_pk": report.item_id, "quarter": str(report.period)})


@require_POST
@login_required
@audited(gettext_lazy("Attach progress evidence"), "tasks.ProgressReport", page=Outcome.SUCCESS)
def evidence_upload(request, pk):
    report = _own_editable_report(request, pk)
    # The entry page posts its own form's file field in place; a plain evidence form, "file".
    posted_as = ENTRY_FILE if ENTRY_FILE in request.FILES else "file"
    return evidence_files.attach(request, report.evidence, review=report, back=_entry_url(report),
                                 posted_as=posted_as, in_place=lambda: _entry_evidence(request, report))


@require_POST
@login_required
@audited(gettext_lazy("Remove progress evidence"), "tasks.Evidence", page=Outcome.SUCCESS)
def evidence_delete(request, pk):
    department = reporting_department(request.user)
    evidence = get_object_or_404(Evidence.objects.select_related("report"), pk=pk, report__department=department)
    report = evidence.report
    return evidence_files.remove(request, evidence, review=report, back=_entry_url(report),
                                 in_place=lambda: _entry_evidence(request, report))


def _entry_evidence(request, report):
    """The entry page's evidence section alone, with the message of what was just done."""
    return render(request, "tasks/_entry_evidence.html", {"report": report, "evidence": report.evidence.all(),
                                                          "in_place": True})


@require_safe
@login_required
def evidence_download(request, pk):
    evidence = visible_to(request.user).record_or_404(Evidence.objects.all(), department="report__department", pk=pk)
    return evidence_files.download(evidence)


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Save a cooperating department's contribution"), "tasks.TaskNode", key="item_pk")
def contribution(request, item_pk, quarter):
    """A cooperating department's note for one item and quarter."""
    department = reporting_department(request.user)
    try:
        period = Quarter.parse(quarter)
    except ValueError:
        raise Http404 from None
    item = get_object_or_404(
        TaskNode.objects.in_quarter(period).select_related("plan"),
        pk=item_pk,
        assignments__department=department,
        assignments__role="cooperating",
    )
    if not item.plan.covers(period):  # no contribution to a quarter the plan does not run in
        raise Http404
    existing = Contribution.objects.filter(
        item=item, year=period.year, quarter=period.number, department=department
    ).first()
    form = ContributionForm(
        request.POST if request.method == "POST" else None, initial={"note": existing.note if existing else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            contribution_save(
                item=item, department=department, quarter=period, note=form.cleaned_data["note"], user=request.user
            )
        except ValidationError as error:
            form.add_error("note", error.message_dict.get("note", error.messages))
        except TransitionRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your department's contribution was saved."))
            return redirect("tasks:my_work")
    return render(
        request, "tasks/contribution.html", {"form": form, "item": item, "quarter": period, "department": department}
    )


PROGRESS_TEMPLATE = "progress_template"


@require_safe
@login_required
def template_download(request):
    department = reporting_department(request.user)
    quarter = requested_quarter(request)
    rows = todo_for(department, quarter, today=timezone.localdate())
    response = xlsx_response(progress_workbook.build(department, quarter, rows),
                             f"{department.short_name}{quarter.chinese_label}工作进展填报表.xlsx")
    return response


@dataclass
class _TemplateTarget:
    department: object
    quarter: Quarter
    department_names: dict  # id -> name, to say whose template a wrong one is


class ProgressTemplateImporter(staged_import.Importer):
    """A department's filled-in progress template of a quarter, saved as drafts."""

    kind = PROGRESS_TEMPLATE
    preview_route = "tasks:progress_template_preview"
    template = "tasks/progress_upload_preview.html"
    title = gettext_lazy("Template preview")
    confirm_label = gettext_lazy("Confirm and save as drafts")

    def target(self, request, meta):
        department = reporting_department(request.user)
        names = dict(Department.objects.filter(region=department.region_id).values_list("pk", "name"))
        return _TemplateTarget(department, Quarter.parse(meta["quarter"]), names)

    def read(self, data, target):
        return progress_workbook.read(data, department=target.department, quarter=target.quarter,
                                      department_names=target.department_names)

    def check(self, read, target):
        rows, problems = progress_template_check(department=target.department, quarter=target.quarter,
                                                 entries=read.entries)
        changes = [staged_import.Change(f"第{row.entry.row}行", row.item.label, row.changes) for row in rows
                   if row.changes]
        return staged_import.Check(data=rows, problems=read.problems + problems, changes=changes)

    def commit(self, read, target, confirmation):
        rows, _problems = progress_template_check(department=target.department, quarter=target.quarter,
                                                  entries=read.entries)
        try:
            return progress_template_apply(department=target.department, quarter=target.quarter, rows=rows,
                                           user=confirmation.user)
        except (TransitionRefused, EditConflict) as error:
            raise ImportBlocked([str(error)]) from None

    def done(self, request, result, target):
        message = _("%(count)d entries updated as drafts. Submit them from the to-do.") % {"count": result}
        return message, f"{_todo_url()}?quarter={target.quarter}"

    def context(self, target, check):
        return {"quarter": target.quarter}


PROGRESS_TEMPLATE_IMPORT = ProgressTemplateImporter()


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Upload a progress template"))
def template_upload(request):
    department = reporting_department(request.user)
    quarter = requested_quarter(request)
    form = TemplateUploadForm(request.POST if request.method == "POST" else None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return staged_import.keep_upload(request, PROGRESS_TEMPLATE_IMPORT, form.cleaned_data["file"],
                                         quarter=str(quarter))
    return render(request, "core/template_upload.html", {
        "form": form, "quarter": quarter, "owner": department.name, "back_url": reverse("tasks:progress_todo"),
        "back_label": _("This quarter's to-do"), "template_url": reverse("tasks:progress_template"),
    })


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Import a progress template"))
def template_preview(request, token):
    return staged_import.preview(request, PROGRESS_TEMPLATE_IMPORT, token)


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Save progress drafts in bulk"), variants=submitted(gettext_lazy("Submit progress in bulk")))
def batch(request):
    """Fill many items of the quarter at once: every entry the department may still change.
    Showing the page writes nothing. A posted row whose entry was submitted or approved
    meanwhile is refused by name (nothing is saved), the other rows keep what was typed."""
    department = reporting_department(request.user)
    quarter = requested_quarter(request)
    rows = todo_for(department, quarter, today=timezone.localdate())
    if request.method == "POST":
        shown = {int(value) for value in request.POST.getlist("item") if value.isdigit()}
        rows = [row for row in rows if row.item.pk in shown]
    else:
        rows = [row for row in rows if row.state in EDITABLE_ROWS]
    forms = [
        BatchProgressForm(
            request.POST if request.method == "POST" else None,
            instance=progress_entry(item=row.item, department=department, quarter=quarter, stored=row.report),
            prefix=f"item-{row.item.pk}",
        )
        for row in rows
    ]
    # A list, not a generator: every row is validated, so each shows its own errors.
    if request.method == "POST" and all([form.is_valid() for form in forms]):  # noqa: C419
        submit = "submit" in request.POST
        try:
            saved = progress_save_many(
                [(form.instance, form.cleaned_data["version"]) for form in forms if form.has_changed() or submit],
                user=request.user,
                submit=submit,
            )
        except BatchRefused as refused:
            _show_refusals(request, forms, refused.errors)
        else:
            messages.success(
                request,
                (_("%(count)d entries submitted.") if submit else _("%(count)d drafts saved.")) % {"count": saved},
            )
            return redirect(f"{_todo_url()}?quarter={quarter}")
    context = {"forms": forms, "quarter": quarter, "department": department}
    return render(
        request, "tasks/progress_batch.html", {**context, "previous": quarter.previous(), "next": quarter.next()}
    )


def _show_refusals(request, forms, errors):
    """Mark each refused row of the fill-many page; a row submitted or approved meanwhile
    is named and left out of the next post (it shows its stored state instead)."""
    stale = []
    for form in forms:
        error = errors.get(form.instance.item_id)
        if error is None:
            continue
        if isinstance(error, EditConflict):
            form.show_conflict(error.current)
        elif isinstance(error, TransitionRefused):
            form.add_error(None, str(error))
            form.locked = True
            stale.append(form.instance.item.label[:40])
        else:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
    if stale:
        messages.error(request, _("Nothing was saved: %(items)s was submitted or approved after this page was "
                                  "opened; it is left out now. Save again to keep the other rows.")
                       % {"items": "、".join(f"“{label}”" for label in stale)})
    else:
        messages.error(request, _("Nothing was saved; see the rows marked below."))


EDITABLE_ROWS = (TodoRow.UNREPORTED, ProgressReport.State.DRAFT, ProgressReport.State.RETURNED)
