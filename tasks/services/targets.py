"""The targets of work items (TaskTarget): read from an item's words at import, corrected by
hand on the node's page, reported against each quarter."""

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from core.errors import ImportBlocked
from core.excel import column_letter
from core.text import normalize_name
from core.workflow import save_versioned

from ..models import TaskNode, TaskTarget
from ..table_parsing import Problem
from ..wording import parse_targets

# The fields that make a target what it is; equal tuples are the same target.
TARGET_FIELDS = ["kind", "comparator", "value", "value_max", "unit", "base_year", "due_on", "due_text", "wording"]
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
            key = _key(target)
            if key not in seen:
                seen.add(key)
                found.append(target)
    return found, problems


def targets_check(table, *, default_year):
    """Problems of a parsed task table's targets, each naming its sheet, row and column:
    a date that does not exist ("2月30日", "13月底") is refused, not guessed."""
    columns = table.columns
    column_of = {"text": columns.get("hierarchy", [None])[-1], "target_text": columns.get("target"),
                 "due_text": columns.get("due")}
    problems = []
    for node in table.work_items():
        _targets, found = targets_read(text=node.text, target_text=node.target_text, due_text=node.due_text,
                                       default_year=default_year)
        for field, message in found:
            column = column_of.get(field)
            problems.append(Problem(node.row, column_letter(column) if column else "", message, table.sheet))
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


@transaction.atomic
def targets_update(*, node, version, targets, user=None):
    """Save the targets of ``node`` corrected by hand: ``targets`` are unsaved or changed
    TaskTarget rows in their order, and every stored one missing from them is removed. The
    node's ``version`` guards the whole list, so two people correcting at once do not mix."""
    save_versioned(node, version=version, fields=[])
    keep = {target.pk for target in targets if target.pk}
    for target in TaskTarget.objects.filter(node=node).exclude(pk__in=keep):
        target._history_user = user
        target.delete()
    for position, target in enumerate(targets):
        target.node, target.position, target._history_user = node, position, user
        target.full_clean()
        target.save()
    return targets


def item_deadline(item, targets):
    """The item's own deadline: the earliest date among its targets, else its due date."""
    dates = [target.due_on for target in targets if target.due_on]
    return min(dates) if dates else item.due_on
