"""The targets of work items (TaskTarget): read from an item's words at import, corrected by
hand on the node's page, reported against each quarter."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from core.errors import ImportBlocked
from core.excel import column_letter
from core.numbers import plain
from core.text import normalize_name

from ..models import ProgressTarget, TaskNode, TaskTarget
from ..table_parsing import Problem
from ..wording import parse_targets

TYPO_FACTOR = 10  # as for the item's one quantity (services.progress)
# The fields that make a target what it is; equal tuples are the same target.
TARGET_FIELDS = ["kind", "comparator", "value", "value_max", "unit", "base_year", "due_on", "due_text", "wording",
                 "alternative"]
# A work item's words the targets are read from; while they stay the same, a re-import
# leaves the targets (and any correction made by hand) alone.
SOURCE_FIELDS = ("text", "target_text", "due_text")


def targets_read(*, text, target_text="", due_text="", default_year):
    """(targets, problems) of one work item: the targets of its text and of its target
    column, each once; dates that do not exist, in any of the three, as (field, message)."""
    if target_text and normalize_name(target_text) in normalize_name(text):
        target_text = ""  # the target column repeats (part of) the text, or was cut from it
    readings = {name: parse_targets(value, default_year=default_year)
                for name, value in (("text", text), ("target_text", target_text), ("due_text", due_text)) if value}
    problems = [(name, message) for name, reading in readings.items() for message in reading.problems]
    found, seen = [], set()
    for name in ("text", "target_text"):
        for target in readings[name].targets if name in readings else []:
            key = _meaning(target)
            if key not in seen:
                seen.add(key)
                found.append(target)
    return found, problems


def targets_check(table, *, default_year, by_number=False):
    """Problems of a parsed task table's targets, each naming its sheet, row and column:
    a date that does not exist ("2月30日", "13月底") is refused, not guessed. ``by_number``:
    columns named "第2列", as a Word table's are (it has no column letters)."""
    columns = table.columns
    column_of = {"text": columns.get("hierarchy", [None])[-1], "target_text": columns.get("target"),
                 "due_text": columns.get("due")}
    problems = []
    for node in table.work_items():
        _targets, found = targets_read(text=node.text, target_text=node.target_text, due_text=node.due_text,
                                       default_year=default_year)
        for field, message in found:
            column = column_of.get(field)
            name = (f"第{column}" if by_number else column_letter(column)) if column else ""
            problems.append(Problem(node.row, name, message, table.sheet))
    return problems


def targets_refuse_invalid(table, *, default_year):
    """ImportBlocked when the table holds a date that does not exist (``plan_import`` asks:
    a preview read without the plan's year has not checked)."""
    problems = targets_check(table, default_year=default_year)
    if problems:
        raise ImportBlocked([str(problem) for problem in problems])


def targets_sync(*, plan, desired, matched, updated, user=None):
    """Write the targets of each imported work item. They are read again where the item is
    new, its words changed, or it has none: a reworded target replaces the old ones, and
    importing the same table again changes nothing (corrections made by hand included)."""
    reworded = {item.key for _node, item, changed in updated if set(changed) & set(SOURCE_FIELDS)}
    items = [item for item in desired if item.level == TaskNode.Level.WORK_ITEM]
    node_ids = [matched[item.key].pk for item in items]
    stored = {}
    for target in TaskTarget.objects.filter(node__in=node_ids).order_by("position", "pk"):
        stored.setdefault(target.node_id, []).append(target)
    remove, add = [], []
    for item in items:
        node = matched[item.key]
        have = stored.get(node.pk, [])
        if have and item.key not in reworded:
            continue
        want, _problems = targets_read(text=item.fields["text"], target_text=item.fields.get("target_text", ""),
                                       due_text=item.fields.get("due_text", ""), default_year=plan.start_year)
        if [_key(target) for target in have] == [_key(target) for target in want]:
            continue
        remove += have
        add += [TaskTarget(node=node, position=position, **{name: getattr(target, name) for name in TARGET_FIELDS})
                for position, target in enumerate(want)]
    for target in remove:
        target._history_user = user
        target.delete()
    if add:
        bulk_create_with_history(add, TaskTarget, default_user=user)
    return len(remove), len(add)


def _key(target):
    return tuple(getattr(target, name) for name in TARGET_FIELDS)


def _meaning(target):
    """A target apart from its words: "不得少于2个" in the text and "≥2个" in the target
    column are one target."""
    return tuple(getattr(target, name) for name in TARGET_FIELDS if name not in ("wording", "due_text"))


@transaction.atomic
def node_update_with_targets(*, node, version, leads=None, cooperators=None, targets=None, user=None):
    """Save a work item edited on its page and, when the page posted them, its targets:
    ``targets`` are (TaskTarget, changed) in their order (new ones unsaved); every stored
    target missing from them is removed. The node's ``version`` guards the item and its
    targets together, so two people correcting at once do not mix."""
    from .plans import node_update  # plans imports this module for the import's targets

    node_update(node=node, version=version, leads=leads, cooperators=cooperators)
    if targets is None:
        return node
    keep = {target.pk for target, _changed in targets if target.pk}
    for target in TaskTarget.objects.filter(node=node).exclude(pk__in=keep):
        target._history_user = user
        target.delete()
    for position, (target, changed) in enumerate(targets):
        if target.pk and not changed and target.position == position:
            continue
        target.node, target.position, target._history_user = node, position, user
        target.save()
    return node


# --- progress against targets ------------------------------------------------------------


def main_quantity(item, targets):
    """The quantity ProgressReport.quantity keeps (what the pages and checks that know one
    target read): the one against the target TaskNode.target_* mirror, else the first."""
    for target, quantity in targets:
        if (target.value, target.unit) == (item.target_value, item.target_unit):
            return quantity
    return targets[0][1] if targets else None


def validate_target_quantities(targets):
    """On submission: a share achieved cannot pass 100 %, nor be ten times its target."""
    errors = {}
    for target, quantity in targets:
        if quantity is None or target.kind == TaskTarget.Kind.CHANGE_VS_BASE:
            continue
        if target.unit == "%" and quantity > 100:
            errors[f"target_{target.pk}"] = _("A share cannot be more than 100%.")
        elif target.value and quantity > target.value * TYPO_FACTOR:
            errors[f"target_{target.pk}"] = _("%(quantity)s is far beyond the target of %(target)s %(unit)s; "
                                              "check the number.") % {
                "quantity": plain(quantity), "target": plain(target.value), "unit": target.unit}
    if errors:
        raise ValidationError(errors)


def progress_targets_write(*, report, targets, user=None):
    """Store the quantity against each target; an emptied field removes its row."""
    stored = {row.target_id: row for row in report.target_quantities.all()}
    for target, quantity in targets:
        row = stored.get(target.pk)
        if quantity is None:
            if row is not None:
                row._history_user = user
                row.delete()
            continue
        if row is None:
            row = ProgressTarget(report=report, target=target)
        elif row.quantity == quantity and row.target_label == target.label:
            continue
        row.quantity, row.target_label, row._history_user = quantity, target.label[:300], user
        row.save()


@dataclass
class TargetLine:
    target: object
    quantity: object  # Decimal or None
    met: bool
    overdue: bool  # its date has passed and it is not met


@dataclass
class Standing:
    lines: list
    deadline: object  # the item's own deadline: the earliest date of a target not met, else its due date
    behind: bool  # past that deadline with a target unmet
    former: list = None  # [ProgressTarget] reported against targets since reworded or removed
    changes: list = None  # the history of the quantities: [(when, who, target label, quantity or None)]


def target_standing(*, report, today):
    """Where the report's item stands against its targets: a target is overdue once its
    date has passed, if that date falls in the report's quarter or before (a deadline after
    the quarter is not this report's to meet)."""
    item = report.item
    last_day = report.period.last_day

    def passed(day):
        return bool(day and day < today and day <= last_day)

    stored = list(report.target_quantities.all()) if report.pk else []
    quantities = {row.target_id: row.quantity for row in stored}
    targets = list(item.targets.all())
    lines = []
    for target in targets:
        quantity = quantities.get(target.pk)
        met = quantity is not None and _meets(target, quantity)
        lines.append(TargetLine(target, quantity, met, passed(target.due_on) and not met))
    _settle_alternatives(lines)
    open_dates = [line.target.due_on for line in lines if line.target.due_on and not line.met]
    deadline = min(open_dates) if open_dates else item.due_on
    if lines:
        behind = any(line.overdue for line in lines) or (passed(item.due_on) and not all(line.met for line in lines))
    else:
        behind = passed(item.due_on) and report.status != report.Status.DONE
    current = {target.pk for target in targets}
    former = [row for row in stored if row.target_id not in current]
    return Standing(lines, deadline, behind, former, _quantity_changes(report) if report.pk else [])


def _settle_alternatives(lines):
    """Targets joined by 或 are met together when any one of them is, and none of them is
    overdue then."""
    groups = []
    for line in lines:
        if line.target.alternative and groups:
            groups[-1].append(line)
        else:
            groups.append([line])
    for group in groups:
        if len(group) > 1 and any(line.met for line in group):
            for line in group:
                line.met, line.overdue = True, False


def _quantity_changes(report):
    """Every save of a quantity against a target, newest first (the entry's own history
    lists its fields; these rows are kept beside it)."""
    rows = ProgressTarget.history.filter(report_id=report.pk).select_related("history_user")
    return [(row.history_date, row.history_user, row.target_label, None if row.history_type == "-" else row.quantity)
            for row in rows.order_by("-history_date", "-history_id")]


def _meets(target, quantity):
    value = target.value
    return {"ge": quantity >= value, "le": quantity <= value, "eq": quantity == value, "gt": quantity > value,
            "lt": quantity < value}[target.comparator]


ITEM_DEADLINE_NOTICE_DAYS = 30


def upcoming_deadline(item, *, today, days=ITEM_DEADLINE_NOTICE_DAYS):
    """The item's own earliest date (of a target, or its due date) in the coming ``days``
    days, for a reminder to mention; None when none falls there. ``item.targets`` is read
    through ``.all()``, so a prefetch serves it."""
    dates = [target.due_on for target in item.targets.all()] + [item.due_on]
    coming = [day for day in dates if day and 0 <= (day - today).days <= days]
    return min(coming) if coming else None
