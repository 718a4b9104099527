"""The bulk statistics file (统计数据批量导入表): for one quarter, one row per county × data
element, the long table a statistics yearbook is copied into. An administrator downloads it
for a quarter (pre-filled with what is stored), fills it in and uploads it again.

The national file has tens of thousands of rows, so it is written with openpyxl's
write-only mode and read a row at a time through ``core.workbook_reader``. Reading is pure: it returns the rows with
their Excel row numbers and the problems found by row; nothing here touches the database.
"""

import io
import re
from dataclasses import dataclass, field
from itertools import islice
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from core.errors import FileUnreadable
from core.excel import FORMULA_TRIGGERS, column_letter, print_ready, write_text
from core.memory import cyclic_gc_paused
from core.periods import CHINESE_DIGITS, Quarter
from core.text import normalize_name
from core.workbook_measure import damaged_workbook
from core.workbook_reader import cell_text, load_workbook, read_rows

TITLE = "统计数据批量导入表"
SHEET = "统计数据"
# (key, header, width)
COLUMNS = [
    ("region_code", "行政区划代码", 14),
    ("region_name", "行政区名称", 16),
    ("element_code", "数据项代码", 26),
    ("element_name", "数据项名称", 42),
    ("unit", "单位", 10),
    ("value", "数值", 16),
    ("comment", "备注", 30),
]
HEADERS = {key: header for key, header, _width in COLUMNS}
REQUIRED = ("region_code", "element_code", "value")
HEADER_ROW = 3
# The header is looked for in the first rows only: a file whose header is further down is
# not this table.
HEADER_SEARCH_ROWS = 20
# 2,844 counties × 50 data elements: anything longer is not a quarter's statistics.
MAX_ROWS = 150_000
INSTRUCTIONS = (
    "说明：每行一个区县的一个数据项。只填写“数值”和“备注”两列，不要修改代码列；数值只填数字，不带单位；"
    "“累计”数填本年1月1日至本季度末的累计值。数值留空的行不导入；备注留空时保留原有备注。"
)
_TITLE_QUARTER = re.compile(r"(\d{4})\s*年\s*第?\s*([1-4一二三四])\s*季度")

THIN = Side(style="thin")
HEADER_FONT = Font(name="黑体", bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center")


class TemplateRow(NamedTuple):
    """One row of the downloadable file: a county, a data element and what is stored. (A
    tuple: the national file has tens of thousands of them.)"""

    region_code: str
    region_name: str
    element_code: str
    element_name: str
    unit: str
    value: object = None
    comment: str = ""


def title_of(quarter, scope_name):
    return f"{scope_name}{quarter.chinese_label}{TITLE}"


def _styled(sheet, value, **style):
    # Text whatever it starts with: the title begins with a region's name.
    cell = write_text(WriteOnlyCell(sheet), value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _text(sheet, value):
    """A plain value, or a cell forced to text when a string would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def build(rows, *, quarter, scope_name):
    """The file's bytes: a title naming the quarter, the instructions, the header and one
    row per ``TemplateRow``. Data cells carry no style: a styled cell costs an object each,
    and the national file has tens of thousands of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    for index, (_key, _header, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[column_letter(index)].width = width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    # An import table, not a form sent upward: printable, but no 填报单位 line, and its
    # figures unstyled (a styled cell costs an object each, and the national file is long).
    print_ready(sheet, header_rows=(HEADER_ROW, HEADER_ROW), landscape=True)
    sheet.append([_styled(sheet, title_of(quarter, scope_name), font=Font(name="黑体", size=14))])
    sheet.append([_styled(sheet, INSTRUCTIONS, font=Font(size=9, color="555555"))])
    sheet.append([
        _styled(sheet, header, font=HEADER_FONT, fill=HEADER_FILL, border=HEADER_BORDER, alignment=HEADER_ALIGNMENT)
        for _key, header, _width in COLUMNS
    ])
    for row in rows:
        sheet.append([
            row.region_code, _text(sheet, row.region_name), row.element_code, _text(sheet, row.element_name),
            _text(sheet, row.unit), row.value, _text(sheet, row.comment or None),
        ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading ---------------------------------------------------------------------------------


class Row(NamedTuple):
    """One row of an uploaded file as written; ``value`` is the raw cell value."""

    number: int
    region_code: str
    region_name: str
    element_code: str
    element_name: str
    value: object
    comment: str


@dataclass
class Parsed:
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # "第N行 …列：…", in row order
    quarter: Quarter | None = None  # the quarter the title names, if it names one


def read(data):
    """Parse an uploaded file. Raises ``FileUnreadable`` for a file that is not this table
    (not a workbook, no header, too many rows); returns every row with a value or a code."""
    workbook = load_workbook(data)
    try:
        if not workbook.worksheets:
            raise _no_header()
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        if sheet.size.rows > MAX_ROWS:  # known before the sheet is parsed
            raise _too_long()
        with cyclic_gc_paused():
            return _read_rows(read_rows(sheet, max_rows=None))
    finally:
        workbook.close()


def _no_header():
    return FileUnreadable(
        f"没有找到{TITLE}的表头（应有“{HEADERS['region_code']}”“{HEADERS['element_code']}”"
        f"“{HEADERS['value']}”等列）。请下载导入模板后填写。"
    )


def _too_long():
    return FileUnreadable(f"文件超过{MAX_ROWS}行，不像一个季度的统计数据，未导入任何内容。")


def _read_rows(cells):
    cells = iter(cells)  # the header search and the rows below it share one pass
    parsed = Parsed()
    columns, header_row = None, 0
    for values in islice(cells, HEADER_SEARCH_ROWS):
        header_row += 1
        columns = _header(values)
        if columns is not None:
            break
        parsed.quarter = parsed.quarter or _quarter_in(values)
    if columns is None:
        raise _no_header()
    positions = [columns.get(key) for key, _header, _width in COLUMNS]
    for number, values in enumerate(cells, start=header_row + 1):
        if number > MAX_ROWS:
            raise _too_long()
        row = _row(number, values, positions)
        if row is None:
            continue
        if (row.region_code and row.element_code) or row.value is None:
            parsed.rows.append(row)
            continue
        missing = [key for key in ("region_code", "element_code") if not getattr(row, key)]
        parsed.problems += [f"第{number}行 {HEADERS[key]}列：填了数值，但{HEADERS[key]}为空" for key in missing]
    return parsed


def _header(values):
    """{column key: 0-based index} when ``values`` is the header row, else None."""
    found = {}
    wanted = {header: key for key, header, _width in COLUMNS}
    for index, value in enumerate(values):
        key = wanted.get(normalize_name(cell_text(value)))
        if key is not None and key not in found:
            found[key] = index
    return found if all(key in found for key in REQUIRED) else None


def _quarter_in(values):
    for value in values:
        match = _TITLE_QUARTER.search(normalize_name(cell_text(value)))
        if match:
            year, number = match.groups()
            try:
                return Quarter(int(year), CHINESE_DIGITS.get(number) or int(number))
            except ValueError:  # a year no quarter can have: the title names no quarter
                return None
    return None


def _row(number, values, positions):
    """A ``Row``, or None for a row with nothing in it (blank rows between blocks)."""
    width = len(values)
    region_code, region_name, element_code, element_name, _unit, value, comment = [
        values[position] if position is not None and position < width else None for position in positions
    ]
    if value.__class__ is str:
        if not value.strip():
            value = None
    elif value.__class__ is float and value != value:
        raise damaged_workbook("NaN")  # no spreadsheet program stores NaN
    region_code, element_code = cell_text(region_code), cell_text(element_code)
    if value is None and not region_code and not element_code:
        return None
    return Row(
        number=number, region_code=region_code, region_name=cell_text(region_name), element_code=element_code.upper(),
        element_name=cell_text(element_name), value=value, comment=cell_text(comment),
    )
