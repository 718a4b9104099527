"""Raw-statistics pages: the department's entry form and Excel template, the report with
its history, the reviewer's list with approve / return / reopen, and the qualitative
checklists with their evidence."""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import pending_uploads
from core import review as decisions
from core.errors import FileUnreadable
from core.forms import EvidenceForm
from core.history import record_history
from core.periods import Quarter
from core.uploads import EVIDENCE_TYPES
from core.views import import_failed_in_database, requested_quarter, xlsx_response
from core.workflow import EditConflict, TransitionRefused
from org.models import Department
from org.scoping import reporting_department, visible_to

from . import data_workbook, selectors
from .forms import ChecklistAnswerForm, DataEntryForm, DataUploadForm
from .models import ChecklistAnswer, ChecklistEvidence, DataReport, Indicator
from .services import (
    DataRefused,
    checklist_answer_save,
    checklist_evidence_add,
    checklist_evidence_remove,
    data_prepare,
    data_report_approve,
    data_report_open,
    data_report_reopen,
    data_report_return,
    data_report_save,
    data_report_submit,
)
from .views import board_region

DATA_TEMPLATE = "data_template"
ACCEPT = ",".join(sorted(EVIDENCE_TYPES))


def _duties_of(department):
    """(indicator set, duties) of the department's region, or a 404 when the region has
    adopted no indicator set."""
    indicator_set = selectors.adopted_set(department.region)
    if indicator_set is None:
        raise Http404
    return selectors.duties_for(department.region, indicator_set)


def _own_report(request, quarter):
    department = reporting_department(request.user)
    duties = _duties_of(department)
    return data_report_open(department=department, quarter=quarter), duties


def _entry_url(quarter):
    return f"{reverse('indicators:data_entry')}?quarter={quarter}"


@require_safe
@login_required
def data_home(request):
    """Every department with figures to report in the region, and where each report
    stands; the user's own department links to its form."""
    scope = visible_to(request.user)
    region, regions = board_region(request, scope)
    if region is None:
        return render(request, "indicators/data_reports.html", {"region": None, "can_import": scope.is_admin,
                                                                "quarter": requested_quarter(request)})
    quarter = requested_quarter(request)
    duties = selectors.duties_for(region, selectors.adopted_set(region))
    reports = {
        r.department_id: r for r in DataReport.objects.filter(region=region, year=quarter.year, quarter=quarter.number)
    }
    rows = [(department, reports.get(department.pk), len(duties.elements_of(department))) for department in
            duties.departments()]
    return render(
        request,
        "indicators/data_reports.html",
        {"region": region, "regions": regions, "quarter": quarter, "previous": quarter.previous(),
         "next": quarter.next(), "rows": rows, "can_review": scope.can_review_region(region),
         "unresolved": duties.unresolved, "review_form": decisions.ReviewForm(), "can_import": scope.is_admin,
         "own_department": request.user.department_id if request.user.role != request.user.Role.SUPERVISOR else None},
    )


def _apply_findings(form, findings):
    """Put each finding on its field; what has no field becomes a form error."""
    for key, problems in findings.errors.items():
        for problem in problems:
            form.add_error(form.field_for(key), problem)


@require_http_methods(["GET", "POST"])
@login_required
def data_entry(request):
    quarter = requested_quarter(request)
    department = reporting_department(request.user)
    if selectors.adopted_set(department.region) is None:
        return render(request, "indicators/data_entry.html", {"report": None, "quarter": quarter,
                                                              "region": department.region})
    report, duties = _own_report(request, quarter)
    leakage = duties.owned_indicators(report.department, Indicator.Method.LEAKAGE)
    groups = selectors.entry_sheet(report, duties)
    utilities = selectors.utility_rows_to_fill(report) if leakage else None
    form = DataEntryForm(request.POST or None, groups=groups, utilities=utilities, initial={"version": report.version})
    warnings = {}
    current = None
    if request.method == "POST" and report.is_editable and form.is_valid():
        prepared = data_prepare(report, duties=duties, entries=form.entries(), utilities=form.utility_entries())
        warnings = {form.field_for(key): items for key, items in prepared.findings.warnings.items()}
        submit = "submit" in request.POST
        try:
            data_report_save(
                report=report, version=form.cleaned_data["version"], user=request.user, prepared=prepared,
                duties=duties, confirm_warnings=form.cleaned_data["confirm_warnings"], submit=submit,
            )
        except DataRefused as refused:
            if refused.warnings_only:
                messages.warning(
                    request, _("Some figures look unusual. Check them, tick the confirmation and save again.")
                )
            else:
                _apply_findings(form, refused.findings)
                messages.error(request, _("Nothing was saved. Correct the figures marked below."))
        except ValidationError as error:
            for key, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(form.field_for(key), problem)
            messages.error(request, _("Not submitted: the report is incomplete (your input was not saved)."))
        except EditConflict as conflict:
            current = conflict.current
            messages.error(request, _("Someone else saved this report after you opened it. Nothing was saved; "
                                      "reload the page to see their figures."))
        except TransitionRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Submitted for review.") if submit else _("Draft saved."))
            return redirect(_entry_url(quarter))
    return render(
        request,
        "indicators/data_entry.html",
        {"report": report, "form": form, "quarter": quarter, "previous": quarter.previous(), "next": quarter.next(),
         "warnings": warnings, "leakage": leakage, "current": current,
         "checklists": selectors.checklist_rows(report, duties), "answer_form": ChecklistAnswerForm(),
         "evidence_accept": ACCEPT},
    )


@require_POST
@login_required
def data_submit(request, pk):
    """Submit a report as stored (after an Excel upload, say)."""
    department = reporting_department(request.user)
    report = get_object_or_404(DataReport, pk=pk, department=department)
    try:
        data_report_submit(report=report, version=int(request.POST.get("version", 0)), user=request.user,
                           duties=_duties_of(department))
    except ValidationError as error:
        messages.error(request, _("Not submitted: %(reasons)s") % {"reasons": "；".join(error.messages)})
    except (EditConflict, TransitionRefused) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Submitted for review."))
    return redirect(_entry_url(report.period))


def _visible_report(request, pk):
    scope = visible_to(request.user)
    report = scope.get_or_404(
        DataReport.objects.select_related("region", "department", "submitted_by", "reviewed_by"),
        region="region", departments=("department",), pk=pk,
    )
    return scope, report


@require_safe
@login_required
def data_report(request, pk):
    scope, report = _visible_report(request, pk)
    duties = selectors.duties_for(report.region, selectors.adopted_set(report.region))
    return render(
        request,
        "indicators/data_report.html",
        {"report": report, "groups": selectors.entry_sheet(report, duties),
         "utilities": selectors.utility_rows(report), "checklists": selectors.checklist_rows(report, duties),
         "changes": record_history(report), "can_review": scope.can_review_region(report.region),
         "can_edit": report.is_editable and request.user.department_id == report.department_id,
         "review_form": decisions.ReviewForm(), "reopen_form": decisions.ReopenForm()},
    )


def _reviewable(request, pk):
    scope = visible_to(request.user)
    return scope.get_or_404(DataReport.objects.select_related("region", "department"), region="region",
                            change=True, pk=pk)


@require_POST
@login_required
def data_review(request, pk):
    report = _reviewable(request, pk)
    decisions.decide(request, report, approve=data_report_approve, send_back=data_report_return)
    return redirect(report)


@require_POST
@login_required
def data_reopen(request, pk):
    report = _reviewable(request, pk)
    decisions.reopen(request, report, service=data_report_reopen)
    return redirect(report)


# --- the Excel template --------------------------------------------------------------------


@require_safe
@login_required
def template_download(request):
    report, duties = _own_report(request, requested_quarter(request))
    leakage = duties.owned_indicators(report.department, Indicator.Method.LEAKAGE)
    content = data_workbook.build(
        report, selectors.entry_sheet(report, duties), selectors.utility_rows_to_fill(report) if leakage else None
    )
    return xlsx_response(content, f"{report.department.short_name}{report.period.label}指标基础数据填报表.xlsx")


@require_http_methods(["GET", "POST"])
@login_required
def template_upload(request):
    quarter = requested_quarter(request)
    report, _duties = _own_report(request, quarter)
    form = DataUploadForm(request.POST if request.method == "POST" else None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        token = pending_uploads.keep(
            request,
            kind=DATA_TEMPLATE,
            data=upload.workbook_bytes,
            quarter=str(quarter),
            filename=upload.name,
            sha256=hashlib.sha256(upload.workbook_bytes).hexdigest(),
        )
        return redirect("indicators:data_upload_preview", token=token)
    return render(request, "indicators/data_upload.html", {"form": form, "quarter": quarter, "report": report})


@require_http_methods(["GET", "POST"])
@login_required
def template_preview(request, token):
    found = pending_uploads.find(request, kind=DATA_TEMPLATE, token=token)
    if found is None:
        raise Http404
    meta, content = found
    quarter = Quarter.parse(meta["quarter"])
    report, duties = _own_report(request, quarter)
    leakage = bool(duties.owned_indicators(report.department, Indicator.Method.LEAKAGE))
    names = dict(Department.objects.values_list("pk", "name"))
    try:
        parsed = data_workbook.read(
            content, report=report, codes=duties.elements_of(report.department), department_names=names,
            with_utilities=leakage,
        )
    except FileUnreadable as error:
        pending_uploads.discard(request, token)
        messages.error(request, str(error))
        return redirect(f"{reverse('indicators:data_upload')}?quarter={quarter}")
    prepared = data_prepare(report, duties=duties, entries=parsed.entries, utilities=parsed.utilities)
    problems = parsed.problems + [
        f"{parsed.locations.get(key, key)}：{problem}"
        for key, items in prepared.findings.errors.items() for problem in items
    ]
    if not report.is_editable:
        problems.insert(0, _("This report is %(state)s and cannot be changed.") % {"state": report.get_state_display()})
    warnings = [f"{parsed.locations.get(key, key)}：{w}" for key, items in prepared.findings.warnings.items()
                for w in items]
    if request.method == "POST" and not problems:
        try:
            data_report_save(
                report=report, version=report.version, user=request.user, prepared=prepared, duties=duties,
                confirm_warnings=request.POST.get("confirm_warnings") == "on", source_sha256=meta["sha256"],
            )
        except DataRefused as refused:
            if refused.warnings_only:
                messages.warning(request, _("Tick the confirmation that the figures with warnings are right."))
        except (TransitionRefused, EditConflict) as error:
            messages.error(request, _("Nothing was saved: %(reason)s") % {"reason": error})
        except DatabaseError:
            import_failed_in_database(request)
        else:
            pending_uploads.discard(request, token)
            messages.success(request, _("%(count)d figures saved as a draft. Check them and submit the report.") % {
                "count": len(prepared.changes)})
            return redirect(_entry_url(quarter))
    rows = [{"number": parsed.locations.get(key, ""), "label": label, "changes": [(_("Value"), old, new)]}
            for key, label, old, new in prepared.changes]
    return render(
        request,
        "indicators/data_upload_preview.html",
        {"meta": meta, "quarter": quarter, "rows": rows, "problems": problems, "warnings": warnings,
         "changed": len(prepared.changes), "again_url": f"{reverse('indicators:data_upload')}?quarter={quarter}",
         "needs_confirmation": prepared.new_warnings},
    )


# --- qualitative checklists --------------------------------------------------------------------


@require_POST
@login_required
def checklist_answer(request, pk, indicator_pk, item):
    department = reporting_department(request.user)
    report = get_object_or_404(DataReport, pk=pk, department=department)
    indicator = get_object_or_404(Indicator, pk=indicator_pk)
    form = ChecklistAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose yes or no."))
    else:
        try:
            checklist_answer_save(
                report=report, indicator=indicator, item=item, answer=form.cleaned_data["answer"],
                note=form.cleaned_data["note"], user=request.user, duties=_duties_of(department),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except TransitionRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Answer saved."))
    return redirect(f"{_entry_url(report.period)}#checklist-{indicator.pk}")


@require_POST
@login_required
def checklist_evidence_upload(request, pk):
    department = reporting_department(request.user)
    answer = get_object_or_404(ChecklistAnswer.objects.select_related("report"), pk=pk, report__department=department)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            evidence = checklist_evidence_add(answer=answer, upload=form.cleaned_data["file"], user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except TransitionRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("“%(name)s” attached.") % {"name": evidence.name})
    return redirect(f"{_entry_url(answer.report.period)}#checklist-{answer.indicator_id}")


@require_POST
@login_required
def checklist_evidence_delete(request, pk):
    department = reporting_department(request.user)
    evidence = get_object_or_404(
        ChecklistEvidence.objects.select_related("answer__report"), pk=pk, answer__report__department=department
    )
    try:
        checklist_evidence_remove(evidence=evidence)
    except TransitionRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("“%(name)s” removed.") % {"name": evidence.name})
    return redirect(f"{_entry_url(evidence.answer.report.period)}#checklist-{evidence.answer.indicator_id}")


@require_safe
@login_required
def checklist_evidence_download(request, pk):
    scope = visible_to(request.user)
    evidence = scope.get_or_404(
        ChecklistEvidence.objects.select_related("answer__report"),
        region="answer__report__region", departments=("answer__report__department",), pk=pk,
    )
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.name)
