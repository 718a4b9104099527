"""Writing Excel cells that cannot turn into formulas, and the layout every workbook the
portal hands out shares: fonts, number formats by kind of figure, the 填报单位／填报日期
line, A4 print set-up with page numbers, a titled table. Reading uploaded workbooks is
``core.workbook_reader``."""

from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

# Characters that make a spreadsheet treat text as a formula or a command.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def write_text(cell, value):
    """Put ``value`` in ``cell`` as data: text that starts like a formula stays text."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell.data_type = "s"
    return cell


def column_letter(index):
    return openpyxl.utils.get_column_letter(index)


def merge_bordered(sheet, first_row, first_column, last_row, last_column):
    """Merge a range whose cells already carry their borders and styles.

    openpyxl's ``merge_cells`` re-derives the edge borders cell by cell and checks the new
    range against every earlier one, which grows with the square of a large table's
    merges. The ranges merged here never overlap and are already bordered, so only the
    range is recorded and the covered cells become merged cells keeping their style."""
    merged = MergedCellRange(sheet, CellRange(min_row=first_row, min_col=first_column,
                                              max_row=last_row, max_col=last_column).coord)
    sheet.merged_cells.ranges.add(merged)
    for row, column in islice(merged.cells, 1, None):
        covered = MergedCell(sheet, row, column)
        existing = sheet._cells.get((row, column))
        if existing is not None:
            covered._style = copy(existing._style)
        sheet._cells[row, column] = covered


# --- the look of a table sent upward: fonts, number formats, the 填报单位 line, print set-up -------

BODY_FONT = Font(name="仿宋_GB2312", size=11)
HEADER_FONT = Font(name="黑体", size=11, bold=True)
TITLE_FONT = Font(name="方正小标宋_GBK", size=16)
LABEL_FONT = Font(name="黑体", size=12)
LINE_FONT = Font(name="仿宋_GB2312", size=12)
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
WRAP_LEFT = Alignment(wrap_text=True, vertical="center", horizontal="left")
NUMBER = Alignment(horizontal="right", vertical="center")

# Number formats, one per kind of figure, so a figure reads the same in every workbook as on
# the pages: points and scores to one decimal, an indicator's value to two (the pages'
# floatformat:2), counts whole, volumes and money with thousands separators.
SCORE = "0.0"
MEAN_SCORE = "0.00"  # an assessment group's points, the mean of its experts': two decimals as on its page
RATE = "0.0"  # a rate the pages show to one decimal: 建成率（%）
COUNT = "0"
VALUE = "0.00"
VOLUME = "#,##0.00"
MONEY = "#,##0.00"
VOLUME_UNITS = ("m³", "m3", "立方米")

FOOTER = "第 &P 页 共 &N 页"
LANDSCAPE_WIDTH = 100  # column widths adding up to more than an A4 portrait page holds


def value_format(unit):
    """The number format of an indicator's value in ``unit``: volumes (万m³, m³) with
    thousands separators, anything else (%, L/人·d, 个) as the pages show it."""
    return VOLUME if unit and any(mark in unit for mark in VOLUME_UNITS) else VALUE


def unit_line_texts(unit, day=None):
    """("填报单位：…", "填报日期：2026年1月5日"); ``day`` None leaves the date to be written by hand."""
    written = f"{day.year}年{day.month}月{day.day}日" if day else "　　　　年　　月　　日"
    return f"填报单位：{unit}", f"填报日期：{written}"


def unit_line(sheet, row, width, unit, day=None):
    """The 填报单位／填报日期 line under a title: the unit whose data the table holds on the
    left half, the date on the right."""
    unit_text, date_text = unit_line_texts(unit, day)
    split = max(width // 2, 1)
    for first, last, text, horizontal in ((1, split, unit_text, "left"), (split + 1, width, date_text, "right")):
        if first > last:  # a one-column sheet: both on one line
            cell = sheet.cell(row=row, column=1)
            cell.value = f"{cell.value}　　{text}"
            continue
        cell = write_text(sheet.cell(row=row, column=first), text)
        cell.font, cell.alignment = LINE_FONT, Alignment(horizontal=horizontal, vertical="center")
        if last > first:
            sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    sheet.row_dimensions[row].height = 24


def print_ready(sheet, *, header_rows, landscape=None):
    """A4, fitted to the page's width, the header rows (first, last) printed on every page,
    "第 1 页 共 3 页" centred at the foot. ``landscape`` None: landscape when the columns are
    wider than a portrait page. Safe on a write-only sheet before its first row."""
    if landscape is None:
        widths = sum(d.width or 9 for d in sheet.column_dimensions.values())
        landscape = widths > LANDSCAPE_WIDTH
    if header_rows:
        first, last = header_rows
        sheet.print_title_rows = f"{first}:{last}"
    setup = sheet.page_setup
    setup.paperSize = Worksheet.PAPERSIZE_A4
    setup.orientation = Worksheet.ORIENTATION_LANDSCAPE if landscape else Worksheet.ORIENTATION_PORTRAIT
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    margins = sheet.page_margins
    margins.left = margins.right = 0.5
    margins.top, margins.bottom, margins.footer = 0.75, 0.75, 0.3
    sheet.oddFooter.center.text = FOOTER
    sheet.oddFooter.center.size = 10


@dataclass(frozen=True)
class Column:
    """A column of ``titled_table``: its header, width and the number format of its figures."""

    header: str
    width: int
    number_format: str | None = None


def titled_table(sheet, title, columns, rows, *, unit, day):
    """A titled table with its 填报单位 line, a bordered header, one row per line (a figure
    kept a number, in its column's format), set up for printing. ``columns``: Columns or
    (header, width) pairs; a row's cell may be (value, number format) to format it alone."""
    columns = [column if isinstance(column, Column) else Column(*column) for column in columns]
    width, header_row = len(columns), 3
    title_cell = write_text(sheet.cell(row=1, column=1), title)
    title_cell.font, title_cell.alignment = TITLE_FONT, WRAP_CENTER
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.row_dimensions[1].height = 36
    unit_line(sheet, 2, width, unit, day)
    for index, column in enumerate(columns, start=1):
        cell = write_text(sheet.cell(row=header_row, column=index), column.header)
        cell.font, cell.alignment, cell.border = HEADER_FONT, WRAP_CENTER, BORDER
        sheet.column_dimensions[cell.column_letter].width = column.width
    count = 0
    for count, values in enumerate(rows, start=1):
        for index, (value, column) in enumerate(zip(values, columns, strict=False), start=1):
            number_format = column.number_format
            if isinstance(value, tuple):
                value, number_format = value
            cell = write_text(sheet.cell(row=header_row + count, column=index), value)
            cell.font, cell.border = BODY_FONT, BORDER
            is_number = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
            cell.alignment = NUMBER if is_number else WRAP_LEFT
            if is_number and number_format:
                cell.number_format = number_format
    if count == 0:
        cell = sheet.cell(row=header_row + 1, column=1, value="无")
        cell.font, cell.alignment = BODY_FONT, WRAP_LEFT
    sheet.freeze_panes = f"A{header_row + 1}"
    print_ready(sheet, header_rows=(header_row, header_row))
