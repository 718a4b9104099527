"""Importing one quarter's raw statistics for many counties at once (统计数据批量导入): an
administrator uploads the statistics yearbook's figures, one row per county × data element.

Every row is checked before anything is written (``bulk_statistics_prepare``); the commit
(``bulk_statistics_commit``) checks again under lock and writes all or nothing. Each figure
goes into the data report of the department that reports it in its county, exactly as if
that department had entered it: missing reports are created, and every report that gets a
new or changed figure is submitted by the administrator, so the figures count and the
district reviewer reviews them as usual. Figures of submitted or approved reports are never
changed here: the reviewer returns or reopens the report first.

A national file holds tens of thousands of rows, so both steps ask a fixed number of
queries whatever the row count, and the history of every written row is recorded in bulk.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core import workflow
from core.bulk import insert_rows, upsert
from core.errors import ImportBlocked
from core.history import record_bulk
from core.memory import cyclic_gc_paused
from core.recompute import mark_stale
from core.text import normalize_name
from org.models import Department, Region

from ..bulk_workbook import HEADERS
from ..models import DataElement, DataReport, DataValue
from ..selectors import duties_of_regions
from ..validation import NotANumber, fmt, parse_number
from .compute import RECOMPUTE

CHANGE_REASON = "统计数据批量导入"
# What a figure is written with (its id comes from the sequence).
VALUE_FIELDS = ["region", "element", "year", "quarter", "value", "report", "comment", "warnings", "source_sha256",
                "entered_by", "entered_at", "version"]
VALUE_KEY = ["region", "element", "year", "quarter"]
# DataValue keeps four decimals; a figure is compared and stored as it will be kept, so
# importing the same file twice changes nothing.
PLACES = Decimal("0.0001")
COMMENT_LENGTH = 300


@dataclass
class Write:
    """A figure the import writes: new, or changing the stored one (``existing``)."""

    row: int
    region: Region
    element: DataElement
    department: Department
    value: Decimal
    comment: str
    warnings: list
    report: DataReport | None  # the department's report of the quarter, when there is one
    existing: dict | None = None  # the stored figure: id, value, comment, version, report_id

    @property
    def old_text(self):
        return fmt(self.existing["value"] if self.existing else None)

    @property
    def new_text(self):
        return fmt(self.value)


@dataclass
class BulkPreview:
    quarter: object
    errors: list = field(default_factory=list)  # "第N行 …列：…", in row order
    warnings: list = field(default_factory=list)
    writes: list = field(default_factory=list)
    counties: int = 0
    unchanged: int = 0
    skipped: int = 0  # rows whose value cell is blank
    reports_created: int = 0
    reports_submitted: int = 0

    @property
    def ok(self):
        return not self.errors

    @property
    def new(self):
        return sum(1 for write in self.writes if write.existing is None)

    @property
    def changed(self):
        return len(self.writes) - self.new

    @property
    def needs_confirmation(self):
        return bool(self.warnings)


@dataclass
class _Known:
    """What the rows are checked against, read in a fixed number of queries."""

    regions: dict  # code -> Region
    elements: dict  # code -> DataElement
    sets: dict  # county id -> [IndicatorSet]
    owners: dict  # county id -> {element code: Department}
    reports: dict  # department id -> DataReport of the quarter
    reports_by_id: dict
    stored: dict  # (county id, element id) -> the stored figure


def _known(rows, quarter, *, lock):
    codes = {row.region_code for row in rows}
    regions = Region.objects.filter(code__in=codes).only("code", "name", "level").order_by("pk")
    if lock:  # two imports of the same counties at once: the second waits, then finds the first's figures
        regions = regions.select_for_update(no_key=True)
    regions = {r.code: r for r in regions}
    counties = [region for region in regions.values() if region.is_county]
    sets, duties = duties_of_regions([county.id for county in counties])
    of_quarter = {"region__in": counties, "year": quarter.year, "quarter": quarter.number}
    reports = DataReport.objects.filter(**of_quarter).select_related("department").order_by()
    if lock:  # a department saving at the same moment waits for the import, and the other way round
        reports = reports.select_for_update(of=("self",))
    reports = list(reports)
    stored = (
        DataValue.objects.filter(**of_quarter)
        .order_by()
        .values("id", "region_id", "element_id", "value", "comment", "version", "report_id")
    )
    return _Known(
        regions=regions, elements={e.code: e for e in DataElement.objects.all()}, sets=sets,
        owners={region_id: d.elements for region_id, d in duties.items()},
        reports={r.department_id: r for r in reports}, reports_by_id={r.pk: r for r in reports},
        stored={(row["region_id"], row["element_id"]): row for row in stored},
    )


def bulk_statistics_prepare(*, parsed, quarter, lock=False):
    """Check every row of ``parsed`` (a ``bulk_workbook.Parsed``) for ``quarter`` against
    what is stored; nothing is written. ``lock`` holds the quarter's reports of the
    counties until the transaction ends (the commit uses it)."""
    with cyclic_gc_paused():
        return _prepare(parsed, quarter, lock)


def _prepare(parsed, quarter, lock):
    preview = BulkPreview(quarter=quarter, errors=list(parsed.problems))
    if parsed.quarter is not None and parsed.quarter != quarter:
        preview.errors.insert(0, f"文件标题写的是{parsed.quarter.chinese_label}，"
                                 f"而导入选择的是{quarter.chinese_label}。请核对季度后重新上传。")
    filled = [row for row in parsed.rows if row.value is not None]
    preview.skipped = len(parsed.rows) - len(filled)
    known = _known(filled, quarter, lock=lock)
    seen, counties = {}, set()
    for row in filled:
        write = _check(row, known, preview, seen, counties)
        if write is not None:
            preview.writes.append(write)
    preview.counties = len(counties)
    touched = {write.department.id: write.report for write in preview.writes}
    preview.reports_created = sum(1 for report in touched.values() if report is None)
    preview.reports_submitted = len(touched) - preview.reports_created
    return preview


def _error(preview, row, column, message):
    preview.errors.append(f"第{row.number}行 {HEADERS[column]}列：{message}")


def _check(row, known, preview, seen, counties):
    """The ``Write`` of one filled-in row, or None when it is wrong (the errors are added
    to ``preview``) or changes nothing. (``.id``, not ``.pk``, here and below: these run
    once per row of a national file, and ``.pk`` looks the primary key up on every use.)"""
    region = known.regions.get(row.region_code)
    element = known.elements.get(row.element_code)
    if region is None:
        return _error(preview, row, "region_code", f"没有代码为“{row.region_code[:20]}”的行政区")
    if not region.is_county:
        return _error(preview, row, "region_code", f"{region.name}（{region.code}）不是区县级行政区，"
                                                   "统计数据按区县导入")
    counties.add(region.id)
    if not _same_name(row.region_name, region.name):
        return _error(preview, row, "region_name", f"“{row.region_name[:30]}”与代码{region.code}的"
                                                   f"行政区“{region.name}”不一致")
    if element is None:
        return _error(preview, row, "element_code", f"没有代码为“{row.element_code[:40]}”的数据项")
    if element.source != DataElement.Source.ENTERED:
        return _error(preview, row, "element_code", f"{element.name}（{element.code}）由节水载体名录自动计算，"
                                                    "不能导入")
    if not _same_name(row.element_name, element.name):
        return _error(preview, row, "element_name", f"“{row.element_name[:40]}”与数据项{element.code}的"
                                                    f"名称“{element.name}”不一致")
    try:
        value = parse_number(row.value)
    except NotANumber as error:
        return _error(preview, row, "value", str(error))
    value = value.quantize(PLACES)
    if value < 0 and element.min_value == 0:
        return _error(preview, row, "value", f"{fmt(value)} 是负数，{element.name}不能为负")
    if len(row.comment) > COMMENT_LENGTH:
        return _error(preview, row, "comment", f"备注超过{COMMENT_LENGTH}字")
    key = (region.id, element.id)
    if key in seen:
        return _error(preview, row, "element_code", f"与第{seen[key]}行重复：{region.name}的{element.name}"
                                                    "只能填一行")
    seen[key] = row.number
    if region.id not in known.sets:
        return _error(preview, row, "region_code", f"{region.name}尚未采用指标体系，无法确定由哪个部门填报")
    department = known.owners[region.id].get(element.code)
    if department is None:
        return _error(preview, row, "element_code", f"{region.name}的指标体系中没有部门负责填报{element.name}")
    return _compare(row, known, preview, region, element, department, value)


def _same_name(written, name):
    """A name cell left blank, or naming the same thing (spaces and full-width characters
    aside). Most cells are exactly the name: that is checked first, as it is cheapest."""
    return not written or written == name or normalize_name(written) == normalize_name(name)


def _compare(row, known, preview, region, element, department, value):
    stored = known.stored.get((region.id, element.id))
    # A blank remark keeps the stored one: a yearbook file has figures, not remarks.
    comment = row.comment or (stored["comment"] if stored else "")
    if stored is not None and stored["value"] == value and stored["comment"] == comment:
        preview.unchanged += 1
        return None
    report = known.reports.get(department.id)
    holders = [report, known.reports_by_id.get(stored["report_id"]) if stored else None]
    for holder in holders:
        if holder is not None and not holder.is_editable:
            return _error(
                preview, row, "value",
                f"{holder.department.name}{preview.quarter.chinese_label}的数据报告{holder.get_state_display()}，"
                f"不能通过批量导入修改（{element.name}现为{fmt(stored['value'] if stored else None)}，"
                f"导入为{fmt(value)}）。如需修改，请审核员先退回或重新打开该报告",
            )
    warnings = _plausibility(element, value)
    preview.warnings += [f"第{row.number}行 {HEADERS['value']}列：{region.name}{element.name} {w}" for w in warnings]
    return Write(row=row.number, region=region, element=element, department=department, value=value,
                 comment=comment, warnings=warnings, report=report,
                 existing=stored)


def _plausibility(element, value):
    """Outside the element's plausible range: possible for a real county, so a warning the
    administrator confirms (and that is stored with the figure for the reviewer)."""
    if element.min_value is not None and value < element.min_value:
        return [f"{fmt(value)} 小于合理下限 {fmt(element.min_value)}{element.unit}"]
    if element.max_value is not None and value > element.max_value:
        return [f"{fmt(value)} 大于合理上限 {fmt(element.max_value)}{element.unit}"]
    return []


# --- writing --------------------------------------------------------------------------------


def bulk_statistics_commit(*, parsed, quarter, user, source_sha256, confirm_warnings=False):
    """Check ``parsed`` again under lock and write it in one transaction; returns the
    preview of what was written. Raises ``ImportBlocked`` (nothing written; its ``preview``
    is the ``BulkPreview``) on any error, or on warnings without ``confirm_warnings``. The
    indicators of the counties written are recomputed once the transaction commits, in one job."""
    with cyclic_gc_paused(), transaction.atomic():
        preview = bulk_statistics_prepare(parsed=parsed, quarter=quarter, lock=True)
        if not preview.ok:
            raise ImportBlocked(preview.errors, preview=preview)
        if preview.needs_confirmation and not confirm_warnings:
            raise ImportBlocked(preview.warnings, preview=preview, warnings_only=True)
        if preview.writes:
            _write(preview.writes, quarter, user, source_sha256)
            _recompute_after_commit(preview.writes, quarter)
    return preview


def _write(writes, quarter, user, source_sha256):
    started = timezone.now()  # every row written below is stamped (auto_now) at or after this
    newest = {model: _newest_id(model) for model in (DataReport, DataValue)}
    counties = sorted({write.region.id for write in writes})
    of_quarter = {"year": quarter.year, "quarter": quarter.number}
    created, submitted = _file_reports(writes, quarter, user)
    _record_history(
        DataReport.objects.filter(submitted_by=user, **of_quarter), newest=newest[DataReport], created=created,
        changed=submitted, changed_since={"region__in": counties, "updated_at__gte": started}, user=user,
    )
    report_ids = dict(
        DataReport.objects.filter(region__in=counties, **of_quarter).order_by().values_list("department_id", "id")
    )
    created, changed = _write_values(writes, report_ids, quarter, user, source_sha256)
    _record_history(
        DataValue.objects.filter(entered_by=user, source_sha256=source_sha256, **of_quarter),
        newest=newest[DataValue], created=created, changed=changed,
        changed_since={"region__in": counties, "entered_at__gte": started}, user=user,
    )


def _newest_id(model):
    return model.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _file_reports(writes, quarter, user):
    """Write the report each department's figures go into: created as submitted where the
    department has none for the quarter, else its draft or returned report, submitted.
    Returns how many were created and how many submitted."""
    reports, created = {}, 0
    for write in writes:
        department_id = write.department.id
        if department_id in reports:
            continue
        report = write.report
        if report is None:
            report = DataReport(region_id=write.region.id, department_id=department_id, year=quarter.year,
                                quarter=quarter.number)
            created += 1
        else:
            report.version += 1  # a form opened before the import is refused, not saved over it
        workflow.mark_submitted(report, user)
        reports[department_id] = report
    upsert(DataReport, list(reports.values()), unique_fields=["department", "year", "quarter"],
           update_fields=["state", "submitted_at", "submitted_by", "version", "updated_at"])
    return created, len(reports) - created


def _write_values(writes, report_ids, quarter, user, source_sha256):
    """Write the figures: new ones inserted, changed ones updated on their natural key.
    Returns how many were created and how many changed."""
    entered_at = timezone.now()  # as auto_now would stamp each row
    user_id = user.pk if user else None
    created, changed = [], []
    for write in writes:
        version = write.existing["version"] + 1 if write.existing else 1
        row = (write.region.id, write.element.id, quarter.year, quarter.number, write.value,
               report_ids[write.department.id], write.comment, write.warnings, source_sha256, user_id, entered_at,
               version)
        (changed if write.existing else created).append(row)
    insert_rows(DataValue, VALUE_FIELDS, created)  # COPY from tuples: an instance per row cost seconds
    attnames = [DataValue._meta.get_field(name).attname for name in VALUE_FIELDS]
    upsert(DataValue, [DataValue(**dict(zip(attnames, row, strict=True))) for row in changed],
           unique_fields=VALUE_KEY, update_fields=[name for name in VALUE_FIELDS if name not in VALUE_KEY])
    return len(created), len(changed)


def _record_history(mine, *, newest, created, changed, changed_since, user):
    """History rows for what was just written, copied by the database from the rows
    (``record_bulk``) and picked out without sending tens of thousands of ids back: created
    rows have an id above the largest one before the write, changed rows were stamped since
    the write began. ``mine`` narrows to rows carrying the administrator (and the file);
    with the quarter's reports locked, nothing else writes these rows meanwhile."""
    if created:
        record_bulk(mine.filter(id__gt=newest), history_type="+", user=user, reason=CHANGE_REASON)
    if changed:
        record_bulk(mine.filter(id__lte=newest, **changed_since), history_type="~", user=user, reason=CHANGE_REASON)


def _recompute_after_commit(writes, quarter):
    """Every county written, recomputed once the transaction commits, in one job (not one
    per county: a national import would enqueue thousands): the quarter and the same quarter
    next year, whose year-on-year rules read it."""
    counties = sorted({write.region.id for write in writes})
    mark_stale(RECOMPUTE, region_ids=counties, quarters=[quarter, quarter.shift(4)])
