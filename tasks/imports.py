"""From an uploaded task table to a preview: the parsed tree (``read_task_table``, from the
bytes alone), its department names resolved against the region and every problem with its
sheet, row and column (``check_task_table``). Reads only.

The preview is what the confirm step commits (``services.plan_import``), so the page and
the ``import_tasks`` command share this one path.
"""

import difflib
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.errors import FileUnreadable
from core.staged_import import Change
from core.text import normalize_name
from core.workbook_reader import load_workbook, read_grid
from org.selectors import DepartmentResolver

from .models import Assignment, TaskNode
from .table_parsing import parse_task_sheet

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


@dataclass
class TaskTable:
    """What the file says: the sheet read, the workbook's sheets and the parsed tree."""

    sheet: str
    sheets: list
    table: object


def read_task_table(data, *, sheet=None, split_circled=False):
    """Parse ``data`` (the uploaded file's bytes); ``FileUnreadable`` when it is not a task table."""
    workbook = load_workbook(data)
    names = workbook.sheetnames
    if sheet and sheet not in names:
        raise FileUnreadable(f"工作簿中没有名为“{sheet}”的工作表（现有：{'、'.join(names)}）")
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    table = parse_task_sheet(read_grid(worksheet), split_circled=split_circled)
    return TaskTable(sheet=worksheet.title, sheets=names, table=table)


def check_task_table(read, *, region):
    """The preview of a read table: its problems and the department names ``region`` does not know."""
    preview = ImportPreview(sheet=read.sheet, sheets=read.sheets, table=read.table, problems=list(read.table.problems))
    preview.resolver = DepartmentResolver.for_region(region)
    _check_departments(preview)
    return preview


def preview_task_table(*, region, data, sheet=None, split_circled=False):
    """Read ``data`` and check it against ``region``."""
    return check_task_table(read_task_table(data, sheet=sheet, split_circled=split_circled), region=region)


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



# Fields of a node the preview shows when they change (the position follows from the others).
SHOWN_FIELDS = ("number", "text", "due_text", "target_text")


def describe_plan_import(diff):
    """(changes, removals) of a ``services.plan_import_diff`` as the preview lists them.

    Nodes are matched on their place and wording, so a work item whose text changes is
    removed (with its progress) and added anew: it is listed as changed, old → new, when
    one removed and one added node have the same numbers in the same place, and the old
    one is listed among the removals too, with the progress entries removed with it."""
    tree = diff.tree
    key_of = {node.pk: key for key, node in tree.by_key.items()}
    levels = dict(TaskNode.Level.choices)
    items_by_key = {item.key: item for item in diff.desired}
    changes = {}  # desired key -> Change

    def change(item, node_label):
        if not node_label and item.parent_key in tree.by_key:  # a work item without a number of its own
            node_label = _("under %(parent)s") % {"parent": tree.by_key[item.parent_key].label}
        return changes.setdefault(item.key, Change(f"第{item.row}行", f"{levels[item.level]} {node_label}"))

    removed_at, added_at = {}, {}
    for node in tree.removed:
        removed_at.setdefault(_numbers(key_of[node.pk]), []).append(node)
    for item in tree.added:
        added_at.setdefault(_numbers(item.key), []).append(item)
    for numbers, items in added_at.items():
        old = removed_at.get(numbers, [])
        if len(items) == 1 and len(old) == 1 and old[0].text != items[0].fields["text"]:
            item = items[0]
            change(item, item.fields["number"]).fields.append((_("Text"), old[0].text, item.fields["text"]))
    for node, item, changed in tree.updated:
        for name in SHOWN_FIELDS:
            if name in changed:
                field = TaskNode._meta.get_field(name)
                change(item, node.label).fields.append((field.verbose_name, getattr(node, name), item.fields[name]))
    roles = dict(Assignment.Role.choices)
    node_by_id = {node.pk: node for node in tree.by_key.values()}
    for node_id, by_role in diff.assignments.items():
        node = node_by_id[node_id]
        entry = change(items_by_key[key_of[node_id]], node.label)
        for role, (old, new) in by_role.items():
            entry.fields.append((roles[role], _names(old), _names(new)))
    removals = []
    for node in tree.removed:
        count = diff.progress_on_removed.get(node.pk, 0)
        fields = [(_("Progress entries"), _("%(count)d entries") % {"count": count}, None)] if count else []
        removals.append(Change("", f"{levels[node.level]} {node.label}", fields))
    return [changes[key] for key in sorted(changes, key=lambda key: items_by_key[key].position)], removals


def _numbers(key):
    """A node's place by numbers alone: (level, number) from its key task down."""
    return tuple((level, number) for level, number, _text in key)


def _names(departments):
    return "、".join(department.short_name or department.name for department in departments)
