"""Reads of 现场验收, 公示, 命名 and 复核: the rectification items with what is overdue, the
technical assessment's total the acceptance opinion quotes, the objections still open."""


from .models import Objection, Rectification
from .selectors import group_totals


def is_overdue(item, today):
    return item.state != Rectification.State.CLOSED and item.due < today


def rectification_rows(acceptance, today):
    """The acceptance's rectification items, each with whether it is overdue."""
    if acceptance is None:
        return []
    items = acceptance.rectifications.select_related("owner", "closed_by").prefetch_related("evidence")
    return [{"item": item, "overdue": is_overdue(item, today)} for item in items]


def rectification_counts(rows):
    counts = dict.fromkeys(Rectification.State.values, 0)
    for row in rows:
        counts[row["item"].state] += 1
    return {**counts, "overdue": sum(1 for row in rows if row["overdue"]), "total": len(rows)}


def technical_total(creation):
    """The expert group's total points once it concluded (``selectors.group_totals``); None before."""
    return group_totals([creation]).get(creation.pk)


def objections(publicity):
    """The publicity's objections, the open ones first."""
    if publicity is None:
        return []
    found = list(Objection.objects.filter(publicity=publicity).select_related("settled_by"))
    return sorted(found, key=lambda objection: (not objection.is_open, objection.received_on, objection.pk))
