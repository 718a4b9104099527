"""Compute the demo's scorecards and verdicts, so the pages open on real figures: every
region and quarter with progress entries or computed values, which since the demo is dated
relative to today includes the current and the previous quarter of both districts."""

from collections import defaultdict

from core.periods import Quarter
from indicators.models import ComputedValue
from reports.models import Scorecard
from reports.services import scores_compute_regions
from tasks.models import ProgressReport


def load(*, password):
    quarters = defaultdict(set)
    entries = ProgressReport.objects.order_by().values_list("item__plan__region", "year", "quarter").distinct()
    for region_id, year, number in entries:
        quarters[region_id].add(Quarter(year, number))
    for region_id, year, number in ComputedValue.objects.order_by().values_list("region", "year", "quarter").distinct():
        quarters[region_id].add(Quarter(year, number))
    for region_id, found in sorted(quarters.items()):
        scores_compute_regions([region_id], sorted(found))
    pairs = sum(len(found) for found in quarters.values())
    return f"{Scorecard.objects.count()} scorecards over {pairs} region-quarters"
