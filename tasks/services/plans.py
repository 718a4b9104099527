"""Changes to plans and their trees that span models."""

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core import events
from core.errors import ImportBlocked
from core.history import record_bulk
from core.periods import Quarter
from core.text import normalize_name
from core.workflow import save_versioned
from org.models import Department, DepartmentAlias, DepartmentGroup
from org.selectors import DepartmentResolver

from ..models import Assignment, Contribution, Plan, PlanPhase, ProgressReport, TaskNode, TaskTarget
from ..selectors import records_under
from ..wording import parse_due, parse_target
from .targets import targets_refuse_invalid, targets_sync

MAP, ALIAS, NEW, GROUP = "map", "alias", "new", "group"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    archived: int = 0  # removed from the table but kept, with the records on them
    restored: int = 0  # archived and in the table again
    unchanged: int = 0
    assignments_changed: int = 0

    @property
    def changed(self):
        return bool(self.created or self.updated or self.deleted or self.archived or self.restored
                    or self.assignments_changed)


@transaction.atomic
def plan_import(*, plan, preview, mapping=None, user=None, single_role=None):
    """Write the previewed tree into ``plan`` in one transaction.

    ``mapping`` settles each unknown department name (keyed by its normalised form):
    ``(MAP, department)`` uses an existing department for this import, ``(ALIAS, department)``
    also records the name as that department's alias, ``(NEW, kind)`` creates a department
    of that kind, ``(GROUP, kinds)`` creates a group of the departments of those kinds.
    ``single_role`` is the role of a table's one department column (lead when not given).
    Nodes are matched to the plan's existing nodes by their place and wording (a reworded
    item is the same item), so importing the same table again changes nothing; a node the
    table no longer has is archived when records hang on it, deleted otherwise. The
    table's own layout is kept on the plan for the export.
    """
    # Two imports into one plan at once would each find the other's nodes missing and add
    # them twice: the second waits for the first and then finds its nodes.
    Plan.objects.select_for_update().filter(pk=plan.pk).first()
    mapping = mapping or {}
    missing = [unknown.name for key, unknown in preview.unknown.items() if key not in mapping]
    if preview.problems or missing:
        unknown = f"：未知单位 {'、'.join(missing)}" if missing else ""
        raise ImportBlocked([f"导入前请先解决预览中列出的问题{unknown}"])
    targets_refuse_invalid(preview.table, default_year=plan.start_year)
    extra = _settle_unknown_names(plan.region, preview, mapping)
    if mapping:  # the names just settled are known now, groups with their members
        preview.resolver = DepartmentResolver.for_region(plan.region)
    desired = list(_desired_nodes(plan, preview, extra, single_role=single_role))
    result = _apply_tree(plan, desired, user)
    layout = _layout_with_role(preview.table, single_role)
    if plan.source_layout != layout:
        plan.source_layout = layout
        plan.save(update_fields=["source_layout"])
    return result


def _layout_with_role(table, single_role):
    """The table's layout, its one department column given the role the preview settled; none
    for a plan read from prose (it exports in the official layout)."""
    if not table.layout:
        return {}
    layout = {**table.layout, "columns": [dict(column) for column in table.layout.get("columns", [])]}
    column = table.single_department_column
    if column is not None and single_role == Assignment.Role.COOPERATING:
        layout["columns"][column - 1]["role"] = "cooperating"
    return layout


def _settle_unknown_names(region, preview, mapping):
    """Create what the preview's answers ask for; returns {normalised name: department}
    of the names used for this import only."""
    extra = {}
    for key, (action, target) in mapping.items():
        if key not in preview.unknown:
            continue  # already known (e.g. recorded as an alias by an earlier import)
        name = preview.unknown[key].name
        if action == NEW:
            # The name as written is both names: the full one can be corrected on the org pages.
            Department.objects.create(region=region, short_name=name[:50], name=name, kind=target)
        elif action == GROUP:
            group = DepartmentGroup(region=region, name=name[:50], kinds=list(target))
            group.full_clean()
            group.save()
        else:
            department = target
            if department.region_id != region.pk:
                raise ImportBlocked([f"“{department}”不属于{region}"])
            if action == ALIAS:
                DepartmentAlias.objects.create(region=region, department=department, name=name)
            else:
                extra[key] = department
    return extra


def groups_by_spelling(region):
    """{normalised spelling: DepartmentGroup} of ``region``."""
    found = {}
    for group in DepartmentGroup.objects.filter(region=region):
        for spelling in group.spellings():
            found[normalize_name(spelling)] = group
    return found


def written_parties(resolver, groups, lead_text, cooperating_text, extra=None):
    """[(department, role, group or None)] the written department cells stand for now.

    A department named outright keeps the role it is named with; a group only adds
    departments the row does not name (武隆 附件1: 区级有关单位 lead, 区财政局 named as
    cooperating stays cooperating). A name the region does not know is left out (the
    preview asks about it before anything is written)."""

    def departments(text):
        named, grouped = [], []
        for name in resolver.names_in(text):
            if normalize_name(name) in (extra or {}):
                named.append(extra[normalize_name(name)])
                continue
            if not resolver.knows(name):
                continue
            if resolver.is_group(name):
                group = groups.get(normalize_name(name))
                grouped += [(department, group) for department in resolver.resolve_name(name)]
            else:
                named += resolver.resolve_name(name)
        return list(dict.fromkeys(named)), grouped

    lead_named, lead_grouped = departments(lead_text)
    cooperating_named, cooperating_grouped = departments(cooperating_text)
    parties, seen = [], set()

    def add(department, role, group):
        if department.pk not in seen:
            seen.add(department.pk)
            parties.append((department, role, group))

    for department in lead_named:
        add(department, Assignment.Role.LEAD, None)
    for department, group in lead_grouped:
        if department not in cooperating_named:
            add(department, Assignment.Role.LEAD, group)
    for department in cooperating_named:
        add(department, Assignment.Role.COOPERATING, None)
    for department, group in cooperating_grouped:
        add(department, Assignment.Role.COOPERATING, group)
    return parties


def _assignment_rows(parties):
    """[(department id, role, position, group id)], positions counted per role."""
    counts, rows = defaultdict(int), []
    for department, role, group in parties:
        rows.append((department.pk, role, counts[role], group.pk if group else None))
        counts[role] += 1
    return rows


@dataclass
class _Desired:
    key: tuple
    parent_key: tuple | None
    level: int
    position: int
    fields: dict
    assignments: list  # [(department_id, role, position, group_id)]
    row: int = 0  # the row of the file it is read from


def _desired_nodes(plan, preview, extra, single_role=None):
    resolver = preview.resolver
    groups = groups_by_spelling(plan.region)
    swap = preview.table.single_department_column is not None and single_role == Assignment.Role.COOPERATING
    position = 0

    def walk(node, parent_key):
        nonlocal position
        position += 1
        key = (*(parent_key or ()), (node.level, normalize_name(node.number), normalize_name(node.text)))
        fields = {"number": node.number, "text": node.text, "source_cells": node.cells}
        assignments = []
        if node.level == TaskNode.Level.WORK_ITEM:
            lead_text, cooperating_text = (node.cooperators, node.leads) if swap else (node.leads, node.cooperators)
            assignments = _assignment_rows(written_parties(resolver, groups, lead_text, cooperating_text, extra))
            target = parse_target(node.target_text) if node.target_text else None
            fields.update(
                lead_text=lead_text,
                cooperating_text=cooperating_text,
                due_text=node.due_text[:100],
                due_on=parse_due(node.due_text, default_year=plan.start_year) if node.due_text else None,
                target_text=node.target_text[:300],
                target_value=target.value if target else None,
                target_unit=target.unit if target else "",
                target_comparator=target.comparator if target else "",
            )
        yield _Desired(key, parent_key, node.level, position, fields, assignments, node.row)
        for child in node.children:
            yield from walk(child, key)

    for root in preview.table.roots:
        yield from walk(root, None)


@dataclass
class TreeDiff:
    """What writing the desired nodes into a plan does, worked out without writing."""

    matched: dict  # desired key -> the plan's node it is written into
    removed: list  # nodes the table no longer has and nothing hangs on: deleted
    archived: list  # nodes the table no longer has with records in their subtree: archived
    added: list  # _Desired items without a node
    updated: list  # (node, item, names of the fields that change)
    restored: list  # archived nodes the table has again
    unchanged: int = 0
    relaid: list = field(default_factory=list)  # (node, item) whose source row cells alone differ


# A changed wording at least this close to the old one (difflib ratio of the normalised
# texts) is the same item reworded; so is an item with the same number (punctuation aside:
# another district writes "（1）" for "1.") in the same place among its siblings, and an
# unnumbered item that replaces the one unnumbered item left in its place.
REWORDING_RATIO = 0.6


def _diff_tree(plan, desired):
    """Match the desired items to the plan's nodes sibling group by sibling group, from the
    key tasks down: the same number and wording first, then a reworded item by its place and
    likeness. A node left without an item is removed (archived if records hang on it)."""
    existing = list(TaskNode.objects.filter(plan=plan).order_by("position", "pk")) if plan.pk else []
    children, wanted = defaultdict(list), defaultdict(list)
    for node in existing:
        children[node.parent_id].append(node)
    for item in desired:
        wanted[item.parent_key].append(item)
    matched = {}

    def match(parent_key, parent_id):
        for key, node in _pair(wanted.get(parent_key, []), children.get(parent_id, [])).items():
            matched[key] = node
            match(key, node.pk)

    match(None, None)
    diff = TreeDiff(matched=matched, removed=[], archived=[], updated=[], restored=[],
                    added=[item for item in desired if item.key not in matched])
    for item in desired:
        node = matched.get(item.key)
        if node is None:
            continue
        if node.archived_at is not None:
            diff.restored.append(node)
        values = {**item.fields, "position": item.position}
        changed = [name for name, value in values.items() if getattr(node, name) != value]
        if changed == ["source_cells"]:
            # Only how the row was laid out (序号, 备注, merges): written, not a change to list.
            diff.relaid.append((node, item))
            changed = []
        if changed:
            diff.updated.append((node, item, changed))
        elif node.archived_at is None:
            diff.unchanged += 1
    kept = {node.pk for node in matched.values()}
    gone = [node for node in existing if node.pk not in kept and node.archived_at is None]
    holding = _holding_records(plan, existing) if gone else set()
    for node in gone:
        (diff.archived if node.pk in holding else diff.removed).append(node)
    return diff


def _wording(node_or_fields):
    number, text = node_or_fields["number"], node_or_fields["text"]
    return normalize_name(number), normalize_name(text)


def _bare_number(number):
    """"1." and "（1）" alike: the number without its punctuation."""
    return re.sub(r"[\W_]", "", number)


def _pair(items, nodes):
    """{desired key: node} for one sibling group."""
    pairs, by_wording = {}, defaultdict(list)
    for node in sorted(nodes, key=lambda node: node.archived_at is not None):  # current ones first
        by_wording[(node.level, *_wording(vars(node)))].append(node)
    for item in items:
        same = by_wording.get((item.level, *_wording(item.fields)))
        if same:
            pairs[item.key] = same.pop(0)
    taken = {node.pk for node in pairs.values()}
    free = {node for node in nodes if node.pk not in taken}
    candidates = []
    for level in {item.level for item in items}:
        level_items = [item for item in items if item.level == level]
        level_nodes = [node for node in nodes if node.level == level and node.archived_at is None]
        left_items = [item for item in level_items if item.key not in pairs]
        sole = len(left_items) == 1 and sum(1 for node in level_nodes if node in free) == 1
        for i, item in enumerate(level_items):
            if item.key in pairs:
                continue
            for j, node in enumerate(level_nodes):
                if node not in free:
                    continue
                number = _bare_number(node.number)
                in_place = i == j and number == _bare_number(item.fields["number"]) and bool(number or sole)
                likeness = difflib.SequenceMatcher(None, _wording(vars(node))[1], _wording(item.fields)[1])
                if not in_place and likeness.quick_ratio() < REWORDING_RATIO:
                    continue  # an upper bound: the full comparison of many long texts is slow
                ratio = likeness.ratio()
                if ratio >= REWORDING_RATIO or in_place:
                    candidates.append((ratio >= REWORDING_RATIO, in_place, ratio, item, node))
    # Close wordings first (an item moved and reworded keeps its node), then those in place.
    candidates.sort(key=lambda candidate: candidate[:3], reverse=True)
    for *_likeness, item, node in candidates:
        if item.key not in pairs and node in free:
            pairs[item.key] = node
            free.remove(node)
    return pairs


def _holding_records(plan, nodes):
    """Ids of ``nodes`` (the plan's) under which progress entries or contributions are kept
    (evidence hangs on entries)."""
    parent_of = {node.pk: node.parent_id for node in nodes}
    holding = set()
    for model in (ProgressReport, Contribution):
        for item_id in model.objects.filter(item__plan=plan).values_list("item_id", flat=True).distinct():
            while item_id is not None and item_id not in holding:
                holding.add(item_id)
                item_id = parent_of.get(item_id)
    return holding


@dataclass
class ImportDiff:
    """For the preview: what confirming would do to the plan (names of departments not yet
    known to the region are left out: the preview asks what they mean)."""

    tree: TreeDiff
    desired: list
    records: dict  # node id -> [selectors.RecordLine] of the nodes archived
    assignments: dict  # node id -> {role: (old departments, new departments)} where they differ


def plan_import_diff(*, plan, preview):
    """What ``plan_import`` would change, add, archive and remove; nothing is written."""
    desired = list(_desired_nodes(plan, preview, {}))
    tree = _diff_tree(plan, desired)
    return ImportDiff(tree=tree, desired=desired, records=records_under([node.pk for node in tree.archived]),
                      assignments=_assignment_diff(plan, desired, tree.matched))


def _assignment_diff(plan, desired, matched):
    if plan.pk is None:
        return {}
    have = {}
    for assignment in Assignment.objects.filter(node__plan=plan).select_related("department").order_by("position"):
        have.setdefault(assignment.node_id, {}).setdefault(assignment.role, []).append(assignment.department)
    wanted_ids = {department_id for item in desired for department_id, *_rest in item.assignments}
    departments = Department.objects.in_bulk(wanted_ids)
    diff = {}
    for item in desired:
        node = matched.get(item.key)
        if node is None or item.level != TaskNode.Level.WORK_ITEM:
            continue
        want = {}
        for department_id, role, *_rest in item.assignments:
            want.setdefault(role, []).append(departments[department_id])
        roles = {role: (have.get(node.pk, {}).get(role, []), want.get(role, [])) for role in Assignment.Role.values}
        changed = {role: pair for role, pair in roles.items() if pair[0] != pair[1]}
        if changed:
            diff[node.pk] = changed
    return diff


IMPORT_ARCHIVE_REASON = "导入的任务分解表中已无此项"


def _apply_tree(plan, desired, user=None):
    """Create, update, archive and delete nodes and assignments so the plan holds exactly
    ``desired``, with a fixed number of queries whatever the size of the tree; every change
    is kept in the nodes' history."""
    result = ImportResult()
    diff = _diff_tree(plan, desired)
    matched = diff.matched
    result.deleted, result.archived, result.restored = len(diff.removed), len(diff.archived), len(diff.restored)
    touched = {node.pk for node in diff.archived + diff.restored}
    touched |= {node.pk for node, _item, changed in diff.updated if "due_on" in changed}  # what is on track
    _archive(diff.archived, user=user, reason=IMPORT_ARCHIVE_REASON)
    if diff.removed:
        TaskNode.objects.filter(pk__in=[node.pk for node in diff.removed]).delete()
    to_update = {}
    for node, item, _changed in diff.updated:
        for name, value in {**item.fields, "position": item.position}.items():
            setattr(node, name, value)
        to_update[node.pk] = node
    for node, item in diff.relaid:
        node.source_cells = item.fields["source_cells"]
        to_update[node.pk] = node
    for node in diff.restored:
        node.archived_at, node.archived_by, node.archive_reason = None, None, ""
        to_update[node.pk] = node
    result.unchanged = diff.unchanged
    for level in (1, 2, 3):
        new_nodes = []
        for item in (item for item in diff.added if item.level == level):
            parent = matched[item.parent_key] if item.parent_key else None
            node = TaskNode(plan=plan, parent=parent, level=level, **item.fields, position=item.position)
            new_nodes.append((item.key, node))
        TaskNode.objects.bulk_create([node for _, node in new_nodes])
        for key, node in new_nodes:
            matched[key] = node
        result.created += len(new_nodes)
    if to_update:
        bulk_update_with_history(
            list(to_update.values()), TaskNode,
            ["position", "number", "text", "due_text", "due_on", "target_text", "target_value", "target_unit",
             "target_comparator", "lead_text", "cooperating_text", "source_cells", "archived_at", "archived_by",
             "archive_reason"],
            default_user=user,
        )
        result.updated = len(diff.updated)

    changed_nodes = _apply_assignments(plan, desired, matched, user)
    targets_sync(plan=plan, desired=desired, matched=matched, updated=diff.updated, user=user)
    if result.created or changed_nodes:
        _record_created(plan, user)
    result.assignments_changed = len(changed_nodes)
    if result.created or result.deleted or touched or changed_nodes:
        structure_changed(plan, touched | changed_nodes)
    return result


def _apply_assignments(plan, desired, matched, user=None):
    """Write the desired assignments; returns the ids of the nodes whose assignments changed."""
    wanted = {}
    for item in desired:
        node_id = matched[item.key].pk
        for department_id, role, position, group_id in item.assignments:
            wanted[(node_id, department_id)] = (role, position, group_id)
    # An archived node keeps its departments with its records.
    current = Assignment.objects.filter(node__plan=plan, node__archived_at__isnull=True)
    have = {(a.node_id, a.department_id): a for a in current}
    remove = [a for key, a in have.items() if key not in wanted]
    change = []
    for key, values in wanted.items():
        current = have.get(key)
        if current is not None and (current.role, current.position, current.group_id) != values:
            current.role, current.position, current.group_id = values
            change.append(current)
    add = [
        Assignment(node_id=node_id, department_id=department_id, role=role, position=position, group_id=group_id)
        for (node_id, department_id), (role, position, group_id) in wanted.items()
        if (node_id, department_id) not in have
    ]
    Assignment.objects.filter(pk__in=[a.pk for a in remove]).delete()
    if change:
        bulk_update_with_history(change, Assignment, ["role", "position", "group"], default_user=user)
    Assignment.objects.bulk_create(add)  # their history: _record_created
    return {a.node_id for a in remove + change + add}


def _record_created(plan, user):
    """A "+" history row for every node and assignment of ``plan`` without one yet: those
    just written in bulk (django-simple-history's bulk helper builds an instance per row,
    slower than the write itself). One INSERT … SELECT each."""
    nodes = TaskNode.objects.filter(plan=plan)
    record_bulk(nodes.exclude(pk__in=TaskNode.history.filter(plan=plan).values("id")), history_type="+", user=user)
    assignments = Assignment.objects.filter(node__plan=plan)
    recorded = Assignment.history.filter(node__plan=plan).values("id")
    record_bulk(assignments.exclude(pk__in=recorded), history_type="+", user=user)


def structure_changed(plan, node_ids, *, today=None):
    """The plan's tree or its departments changed at ``node_ids``: the scorecards of every
    quarter with records on them, and of the current quarter, are recomputed."""
    current = Quarter.containing(today or timezone.localdate())
    quarters = {current} if plan.start_year <= current.year <= plan.end_year else set()
    if node_ids:
        for model in (ProgressReport, Contribution):
            found = model.objects.filter(item__in=node_ids).values_list("year", "quarter").distinct()
            quarters.update(Quarter(year, number) for year, number in found)
    for quarter in sorted(quarters):
        events.publish(events.SCORES_CHANGED, region=plan.region, quarter=quarter)


def _archive(nodes, *, user, reason):
    now = timezone.now()
    for node in nodes:
        node.archived_at, node.archived_by, node.archive_reason = now, user, reason[:200]
    if nodes:
        bulk_update_with_history(nodes, TaskNode, ["archived_at", "archived_by", "archive_reason"], default_user=user)


# --- editing plans and nodes by hand --------------------------------------------------------


PLAN_FIELDS = ["title", "kind", "document_number", "start_year", "end_year", "report_window_days",
               "report_due_offset_days"]
NODE_FIELDS = ["number", "text", "due_on", "due_text", "target_value", "target_unit", "target_comparator",
               "target_text"]


def plan_update(*, plan, version):
    """Save a plan edited in a form (``plan`` holds the new values)."""
    save_versioned(plan, version=version, fields=PLAN_FIELDS)
    return plan


@transaction.atomic
def node_update(*, node, version, leads=None, cooperators=None):
    """Save a node edited in a form and, for a work item, its lead and cooperating departments."""
    due_on = TaskNode.objects.filter(pk=node.pk).values_list("due_on", flat=True).first()
    wanted = None
    if node.is_work_item and leads is not None:
        wanted = _written_parties(node, leads, cooperators or [])  # sets the written cells: saved with the rest
    save_versioned(node, version=version, fields=[*NODE_FIELDS, *WRITTEN_FIELDS])
    parties_changed = wanted is not None and _write_assignments(node, wanted)
    if parties_changed or node.due_on != due_on:  # who is scored on it, or what is on track
        structure_changed(node.plan, {node.pk})
    return node


WRITTEN_FIELDS = ["lead_text", "cooperating_text", "source_cells"]


def _written_parties(node, leads, cooperators):
    """Set the node's written cells from the departments chosen for it; returns the
    assignments wanted, [(department id, role, position, group id)]."""
    resolver, groups = DepartmentResolver.for_region(node.plan.region), groups_by_spelling(node.plan.region)
    lead_ids = [d.pk for d in leads]
    cooperating = [d for d in cooperators if d.pk not in lead_ids]
    lead_text, lead_via = _written_cell(node.lead_text, leads, resolver, groups)
    cooperating_text, cooperating_via = _written_cell(node.cooperating_text, cooperating, resolver, groups)
    if (lead_text, cooperating_text) != (node.lead_text, node.cooperating_text):
        node.lead_text, node.cooperating_text = lead_text, cooperating_text
        node.source_cells.pop("inline", None)  # the departments now go in their columns
    wanted = [(d.pk, Assignment.Role.LEAD, i, lead_via.get(d.pk)) for i, d in enumerate(leads)]
    wanted += [(d.pk, Assignment.Role.COOPERATING, i, cooperating_via.get(d.pk)) for i, d in enumerate(cooperating)]
    return wanted


def _write_assignments(node, wanted):
    have = sorted(node.assignments.values_list("department_id", "role", "position", "group_id"))
    if have == sorted(wanted):  # a department is on an item once: the ids alone order them
        return False
    for assignment in node.assignments.all():  # one by one: each removal kept in the history
        assignment.delete()
    bulk_create_with_history(
        [Assignment(node=node, department_id=pk, role=role, position=i, group_id=group)
         for pk, role, i, group in wanted], Assignment
    )
    return True


def _written_cell(old_text, departments, resolver, groups):
    """(cell text, {department id: group id}) for ``departments`` chosen on a page: a group
    the old cell named stays written by its name while all its members are still chosen,
    a department keeps the spelling the cell used, one newly chosen is written short."""
    chosen = {d.pk for d in departments}
    parts, via, covered = [], {}, set()
    for name in resolver.names_in(old_text):
        if not resolver.knows(name):
            continue
        members = {d.pk for d in resolver.resolve_name(name)}
        if resolver.is_group(name):
            if members <= chosen:
                parts.append(name)
                group = groups.get(normalize_name(name))
                via.update(dict.fromkeys(members - covered, group.pk if group else None))
                covered |= members
        elif members <= chosen and not members <= covered:
            parts.append(name)
            covered |= members
    parts += [d.short_name for d in departments if d.pk not in covered]
    return "、".join(parts), via


def plan_groups_resolve(*, region, user=None):
    """Resolve again every group name the current work items of ``region``'s plans are
    written with: a new member of the group gets the item, a department that left the group
    loses it unless progress or a contribution is kept on it. Returns the ids of the items
    whose departments changed."""
    resolver, groups = DepartmentResolver.for_region(region), groups_by_spelling(region)
    items = (TaskNode.objects.current().filter(plan__region=region, level=TaskNode.Level.WORK_ITEM)
             .exclude(lead_text="", cooperating_text="").select_related("plan").prefetch_related("assignments"))
    changed = defaultdict(set)
    for item in items:
        names = [*resolver.names_in(item.lead_text), *resolver.names_in(item.cooperating_text)]
        if not any(resolver.is_group(name) for name in names):
            continue
        wanted = {row[0]: row for row in
                  _assignment_rows(written_parties(resolver, groups, item.lead_text, item.cooperating_text))}
        have = {a.department_id: a for a in item.assignments.all()}
        for department_id, role, position, group_id in wanted.values():
            if department_id not in have:
                assignment = Assignment(node=item, department_id=department_id, role=role, position=position,
                                        group_id=group_id)
                assignment._history_user = user
                assignment.save()
                changed[item.plan].add(item.pk)
        for department_id, assignment in have.items():
            if department_id in wanted or assignment.group_id is None or _holds_records(item, department_id):
                continue
            assignment._history_user = user
            assignment.delete()
            changed[item.plan].add(item.pk)
    for plan, node_ids in changed.items():
        structure_changed(plan, node_ids)
    return {pk for node_ids in changed.values() for pk in node_ids}


def _holds_records(item, department_id):
    return any(model.objects.filter(item=item, department_id=department_id).exists()
               for model in (ProgressReport, Contribution))


@transaction.atomic
def node_create(*, plan, parent, level, fields, leads=(), cooperators=()):
    """Add a node as the last child of ``parent`` (or the last key task)."""
    last = TaskNode.objects.filter(plan=plan).aggregate(last=Max("position"))["last"] or 0
    node = TaskNode(plan=plan, parent=parent, level=level, position=last + 1, **fields)  # last among siblings
    node.full_clean()
    wanted = _written_parties(node, list(leads), list(cooperators)) if node.is_work_item else None
    node.save()
    _renumber(plan)
    if wanted is not None and _write_assignments(node, wanted):
        structure_changed(plan, set())
    return node


def subtree(node, nodes=None):
    """``node`` and every node below it, archived ones included."""
    nodes = list(TaskNode.objects.filter(plan=node.plan_id)) if nodes is None else nodes
    children = defaultdict(list)
    for other in nodes:
        children[other.parent_id].append(other)
    found, todo = [], [node]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current.pk, []))
    return found


DELETED, ARCHIVED = "deleted", "archived"


@transaction.atomic
def node_delete(*, node, user=None, reason=""):
    """Remove a node and its subtree: a node under which records are kept (progress entries,
    contributions, evidence) is archived with them, the others are deleted. Returns
    ``ARCHIVED`` when anything was archived, else ``DELETED``."""
    plan = node.plan
    nodes = list(TaskNode.objects.filter(plan=plan))
    below = [n for n in subtree(node, nodes) if n.archived_at is None]
    holding = _holding_records(plan, nodes)
    kept = [n for n in below if n.pk in holding]
    _archive(kept, user=user, reason=reason or "删除时其下有填报记录，已归档")
    # A node holding records makes every node above it hold them too, so what is deleted
    # has nothing kept below it: one delete (its history rows come from the signals).
    TaskNode.objects.filter(pk__in=[n.pk for n in below if n.pk not in holding]).delete()
    _renumber(plan)
    structure_changed(plan, {n.pk for n in kept})
    return ARCHIVED if kept else DELETED


@transaction.atomic
def node_restore(*, node, user=None):
    """Bring an archived node back with its archived subtree (and any archived node above it),
    in its old place among its siblings."""
    nodes = list(TaskNode.objects.filter(plan=node.plan_id))
    by_id = {n.pk: n for n in nodes}
    back = [n for n in subtree(node, nodes) if n.archived_at is not None]
    parent = by_id.get(node.parent_id)
    while parent is not None:
        if parent.archived_at is not None:
            back.append(parent)
        parent = by_id.get(parent.parent_id)
    for n in back:
        n.archived_at, n.archived_by, n.archive_reason = None, None, ""
        n._history_user = user
        n.save(update_fields=["archived_at", "archived_by", "archive_reason"])
    _renumber(node.plan)
    structure_changed(node.plan, {n.pk for n in back})
    return back


@transaction.atomic
def node_move(*, node, offset):
    """Move a node ``offset`` places among its siblings (−1 up, +1 down), with its subtree."""
    siblings = list(TaskNode.objects.current().filter(plan=node.plan_id, parent=node.parent_id).order_by("position"))
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == node.pk)
    target = max(0, min(len(siblings) - 1, index + offset))
    if target == index:
        return False
    siblings.insert(target, siblings.pop(index))
    _renumber(node.plan, sibling_order={node.parent_id: [s.pk for s in siblings]})
    return True


def _renumber(plan, sibling_order=None):
    """Give every current node of ``plan`` its depth-first print position (two queries);
    archived ones keep theirs, so a restored node comes back near where it was."""
    nodes = list(TaskNode.objects.current().filter(plan=plan).order_by("position", "pk"))
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    for parent_id, order in (sibling_order or {}).items():
        rank = {pk: i for i, pk in enumerate(order)}
        children[parent_id].sort(key=lambda n: rank[n.pk])
    changed, position = [], 0

    def walk(parent_id):
        nonlocal position
        for node in children.get(parent_id, []):
            position += 1
            if node.position != position:
                node.position = position
                changed.append(node)
            walk(node.pk)

    walk(None)
    TaskNode.objects.bulk_update(changed, ["position"])


@transaction.atomic
def plan_copy(*, plan, title, years_later):
    """A new plan with the same tree and departments, no progress, every date moved on by
    ``years_later`` years (29 February becomes 28 February)."""
    copy = Plan(
        region=plan.region, title=title, kind=plan.kind, document_number="",
        start_year=plan.start_year + years_later, end_year=plan.end_year + years_later,
        report_window_days=plan.report_window_days, report_due_offset_days=plan.report_due_offset_days,
        source_layout=plan.source_layout,
    )
    copy.full_clean()
    copy.save()
    PlanPhase.objects.bulk_create(
        PlanPhase(plan=copy, position=p.position, name=p.name, description=p.description,
                  starts_on=_shift(p.starts_on, years_later), ends_on=_shift(p.ends_on, years_later))
        for p in plan.phases.all()
    )
    nodes = list(TaskNode.objects.current().filter(plan=plan).order_by("level", "position"))
    new_by_old = {}
    for level in (1, 2, 3):
        batch = []
        for node in (n for n in nodes if n.level == level):
            clone = TaskNode(
                plan=copy, parent=new_by_old.get(node.parent_id), level=level, position=node.position,
                number=node.number, text=node.text, due_text=node.due_text,
                due_on=_shift(node.due_on, years_later) if node.due_on else None,
                target_value=node.target_value, target_unit=node.target_unit,
                target_comparator=node.target_comparator, target_text=node.target_text,
                lead_text=node.lead_text, cooperating_text=node.cooperating_text, source_cells=node.source_cells,
            )
            batch.append((node.pk, clone))
        TaskNode.objects.bulk_create([clone for _, clone in batch])
        new_by_old.update(batch)
    Assignment.objects.bulk_create(
        Assignment(node=new_by_old[a.node_id], department_id=a.department_id, role=a.role, position=a.position,
                   group_id=a.group_id)
        for a in Assignment.objects.filter(node__plan=plan, node__archived_at__isnull=True)
    )
    # The targets read from the items' words go with them, their dates moved on like the items'.
    TaskTarget.objects.bulk_create(
        TaskTarget(node=new_by_old[t.node_id], position=t.position, kind=t.kind, comparator=t.comparator,
                   value=t.value, value_max=t.value_max, unit=t.unit, base_year=t.base_year,
                   due_on=_shift(t.due_on, years_later) if t.due_on else None, due_text=t.due_text,
                   wording=t.wording, alternative=t.alternative)
        for t in TaskTarget.objects.filter(node__plan=plan, node__archived_at__isnull=True)
    )
    return copy


def _shift(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + years, day=28)
