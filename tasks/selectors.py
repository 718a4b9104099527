"""Reading plans and their trees with a fixed number of queries whatever their size."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from .models import Assignment, Plan, TaskNode


@dataclass
class TreeRow:
    """A node with what a page or an export shows of it."""

    node: TaskNode
    leads: list = field(default_factory=list)
    cooperators: list = field(default_factory=list)
    children: list = field(default_factory=list)

    @property
    def level(self):
        return self.node.level


def plans_for(scope):
    """The plans a user sees, with their work-item counts, newest first."""
    plans = scope.filter(Plan.objects.select_related("region"), region="region")
    return plans.annotate(work_item_count=Count("nodes", filter=Q(nodes__level=TaskNode.Level.WORK_ITEM))).order_by(
        "region__code", "-start_year", "title"
    )


def plan_tree(plan, *, key_task=None, department=None, role=None, search=""):
    """The plan's tree in print order as ``TreeRow`` roots, optionally narrowed to one key
    task, to what one department leads or cooperates on (``role`` narrows to one of those),
    or to work items whose text contains ``search``. Ancestors of every kept item are kept.
    Three queries, however large the plan."""
    nodes = list(
        TaskNode.objects.filter(plan=plan)
        .order_by("position")
        .prefetch_related(
            Prefetch(
                "assignments", queryset=Assignment.objects.select_related("department").order_by("-role", "position")
            )
        )
    )
    rows = {}
    for node in nodes:
        row = TreeRow(node)
        for assignment in node.assignments.all():
            (row.leads if assignment.role == Assignment.Role.LEAD else row.cooperators).append(assignment.department)
        rows[node.pk] = row

    def keep(row):
        node = row.node
        if not node.is_work_item:
            return False
        if department is not None:
            involved = (
                row.leads if role == Assignment.Role.LEAD else row.cooperators if role else row.leads + row.cooperators
            )
            if department not in involved:
                return False
        return not (search and search not in node.text and search not in node.number)

    filtering = department is not None or bool(search)
    kept = set()
    for row in rows.values():
        if not filtering or keep(row):
            node = row.node
            while node is not None:
                kept.add(node.pk)
                node = rows[node.parent_id].node if node.parent_id else None
    roots = []
    for node in nodes:
        if node.pk not in kept:
            continue
        row = rows[node.pk]
        if node.parent_id is None:
            if key_task is None or node.pk == key_task.pk:
                roots.append(row)
        else:
            rows[node.parent_id].children.append(row)
    return roots


def walk(rows):
    for row in rows:
        yield row
        yield from walk(row.children)
