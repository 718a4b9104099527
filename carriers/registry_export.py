"""Writing the registry files (layout: ``registry_layout``): one row per water user and
year, one row per carrier certification, with drop-down lists for the labelled columns.
Pure: builds workbooks (bytes); the view reads the database."""

import datetime
import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.datavalidation import DataValidation

from core.excel import COUNT, VOLUME, column_letter, print_ready, unit_line, write_text

from .models import Carrier
from .registry_layout import (
    BUILT_IN_KINDS,
    CARRIER_COLUMNS,
    CARRIERS_SHEET,
    DATE_FIELDS,
    FIGURE_FIELDS,
    FIRST_DATA_ROW,
    HEADER_ROW,
    KIND_LABELS,
    LEAK_COLUMNS,
    LEAKS_SHEET,
    LEVEL_LABELS,
    STATUS_LABELS,
    TITLE_ROW,
    UNIT_ROW,
    USER_COLUMNS,
    USERS_SHEET,
    VALIDATION_ROWS,
    VOLUME_FIELDS,
    carriers_title,
    leaks_title,
    users_title,
)

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TITLE_FONT = Font(name="黑体", size=14, bold=True)
HEADER_FONT = Font(name="黑体", bold=True)
# Each figure's number format: volumes and lengths with thousands separators, counts whole.
FORMATS = {**dict.fromkeys((*VOLUME_FIELDS, "irrigated_area_mu", "volume_lost", "inspected_km"), VOLUME),
           **dict.fromkeys(("households", "leaks_found", "leaks_repaired"), COUNT), "repair_hours": "0.0"}
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
TOP = Alignment(vertical="top", wrap_text=True)


def build_users(region, users):
    """The users file of ``region``: one row per user and year, newest year first (a user
    without yearly figures: one row with the year columns empty). ``users`` are WaterUsers,
    ideally with their ``years`` prefetched."""
    workbook, sheet = _sheet(USERS_SHEET, users_title(region), USER_COLUMNS, region)
    number = HEADER_ROW
    for user in sorted(users, key=lambda u: u.name):
        years = sorted(user.years.all(), key=lambda y: -y.year) or [None]
        for figures in years:
            number += 1
            values = {
                "name": user.name,
                "credit_code": user.credit_code,
                "kind": KIND_LABELS.get(user.kind, user.kind),
                "industry": user.industry,
                "sources": user.sources_text,
            }
            if figures is not None:
                values["year"] = figures.year
                values.update({name: getattr(figures, name) for name in FIGURE_FIELDS})
            _row(sheet, number, USER_COLUMNS, values)
    _choices(sheet, USER_COLUMNS, "kind", KIND_LABELS.values())
    return _bytes(workbook)


def build_carriers(region, carriers, kinds=BUILT_IN_KINDS):
    """The carriers file of ``region``: one row per carrier certification (with its
    ``standard`` selected), in the order of ``kinds`` (a KindTable)."""
    workbook, sheet = _sheet(CARRIERS_SHEET, carriers_title(region), CARRIER_COLUMNS, region)
    types, levels = list(kinds.labels), list(Carrier.Level.values)
    ordered = sorted(carriers, key=lambda c: (types.index(c.carrier_type_id), levels.index(c.level), c.name, c.pk or 0))
    for number, carrier in enumerate(ordered, start=FIRST_DATA_ROW):
        values = {
            "carrier_type": kinds.labels[carrier.carrier_type_id],
            "holder": carrier.holder,
            "standard": str(carrier.standard) if carrier.standard_id else "",
            "level": LEVEL_LABELS.get(carrier.level, carrier.level),
            "status": STATUS_LABELS.get(carrier.status, carrier.status),
            "user_name": carrier.user.name if carrier.user_id else "",
            "credit_code": carrier.user.credit_code if carrier.user_id else "",
            "entity_name": carrier.entity_name,
            "notes": carrier.notes,
            **{name: getattr(carrier, name) for name in DATE_FIELDS},
        }
        _row(sheet, number, CARRIER_COLUMNS, values)
    _choices(sheet, CARRIER_COLUMNS, "carrier_type", kinds.labels.values())
    _choices(sheet, CARRIER_COLUMNS, "level", LEVEL_LABELS.values())
    _choices(sheet, CARRIER_COLUMNS, "status", STATUS_LABELS.values())
    return _bytes(workbook)


def _sheet(name, title, columns, region):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = name
    title_cell = write_text(sheet.cell(row=TITLE_ROW, column=1), title)
    title_cell.font, title_cell.alignment = TITLE_FONT, CENTER
    sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=len(columns))
    sheet.row_dimensions[TITLE_ROW].height = 28
    unit_line(sheet, UNIT_ROW, len(columns), region.name, timezone.localdate())
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=column.header)
        cell.font, cell.border, cell.alignment = HEADER_FONT, BORDER, CENTER
        sheet.column_dimensions[column_letter(index)].width = column.width
    sheet.row_dimensions[HEADER_ROW].height = 32
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=2)
    print_ready(sheet, header_rows=(HEADER_ROW, HEADER_ROW))
    return workbook, sheet


def _row(sheet, number, columns, values):
    for index, column in enumerate(columns, start=1):
        value = values.get(column.key)
        cell = sheet.cell(row=number, column=index)
        if isinstance(value, str):
            write_text(cell, value or None)
        else:
            cell.value = value
        cell.border, cell.alignment = BORDER, TOP
        if column.key == "credit_code":
            cell.number_format = "@"
        elif isinstance(value, datetime.date):
            cell.number_format = "yyyy-mm-dd"
        elif column.key in FORMATS:
            cell.number_format = FORMATS[column.key]


def _choices(sheet, columns, key, labels):
    """A drop-down of ``labels`` on the column ``key`` (Excel still accepts pasted text;
    the import checks every value again)."""
    letter = column_letter(next(i for i, c in enumerate(columns, start=1) if c.key == key))
    validation = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True)
    validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{max(sheet.max_row, FIRST_DATA_ROW) + VALIDATION_ROWS}")
    sheet.add_data_validation(validation)


def _bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build_leak_repairs(region, records):
    """The leak-repair ledgers file of ``region``: one row per utility and month or quarter,
    latest year first."""
    workbook, sheet = _sheet(LEAKS_SHEET, leaks_title(region), LEAK_COLUMNS, region)
    ordered = sorted(records, key=lambda r: (-r.year, r.utility, r.quarter, r.month or 0))
    for number, record in enumerate(ordered, start=FIRST_DATA_ROW):
        values = {column.key: getattr(record, column.key) for column in LEAK_COLUMNS}
        _row(sheet, number, LEAK_COLUMNS, values)
    return _bytes(workbook)
