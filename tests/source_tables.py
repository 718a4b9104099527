"""Comparing a source task table with the portal's export of it, cell by cell: the check
that the portal keeps the source's words (DESIGN.md "Keep the source's words").

``table_differences`` takes two ``core.workbook_reader.SheetGrid`` (a spreadsheet read
with ``read_grid``; a .docx table turned into a grid compares the same way) and lists
every cell whose text differs, and every body merge one has and the other has not.
"""

import io

from openpyxl import Workbook

from core.workbook_reader import load_workbook, read_grid
from tasks.exports import build_source_workbook
from tasks.imports import preview_task_table
from tasks.models import Plan
from tasks.selectors import plan_tree
from tasks.services import plan_import


def grid_of(data, sheet=None):
    """The SheetGrid of a workbook's bytes (.xlsx, .xls, .ods): the first sheet or ``sheet``."""
    workbook = load_workbook(data)
    return read_grid(workbook[sheet] if sheet else workbook.worksheets[0])


def workbook_bytes(workbook: Workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_differences(source, exported, *, merges_from_row=1):
    """["B7: '1. 制定' ≠ '1.制定'", "merge A4:A15 only in the source", …]; empty when the two
    grids hold the same text in every cell and the same merged ranges from ``merges_from_row``
    down. The sheet names must match too."""
    found = []
    if source.name != exported.name:
        found.append(f"sheet name: {source.name!r} ≠ {exported.name!r}")
    rows = max(source.row_count, exported.row_count)
    columns = max((len(row) for row in [*source.rows, *exported.rows]), default=0)
    for row in range(1, rows + 1):
        for column in range(1, columns + 1):
            want, got = source.value(row, column), exported.value(row, column)
            if want != got:
                found.append(f"{_ref(row, column)}: {want!r} ≠ {got!r}")
    wanted = {merge for merge in source.merges if merge[0] >= merges_from_row}
    made = {merge for merge in exported.merges if merge[0] >= merges_from_row}
    found += [f"merge {_range(merge)} only in the source" for merge in sorted(wanted - made)]
    found += [f"merge {_range(merge)} only in the export" for merge in sorted(made - wanted)]
    return found


def import_and_export(region, data, *, title="往返方案", sheet=None, word=None, mapping=None, single_role=None):
    """Import ``data`` into a new plan of ``region`` and export it in the source's layout:
    (plan, the export's bytes). ``word``: a ``tasks.word_plans.WordChoice`` for a .docx."""
    plan = Plan.objects.create(region=region, title=title, start_year=2019, end_year=2019)
    preview = preview_task_table(region=region, data=data, sheet=sheet, word=word)
    assert not preview.problems, preview.problems
    plan_import(plan=plan, preview=preview, mapping=mapping, single_role=single_role)
    plan.refresh_from_db()
    return plan, workbook_bytes(build_source_workbook(plan, plan_tree(plan)))


def _ref(row, column):
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def _range(merge):
    first_row, first_column, last_row, last_column = merge
    return f"{_ref(first_row, first_column)}:{_ref(last_row, last_column)}"
