"""The task-decomposition table in the official layout, as an .xlsx workbook.

Laid out like the 附件 of a 工作方案: the 附件 label, the title, a header row with 工作内容
over the sub-task and work-item columns, key tasks and sub-tasks merged over their rows,
牵头单位 and 配合单位 columns, thin borders, wrapped text, a Chinese font, a frozen header
and A4 landscape print set-up with the header repeated on every page.
"""

import math

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.properties import PageSetupProperties

from core.excel import CellStyle, merge_bordered, write_text

from .selectors import walk

BODY_FONT = Font(name="仿宋_GB2312", size=11)
HEADER_FONT = Font(name="黑体", size=11, bold=True)
TITLE_FONT = Font(name="方正小标宋_GBK", size=16)
LABEL_FONT = Font(name="黑体", size=12)
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
WRAP_LEFT = Alignment(wrap_text=True, vertical="center", horizontal="left")
LINE_HEIGHT = 15  # points per line of 11-point text
HEADER_ROW = 3


def department_names(departments):
    return "、".join(department.short_name for department in departments)


def build_workbook(plan, roots, *, title=None, label="附件", extra_columns=()):
    """``roots`` are ``selectors.plan_tree`` rows; returns an openpyxl Workbook.
    ``extra_columns`` are (header, width, value of a work-item row) added after the
    departments, e.g. the quarter's progress in the quarterly report."""
    rows = list(walk(roots))
    has_sub_tasks = any(row.level == 2 for row in rows)
    columns = [("重点任务", 22, WRAP_CENTER)]
    if has_sub_tasks:
        columns += [("工作内容", 24, WRAP_LEFT), ("", 60, WRAP_LEFT)]
    else:
        columns += [("工作内容", 70, WRAP_LEFT)]
    columns += [("牵头单位", 18, WRAP_CENTER), ("配合单位", 32, WRAP_CENTER)]
    columns += [(header, column_width, WRAP_LEFT) for header, column_width, _value in extra_columns]
    width = len(columns)

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "任务分解表"
    sheet.cell(row=1, column=1, value=label).font = LABEL_FONT
    write_text(sheet.cell(row=2, column=1), title or f"{plan.title}任务分解表")
    sheet.cell(row=2, column=1).font = TITLE_FONT
    sheet.cell(row=2, column=1).alignment = WRAP_CENTER
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet.row_dimensions[2].height = 36
    for index, (name, column_width, _) in enumerate(columns, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=name or None)
        cell.font, cell.alignment, cell.border = HEADER_FONT, WRAP_CENTER, BORDER
        sheet.column_dimensions[cell.column_letter].width = column_width
    if has_sub_tasks:
        sheet.merge_cells(start_row=HEADER_ROW, start_column=2, end_row=HEADER_ROW, end_column=3)
    sheet.row_dimensions[HEADER_ROW].height = 30

    item_column = 3 if has_sub_tasks else 2
    lead_column = item_column + 1
    current_row = HEADER_ROW
    spans = []  # (column, first row, last row) for key tasks and sub-tasks
    for key_task in roots:
        first_of_key = current_row + 1
        for child in key_task.children or [None]:
            first_of_sub = current_row + 1
            items = [child] if child is not None and child.node.is_work_item else (child.children if child else [])
            for item in items or [None]:
                current_row += 1
                _write_item(sheet, current_row, item, item_column, lead_column, columns, extra_columns)
            if has_sub_tasks:
                sub_label = child.node.label if child is not None and not child.node.is_work_item else ""
                write_text(sheet.cell(row=first_of_sub, column=2), sub_label or None)
                spans.append((2, first_of_sub, current_row))
        write_text(sheet.cell(row=first_of_key, column=1), key_task.node.label)
        spans.append((1, first_of_key, current_row))

    body = {alignment: CellStyle(sheet, font=BODY_FONT, alignment=alignment, border=BORDER)
            for alignment in (WRAP_CENTER, WRAP_LEFT)}  # fmt: skip
    for row in range(HEADER_ROW + 1, current_row + 1):
        for index, (_, _, alignment) in enumerate(columns, start=1):
            body[alignment].apply(sheet.cell(row=row, column=index))
    for column, first, last in spans:
        if last > first:
            merge_bordered(sheet, first, column, last, column)

    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    return workbook


def _write_item(sheet, row, item, item_column, lead_column, columns, extra_columns=()):
    if item is None:
        return
    node = item.node
    values = {
        item_column: node.label,
        lead_column: department_names(item.leads),
        lead_column + 1: department_names(item.cooperators),
    }
    for offset, (_header, _width, value) in enumerate(extra_columns, start=2):
        values[lead_column + offset] = value(item)
    lines = 1
    for column, value in values.items():
        write_text(sheet.cell(row=row, column=column), value or None)
        lines = max(lines, _lines(value, columns[column - 1][1]))
    sheet.row_dimensions[row].height = max(LINE_HEIGHT * lines + 6, 20)


def _lines(text, column_width):
    """Lines a text needs in a column: a Chinese character is about two width units."""
    if not text:
        return 1
    per_line = max(int(column_width / 2.1), 1)
    return sum(max(math.ceil(len(part) / per_line), 1) for part in text.split("\n"))
