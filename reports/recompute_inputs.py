"""What a region's indicator values, verdicts and scorecards are computed from, fingerprinted
(``core.fingerprints``), so that a bulk recompute (``services.recompute_all``) computes only
the region × quarters whose inputs changed since it last computed them.

A fingerprint is of the region as a whole, every quarter of it (a value reads last year's
and the base years' figures), and of what every region reads; a quarter's fingerprint adds
the day while the quarter's reports may still come in (a score tells late from not due yet
by the day), and the portal's code. ``tests/test_recompute_inputs.py`` holds that every
table the engines read is one of ``SOURCES`` or a result.
"""

from datetime import timedelta

from carriers.models import Carrier, CarrierKind, CarrierTarget, UserYear, WaterUser
from core import fingerprints
from core.bulk import upsert_rows
from core.fingerprints import Source
from core.periods import LATEST_DUE_DAYS, Quarter
from indicators.models import (
    Adoption,
    ChecklistAnswer,
    DataElement,
    DataReport,
    DataValue,
    Indicator,
    IndicatorSet,
    Judgement,
    ReferenceValue,
    UtilityFigures,
)
from org.models import Department, DepartmentAlias, DepartmentGroup, Region
from tasks.models import Assignment, Contribution, Plan, ProgressReport, TaskNode

from .models import RecomputedInputs, ScoreWeights
from .scoring import of_quarters

SOURCES = [
    # What every region reads.
    Source(IndicatorSet, None),
    Source(Indicator, None),
    Source(DataElement, None),
    Source(ReferenceValue, None),  # the national figures, and the few of a region's own
    Source(CarrierKind, None),
    # A region's own.
    Source(Region, "id"),
    Source(Adoption, "region_id"),
    Source(DataReport, "region_id"),
    Source(DataValue, "region_id"),
    Source(UtilityFigures, "region_id"),
    Source(ChecklistAnswer, "report__region_id"),
    # Lineage names the judge.
    Source(Judgement, "region_id", also=("judged_by__username", "judged_by__display_name")),
    Source(Department, "region_id"),
    Source(DepartmentAlias, "region_id"),
    Source(DepartmentGroup, "region_id"),
    Source(DepartmentGroup.members.through, "departmentgroup__region_id"),
    Source(Plan, "region_id"),
    Source(ScoreWeights, "plan__region_id"),
    Source(TaskNode, "plan__region_id"),
    Source(Assignment, "node__plan__region_id"),
    Source(ProgressReport, "item__plan__region_id"),
    # Only whether an entry was ever returned is read: a history row is never changed, and
    # its texts are the entry's.
    Source(ProgressReport.history.model, "item__plan__region_id",
           columns=("history_id", "id", "item_id", "department_id", "year", "quarter", "state")),
    Source(Contribution, "item__plan__region_id"),
    Source(WaterUser, "region_id"),
    Source(UserYear, "user__region_id"),
    Source(Carrier, "region_id"),
    Source(CarrierTarget, "region_id"),
]


def fingerprinted(region_ids, quarters, today):
    """{(region id, quarter): fingerprint} of ``region_ids`` × ``quarters`` as of ``today``."""
    regions = fingerprints.of_regions(SOURCES, region_ids)
    return {(region_id, quarter): fingerprints.combined(regions[region_id], str(quarter), _day(quarter, today))
            for region_id in region_ids for quarter in quarters}


def _day(quarter, today):
    """The day, while it can change a score of ``quarter``: up to the latest day its reports
    can be due (``core.periods.LATEST_DUE_DAYS``), then no longer."""
    return "settled" if today > quarter.last_day + timedelta(days=LATEST_DUE_DAYS) else today.isoformat()


def stored(region_ids, quarters):
    """{(region id, quarter): fingerprint} stored for ``region_ids`` × ``quarters``: what they
    were last computed from by a bulk recompute."""
    rows = RecomputedInputs.objects.filter(of_quarters(quarters), region__in=region_ids)
    return {(region_id, Quarter(year, number)): fingerprint for region_id, year, number, fingerprint in
            rows.values_list("region_id", "year", "quarter", "fingerprint")}


def store(fresh):
    """Record ``fresh``'s fingerprints as what their region × quarters were computed from."""
    upsert_rows(RecomputedInputs, ["region_id", "year", "quarter", "fingerprint"],
                [(region_id, quarter.year, quarter.number, fingerprint)
                 for (region_id, quarter), fingerprint in fresh.items()],
                unique_fields=["region", "year", "quarter"], update_fields=["fingerprint", "computed_at"],
                compare_fields=["fingerprint"])
