"""/api/v1/ writes of statistics: a department's system (or a water utility's, posting its
leakage figures as the department's utility rows) sends the figures of its data report, and
a city's statistics bureau the figures of many counties. Both go through the pages' own
checks and services: the entry form (``DataEntryForm``) and ``data_prepare`` +
``data_report_save``; the bulk import's ``bulk_statistics_prepare``/``_commit`` on the same
``Parsed`` rows its workbook reader makes."""

import hashlib
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Schema

from core.api import Input, NumberText, Refused, audited_api, quarter_param
from core.errors import ImportBlocked
from core.numbers import plain
from core.text import normalize_name
from core.workflow import EditConflict, TransitionRefused
from org.api_auth import api_reporting_department, require_write
from org.scoping import visible_to

from . import bulk_workbook, selectors

# The read routes' router: a path both read and written is one route with two methods.
from .api import DataReportOut, data_report_out, router
from .forms import DataEntryForm
from .models import Indicator
from .services import (
    Entry,
    UtilityEntry,
    bulk_statistics_commit,
    bulk_statistics_prepare,
    data_prepare,
    data_report_entry,
    data_report_save,
)
from .validation import UTILITY_FIELDS

MAX_VALUES = 500
MAX_BULK_ROWS = 20_000  # a province's counties × a quarter's figures; a national file goes by the page


def _quarter(text):
    quarter = quarter_param(text)
    if quarter is None:
        raise Refused(_("Nothing was written: name the quarter."), [("quarter", _("is required"))])
    return quarter


# --- a department's data report ------------------------------------------------------------------


class ValueIn(Input):
    element: str
    value: NumberText = Field(None, description="A number or its text; null clears the figure.")
    comment: str | None = Field(None, description="Left out: the stored remark is kept.")


class UtilityIn(Input):
    utility: str
    supply: NumberText = None
    registered: NumberText = None
    resident_metered: NumberText = None
    pipe_km: NumberText = None
    pressure: NumberText = None
    frost_depth: NumberText = None
    comment: str = ""


class DataReportIn(Input):
    quarter: str
    submit: bool = False
    confirm_warnings: bool = False
    version: int | None = Field(None, description="The report's version read; null for a report not stored yet.")
    values: list[ValueIn] = Field(default_factory=list, max_length=MAX_VALUES)
    utilities: list[UtilityIn] | None = Field(
        None, max_length=MAX_VALUES,
        description="The water utilities' leakage figures, every one (a utility left out is removed); "
                    "left out: kept as stored.")


def _duties(department):
    indicator_sets = selectors.adopted_sets_of(department.region)
    if not indicator_sets:
        raise Refused(_("Nothing was written: %(region)s has adopted no standard, so no figures are reported.")
                      % {"region": department.region.name}, [("quarter", _("no figures are reported"))])
    return selectors.duties_for(department.region, indicator_sets)


def _form_data(payload, report, stored):
    """What the entry page would post: the figures sent (a remark left out: the stored one)
    and the utility rows, row j as the page's row j."""
    # Not stored yet (a stored one without a version was refused): the new report's version.
    data = {"version": report.version if payload.version is None else payload.version}
    if payload.confirm_warnings:
        data["confirm_warnings"] = "on"
    for row in payload.values:
        data[f"value_{row.element}"] = row.value or ""
        kept = stored[row.element].comment if row.element in stored else ""
        data[f"comment_{row.element}"] = kept if row.comment is None else row.comment
    for index, row in enumerate(payload.utilities or []):
        data[f"u{index}_utility"] = row.utility
        data[f"u{index}_comment"] = row.comment
        for key, _label in UTILITY_FIELDS:
            data[f"u{index}_{key}"] = getattr(row, key) or ""
    return data


class _Where:
    """The caller's field for a finding key of ``data_prepare`` or the form."""

    def __init__(self, payload, form):
        self.values = {row.element: index for index, row in enumerate(payload.values)}
        self.form = form

    def finding(self, key, *, value="value"):
        if key in self.values:
            return f"values[{self.values[key]}].{value}"
        if key.startswith("utility-"):
            parts = key.split("-", 2)
            index = getattr(self.form, "utility_positions", {}).get(int(parts[1]), int(parts[1]))
            return f"utilities[{index}].{parts[2] if len(parts) > 2 else 'utility'}"
        if key == "utilities":
            return "utilities"
        return f"values({key})" if key.isupper() else key

    def form_field(self, name):
        match = re.fullmatch(r"(value|comment)_(.+)", name)
        if match and match.group(2) in self.values:
            return f"values[{self.values[match.group(2)]}].{match.group(1)}"
        match = re.fullmatch(r"u(\d+)_(.+)", name)
        if match:
            return f"utilities[{match.group(1)}].{match.group(2)}"
        return "" if name == "__all__" else name


@router.post("/data-reports", response=DataReportOut, summary=_("Save or submit the department's figures"))
@audited_api(gettext_lazy("Save statistics through the API"))
def data_report_write(request, payload: DataReportIn):
    """The token's department's figures for a quarter (and, where it reports leakage, its
    water utilities' figures), checked as the entry page checks them, all or nothing.
    Plausibility warnings refuse the save (422 with ``warnings``) until sent again with
    ``confirm_warnings``; a figure the department does not report: 422 naming it."""
    require_write(request)
    department = api_reporting_department(request)
    quarter = _quarter(payload.quarter)
    duties = _duties(department)
    report = data_report_entry(department=department, quarter=quarter)
    mine = set(duties.elements_of(department))
    leakage = bool(duties.owned_indicators(department, Indicator.Method.LEAKAGE))
    errors, seen = [], set()
    for index, row in enumerate(payload.values):
        if row.element not in mine:
            errors.append((f"values[{index}].element", _("is not a figure %(department)s reports") % {
                "department": department.short_name or department.name}))
        elif row.element in seen:
            errors.append((f"values[{index}].element", _("is listed twice")))
        seen.add(row.element)
    if payload.utilities is not None and not leakage:
        errors.append(("utilities", _("%(department)s reports no water utility's leakage figures") % {
            "department": department.short_name or department.name}))
    if report.pk is not None and payload.version is None:
        raise Refused(_("Nothing was written: the report is already stored."), [
            ("version", _("the report is already stored (version %(version)s); read it and send its version")
             % {"version": report.version})], status=409)
    stored = {row.element.code: row for row in report.values.select_related("element")} if report.pk else {}
    utilities = payload.utilities if leakage else None
    form = DataEntryForm(
        _form_data(payload, report, stored), groups=selectors.entry_sheet(report, duties),
        utilities=[None] * len(payload.utilities) if utilities is not None else None,
    )
    where = _Where(payload, form)
    if not form.is_valid():
        errors += [(where.form_field(name), problem) for name, problems in form.errors.items() for problem in problems]
    if errors:
        raise Refused(_("Nothing was written; correct the fields named below."), errors)
    cleaned = form.cleaned_data
    entries = [Entry(code=row.element, raw=cleaned.get(f"value_{row.element}") or None,
                     comment=cleaned.get(f"comment_{row.element}", "")) for row in payload.values]
    if utilities is not None:
        utility_entries = form.utility_entries()
    elif leakage:  # left out: the stored rows, as they are
        utility_entries = [
            UtilityEntry(utility=row.utility, raw={key: plain(getattr(row, key)) for key, _label in UTILITY_FIELDS},
                         comment=row.comment)
            for row in selectors.utility_rows(report)]
    else:
        utility_entries = None
    prepared = data_prepare(report, duties=duties, entries=entries, utilities=utility_entries)
    version = report.version if report.pk is None else payload.version
    try:
        data_report_save(report=report, version=version, user=request.user, prepared=prepared, duties=duties,
                         confirm_warnings=payload.confirm_warnings, submit=payload.submit)
    except ImportBlocked as refused:
        findings = refused.preview
        if refused.warnings_only:
            raise Refused(
                _("Nothing was written: some figures look unusual. Check them and send again with "
                  "confirm_warnings: true."), [],
                warnings=[(where.finding(key), message) for key, items in findings.warnings.items()
                          for message in items]) from None
        raise Refused(_("Nothing was written; correct the fields named below."),
                      [(where.finding(key), message) for key, items in findings.errors.items()
                       for message in items]) from None
    except ValidationError as error:
        raise Refused(_("Not submitted, and nothing was written: the report is incomplete."),
                      [(where.finding(key), message) for key, items in error.message_dict.items()
                       for message in items]) from None
    except EditConflict as conflict:
        raise Refused(_("Nothing was written: the report was changed after it was read."), [
            ("version", _("the report was changed meanwhile (now version %(version)s); read it again and send "
                          "that version") % {"version": conflict.current.version})], status=409) from None
    except TransitionRefused as refused:
        raise Refused(_("Nothing was written."), [("", str(refused))]) from None
    report.refresh_from_db()
    return data_report_out(report)


# --- a statistics bureau's figures for many counties --------------------------------------------


class BulkRowIn(Input):
    region: str = Field(..., description="The county's division code, e.g. 500156.")
    element: str = Field(..., description="The data element's code.")
    department: str = Field("", description="The department that reports the figure, as the county names it "
                                            "(区水利局); checked when given.")
    value: NumberText = None
    comment: str = ""


class BulkStatisticsIn(Input):
    quarter: str
    confirm_warnings: bool = False
    rows: list[BulkRowIn] = Field(..., min_length=1, max_length=MAX_BULK_ROWS)


class BulkStatisticsOut(Schema):
    quarter: str
    counties: int
    new: int
    changed: int
    unchanged: int
    skipped: int
    reports_created: int
    reports_submitted: int


# The bulk import says where each problem is as its workbook's row and column.
_ROW_COLUMN = re.compile(r"^第(\d+)行 (\S+?)列：(.*)$", re.S)
_FIELDS = {"region_code": "region", "region_name": "region", "element_code": "element",
           "element_name": "element", "value": "value", "comment": "comment"}
_BY_HEADER = {header: _FIELDS[key] for key, header in bulk_workbook.HEADERS.items() if key in _FIELDS}


def _row_field(problem):
    """("rows[i].field", message) of one of the import's problems ("第N行 数值列：…", the row
    number being i + 1 here); ("", problem) for one of the whole import."""
    match = _ROW_COLUMN.match(problem)
    if match is None:
        return "", problem
    number, header, message = match.groups()
    return f"rows[{int(number) - 1}].{_BY_HEADER.get(header, 'value')}", message


def _bulk_rows(payload):
    """The rows as the bulk workbook's reader returns them (``bulk_workbook.Parsed``), row
    i + 1 for ``rows[i]``: the import checks them exactly as a file's."""
    return bulk_workbook.Parsed(rows=[
        bulk_workbook.Row(number=index + 1, region_code=row.region.strip(), region_name="",
                          element_code=row.element.strip().upper(), element_name="", value=row.value,
                          comment=row.comment.strip())
        for index, row in enumerate(payload.rows)])


def _department_errors(payload, counties):
    """The rows naming a department other than the one the county's standard gives the figure."""
    _sets, duties = selectors.duties_of_regions([county.pk for county in counties.values()])
    errors = []
    for index, row in enumerate(payload.rows):
        county = counties.get(row.region.strip())
        if not row.department or county is None or county.pk not in duties:
            continue
        owner = duties[county.pk].elements.get(row.element.strip().upper())
        if owner is None:
            continue  # the import names the figure nobody reports
        names = {normalize_name(owner.short_name), normalize_name(owner.name)}
        if normalize_name(row.department) not in names:
            errors.append((f"rows[{index}].department", _("%(county)s's %(element)s is reported by %(owner)s") % {
                "county": county.name, "element": row.element, "owner": owner.short_name or owner.name}))
    return errors


@router.post("/statistics/bulk", response=BulkStatisticsOut, summary=_("Import a quarter's figures of many counties"))
@audited_api(gettext_lazy("Import bulk statistics through the API"))
def statistics_bulk_write(request, payload: BulkStatisticsIn):
    """A statistics bureau's figures for many counties, imported as the bulk statistics
    page imports its workbook: each figure into the report of the department that reports
    it, the reports submitted for review. Only for the counties of the token's own region
    (``Scope.bulk_counties``: a city's system account; on the pages, administrators);
    any other county: 422 naming ``rows[i].region``, nothing written."""
    require_write(request)
    scope = visible_to(request.user)
    allowed = scope.bulk_counties()
    if not scope.is_admin and not allowed.exists():
        raise PermissionDenied(_("Only a city's statistics system account imports figures of many counties."))
    quarter = _quarter(payload.quarter)
    codes = {row.region.strip() for row in payload.rows}
    counties = {region.code: region for region in allowed.filter(code__in=codes)}
    errors = [(f"rows[{index}].region", _("is not a county within this token's region"))
              for index, row in enumerate(payload.rows) if row.region.strip() not in counties]
    if errors:
        raise Refused(_("Nothing was written; correct the fields named below."), errors)
    errors = _department_errors(payload, counties)
    if errors:  # with every other problem of the rows, as the import would name them
        preview = bulk_statistics_prepare(parsed=_bulk_rows(payload), quarter=quarter)
        raise Refused(_("Nothing was written; correct the fields named below."),
                      errors + [_row_field(problem) for problem in preview.errors])
    try:
        # The request's digest is kept with every figure, as the page keeps its file's.
        preview = bulk_statistics_commit(parsed=_bulk_rows(payload), quarter=quarter, user=request.user,
                                         source_sha256=hashlib.sha256(request.body).hexdigest(),
                                         confirm_warnings=payload.confirm_warnings)
    except ImportBlocked as blocked:
        if blocked.warnings_only:
            raise Refused(_("Nothing was written: some figures look unusual. Check them and send again with "
                            "confirm_warnings: true."), [],
                          warnings=[_row_field(problem) for problem in blocked.problems]) from None
        raise Refused(_("Nothing was written; correct the fields named below."),
                      [_row_field(problem) for problem in blocked.problems]) from None
    except IntegrityError:  # a department opened its report of the quarter while the import ran
        raise Refused(_("A department saved figures of this quarter at the same moment. Nothing was imported; "
                        "send again."), [], status=409) from None
    return {"quarter": str(quarter), "counties": preview.counties, "new": preview.new, "changed": preview.changed,
            "unchanged": preview.unchanged, "skipped": preview.skipped, "reports_created": preview.reports_created,
            "reports_submitted": preview.reports_submitted}
