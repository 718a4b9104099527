"""Reading plans and their trees with a fixed number of queries whatever their size."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.periods import Quarter
from core.text import normalize_name
from org.models import Department
from org.selectors import split_department_cell

from .models import Assignment, Contribution, Plan, ProgressReport, TaskNode, TaskTarget


@dataclass
class TreeRow:
    """A node with what a page or an export shows of it."""

    node: TaskNode
    leads: list = field(default_factory=list)
    cooperators: list = field(default_factory=list)
    children: list = field(default_factory=list)
    # {department id: the group name through which it has the item (各街道办事处)}, for
    # the departments a group name brought in rather than named outright.
    through: dict = field(default_factory=dict)

    @property
    def level(self):
        return self.node.level

    @property
    def cooperator_ids(self):
        return [department.pk for department in self.cooperators]

    @property
    def written_leads(self):
        """The lead cell as the table wrote it, when it says more than the names shown
        (a group name: 各镇（街道）); empty otherwise."""
        return _said_more(self.node.lead_text, self.leads)

    @property
    def written_cooperators(self):
        return _said_more(self.node.cooperating_text, self.cooperators)


def _said_more(text, departments):
    names = {normalize_name(name) for d in departments for name in (d.short_name, d.name)}
    written = [normalize_name(part) for part in split_department_cell(text)]
    return "" if all(part in names for part in written) else text


def plans_for(scope):
    """The plans a user sees, with their work-item counts, newest first."""
    plans = scope.filter(Plan.objects.select_related("region"), region="region")
    items = Q(nodes__level=TaskNode.Level.WORK_ITEM, nodes__archived_at__isnull=True)
    return plans.annotate(work_item_count=Count("nodes", filter=items)).order_by(
        "region__code", "-start_year", "title"
    )


def plan_tree(plan, *, key_task=None, department=None, role=None, search=""):
    """The plan's tree in print order as ``TreeRow`` roots, optionally narrowed to one key
    task, to what one department leads or cooperates on (``role`` narrows to one of those),
    or to work items whose text contains ``search``. Ancestors of every kept item are kept.
    Archived nodes are left out. Three queries, however large the plan."""
    rows = tree_rows(plan)
    nodes = [row.node for row in rows.values()]

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


def tree_rows(plan, *, archived=False):
    """{node id: ``TreeRow``} of the plan's nodes in print order, each with its lead and
    cooperating departments and the group names that brought any of them in (children not
    linked). Current nodes only, or with ``archived`` the archived ones too. Three queries,
    however large the plan."""
    nodes = TaskNode.objects.filter(plan=plan)
    assignments = Assignment.objects.filter(node__plan=plan)
    if not archived:
        nodes, assignments = nodes.current(), assignments.filter(node__archived_at__isnull=True)
    rows = {node.pk: TreeRow(node) for node in nodes.order_by("position", "pk")}
    # Tuples, and each department read once: a large plan has tens of thousands of assignments
    # but a few dozen departments.
    assignments = list(assignments.order_by("-role", "position").values_list("node_id", "department_id", "role",
                                                                             "group__name"))
    departments = Department.objects.in_bulk({department_id for _node, department_id, _as, _g in assignments})
    for node_id, department_id, assigned_as, group in assignments:
        row = rows[node_id]
        (row.leads if assigned_as == Assignment.Role.LEAD else row.cooperators).append(departments[department_id])
        if group:
            row.through[department_id] = group
    return rows


def targets_by_node(plan, *, archived=False):
    """{node id: [TaskTarget]} of the plan's work items in their order (one query); the
    targets of archived items only with ``archived``."""
    targets = TaskTarget.objects.filter(node__plan=plan)
    if not archived:
        targets = targets.filter(node__archived_at__isnull=True)
    by_node = defaultdict(list)
    for target in targets.order_by("node_id", "position", "pk"):
        by_node[target.node_id].append(target)
    return by_node


def walk(rows):
    for row in rows:
        yield row
        yield from walk(row.children)


# --- the quarterly ledger ---------------------------------------------------------------


@dataclass
class TodoRow:
    item: TaskNode
    report: object  # ProgressReport or None when nothing has been entered yet
    deadline: object  # core.periods.DeadlineStatus

    UNREPORTED = "unreported"

    @property
    def state(self):
        # An entry only opened, never saved, is still to be reported.
        return self.UNREPORTED if self.report is None or self.report.is_untouched else self.report.state


def lead_items(department, quarter):
    """Work items ``department`` leads in plans of its region that run in ``quarter``'s year
    (not those archived before ``quarter`` ended)."""
    return (
        TaskNode.objects.in_quarter(quarter).filter(
            level=TaskNode.Level.WORK_ITEM,
            assignments__department=department,
            assignments__role=Assignment.Role.LEAD,
            plan__region=department.region_id,
            plan__start_year__lte=quarter.year,
            plan__end_year__gte=quarter.year,
        )
        .select_related("plan", "parent")
        .order_by("plan__title", "position")
    )


def todo_for(department, quarter, *, today):
    """The department's to-do for ``quarter``: every item it leads with its entry (if any)
    and its deadline status, in two queries."""
    items = list(lead_items(department, quarter))
    reports = {
        report.item_id: report
        for report in ProgressReport.objects.filter(
            department=department, year=quarter.year, quarter=quarter.number, item__in=[i.pk for i in items]
        )
    }
    rows = []
    for item in items:
        report = reports.get(item.pk)
        submitted = report.submitted_at if report and report.state != ProgressReport.State.DRAFT else None
        deadline = item.plan.deadline_rule.status(
            quarter, submitted_on=timezone.localdate(submitted) if submitted else None, today=today,
            item_due=item.due_on,
        )
        rows.append(TodoRow(item, report, deadline))
    return rows


@dataclass
class InboxRow:
    report: ProgressReport
    previous: object  # the same item's entry of the previous quarter, or None
    deadline: object  # core.periods.DeadlineStatus of the submission


INBOX_ORDER = {ProgressReport.State.SUBMITTED: 0, ProgressReport.State.RETURNED: 1, ProgressReport.State.APPROVED: 2}


def inbox_for(scope, quarter, *, today, region=None, department=None, state=None, late_only=False):
    """Entries of ``quarter`` the user may review: submitted ones first, each with the same
    item's entry of the previous quarter beside it and whether it came late (two queries)."""
    reports = scope.filter(
        ProgressReport.objects.select_related("item__plan", "item__parent", "department", "submitted_by"),
        region="item__plan__region",
        change=True,
    ).filter(year=quarter.year, quarter=quarter.number)
    reports = reports.exclude(state=ProgressReport.State.DRAFT)
    if region is not None:
        reports = reports.filter(item__plan__region=region)
    if department is not None:
        reports = reports.filter(department=department)
    if state:
        reports = reports.filter(state=state)
    reports = list(reports)
    previous_quarter = quarter.previous()
    previous = {
        (r.item_id, r.department_id): r
        for r in ProgressReport.objects.filter(
            year=previous_quarter.year,
            quarter=previous_quarter.number,
            item__in={r.item_id for r in reports},
        )
    }
    rows = [
        InboxRow(
            r,
            previous.get((r.item_id, r.department_id)),
            r.deadline_status(today=today, rule=r.item.plan.deadline_rule),
        )
        for r in reports
    ]
    if late_only:
        rows = [row for row in rows if row.deadline.state == "late"]
    rows.sort(
        key=lambda row: (
            INBOX_ORDER.get(row.report.state, 3),
            row.report.department.short_name,
            row.report.item.position,
        )
    )
    return rows


@dataclass
class Completeness:
    department: object
    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    approved: int = 0
    returned: int = 0

    @property
    def missing(self):
        return self.expected - self.submitted

    @property
    def on_time_rate(self):
        return round(100 * self.on_time / self.expected, 1) if self.expected else None


def completeness(region, quarter):
    """Per lead department of ``region``: how many entries ``quarter`` expects, and how many
    were submitted, on time, approved and (currently) returned. Two queries; the
    scorecards reuse it."""
    leads = (
        Assignment.objects.filter(
            TaskNode.in_quarter_q(quarter, "node__"),
            role=Assignment.Role.LEAD,
            node__level=TaskNode.Level.WORK_ITEM,
            node__plan__region=region,
            node__plan__start_year__lte=quarter.year,
            node__plan__end_year__gte=quarter.year,
        )
        .select_related("department", "node__plan")
        .order_by("department__short_name")
    )
    figures, rules = {}, {}
    for assignment in leads:
        row = figures.setdefault(assignment.department_id, Completeness(assignment.department))
        row.expected += 1
        # Each entry is due by its item's own date when that comes before the quarter's.
        rules[(assignment.node_id, assignment.department_id)] = assignment.node.plan.deadline_rule.due_on(
            quarter, assignment.node.due_on)
    reports = ProgressReport.objects.filter(
        year=quarter.year, quarter=quarter.number, department__in=list(figures)
    ).exclude(state=ProgressReport.State.DRAFT)
    for report in reports:
        due = rules.get((report.item_id, report.department_id))
        if due is None:
            continue  # the department no longer leads the item
        row = figures[report.department_id]
        row.submitted += 1
        if timezone.localdate(report.submitted_at) <= due:
            row.on_time += 1
        row.approved += report.state == ProgressReport.State.APPROVED
        row.returned += report.state == ProgressReport.State.RETURNED
    return sorted(figures.values(), key=lambda row: row.department.short_name)


# --- archived nodes and the records kept under them ------------------------------------------


@dataclass
class RecordLine:
    """One record kept on a work item, as the delete page and the import preview list it."""

    item_id: int
    department: object
    quarter: Quarter
    state: str  # the entry's review state as shown, or "contribution"
    evidence: int = 0

    @property
    def department_name(self):
        return self.department.short_name or self.department.name

    @property
    def when(self):
        evidence = _(", %(count)d evidence files") % {"count": self.evidence} if self.evidence else ""
        return f"{self.quarter} {self.state}{evidence}"

    def __str__(self):
        return f"{self.department_name} {self.when}"


def records_under(node_ids):
    """{node id: [RecordLine]}: the progress entries (with their evidence) and contributions
    kept on ``node_ids``, by department and quarter (three queries)."""
    found = defaultdict(list)
    if not node_ids:
        return found
    reports = (ProgressReport.objects.filter(item__in=node_ids).select_related("department")
               .annotate(files=Count("evidence")).order_by("year", "quarter", "department__short_name"))
    for report in reports:
        found[report.item_id].append(RecordLine(report.item_id, report.department, report.period,
                                                report.get_state_display(), report.files))
    contributions = (Contribution.objects.filter(item__in=node_ids).select_related("department")
                     .order_by("year", "quarter", "department__short_name"))
    for contribution in contributions:
        found[contribution.item_id].append(RecordLine(contribution.item_id, contribution.department,
                                                      Quarter(contribution.year, contribution.quarter),
                                                      _("contribution")))
    return found


@dataclass
class ArchivedRow:
    node: TaskNode
    records: list  # RecordLine on the node itself


def archived_nodes(plan):
    """The plan's archived nodes in print order, each with the records kept on it."""
    nodes = list(TaskNode.objects.archived().filter(plan=plan).select_related("archived_by").order_by("position",
                                                                                                        "pk"))
    records = records_under([node.pk for node in nodes])
    return [ArchivedRow(node, records.get(node.pk, [])) for node in nodes]


def unassigned_items(plan):
    """The plan's current work items no department leads (imported from a table with an empty
    lead cell, or from a plan written as prose), in plan order, with their parents for the label."""
    return (
        TaskNode.objects.current()
        .filter(plan=plan, level=TaskNode.Level.WORK_ITEM)
        .exclude(assignments__role=Assignment.Role.LEAD)
        .select_related("parent__parent")
        .prefetch_related("assignments")
        .order_by("position")
    )
