"""From an uploaded task table to a preview: the parsed tree (``read_task_table``, from the
bytes alone), its department names resolved against the region and every problem with its
sheet, row and column (``check_task_table``). Reads only.

The preview is what the confirm step commits (``services.plan_import``), so the page and
the ``import_tasks`` command share this one path.
"""

import difflib
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.docx_reader import looks_like_word
from core.errors import FileUnreadable
from core.staged_import import Change
from core.text import normalize_name
from core.workbook_reader import load_workbook, read_grid
from org.selectors import DepartmentResolver

from .models import Assignment, TaskNode
from .services.targets import targets_check, targets_read
from .table_parsing import parse_task_sheet
from .word_plans import read_word_plan, refuse_for_a_workbook
from .wording import target_label

MAX_SUGGESTIONS = 3


# The columns a department name is read from, as the portal's own tables head them.
COLUMN_OF_ROLE = {"leads": "牵头单位", "cooperators": "配合单位"}


GROUP_WORDS = ("有关单位", "有关部门", "各部门", "成员单位", "相关单位", "相关部门")


@dataclass
class UnknownName:
    name: str
    rows: list = field(default_factory=list)
    columns: list = field(default_factory=list)  # COLUMN_OF_ROLE headers, in the order found
    suggestions: list = field(default_factory=list)  # [(spelling, department)]

    @property
    def looks_like_group(self):
        """各乡镇人民政府, 区级有关单位: a name for several departments, not one."""
        return self.name.startswith("各") or any(word in self.name for word in GROUP_WORDS)


@dataclass
class ImportPreview:
    sheet: str
    sheets: list
    table: object = None
    problems: list = field(default_factory=list)
    unknown: dict = field(default_factory=dict)  # normalised name -> UnknownName
    resolver: object = None
    warnings: list = field(default_factory=list)  # imported as they are, but worth a look first
    word: object = None

    @property
    def ok(self):
        return self.table is not None and not self.problems

    def without_lead(self):
        return [node for node in self.table.work_items() if node.without_lead] if self.table else []

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
    word: object = None  # a Word document: its tables and what was read (word_plans.WordPlan)


def read_task_table(data, *, sheet=None, split_circled=False, word=None):
    """Parse ``data`` (the uploaded file's bytes); ``FileUnreadable`` when it is not a task table.
    A Word document is read by ``word_plans`` (``word``: which of its tables, or its prose)."""
    if looks_like_word(data):
        read = read_word_plan(data, choice=word, split_circled=split_circled)
        return TaskTable(sheet=read.name, sheets=read.names, table=read.table, word=read.plan)
    refuse_for_a_workbook(word)
    workbook = load_workbook(data)
    names = workbook.sheetnames
    if sheet and sheet not in names:
        raise FileUnreadable(f"工作簿中没有名为“{sheet}”的工作表（现有：{'、'.join(names)}）")
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    table = parse_task_sheet(read_grid(worksheet), split_circled=split_circled)
    return TaskTable(sheet=worksheet.title, sheets=names, table=table)


def without_lead_warning(count):
    return _("%(count)d work items have no lead department; after the import, choose their leads on the "
             "plan's “Unassigned” page.") % {"count": count}


def check_task_table(read, *, region, default_year=None):
    """The preview of a read table: its problems and the department names ``region`` does not know.
    With ``default_year`` (the plan's first year) the dates written in it are checked too."""
    preview = ImportPreview(sheet=read.sheet, sheets=read.sheets, table=read.table, problems=list(read.table.problems))
    preview.word = read.word
    if default_year is not None:
        preview.problems += targets_check(read.table, default_year=default_year, by_number=read.word is not None)
    preview.resolver = DepartmentResolver.for_region(region)
    _check_departments(preview)
    return preview


def preview_task_table(*, region, data, sheet=None, split_circled=False, word=None, default_year=None):
    """Read ``data`` and check it against ``region``."""
    return check_task_table(read_task_table(data, sheet=sheet, split_circled=split_circled, word=word), region=region,
                            default_year=default_year)


def _check_departments(preview):
    """Collect every department name the region does not know, with the rows it is on and
    the closest spellings it does know."""
    resolver = preview.resolver
    empty_groups = {}
    for node in preview.table.work_items():
        for role, column in COLUMN_OF_ROLE.items():
            for name in resolver.names_in(getattr(node, role)):
                if resolver.is_group(name) and not resolver.resolve_name(name):
                    empty_groups.setdefault(normalize_name(name), (name, []))[1].append(node.row)
                if resolver.knows(name):
                    continue
                unknown = preview.unknown.setdefault(normalize_name(name), UnknownName(name=name))
                if node.row not in unknown.rows:
                    unknown.rows.append(node.row)
                if column not in unknown.columns:
                    unknown.columns.append(column)
    for name, rows in empty_groups.values():
        rows = "、".join(map(str, dict.fromkeys(rows)))
        preview.warnings.append(f"第{rows}行：“{name}”目前没有成员单位，成员加入后自动承担")
    known = resolver.departments  # normalised spelling -> department
    for unknown in preview.unknown.values():
        close = difflib.get_close_matches(normalize_name(unknown.name), list(known), n=MAX_SUGGESTIONS, cutoff=0.5)
        unknown.suggestions = [(spelling, known[spelling]) for spelling in close]



# Fields of a node the preview shows when they change (the position follows from the others).
SHOWN_FIELDS = ("number", "text", "due_text", "target_text", "lead_text", "cooperating_text")


def describe_plan_import(diff):
    """(changes, removals) of a ``services.plan_import_diff`` as the preview lists them.

    A reworded item is matched to the node it was, so it is listed as changed ("Reworded",
    old → new) and keeps its records. A node the table no longer has is listed among the
    removals: archived, with every record kept on it by department and quarter, or deleted
    when none is."""
    tree = diff.tree
    key_of = {node.pk: key for key, node in tree.matched.items()}
    levels = dict(TaskNode.Level.choices)
    items_by_key = {item.key: item for item in diff.desired}
    changes = {}  # desired key -> Change

    def change(item, node_label):
        if not node_label and item.parent_key in tree.matched:  # a work item without a number of its own
            node_label = _("under %(parent)s") % {"parent": tree.matched[item.parent_key].label}
        return changes.setdefault(item.key, Change(f"第{item.row}行", f"{levels[item.level]} {node_label}"))

    for node, item, changed in tree.updated:
        entry = change(item, node.label)
        for name in SHOWN_FIELDS:
            if name in changed:
                label = _("Reworded") if name == "text" else TaskNode._meta.get_field(name).verbose_name
                entry.fields.append((label, getattr(node, name), item.fields[name]))
    for node in tree.restored:
        change(items_by_key[key_of[node.pk]], node.label).fields.append((_("Archived"), _("archived"),
                                                                           _("restored")))
    roles = dict(Assignment.Role.choices)
    for node_id, by_role in diff.assignments.items():
        node = tree.matched[key_of[node_id]]
        entry = change(items_by_key[key_of[node_id]], node.label)
        for role, (old, new) in by_role.items():
            entry.fields.append((roles[role], _names(old), _names(new)))
    removals = []
    for node in sorted(tree.archived + tree.removed, key=lambda node: node.position):
        if node in tree.archived:
            lines = diff.records.get(node.pk, [])
            fields = [(_("Archived, records kept"), _("%(count)d records") % {"count": len(lines)}, None)]
            fields += [(line.department_name, line.when, None)
                       for line in lines]
        else:
            fields = [(_("Deleted"), _("no records"), None)]
        removals.append(Change("", f"{levels[node.level]} {node.label}", fields))
    ordered = sorted(changes, key=lambda key: items_by_key[key].position)
    return [changes[key] for key in ordered], removals


def _names(departments):
    return "、".join(department.short_name or department.name for department in departments)


def targets_as_read(table, *, default_year):
    """[(node, [target as understood])] of every node of a parsed table, for the reviewer to
    confirm before importing: "12月31日前≥1家（12月底完成1家）"."""
    rows = []
    for node in table.nodes():
        labels = []
        if node.level == TaskNode.Level.WORK_ITEM:
            targets, _problems = targets_read(text=node.text, target_text=node.target_text, due_text=node.due_text,
                                              default_year=default_year)
            labels = [f"{target_label(target, default_year=default_year)}（{target.wording}）" for target in targets]
        rows.append((node, labels))
    return rows
