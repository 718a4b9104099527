"""Raw-statistics pages: the department's entry form and Excel template, the report with
its history, the reviewer's list with approve / return / reopen, and the qualitative
checklists with their evidence."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import evidence as evidence_files
from core import review as decisions
from core import staged_import
from core.audit import audited, returned, submitted
from core.errors import ImportBlocked
from core.history import record_history
from core.periods import Quarter
from core.views import requested_quarter, xlsx_response
from core.workflow import EditConflict, TransitionRefused
from org.models import Department
from org.scoping import reporting_department, visible_to

from .. import data_workbook, selectors
from ..forms import ChecklistAnswerForm, DataEntryForm, DataUploadForm
from ..models import ChecklistAnswer, ChecklistEvidence, DataReport, Indicator
from ..services import (
    checklist_answer_save,
    data_prepare,
    data_report_approve,
    data_report_entry,
    data_report_reopen,
    data_report_return,
    data_report_save,
    data_report_submit,
)
from ..validation import fmt
from .catalogue import board_region

DATA_TEMPLATE = "data_template"


def _duties_of(department):
    """(indicator set, duties) of the department's region, or a 404 when the region has
    adopted no indicator set."""
    indicator_sets = selectors.adopted_sets_of(department.region)
    if not indicator_sets:
        raise Http404
    return selectors.duties_for(department.region, indicator_sets)


def _own_report(request, quarter):
    """The user's department's report for ``quarter`` (unsaved until its first save) and
    the region's duties."""
    department = reporting_department(request.user)
    duties = _duties_of(department)
    return data_report_entry(department=department, quarter=quarter), duties


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
    duties = selectors.duties_for(region, selectors.adopted_sets_of(region))
    # A reporter's list is their own department's row: other departments' reports are theirs.
    visible = set(scope.departments().filter(region=region).values_list("pk", flat=True))
    reports = {
        r.department_id: r for r in DataReport.objects.filter(region=region, year=quarter.year, quarter=quarter.number)
    }
    rows = [(department, reports.get(department.pk), len(duties.elements_of(department))) for department in
            duties.departments() if department.pk in visible]
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
@audited(gettext_lazy("Save a statistics draft"), variants=submitted(gettext_lazy("Submit statistics")))
def data_entry(request):
    quarter = requested_quarter(request)
    department = reporting_department(request.user)
    if not selectors.adopted_sets_of(department.region):
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
        except ImportBlocked as refused:
            if refused.warnings_only:
                messages.warning(
                    request, _("Some figures look unusual. Check them, tick the confirmation and save again.")
                )
            else:
                _apply_findings(form, refused.preview)
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
         "checklists": selectors.checklist_rows(report, duties), "answer_form": ChecklistAnswerForm()},
    )


@require_POST
@login_required
@audited(gettext_lazy("Submit statistics"), "indicators.DataReport")
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
    report = scope.record_or_404(
        DataReport.objects.select_related("region", "department", "submitted_by", "reviewed_by"),
        department="department", pk=pk,
    )
    return scope, report


@require_safe
@login_required
def data_report(request, pk):
    scope, report = _visible_report(request, pk)
    duties = selectors.duties_for(report.region, selectors.adopted_sets_of(report.region))
    return render(
        request,
        "indicators/data_report.html",
        {"report": report, "groups": selectors.entry_sheet(report, duties),
         "utilities": selectors.utility_rows(report), "checklists": selectors.checklist_rows(report, duties),
         "changes": record_history(report), "can_review": scope.can_review_region(report.region),
         "can_edit": report.is_editable and request.user.department_id == report.department_id,
         "review_form": decisions.ReviewForm.showing(report), "reopen_form": decisions.ReopenForm()},
    )


def _reviewable(request, pk):
    scope = visible_to(request.user)
    return scope.get_or_404(DataReport.objects.select_related("region", "department"), region="region",
                            change=True, pk=pk)


@require_POST
@login_required
@audited(
    gettext_lazy("Approve statistics"), "indicators.DataReport", variants=returned(gettext_lazy("Return statistics"))
)
def data_review(request, pk):
    report = _reviewable(request, pk)
    decisions.decide(request, report, approve=data_report_approve, send_back=data_report_return)
    return redirect(report)


@require_POST
@login_required
@audited(gettext_lazy("Reopen approved statistics"), "indicators.DataReport")
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
    return xlsx_response(content, f"{report.department.short_name}{report.period.chinese_label}指标基础数据填报表.xlsx")


@dataclass
class _TemplateTarget:
    report: DataReport
    duties: object
    leakage: bool  # whether the department reports the water utilities' leakage figures
    sha256: str  # of the file, kept with every figure it sets


class DataTemplateImporter(staged_import.Importer):
    """A department's filled-in data template of a quarter, saved into its draft report."""

    kind = DATA_TEMPLATE
    preview_route = "indicators:data_upload_preview"
    template = "indicators/data_upload_preview.html"
    title = gettext_lazy("Template preview")
    confirm_label = gettext_lazy("Confirm and save as a draft")

    def target(self, request, meta):
        report, duties = _own_report(request, Quarter.parse(meta["quarter"]))
        leakage = bool(duties.owned_indicators(report.department, Indicator.Method.LEAKAGE))
        return _TemplateTarget(report, duties, leakage, meta["sha256"])

    def read(self, data, target):
        names = dict(Department.objects.values_list("pk", "name"))
        return data_workbook.read(data, report=target.report, codes=target.duties.elements_of(target.report.department),
                                  department_names=names, with_utilities=target.leakage)

    def _prepare(self, read, target):
        return data_prepare(target.report, duties=target.duties, entries=read.entries, utilities=read.utilities)

    def check(self, read, target):
        report, prepared = target.report, self._prepare(read, target)
        located = read.locations.get
        problems = read.problems + [f"{located(key, key)}：{problem}" for key, items in prepared.findings.errors.items()
                                    for problem in items]
        if not report.is_editable:
            problems.insert(0, _("This report is %(state)s and cannot be changed.") % {
                "state": report.get_state_display()})
        changes, removals = [], []
        for key, label, old, new in prepared.changes:
            if new == fmt(None) != old:  # a figure cleared, a water utility no longer listed
                removals.append(staged_import.Change(located(key, ""), label, [(_("Value"), old, None)]))
            else:
                changes.append(staged_import.Change(located(key, ""), label, [(_("Value"), old, new)]))
        warnings = [f"{located(key, key)}：{w}" for key, items in prepared.findings.warnings.items() for w in items]
        return staged_import.Check(data=prepared, problems=problems, warnings=warnings, changes=changes,
                                   removals=removals, needs_confirmation=prepared.new_warnings)

    def commit(self, read, target, confirmation):
        prepared = self._prepare(read, target)
        try:
            data_report_save(
                report=target.report, version=target.report.version, user=confirmation.user, prepared=prepared,
                duties=target.duties, confirm_warnings=confirmation.warnings_confirmed,
                source_sha256=target.sha256,
            )
        except (TransitionRefused, EditConflict) as error:
            raise ImportBlocked([str(error)]) from None
        return prepared

    def done(self, request, result, target):
        message = _("%(count)d figures saved as a draft. Check them and submit the report.") % {
            "count": len(result.changes)}
        return message, _entry_url(target.report.period)

    def context(self, target, check):
        return {"quarter": target.report.period}


DATA_TEMPLATE_IMPORT = DataTemplateImporter()


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Upload a statistics template"))
def template_upload(request):
    quarter = requested_quarter(request)
    report, _duties = _own_report(request, quarter)
    form = DataUploadForm(request.POST if request.method == "POST" else None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return staged_import.keep_upload(request, DATA_TEMPLATE_IMPORT, form.cleaned_data["file"], quarter=str(quarter))
    return render(request, "core/template_upload.html", {
        "form": form, "quarter": quarter, "owner": report.department.name, "back_url": reverse("indicators:data_entry"),
        "back_label": _("Statistics for the indicators"), "template_url": reverse("indicators:data_template"),
    })


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Import a statistics template"))
def template_preview(request, token):
    return staged_import.preview(request, DATA_TEMPLATE_IMPORT, token)


# --- qualitative checklists --------------------------------------------------------------------


@require_POST
@login_required
@audited(gettext_lazy("Answer a checklist item"), "indicators.DataReport")
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


def _checklist_url(answer):
    return f"{_entry_url(answer.report.period)}#checklist-{answer.indicator_id}"


@require_POST
@login_required
@audited(gettext_lazy("Attach checklist evidence"), "indicators.ChecklistAnswer")
def checklist_evidence_upload(request, pk):
    department = reporting_department(request.user)
    answer = get_object_or_404(ChecklistAnswer.objects.select_related("report"), pk=pk, report__department=department)
    return evidence_files.attach(request, answer.evidence, review=answer.report, back=_checklist_url(answer))


@require_POST
@login_required
@audited(gettext_lazy("Remove checklist evidence"), "indicators.ChecklistEvidence")
def checklist_evidence_delete(request, pk):
    department = reporting_department(request.user)
    evidence = get_object_or_404(
        ChecklistEvidence.objects.select_related("answer__report"), pk=pk, answer__report__department=department
    )
    return evidence_files.remove(request, evidence, review=evidence.answer.report, back=_checklist_url(evidence.answer))


@require_safe
@login_required
def checklist_evidence_download(request, pk):
    evidence = visible_to(request.user).record_or_404(
        ChecklistEvidence.objects.all(), department="answer__report__department", pk=pk
    )
    return evidence_files.download(evidence)
