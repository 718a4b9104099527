"""From an uploaded task table to a preview: the parsed tree, its department names resolved
against the region, and every problem with its sheet, row and column. Reads only.

The preview is what the confirm step commits (``services.plan_import``), so the page and
the ``import_tasks`` command share this one path.
"""

import difflib
from dataclasses import dataclass, field

from core.errors import FileUnreadable
from core.text import normalize_name
from core.workbook_reader import load_workbook, read_grid
from org.selectors import DepartmentResolver

from .table_parsing import Problem, parse_task_sheet

MAX_SUGGESTIONS = 3


# The columns a department name is read from, as the portal's own tables head them.
COLUMN_OF_ROLE = {"leads": "牵头单位", "cooperators": "配合单位"}


@dataclass
class UnknownName:
    name: str
    rows: list = field(default_factory=list)
    columns: list = field(default_factory=list)  # COLUMN_OF_ROLE headers, in the order found
    suggestions: list = field(default_factory=list)  # [(spelling, department)]


@dataclass
class ImportPreview:
    sheet: str
    sheets: list
    table: object = None
    problems: list = field(default_factory=list)
    unknown: dict = field(default_factory=dict)  # normalised name -> UnknownName
    resolver: object = None

    @property
    def ok(self):
        return self.table is not None and not self.problems

    def counts(self):
        if self.table is None:
            return {1: 0, 2: 0, 3: 0}
        return {level: self.table.count(level) for level in (1, 2, 3)}


class ImportRefused(FileUnreadable):
    """The file cannot be previewed at all: not a workbook, no such sheet, no table."""


def preview_task_table(*, region, data, sheet=None, split_circled=False):
    """Parse ``data`` (the uploaded file's bytes) and check it against ``region``."""
    try:
        workbook = load_workbook(data)
        names = workbook.sheetnames
        if sheet and sheet not in names:
            raise ImportRefused(f"工作簿中没有名为“{sheet}”的工作表（现有：{'、'.join(names)}）")
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        grid = read_grid(worksheet)
        table = parse_task_sheet(grid, split_circled=split_circled)
    except FileUnreadable as error:
        raise ImportRefused(str(error)) from None
    preview = ImportPreview(sheet=worksheet.title, sheets=names, table=table, problems=list(table.problems))
    preview.resolver = DepartmentResolver.for_region(region)
    _check_departments(preview)
    return preview


def _check_departments(preview):
    """Collect every department name the region does not know, with the rows it is on and
    the closest spellings it does know."""
    resolver = preview.resolver
    for node in preview.table.work_items():
        for role, column in COLUMN_OF_ROLE.items():
            for name in resolver.names_in(getattr(node, role)):
                if resolver.knows(name):
                    continue
                unknown = preview.unknown.setdefault(normalize_name(name), UnknownName(name=name))
                if node.row not in unknown.rows:
                    unknown.rows.append(node.row)
                if column not in unknown.columns:
                    unknown.columns.append(column)
    known = resolver.departments  # normalised spelling -> department
    for unknown in preview.unknown.values():
        close = difflib.get_close_matches(normalize_name(unknown.name), list(known), n=MAX_SUGGESTIONS, cutoff=0.5)
        unknown.suggestions = [(spelling, known[spelling]) for spelling in close]


def unknown_problems(preview, mapping):
    """Problems for unknown names the user has not mapped yet."""
    problems = []
    for key, unknown in preview.unknown.items():
        if key not in mapping:
            rows = "、".join(str(row) for row in unknown.rows)
            columns = "、".join(unknown.columns)
            problems.append(
                Problem(unknown.rows[0], "", f"未知单位“{unknown.name}”（第{rows}行，{columns}列），请选择对应的部门",
                        preview.sheet)
            )
    return problems
