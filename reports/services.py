"""Recomputing scores: the scorecards of every plan of a region and the region's verdict
for a quarter, written in bulk and idempotently; and marking a region × quarter stale so
that a burst of changes gives one recompute."""

import logging
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from core.periods import Quarter
from indicators.models import ComputedValue
from indicators.selectors import adopted_set
from tasks.models import Plan

from . import scoring
from .models import RegionVerdict, Scorecard, ScoreWeights, StaleScores

logger = logging.getLogger(__name__)


def scores_compute(region, quarter):
    """Recompute ``region``'s scorecards and verdict for ``quarter``; returns how many
    scorecards were written. The same records give the same rows."""
    written = 0
    plans = Plan.objects.filter(region=region, start_year__lte=quarter.year, end_year__gte=quarter.year)
    for plan in plans.select_related("region"):
        weights_row = ScoreWeights.objects.filter(plan=plan).first()
        weights = weights_row.as_dict() if weights_row else scoring.weights_of(plan)
        bands = weights_row or ScoreWeights(plan=plan)
        facts = scoring.plan_facts(plan, quarter)
        rows = []
        for department_id in set(facts.leads) | set(facts.cooperations):
            parts = scoring.parts_for(department_id, plan, quarter, facts, plan.deadline_rule)
            total = scoring.composite(parts, weights)
            rows.append(Scorecard(
                plan=plan, department_id=department_id, year=quarter.year, quarter=quarter.number,
                composite=total, band=bands.band(total), components=scoring.components_json(parts, weights),
            ))  # fmt: skip
        Scorecard.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["plan", "department", "year", "quarter"],
            update_fields=["composite", "band", "components", "computed_at"],
        )  # fmt: skip
        Scorecard.objects.filter(plan=plan, year=quarter.year, quarter=quarter.number).exclude(
            department_id__in=[row.department_id for row in rows]
        ).delete()  # departments no longer in the plan
        written += len(rows)
    _verdict(region, quarter)
    return written


def _verdict(region, quarter):
    indicator_set = adopted_set(region)
    if indicator_set is None:
        RegionVerdict.objects.filter(region=region, year=quarter.year, quarter=quarter.number).delete()
        return None
    values = list(
        ComputedValue.objects.filter(
            region=region, year=quarter.year, quarter=quarter.number, indicator__indicator_set=indicator_set
        ).select_related("indicator")
    )
    if not values:
        RegionVerdict.objects.filter(region=region, year=quarter.year, quarter=quarter.number).delete()
        return None
    verdict, reason, figures = scoring.verdict(indicator_set.pass_rule or {"bottom_line": "all"}, values)
    row, _created = RegionVerdict.objects.update_or_create(
        region=region, year=quarter.year, quarter=quarter.number,
        defaults={"indicator_set": indicator_set, "verdict": verdict, "reason": reason[:300], "figures": figures},
    )  # fmt: skip
    return row


def plan_scores_stale(plan):
    """The plan's weights changed: every quarter of it up to now is to be recomputed."""
    last = min(Quarter.containing(timezone.localdate()), Quarter(plan.end_year, 4))
    quarter = Quarter(plan.start_year, 1)
    while quarter <= last:
        scores_stale(region=plan.region, quarter=quarter)
        quarter = quarter.shift(1)


def scores_stale(*, region, quarter):
    """Something ``region``'s scores of ``quarter`` depend on changed: once the change
    commits, mark them stale and, unless a recompute is already waiting, enqueue one a
    little later so that the rest of a burst of changes joins it. Within one transaction
    the mark is registered once however many records change."""
    key = (region.pk, str(quarter))
    pending = connection.run_on_commit if connection.in_atomic_block else []
    if any(getattr(entry[1], "scores_key", None) == key for entry in pending):
        return
    callback = partial(_mark, region, quarter)
    callback.scores_key = key
    transaction.on_commit(callback)


def _mark(region, quarter):
    from . import jobs

    _row, created = StaleScores.objects.get_or_create(region=region, year=quarter.year, quarter=quarter.number)
    if not created:
        return  # a recompute is already waiting for this region and quarter
    try:
        jobs.recompute_scores.apply_async((region.pk, str(quarter)), countdown=settings.SCORES_COALESCE_SECONDS)
    except OperationalError:
        # The stale row stays; the nightly sweep picks it up.
        logger.warning("score recompute of %s %s not enqueued: broker unavailable", region.code, quarter)
