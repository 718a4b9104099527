"""Changes to plans and their trees that span models."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max

from core.errors import ImportBlocked
from core.text import normalize_name
from core.workflow import save_versioned
from org.models import Department, DepartmentAlias

from ..models import Assignment, Plan, PlanPhase, ProgressReport, TaskNode
from ..wording import parse_due, parse_target

MAP, ALIAS, NEW = "map", "alias", "new"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    assignments_changed: int = 0

    @property
    def changed(self):
        return bool(self.created or self.updated or self.deleted or self.assignments_changed)


@transaction.atomic
def plan_import(*, plan, preview, mapping=None):
    """Write the previewed tree into ``plan`` in one transaction.

    ``mapping`` settles each unknown department name (keyed by its normalised form):
    ``(MAP, department)`` uses an existing department for this import, ``(ALIAS, department)``
    also records the name as that department's alias, ``(NEW, kind)`` creates a department.
    Nodes are matched to the plan's existing nodes by their place and wording, so importing
    the same table again changes nothing.
    """
    # Two imports into one plan at once would each find the other's nodes missing and add
    # them twice: the second waits for the first and then finds its nodes.
    Plan.objects.select_for_update().filter(pk=plan.pk).first()
    mapping = mapping or {}
    missing = [unknown.name for key, unknown in preview.unknown.items() if key not in mapping]
    if preview.problems or missing:
        unknown = f"：未知单位 {'、'.join(missing)}" if missing else ""
        raise ImportBlocked([f"导入前请先解决预览中列出的问题{unknown}"])
    extra = _settle_unknown_names(plan.region, preview, mapping)
    desired = list(_desired_nodes(plan, preview, extra))
    return _apply_tree(plan, desired)


def _settle_unknown_names(region, preview, mapping):
    extra = {}
    for key, (action, target) in mapping.items():
        if key not in preview.unknown:
            continue  # already known (e.g. recorded as an alias by an earlier import)
        name = preview.unknown[key].name
        if action == NEW:
            department = Department.objects.create(region=region, short_name=name, name=name, kind=target)
        else:
            department = target
            if department.region_id != region.pk:
                raise ImportBlocked([f"“{department}”不属于{region}"])
            if action == ALIAS:
                DepartmentAlias.objects.create(region=region, department=department, name=name)
        extra[key] = department
    return extra


@dataclass
class _Desired:
    key: tuple
    parent_key: tuple | None
    level: int
    position: int
    fields: dict
    assignments: list  # [(department_id, role, position)]
    row: int = 0  # the row of the file it is read from


def _desired_nodes(plan, preview, extra):
    resolver = preview.resolver
    position = 0

    def departments(text):
        """(named, from groups): departments written by name, and those a group stands for."""
        named, grouped = [], []
        for name in resolver.names_in(text):
            key = normalize_name(name)
            if key in extra:
                found, into = [extra[key]], named
            elif not resolver.knows(name):
                continue  # not settled yet: only the preview's diff gets here (plan_import refuses first)
            else:
                found, into = resolver.resolve_name(name), grouped if resolver.is_group(name) else named
            into.extend(department for department in found if department not in into)
        return named, grouped

    def parties(node):
        """Leads and cooperators. A department named outright keeps the role it is named
        with; a group only adds departments the row does not name (武隆 附件1: 区级有关单位
        lead, 区财政局 named as cooperating stays cooperating)."""
        lead_named, lead_grouped = departments(node.leads)
        cooperating_named, cooperating_grouped = departments(node.cooperators)
        leads = lead_named + [d for d in lead_grouped if d not in lead_named and d not in cooperating_named]
        cooperators = [d for d in cooperating_named + cooperating_grouped if d not in leads]
        return leads, list(dict.fromkeys(cooperators))

    def walk(node, parent_key):
        nonlocal position
        position += 1
        key = (*(parent_key or ()), (node.level, normalize_name(node.number), normalize_name(node.text)))
        fields = {"number": node.number, "text": node.text}
        assignments = []
        if node.level == TaskNode.Level.WORK_ITEM:
            leads, cooperators = parties(node)
            assignments = [(d.pk, Assignment.Role.LEAD, i) for i, d in enumerate(leads)]
            assignments += [(d.pk, Assignment.Role.COOPERATING, i) for i, d in enumerate(cooperators)]
            target = parse_target(node.target_text) if node.target_text else None
            fields.update(
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


def _node_key(node, by_id):
    parts = []
    while node is not None:
        parts.append((node.level, normalize_name(node.number), normalize_name(node.text)))
        node = by_id.get(node.parent_id)
    return tuple(reversed(parts))


@dataclass
class TreeDiff:
    """What writing the desired nodes into a plan does, worked out without writing."""

    by_key: dict  # the plan's nodes by their key (place and wording)
    removed: list  # nodes the table no longer has (deleted with their subtrees)
    added: list  # _Desired items without a node
    updated: list  # (node, item, names of the fields that change)
    unchanged: int = 0


def _diff_tree(plan, desired):
    existing = list(TaskNode.objects.filter(plan=plan).order_by("position")) if plan.pk else []
    by_id = {node.pk: node for node in existing}
    by_key = {_node_key(node, by_id): node for node in existing}
    wanted_keys = {item.key for item in desired}
    diff = TreeDiff(by_key=by_key, removed=[node for key, node in by_key.items() if key not in wanted_keys],
                    added=[], updated=[])
    for item in desired:
        node = by_key.get(item.key)
        if node is None:
            diff.added.append(item)
            continue
        values = {**item.fields, "position": item.position}
        changed = [name for name, value in values.items() if getattr(node, name) != value]
        if changed:
            diff.updated.append((node, item, changed))
        else:
            diff.unchanged += 1
    return diff


@dataclass
class ImportDiff:
    """For the preview: what confirming would do to the plan (names of departments not yet
    known to the region are left out: the preview asks what they mean)."""

    tree: TreeDiff
    desired: list
    progress_on_removed: dict  # node id -> how many progress entries it holds
    assignments: dict  # node id -> {role: (old departments, new departments)} where they differ


def plan_import_diff(*, plan, preview):
    """What ``plan_import`` would change, add and remove; nothing is written."""
    desired = list(_desired_nodes(plan, preview, {}))
    tree = _diff_tree(plan, desired)
    progress = dict(
        ProgressReport.objects.filter(item__in=[node.pk for node in tree.removed])
        .values_list("item").annotate(count=Count("pk")).order_by()
    )
    return ImportDiff(tree=tree, desired=desired, progress_on_removed=progress,
                      assignments=_assignment_diff(plan, desired, tree.by_key))


def _assignment_diff(plan, desired, by_key):
    if plan.pk is None:
        return {}
    have = {}
    for assignment in Assignment.objects.filter(node__plan=plan).select_related("department").order_by("position"):
        have.setdefault(assignment.node_id, {}).setdefault(assignment.role, []).append(assignment.department)
    wanted_ids = {department_id for item in desired for department_id, _, _ in item.assignments}
    departments = Department.objects.in_bulk(wanted_ids)
    diff = {}
    for item in desired:
        node = by_key.get(item.key)
        if node is None or item.level != TaskNode.Level.WORK_ITEM:
            continue
        want = {}
        for department_id, role, _position in item.assignments:
            want.setdefault(role, []).append(departments[department_id])
        roles = {role: (have.get(node.pk, {}).get(role, []), want.get(role, [])) for role in Assignment.Role.values}
        changed = {role: pair for role, pair in roles.items() if pair[0] != pair[1]}
        if changed:
            diff[node.pk] = changed
    return diff


def _apply_tree(plan, desired):
    """Create, update and delete nodes and assignments so the plan holds exactly ``desired``,
    with a fixed number of queries whatever the size of the tree."""
    result = ImportResult()
    diff = _diff_tree(plan, desired)
    by_key = diff.by_key
    if diff.removed:
        result.deleted = len(diff.removed)
        TaskNode.objects.filter(pk__in=[node.pk for node in diff.removed]).delete()
    to_update = []
    for node, item, _changed in diff.updated:
        for name, value in {**item.fields, "position": item.position}.items():
            setattr(node, name, value)
        to_update.append(node)
    result.unchanged = diff.unchanged
    for level in (1, 2, 3):
        new_nodes = []
        for item in (item for item in diff.added if item.level == level):
            parent = by_key[item.parent_key] if item.parent_key else None
            node = TaskNode(plan=plan, parent=parent, level=level, **item.fields, position=item.position)
            new_nodes.append((item.key, node))
        TaskNode.objects.bulk_create([node for _, node in new_nodes])
        for key, node in new_nodes:
            by_key[key] = node
        result.created += len(new_nodes)
    if to_update:
        TaskNode.objects.bulk_update(
            to_update,
            ["position", "number", "text", "due_text", "due_on", "target_text", "target_value", "target_unit",
             "target_comparator"],
        )
        result.updated = len(to_update)

    result.assignments_changed = _apply_assignments(plan, desired, by_key)
    return result


def _apply_assignments(plan, desired, by_key):
    wanted = {}
    for item in desired:
        node_id = by_key[item.key].pk
        for department_id, role, position in item.assignments:
            wanted[(node_id, department_id)] = (role, position)
    have = {(a.node_id, a.department_id): a for a in Assignment.objects.filter(node__plan=plan)}
    remove = [a.pk for key, a in have.items() if key not in wanted]
    change = []
    for key, (role, position) in wanted.items():
        current = have.get(key)
        if current is not None and (current.role, current.position) != (role, position):
            current.role, current.position = role, position
            change.append(current)
    add = [
        Assignment(node_id=node_id, department_id=department_id, role=role, position=position)
        for (node_id, department_id), (role, position) in wanted.items()
        if (node_id, department_id) not in have
    ]
    Assignment.objects.filter(pk__in=remove).delete()
    Assignment.objects.bulk_update(change, ["role", "position"])
    Assignment.objects.bulk_create(add)
    return len(remove) + len(change) + len(add)


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
    save_versioned(node, version=version, fields=NODE_FIELDS)
    if node.is_work_item and leads is not None:
        _set_parties(node, leads, cooperators or [])
    return node


def _set_parties(node, leads, cooperators):
    lead_ids = [d.pk for d in leads]
    cooperating = [d for d in cooperators if d.pk not in lead_ids]
    node.assignments.all().delete()
    Assignment.objects.bulk_create(
        [Assignment(node=node, department=d, role=Assignment.Role.LEAD, position=i) for i, d in enumerate(leads)]
        + [Assignment(node=node, department=d, role=Assignment.Role.COOPERATING, position=i)
           for i, d in enumerate(cooperating)]
    )


@transaction.atomic
def node_create(*, plan, parent, level, fields, leads=(), cooperators=()):
    """Add a node as the last child of ``parent`` (or the last key task)."""
    last = TaskNode.objects.filter(plan=plan).aggregate(last=Max("position"))["last"] or 0
    node = TaskNode(plan=plan, parent=parent, level=level, position=last + 1, **fields)  # last among siblings
    node.full_clean()
    node.save()
    _renumber(plan)
    if node.is_work_item:
        _set_parties(node, list(leads), list(cooperators))
    return node


@transaction.atomic
def node_delete(*, node):
    plan = node.plan
    node.delete()
    _renumber(plan)


@transaction.atomic
def node_move(*, node, offset):
    """Move a node ``offset`` places among its siblings (−1 up, +1 down), with its subtree."""
    siblings = list(TaskNode.objects.filter(plan=node.plan_id, parent=node.parent_id).order_by("position"))
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == node.pk)
    target = max(0, min(len(siblings) - 1, index + offset))
    if target == index:
        return False
    siblings.insert(target, siblings.pop(index))
    _renumber(node.plan, sibling_order={node.parent_id: [s.pk for s in siblings]})
    return True


def _renumber(plan, sibling_order=None):
    """Give every node of ``plan`` its depth-first print position (two queries)."""
    nodes = list(TaskNode.objects.filter(plan=plan).order_by("position", "pk"))
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
    )
    copy.full_clean()
    copy.save()
    PlanPhase.objects.bulk_create(
        PlanPhase(plan=copy, position=p.position, name=p.name, description=p.description,
                  starts_on=_shift(p.starts_on, years_later), ends_on=_shift(p.ends_on, years_later))
        for p in plan.phases.all()
    )
    nodes = list(TaskNode.objects.filter(plan=plan).order_by("level", "position"))
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
            )
            batch.append((node.pk, clone))
        TaskNode.objects.bulk_create([clone for _, clone in batch])
        new_by_old.update(batch)
    Assignment.objects.bulk_create(
        Assignment(node=new_by_old[a.node_id], department_id=a.department_id, role=a.role, position=a.position)
        for a in Assignment.objects.filter(node__plan=plan)
    )
    return copy


def _shift(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + years, day=28)
