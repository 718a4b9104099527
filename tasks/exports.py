"""The task-decomposition table as an .xlsx workbook: in the layout of the table the plan
was imported from (``build_source_workbook``: its label, title, headers, columns and words
as written), or in the official layout (``build_workbook``).

The official layout is like the 附件 of a 工作方案: the 附件 label, the title, a header row with 工作内容
over the sub-task and work-item columns, key tasks and sub-tasks merged over their rows,
牵头单位 and 配合单位 columns, thin borders, wrapped text, a Chinese font, a frozen header
and A4 landscape print set-up with the header repeated on every page.
"""

import math
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.cell_range import CellRange

from core.excel import (
    BODY_FONT,
    BORDER,
    HEADER_FONT,
    LABEL_FONT,
    LINE_FONT,
    TITLE_FONT,
    WRAP_CENTER,
    WRAP_LEFT,
    column_letter,
    merge_bordered,
    print_ready,
    unit_line_texts,
    write_text,
)
from core.styled_rows import CellStyle, StyledRows

from .selectors import targets_by_node, walk
from .wording import target_label

LINE_HEIGHT = 15  # points per line of 11-point text
HEADER_ROW = 3


def department_names(departments):
    return "、".join(department.short_name for department in departments)


def written_departments(text, departments):
    """A department cell as the table wrote it (group names and spellings kept); the
    departments' short names for an item made by hand."""
    return text or department_names(departments)


def official_label(node):
    """A task's number and text in the official layout, which has no 序号 column: a bare
    序号 ("3") is printed "3." before the text, as a number in a text is."""
    if node.source_cells.get("serial") and node.number.isdigit():
        return f"{node.number}.{node.text}"
    return node.label


def official_title(plan):
    """"<plan>任务分解表", without doubling a title that already says so."""
    if plan.title.endswith(("任务分解表", "任务分工", "分解表")):
        return plan.title
    return f"{plan.title}任务分解表"


def build_workbook(plan, roots, *, title=None, label="附件", extra_columns=(), streaming=True, unit=None):
    """``roots`` are ``selectors.plan_tree`` rows; returns an openpyxl Workbook.
    ``extra_columns`` are (header, width, value of a work-item row) added after the
    departments, e.g. the quarter's progress in the quarterly report. ``unit``: (unit, day)
    of a 填报单位／填报日期 line under the title (the report's sheet), which the plan's own
    附件 has not.

    With ``streaming`` the workbook is write-only: rows go out as they are appended, which
    saves a large table several times faster, but the workbook can only be saved. The
    quarterly report, which adds sheets of its own, asks for an ordinary one."""
    header_row = HEADER_ROW + (unit is not None)
    columns, rows, spans, has_sub_tasks = _layout(roots, [target_column(plan), *extra_columns], header_row)
    workbook = Workbook(write_only=streaming)
    sheet = workbook.create_sheet("任务分解表") if streaming else workbook.active
    sheet.title = "任务分解表"
    width = len(columns)
    for index, (_name, column_width, _alignment) in enumerate(columns, start=1):
        sheet.column_dimensions[column_letter(index)].width = column_width
    styles = {
        "label": CellStyle(sheet, font=LABEL_FONT), "title": CellStyle(sheet, font=TITLE_FONT, alignment=WRAP_CENTER),
        "header": CellStyle(sheet, font=HEADER_FONT, alignment=WRAP_CENTER, border=BORDER),
        "unit": CellStyle(sheet, font=LINE_FONT, alignment=Alignment(horizontal="left", vertical="center")),
        "date": CellStyle(sheet, font=LINE_FONT, alignment=Alignment(horizontal="right", vertical="center")),
        **{alignment: CellStyle(sheet, font=BODY_FONT, alignment=alignment, border=BORDER)
           for alignment in (WRAP_CENTER, WRAP_LEFT)},
    }
    # before the first row: a streamed sheet writes its views then
    sheet.freeze_panes = f"A{header_row + 1}"
    print_ready(sheet, header_rows=(header_row, header_row), landscape=True)
    writer = StyledRows(sheet)
    writer.append([(label, styles["label"])])
    writer.append([(title or official_title(plan), styles["title"])], height=36)
    split = width // 2
    if unit is not None:
        unit_text, date_text = unit_line_texts(*unit)
        writer.append([(unit_text, styles["unit"])] + [(None, styles["unit"])] * (split - 1)
                      + [(date_text, styles["date"])], height=24)
    writer.append([(name, styles["header"]) for name, _width, _alignment in columns], height=30)
    body = [styles[alignment] for _name, _width, alignment in columns]  # looked up once: styles hash slowly
    for values, height in rows:
        writer.append(list(zip(values, body, strict=True)), height)
    merges = [(2, 1, 2, width)] + ([(header_row, 2, header_row, 3)] if has_sub_tasks else [])
    if unit is not None:
        merges += [(3, 1, 3, split), (3, split + 1, 3, width)]
    merges += [(first, column, last, column) for column, first, last in spans if last > first]
    for first_row, first_column, last_row, last_column in merges:
        if streaming:  # the ranges never overlap: no need for MultiCellRange.add's check against each
            sheet.merged_cells.ranges.add(CellRange(min_row=first_row, min_col=first_column, max_row=last_row,
                                                    max_col=last_column))
        else:
            merge_bordered(sheet, first_row, first_column, last_row, last_column)
    return workbook


def target_column(plan):
    """(header, width, value of a work-item row) of the 目标要求 column: each item's targets
    as the portal understood them, "≥2个；12月31日前≥1家". Headed so the import reads it
    back as the targets of the row. One query for the whole plan."""
    by_node = targets_by_node(plan)
    return "目标要求", 24, lambda item: "；".join(target_label(target, default_year=plan.start_year)
                                              for target in by_node.get(item.node.pk, []))


def _layout(roots, extra_columns, header_row):
    """(columns, rows, spans, has sub-tasks): the columns as (header, width, alignment); each
    body row as (values, height or None); the key-task and sub-task cells to merge as
    (column, first row, last row), counted with the header at ``header_row``."""
    has_sub_tasks = any(row.level == 2 for row in walk(roots))
    columns = [("重点任务", 22, WRAP_CENTER)]
    if has_sub_tasks:
        columns += [("工作内容", 24, WRAP_LEFT), ("", 60, WRAP_LEFT)]
    else:
        columns += [("工作内容", 70, WRAP_LEFT)]
    columns += [("牵头单位", 18, WRAP_CENTER), ("配合单位", 32, WRAP_CENTER)]
    columns += [(header, column_width, WRAP_LEFT) for header, column_width, _value in extra_columns]
    item_column = 2 if has_sub_tasks else 1  # 0-based
    rows, spans = [], []
    for key_task in roots:
        first_of_key = len(rows)
        for child in key_task.children or [None]:
            first_of_sub = len(rows)
            items = [child] if child is not None and child.node.is_work_item else (child.children if child else [])
            for item in items or [None]:
                rows.append(_item_row(item, item_column, columns, extra_columns))
            if has_sub_tasks:
                sub_label = official_label(child.node) if child is not None and not child.node.is_work_item else ""
                rows[first_of_sub][0][1] = sub_label or None
                spans.append((2, header_row + 1 + first_of_sub, header_row + len(rows)))
        rows[first_of_key][0][0] = official_label(key_task.node)
        spans.append((1, header_row + 1 + first_of_key, header_row + len(rows)))
    return columns, rows, spans, has_sub_tasks


def _item_row(item, item_column, columns, extra_columns):
    """([value per column], height) of a work item's row (empty for a task without items)."""
    values = [None] * len(columns)
    if item is None:
        return values, None
    values[item_column] = official_label(item.node)
    values[item_column + 1] = written_departments(item.node.lead_text, item.leads)
    values[item_column + 2] = written_departments(item.node.cooperating_text, item.cooperators)
    for offset, (_header, _width, value) in enumerate(extra_columns, start=3):
        values[item_column + offset] = value(item)
    lines = max(_lines(value, columns[index][1]) for index, value in enumerate(values) if index >= item_column)
    return [value or None for value in values], max(LINE_HEIGHT * lines + 6, 20)


def _lines(text, column_width):
    """Lines a text needs in a column: a Chinese character is about two width units."""
    if not text:
        return 1
    per_line = max(int(column_width / 2.1), 1)
    return sum(max(math.ceil(len(part) / per_line), 1) for part in text.split("\n"))


# --- the source's own layout ----------------------------------------------------------------

# Column widths by the role of a column in the source (``table_parsing.source_layout``).
SOURCE_WIDTHS = {"number": 6, "level1": 22, "level2": 26, "item": 60, "lead": 18, "cooperating": 30, "due": 14,
                 "target": 20}


def source_file_name(plan):
    layout = plan.source_layout
    return f"{layout.get('title') or plan.title}.xlsx"


def build_source_workbook(plan, roots):
    """The plan's table laid out as the source table was: the cells above its header (附件2,
    the title) where they were, the header cells as written with their merges, the columns
    in their order, numbers and department cells as written, the cells of columns the
    portal does not use given back, the key tasks, sub-tasks and merged cells merged again."""
    layout = plan.source_layout
    columns = layout["columns"]
    header_row = layout["header_row"]
    workbook = Workbook()
    sheet = workbook.active
    # A Word table's name may hold what a sheet name cannot ([]:*?/\) or be longer than Excel's 31.
    sheet.title = re.sub(r"[\[\]:*?/\\]", "", layout.get("sheet") or "")[:31] or "Sheet1"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[column_letter(index)].width = SOURCE_WIDTHS.get(column["role"], 16)
    for cell in layout["above"]:
        written = write_text(sheet.cell(row=cell["row"], column=cell["col"]), cell["text"])
        written.font = LABEL_FONT if cell["text"] == layout.get("label") else TITLE_FONT
        written.alignment = WRAP_LEFT if cell["text"] == layout.get("label") else WRAP_CENTER
    for index, column in enumerate(columns, start=1):
        cell = write_text(sheet.cell(row=header_row, column=index), column["header"] or None)
        cell.font, cell.alignment, cell.border = HEADER_FONT, WRAP_CENTER, BORDER
    rows, merges = _source_rows(roots, columns)
    for offset, values in enumerate(rows, start=header_row + 1):
        for index, column in enumerate(columns, start=1):
            cell = write_text(sheet.cell(row=offset, column=index), values.get(index) or None)
            alignment = WRAP_LEFT if column["role"] in ("item", "level2", "kept") else WRAP_CENTER
            cell.font, cell.alignment, cell.border = BODY_FONT, alignment, BORDER
    for first_row, first_column, last_row, last_column in [*layout["above_merges"], *layout["header_merges"]]:
        sheet.merge_cells(start_row=first_row, start_column=first_column, end_row=last_row, end_column=last_column)
    for column, first, last in merges:
        merge_bordered(sheet, header_row + 1 + first, column, header_row + 1 + last, column)
    sheet.freeze_panes = f"A{header_row + 1}"
    # Print set-up only: the cells stay the source's, cell for cell (no 填报单位 line added).
    print_ready(sheet, header_rows=(header_row, header_row), landscape=True)
    return workbook


def _written_task(node):
    """A task cell as written: its number and text, or the text alone when its number is
    in the 序号 column."""
    if node.source_cells.get("serial") or not node.number or node.text.startswith(node.number):
        return node.text
    return f"{node.number}{node.text}"


def _source_rows(roots, columns):
    """([{column: value}] one per body row, [(column, first row, last row)] to merge; rows
    counted from 0 below the header)."""
    of_role = {}
    for index, column in enumerate(columns, start=1):
        of_role.setdefault(column["role"], []).append(index)
    level_column = {1: of_role.get("level1", [None])[0], 2: of_role.get("level2", [None])[0]}
    number_column = of_role.get("number", [None])[0]
    rows, merges = [], []

    def visit(tree_row):
        node, first = tree_row.node, len(rows)
        if node.is_work_item:
            rows.append(_item_cells(tree_row, of_role))
        elif tree_row.children:
            for child in tree_row.children:
                visit(child)
        else:
            rows.append({})
        last = len(rows) - 1
        spanned = [level_column.get(node.level)] if not node.is_work_item else []
        if node.source_cells.get("serial") and number_column:
            rows[first][number_column] = node.number
            spanned.append(number_column)
        for column in spanned:
            if column is None:
                continue
            if column != number_column:
                rows[first][column] = _written_task(node)
            if last > first:
                merges.append((column, first, last))

    for root in roots:
        visit(root)
    merges += _continued_merges(rows)
    return rows, merges


def _item_cells(tree_row, of_role):
    node = tree_row.node
    cells = node.source_cells
    values = {int(key): text for key, text in cells.items() if key.isdigit()}  # the columns kept as written
    inline = cells.get("inline", "")
    for column in of_role.get("item", [])[-1:]:
        values[column] = _written_task(node) + inline
    if not inline:  # departments written in the text leave their columns as empty as they were
        for role, text, parties in (("lead", node.lead_text, tree_row.leads),
                                    ("cooperating", node.cooperating_text, tree_row.cooperators)):
            for column in of_role.get(role, [])[:1]:
                values[column] = written_departments(text, parties)
    for column in of_role.get("due", [])[:1]:
        values[column] = node.due_text
    for column in of_role.get("target", [])[:1]:
        values[column] = node.target_text
    values["continued"] = cells.get("continued", [])
    values["item"] = True
    return values


def _continued_merges(rows):
    """Cells merged with the one above in the source (a department merged over several
    items): merged again where the row above is still the one with the same text (a
    filtered export may have left out the rows between)."""
    merges, runs, previous = [], {}, {}
    for index, values in enumerate(rows):
        continued = set(values.pop("continued", []))
        current = dict(values)
        for column in list(runs):
            if column not in continued or previous.get(column) != current.get(column):
                merges.append((column, runs.pop(column), index - 1))
        for column in continued:
            if index and previous.get(column) == current.get(column) and previous.get("item"):
                runs.setdefault(column, index - 1)
                values[column] = None
        previous = current
    merges += [(column, first, len(rows) - 1) for column, first in runs.items()]
    return merges
