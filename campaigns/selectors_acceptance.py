"""Reads of 现场验收, 公示, 命名 and 复核: the rectification items with what is overdue, the
technical assessment's total the acceptance opinion quotes, the objections still open."""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from .models import ExpertScore, Objection, Rectification

TENTH = Decimal("0.1")


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
    """The expert group's total points once it concluded: per item the consensus the leader
    recorded, else the mean of the submitted members' points to a tenth; None before."""
    group = getattr(creation, "expert_group", None)
    if group is None or group.concluded_at is None:
        return None
    consensus = {score.indicator_id: score.points for score in group.consensus.all()}
    scored = defaultdict(list)
    for score in ExpertScore.objects.filter(membership__group=group, membership__submitted_at__isnull=False):
        scored[score.indicator_id].append(score.points)
    total = Decimal("0")
    for item in set(consensus) | set(scored):
        if item in consensus:
            total += consensus[item]
        else:
            points = scored[item]
            total += (sum(points, Decimal("0")) / len(points)).quantize(TENTH, rounding=ROUND_HALF_UP)
    return total


def objections(publicity):
    """The publicity's objections, the open ones first."""
    if publicity is None:
        return []
    found = list(Objection.objects.filter(publicity=publicity).select_related("settled_by"))
    return sorted(found, key=lambda objection: (not objection.is_open, objection.received_on, objection.pk))
