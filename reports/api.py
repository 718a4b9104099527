"""/api/v1/ routes of the reports: the departments' scorecards, as stored, with their rank
and the sentences that explain them."""

from collections import defaultdict
from typing import Any

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from core.api import Page, in_quarter, paged
from core.periods import Quarter
from org.api import in_region
from org.scoping import visible_to

from . import explain, selectors
from .models import Scorecard

router = Router(tags=[_("Scorecards")])


class ScorecardPartOut(Schema):
    key: str
    label: str
    component: dict[str, Any]


class ScorecardOut(Schema):
    id: int
    plan_id: int
    plan: str
    region: str
    department_id: int
    department: str
    year: int
    quarter: int
    period: str
    composite: str | None
    band: str
    rank: int | None
    group: str
    running: bool
    leads: int
    due: str
    components: dict[str, Any]
    parts: list[ScorecardPartOut]
    explanation: list[str]
    computed_at: str


def _cards(request):
    """The scorecards the token reads: its own department's, or every department's of the
    districts it oversees, as the summary and scorecard pages."""
    return visible_to(request.user).records(
        Scorecard.objects.select_related("plan__region", "department"), department="department")


def _ranks(request, cards):
    """{card id: rank} of ``cards``, each ranked among the cards of its plan's quarter the
    token reads, as the summary page ranks the rows it shows; one query."""
    groups = {(card.plan_id, card.year, card.quarter) for card in cards}
    if not groups:
        return {}
    wanted = Q(pk__in=[])
    for plan_id, year, quarter in groups:
        wanted |= Q(plan_id=plan_id, year=year, quarter=quarter)
    together = defaultdict(list)
    for card in _cards(request).filter(wanted):
        together[(card.plan_id, card.year, card.quarter)].append(card)
    ranks = {}
    for members in together.values():
        ranks.update(selectors.ranks_of(members))
    return ranks


def scorecard_out(card, rank):
    quarter = Quarter(card.year, card.quarter)
    due = card.plan.deadline_rule.due_on(quarter)
    return {
        "id": card.pk, "plan_id": card.plan_id, "plan": card.plan.title, "region": card.plan.region.code,
        "department_id": card.department_id, "department": card.department.short_name, "year": card.year,
        "quarter": card.quarter, "period": str(quarter),
        "composite": None if card.composite is None else str(card.composite), "band": card.band, "rank": rank,
        "group": "lead" if card.is_lead else "cooperating", "running": card.running, "leads": card.leads,
        "due": due.isoformat(), "components": card.components,
        "parts": [{"key": key, "label": str(label), "component": part} for key, label, part in selectors.parts(card)],
        "explanation": [str(sentence) for sentence in explain.explain(card, due)],
        "computed_at": card.computed_at.isoformat(),
    }


@router.get("/scorecards", response=Page[ScorecardOut], summary=_("Departments' scorecards"))
def scorecard_list(request, region: str = "", quarter: str = "", department: int | None = None,
                   plan: int | None = None, page: int = 1, page_size: int = 100):
    cards = _cards(request)
    cards = in_region(request, cards, region, "plan__region")
    cards = in_quarter(cards, quarter)
    if department is not None:
        cards = cards.filter(department=get_object_or_404(visible_to(request.user).departments(), pk=department))
    if plan is not None:
        cards = cards.filter(plan_id=plan)
    answer = paged(cards, page=page, page_size=page_size,
                   ordering=("plan__region__code", "-year", "-quarter", "plan_id", "department__short_name", "pk"))
    ranks = _ranks(request, answer["results"])
    answer["results"] = [scorecard_out(card, ranks.get(card.pk)) for card in answer["results"]]
    return answer


@router.get("/scorecards/{scorecard_id}", response=ScorecardOut, summary=_("One scorecard"))
def scorecard_detail(request, scorecard_id: int):
    card = get_object_or_404(_cards(request), pk=scorecard_id)
    return scorecard_out(card, _ranks(request, [card]).get(card.pk))
