"""/api/v1/ routes of the indicators: data reports with their figures, the computed indicator
values with the lineage the lineage page shows, and the regions' verdicts under each standard."""

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from core.api import Page, Refused, in_quarter, paged, who
from core.api import decimal_text as text
from core.api import iso as moment
from core.workflow import ReviewState
from org.api import in_region
from org.scoping import visible_to
from reports.models import RegionVerdict

from . import selectors
from .models import ComputedValue, DataReport, IndicatorSet
from .templatetags.standards import formula_words, rule_text, target_words

router = Router(tags=[_("Statistics and indicators")])

State = Literal[tuple(ReviewState.values)]
Status = Literal[tuple(ComputedValue.Status.values)]
Verdict = Literal[tuple(RegionVerdict.Verdict.values)]


# --- what the answers share --------------------------------------------------------------------


def jsonable(value):
    """``value`` with its dates, times and Decimals as the text JSON carries them, inside
    lists and dicts too (the lineage selectors read the stored ISO dates back as dates)."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def standard_param(text_value, field="standard"):
    """The indicator sets a query names by code (every version of it) or by id; None when
    it names none; a 422 naming the field when no standard has that code or id."""
    if not text_value:
        return None
    lookup = Q(code=text_value) | (Q(pk=int(text_value)) if text_value.isdigit() else Q(pk__in=[]))
    found = list(IndicatorSet.objects.filter(lookup).values_list("pk", flat=True))
    if not found:
        raise Refused(_("Nothing was read: %(field)s names no standard.") % {"field": field},
                      [(field, _("no standard has the code or id %(value)s") % {"value": text_value})])
    return found


def standard_out(indicator_set):
    return {"id": indicator_set.pk, "code": indicator_set.code, "version": indicator_set.version,
            "name": indicator_set.name}


class StandardOut(Schema):
    id: int
    code: str
    version: str
    name: str


# --- data reports ----------------------------------------------------------------------------------


class DataValueOut(Schema):
    id: int
    element: str
    name: str
    unit: str
    value: str
    comment: str
    warnings: list
    source_sha256: str
    entered_by: str | None
    entered_at: str
    version: int


class UtilityFiguresOut(Schema):
    id: int
    utility: str
    supply: str
    registered: str
    resident_metered: str
    pipe_km: str
    pressure: str
    frost_depth: str
    comment: str
    warnings: list
    source_sha256: str


class ChecklistAnswerOut(Schema):
    id: int
    indicator: str
    item: int
    question: str
    answer: bool | None
    note: str


class DataReportSummaryOut(Schema):
    id: int
    region: str
    department_id: int
    department: str
    year: int
    quarter: int
    period: str
    state: str
    submitted_at: str | None
    submitted_by: str | None
    reviewed_at: str | None
    reviewed_by: str | None
    review_comment: str
    self_reviewed: bool
    updated_at: str
    version: int


class DataReportOut(DataReportSummaryOut):
    """A data report with its figures; ``version`` is what a writer sends back so that a
    change made since it read the report is refused, not overwritten."""

    values: list[DataValueOut]
    utilities: list[UtilityFiguresOut]
    answers: list[ChecklistAnswerOut]


def data_report_summary(report):
    return {
        "id": report.pk, "region": report.region.code, "department_id": report.department_id,
        "department": report.department.short_name, "year": report.year, "quarter": report.quarter,
        "period": str(report.period), "state": report.state, "submitted_at": moment(report.submitted_at),
        "submitted_by": who(report.submitted_by), "reviewed_at": moment(report.reviewed_at),
        "reviewed_by": who(report.reviewed_by), "review_comment": report.review_comment,
        "self_reviewed": report.self_reviewed, "updated_at": moment(report.updated_at), "version": report.version,
    }


def data_value_out(row):
    return {"id": row.pk, "element": row.element.code, "name": row.element.name, "unit": row.element.unit,
            "value": str(row.value), "comment": row.comment, "warnings": row.warnings,
            "source_sha256": row.source_sha256, "entered_by": who(row.entered_by),
            "entered_at": moment(row.entered_at), "version": row.version}


def utility_figures_out(row):
    return {"id": row.pk, "utility": row.utility,
            **{name: str(getattr(row, name)) for name in ("supply", "registered", "resident_metered", "pipe_km",
                                                             "pressure", "frost_depth")},
            "comment": row.comment, "warnings": row.warnings, "source_sha256": row.source_sha256}


def data_report_out(report):
    """The report as ``DataReportOut`` answers it (the POST route answers with it too)."""
    values = report.values.select_related("element", "entered_by").order_by("element__code")
    answers = report.answers.select_related("indicator").order_by("indicator__number", "item")
    return {
        **data_report_summary(report),
        "values": [data_value_out(row) for row in values],
        "utilities": [utility_figures_out(row) for row in report.utilities.order_by("utility")],
        "answers": [{"id": a.pk, "indicator": a.indicator.code, "item": a.item, "question": a.question,
                     "answer": a.answer, "note": a.note} for a in answers],
    }


def _reports(request):
    """The data reports the token reads: its own department's, or every department's of the
    districts it oversees, as ``indicators.views.data._visible_report``."""
    return visible_to(request.user).records(
        DataReport.objects.select_related("region", "department", "submitted_by", "reviewed_by"),
        department="department")


@router.get("/data-reports", response=Page[DataReportSummaryOut], summary=_("Data reports the token reads"))
def data_report_list(request, region: str = "", quarter: str = "", state: State | None = None,
                     department: int | None = None, page: int = 1, page_size: int = 100):
    reports = _reports(request)
    reports = in_region(request, reports, region, "region")
    reports = in_quarter(reports, quarter)
    if state:
        reports = reports.filter(state=state)
    if department is not None:
        reports = reports.filter(department=get_object_or_404(visible_to(request.user).departments(), pk=department))
    return paged(reports, page=page, page_size=page_size,
                 ordering=("region__code", "-year", "-quarter", "department__short_name", "pk"),
                 row=data_report_summary)


@router.get("/data-reports/{report_id}", response=DataReportOut, summary=_("One data report with its figures"))
def data_report_detail(request, report_id: int):
    return data_report_out(get_object_or_404(_reports(request), pk=report_id))


# --- computed indicator values ---------------------------------------------------------------------------


class IndicatorValueOut(Schema):
    id: int
    region: str
    standard: StandardOut
    indicator: str
    number: int
    name: str
    year: int
    quarter: int
    period: str
    value: str | None
    unit: str
    status: str
    explanation: str
    points: str | None
    full_points: str
    award: str


class IndicatorValueDetailOut(IndicatorValueOut):
    """A value with everything its lineage page shows: ``lineage`` as the computation
    stored it, and beside it the same in words (the formula with names, the constants,
    reference values, figures and their reports, utilities, checklist answers)."""

    lineage: dict[str, Any]
    explained: dict[str, Any]


def indicator_value_out(computed):
    indicator = computed.indicator
    return {
        "id": computed.pk, "region": computed.region.code, "standard": standard_out(indicator.indicator_set),
        "indicator": indicator.code, "number": indicator.number, "name": indicator.name, "year": computed.year,
        "quarter": computed.quarter, "period": str(computed.period), "value": text(computed.value),
        "unit": indicator.unit, "status": computed.status, "explanation": computed.explanation,
        "points": text(computed.points), "full_points": str(indicator.points), "award": computed.award,
    }


def _ledger_line(line):
    return {"utility": line.utility, "quarter": line.quarter, "inspected_km": str(line.inspected_km),
            "leaks_found": line.leaks_found, "leaks_repaired": line.leaks_repaired,
            "volume_lost": str(line.volume_lost), "months": line.months, "repair_hours": text(line.repair_hours),
            "repaired_share": text(line.repaired_share)}


def _ledger(ledger):
    if ledger is None:
        return None
    return {"year": ledger.year, "up_to_quarter": ledger.up_to_quarter, "total": _ledger_line(ledger.total),
            "utilities": [{"utility": u.utility, "quarters": [_ledger_line(line) for line in u.quarters],
                           "total": _ledger_line(u.total)} for u in ledger.utilities]}


def lineage_explained(computed, page, readable):
    """The lineage page's content (``page``: ``selectors.lineage_page(computed)``) as JSON;
    ``readable``: the departments whose reports and files the reader may open (their
    checklist evidence is listed only for those, as on the page)."""
    lineage, indicator = computed.lineage or {}, computed.indicator
    inputs = lineage.get("inputs") or {}
    figures = []
    for code, used in inputs.items():
        if not (isinstance(used, dict) and used.get("entry")):
            continue
        row = page["entries"].get(used["entry"])
        report = row.report if row else None
        figures.append({
            "code": code, "name": row.element.name if row else None, "value": used.get("value"),
            "unit": row.element.unit if row else "", "entry": used["entry"], "report": used.get("report"),
            "department": report.department.short_name if report else None,
            "state": report.state if report else used.get("state"),
            "entered_by": who(row.entered_by or report.submitted_by) if row else None,
            "entered_at": moment(row.entered_at) if row else None, "comment": row.comment if row else "",
            "warnings": row.warnings if row else [], "sha256": used.get("sha256") or "",
        })
    utilities = []
    for name, used in (inputs.get("utilities") or {}).items():
        row = page["utilities"].get(used.get("entry")) if isinstance(used, dict) else None
        utilities.append({"utility": name, **jsonable(used),
                          "department": row.report.department.short_name if row else None,
                          "state": row.report.state if row else None})
    checklist = []
    for index, question in enumerate(lineage.get("checklist") or []):
        answer = next((a for a in page["answers"] if a.item == index), None)
        checklist.append({
            "question": question, "answer": answer.answer if answer else None, "note": answer.note if answer else "",
            "department": answer.report.department.short_name if answer else None,
            "evidence": [{"id": f.pk, "name": f.name, "sha256": f.sha256} for f in answer.evidence.all()]
            if answer and answer.report.department_id in readable else [],
        })
    formula = lineage.get("formula") or ""
    return {
        "method": lineage.get("method", indicator.method),
        "formula": formula, "formula_words": formula_words(formula) if formula else "",
        "formula_version": lineage.get("formula_version"),
        "target_text": indicator.target_text, "target_words": target_words(indicator) if indicator.target_text else "",
        "scored": page["scored"], "rule_text": rule_text(indicator) if page["scored"] else "",
        "measured": (lineage.get("scoring") or {}).get("measured"),
        "annual": jsonable(lineage.get("annual")), "annual_year": page["annual_year"],
        "judgement": jsonable(page["judgement"]),
        "base_years": jsonable(lineage.get("base_years") or []),
        "previous_year": jsonable(lineage.get("previous_year")),
        "figures": figures,
        "constants": [{"name": name, "value": value} for name, value in page["constants"]],
        "references": jsonable(page["references"]), "registry": jsonable(page["registry"]),
        "utilities": utilities, "corrections": page["corrections"],
        "repair_ledger": _ledger(page["repair_ledger"]), "checklist": checklist,
    }


def _computed(request):
    """The computed values the token reads (regional objects: everyone of the region), as
    ``indicators.views.catalogue.lineage``."""
    return visible_to(request.user).filter(
        ComputedValue.objects.select_related("region", "indicator__indicator_set"), region="region")


@router.get("/indicator-values", response=Page[IndicatorValueOut], summary=_("Computed indicator values"))
def indicator_value_list(request, region: str = "", quarter: str = "", standard: str = "", indicator: str = "",
                         status: Status | None = None, page: int = 1, page_size: int = 100):
    values = _computed(request)
    values = in_region(request, values, region, "region")
    values = in_quarter(values, quarter)
    sets = standard_param(standard)
    if sets is not None:
        values = values.filter(indicator__indicator_set__in=sets)
    if indicator:
        values = values.filter(indicator__code=indicator)
    if status:
        values = values.filter(status=status)
    return paged(values, page=page, page_size=page_size,
                 ordering=("region__code", "-year", "-quarter", "indicator__indicator_set__code",
                           "indicator__indicator_set_id", "indicator__number", "pk"),
                 row=indicator_value_out)


@router.get("/indicator-values/{value_id}", response=IndicatorValueDetailOut,
            summary=_("One computed indicator value with its lineage"))
def indicator_value_detail(request, value_id: int):
    computed = get_object_or_404(_computed(request), pk=value_id)
    scope = visible_to(request.user)
    readable = set(scope.departments().filter(region=computed.region).values_list("pk", flat=True))
    return {**indicator_value_out(computed), "lineage": computed.lineage or {},
            "explained": lineage_explained(computed, selectors.lineage_page(computed), readable)}


# --- verdicts -------------------------------------------------------------------------------------------


class VerdictOut(Schema):
    id: int
    region: str
    standard: StandardOut
    year: int
    quarter: int
    period: str
    verdict: str
    reason: str
    points: str | None
    figures: dict[str, Any]
    computed_at: str


def verdict_out(verdict):
    return {"id": verdict.pk, "region": verdict.region.code, "standard": standard_out(verdict.indicator_set),
            "year": verdict.year, "quarter": verdict.quarter, "period": str(verdict.period),
            "verdict": verdict.verdict, "reason": verdict.reason, "points": text(verdict.points),
            "figures": verdict.figures or {}, "computed_at": moment(verdict.computed_at)}


@router.get("/verdicts", response=Page[VerdictOut], summary=_("Regions' verdicts under their standards"))
def verdict_list(request, region: str = "", quarter: str = "", year: int | None = None, standard: str = "",
                 verdict: Verdict | None = None, page: int = 1, page_size: int = 100):
    verdicts = visible_to(request.user).filter(
        RegionVerdict.objects.select_related("region", "indicator_set"), region="region")
    verdicts = in_region(request, verdicts, region, "region")
    verdicts = in_quarter(verdicts, quarter)
    if year is not None:
        verdicts = verdicts.filter(year=year)
    sets = standard_param(standard)
    if sets is not None:
        verdicts = verdicts.filter(indicator_set__in=sets)
    if verdict:
        verdicts = verdicts.filter(verdict=verdict)
    return paged(verdicts, page=page, page_size=page_size,
                 ordering=("region__code", "-year", "-quarter", "indicator_set__code", "indicator_set_id", "pk"),
                 row=verdict_out)
