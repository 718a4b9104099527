"""A region's departments given in bulk (a workbook, a pasted list) or one at a time, and
edited afterwards. One read → check → commit path serves the upload page, the paste box and
``add_departments``: a row is refused with its reason and nothing is written.

Whatever changes a region's departments or groups announces it (``DEPARTMENTS_CHANGED``)
once the change is kept, so what a group name stands for is resolved again."""

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from core import events
from core.errors import FileUnreadable, ImportBlocked
from core.text import normalize_name
from core.workbook_reader import load_workbook, read_grid
from core.workflow import save_versioned

from ..models import Department, DepartmentAlias

Kind = Department.Kind

# The header words officials write over each column; 名称 is the one required.
COLUMNS = {
    "name": ("名称", "全称", "单位名称", "部门名称", "单位全称", "部门全称"),
    "short_name": ("简称", "单位简称", "部门简称"),
    "kind": ("类别", "类型", "单位类别", "部门类别"),
    "aliases": ("别称", "别名", "其他名称", "其他写法"),
}
COLUMN_ORDER = ("name", "short_name", "kind", "aliases")  # of a pasted list without a header
HEADER_ROWS_SEARCHED = 10

# The kind as a region's own list words it: the portal's labels and the common words.
KIND_WORDS = {
    Kind.BUREAU: ("政府部门", "部门", "机关", "区级部门", "县级部门", "单位", "区级单位", "县级单位"),
    Kind.SUBDISTRICT: ("街道/乡镇", "街道", "乡镇", "镇", "乡", "街道办事处", "镇街", "镇（街道）"),
    Kind.UTILITY: ("供水企业", "供水单位", "水务公司", "水务企业", "自来水公司"),
    Kind.PARK: ("工业园区", "园区", "开发区", "产业园区"),
    Kind.OTHER: ("其他",),
}
_KIND_BY_WORD = {normalize_name(word): kind for kind, words in KIND_WORDS.items() for word in words}
# A 街道/乡镇 says so at the end of its name; without a 类别 it is taken for one.
_TOWN_ENDING = re.compile(r"(街道|街道办事处|镇|乡|镇人民政府|乡人民政府)$")
ALIAS_SEPARATORS = re.compile(r"[、，,；;\n]+")


@dataclass
class DepartmentRow:
    """One department as the source lists it, its words kept as written."""

    where: str  # "第3行"
    name: str
    short_name: str = ""
    kind_text: str = ""
    aliases_text: str = ""

    @property
    def aliases(self):
        return [alias.strip() for alias in ALIAS_SEPARATORS.split(self.aliases_text) if alias.strip()]

    @property
    def shown_short_name(self):
        return self.short_name or self.name


def kind_from_text(text, name=""):
    """The kind a 类别 cell names (None when it names none); empty: from the name's ending."""
    if text in Kind.values:  # a page's choice
        return text
    if not text.strip():
        return Kind.SUBDISTRICT if _TOWN_ENDING.search(name.strip()) else Kind.BUREAU
    key = normalize_name(text)
    labels = {normalize_name(str(label)): value for value, label in Kind.choices}  # as the page names them now
    return _KIND_BY_WORD.get(key) or labels.get(key)


def kind_words():
    return "、".join(word for words in KIND_WORDS.values() for word in words)


# --- read ------------------------------------------------------------------------------------


def _header(cells):
    """{field: column index} when ``cells`` is a header row naming 名称, else None."""
    found = {}
    for index, cell in enumerate(cells):
        key = normalize_name(cell)
        for name, words in COLUMNS.items():
            if name not in found and key in {normalize_name(word) for word in words}:
                found[name] = index
    return found if "name" in found else None


def _rows(table, header, first_row):
    def cell(cells, name):
        index = header.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    rows = []
    for number, cells in enumerate(table[first_row:], start=first_row + 1):
        if not any(c.strip() for c in cells):
            continue
        rows.append(DepartmentRow(where=_("row %(row)d") % {"row": number}, name=cell(cells, "name"),
                                  short_name=cell(cells, "short_name"), kind_text=cell(cells, "kind"),
                                  aliases_text=cell(cells, "aliases")))
    return rows


def departments_read_workbook(data):
    """The rows of the first sheet under its header row (one of the first rows, naming at
    least 名称). Raises ``FileUnreadable``."""
    workbook = load_workbook(data)
    try:
        if not workbook.worksheets:
            raise FileUnreadable(_("The workbook has no sheet."))
        grid = read_grid(workbook.worksheets[0])
    finally:
        workbook.close()
    for index, cells in enumerate(grid.rows[:HEADER_ROWS_SEARCHED]):
        header = _header(cells)
        if header is not None:
            return _rows(grid.rows, header, index + 1)
    raise FileUnreadable(_("No header row naming the column 名称 in the first %(rows)d rows of sheet “%(sheet)s”.")
                         % {"rows": HEADER_ROWS_SEARCHED, "sheet": grid.name})


def departments_read_text(text):
    """A pasted list, one department a line, columns 名称/简称/类别/别称 separated by tabs (as
    copied from a spreadsheet) or commas; a first line naming 名称 is a header."""
    table = []
    for line in (text or "").splitlines():
        cells = line.split("\t") if "\t" in line else re.split(r"[,，]", line)
        table.append([cell.strip() for cell in cells])
    header = _header(table[0]) if table else None
    if header is not None:
        return _rows(table, header, 1)
    return _rows(table, {name: index for index, name in enumerate(COLUMN_ORDER)}, 0)


# --- check -----------------------------------------------------------------------------------


@dataclass
class Planned:
    """What one row does: add a department, or change the one of that full name."""

    row: DepartmentRow
    kind: str
    department: Department | None = None  # None: a new department
    changes: list = field(default_factory=list)  # [(field label, old, new)]
    new_aliases: list = field(default_factory=list)


@dataclass
class DepartmentsCheck:
    problems: list = field(default_factory=list)
    planned: list = field(default_factory=list)

    @property
    def added(self):
        return [p for p in self.planned if p.department is None]

    @property
    def changed(self):
        return [p for p in self.planned if p.department is not None and (p.changes or p.new_aliases)]


def _spellings_in_region(region):
    """{normalised spelling: department} for every department of the region, active or not
    (the database keeps each spelling to one department of a region either way)."""
    owners = {}
    for department in Department.objects.filter(region=region).prefetch_related("aliases"):
        for spelling in department.spellings():
            owners.setdefault(normalize_name(spelling), department)
    return owners


def departments_check(*, region, rows):
    """Refuse by row: an empty 名称, an unknown 类别, a spelling twice in the list, a spelling
    another department of the region already has. A row whose 名称 is a department's full
    name changes that department (its short name, kind, new aliases; an inactive one is
    active again)."""
    result = DepartmentsCheck()
    if not rows:
        result.problems.append(_("The list names no department."))
        return result
    owners = _spellings_in_region(region)
    by_name = {normalize_name(d.name): d for d in set(owners.values())}
    seen = {}  # normalised spelling -> where in the list
    for row in rows:
        problems = []
        if not row.name:
            result.problems.append(_("%(where)s: 名称 is empty.") % {"where": row.where})
            continue
        kind = kind_from_text(row.kind_text, row.name)
        if kind is None:
            problems.append(_("%(where)s: 类别 “%(kind)s” is none of: %(words)s.")
                            % {"where": row.where, "kind": row.kind_text, "words": kind_words()})
        existing = by_name.get(normalize_name(row.name))
        for spelling in dict.fromkeys([row.name, row.shown_short_name, *row.aliases]):
            key = normalize_name(spelling)
            if key in seen and seen[key] != row.where:
                problems.append(_("%(where)s: “%(name)s” is also on %(other)s.")
                                % {"where": row.where, "name": spelling, "other": seen[key]})
            seen.setdefault(key, row.where)
            owner = owners.get(key)
            if owner is not None and owner != existing:
                problems.append(_("%(where)s: “%(name)s” is already a spelling of the department %(department)s.")
                                % {"where": row.where, "name": spelling, "department": owner.name})
        if problems:
            result.problems.extend(problems)
            continue
        planned = Planned(row=row, kind=kind, department=existing)
        if existing is None:
            planned.new_aliases = [a for a in row.aliases if normalize_name(a) not in
                                   {normalize_name(row.name), normalize_name(row.shown_short_name)}]
        else:
            if row.short_name and row.short_name != existing.short_name:
                planned.changes.append((_("short name"), existing.short_name, row.short_name))
            if row.kind_text and kind != existing.kind:
                planned.changes.append((_("kind"), existing.get_kind_display(), Kind(kind).label))
            if not existing.is_active:  # the district lists it again: it is in use again
                planned.changes.append((_("active"), _("No"), _("Yes")))
            known = {normalize_name(s) for s in existing.spellings()}
            planned.new_aliases = [a for a in row.aliases if normalize_name(a) not in known]
        result.planned.append(planned)
    return result


# --- commit ----------------------------------------------------------------------------------


@dataclass
class Committed:
    added: int
    changed: int


def announce_departments_changed(region):
    transaction.on_commit(lambda: events.publish(events.DEPARTMENTS_CHANGED, region=region))


def departments_commit(*, region, rows):
    """Check ``rows`` against the region as it is now and write them; raises ``ImportBlocked``
    (nothing written) on any problem."""
    with transaction.atomic():
        type(region).objects.select_for_update().get(pk=region.pk)  # one list at a time per region
        check = departments_check(region=region, rows=rows)
        if check.problems:
            raise ImportBlocked(check.problems)
        aliases = []
        for planned in check.planned:
            row, department = planned.row, planned.department
            if department is None:
                department = Department.objects.create(region=region, name=row.name,
                                                       short_name=row.shown_short_name, kind=planned.kind)
            elif planned.changes:
                department.short_name = row.short_name or department.short_name
                department.kind = planned.kind if row.kind_text else department.kind
                department.is_active = True
                department.version += 1
                department.save(update_fields=["short_name", "kind", "is_active", "version"])
            aliases += [DepartmentAlias(region=region, department=department, name=a) for a in planned.new_aliases]
        DepartmentAlias.objects.bulk_create(aliases)
        committed = Committed(added=len(check.added), changed=len(check.changed))
        if committed.added or committed.changed:
            announce_departments_changed(region)
    return committed


# --- one department --------------------------------------------------------------------------


def department_update(*, department, version, name, short_name, kind, aliases, is_active):
    """Save the edited department unless someone saved it since ``version`` (``EditConflict``);
    its spellings must be no other department's. A renamed department keeps its old names as
    other spellings: the tables written before still name it so. A department is deactivated,
    never deleted: what it reported stays. Raises ``ImportBlocked`` with the reasons."""
    region = department.region
    with transaction.atomic():
        # From the row, not ``department``: a model form has already put the new names on it.
        stored = Department.objects.values_list("name", "short_name").get(pk=department.pk)
        aliases = [*aliases, *stored]
        owners = _spellings_in_region(region)
        problems = []
        for spelling in dict.fromkeys([name, short_name, *aliases]):  # the old names are this department's
            owner = owners.get(normalize_name(spelling))
            if owner is not None and owner.pk != department.pk:
                problems.append(_("“%(name)s” is already a spelling of the department %(department)s.")
                                % {"name": spelling, "department": owner.name})
        if problems:
            raise ImportBlocked(problems)
        department.name, department.short_name, department.kind, department.is_active = (
            name, short_name, kind, is_active)
        save_versioned(department, version=version, fields=["name", "short_name", "kind", "is_active"])
        own = {normalize_name(name), normalize_name(short_name)}
        wanted = {normalize_name(a): a for a in aliases if normalize_name(a) not in own}
        department.aliases.exclude(name__in=wanted.values()).delete()
        kept = set(department.aliases.values_list("name", flat=True))
        DepartmentAlias.objects.bulk_create(
            [DepartmentAlias(region=region, department=department, name=a) for a in wanted.values() if a not in kept]
        )
        announce_departments_changed(region)
    return department


def group_save(*, group, kinds, members, aliases):
    """Create or change a group's rule (its name is already on ``group``)."""
    with transaction.atomic():
        group.kinds, group.aliases = list(kinds), list(aliases)
        group.full_clean()
        group.save()
        group.members.set(members)
        announce_departments_changed(group.region)
    return group

