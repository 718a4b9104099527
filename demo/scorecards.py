"""Compute the demo's scorecards and verdicts, so the pages open on real figures."""

from core.periods import Quarter
from indicators.models import ComputedValue
from org.models import Region
from reports.models import Scorecard
from reports.services import scores_compute
from tasks.models import ProgressReport


def load(*, password):
    quarters = set()
    for region_id, year, number in ProgressReport.objects.values_list("item__plan__region", "year", "quarter"):
        quarters.add((region_id, Quarter(year, number)))
    for region_id, year, number in ComputedValue.objects.values_list("region", "year", "quarter"):
        quarters.add((region_id, Quarter(year, number)))
    regions = Region.objects.in_bulk({region_id for region_id, _quarter in quarters})
    for region_id, quarter in sorted(quarters, key=lambda pair: (pair[0], pair[1])):
        scores_compute(regions[region_id], quarter)
    return f"{Scorecard.objects.count()} scorecards over {len(quarters)} region-quarters"
