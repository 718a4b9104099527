"""The standards a batch of regions adopted, with their computed values as one frame for
every quarter of the batch (what the scorecards' "indicators led" and the verdicts read),
and the region verdicts of them all at once.

A verdict is decided from what a group-by gathers of a standard's values in a region and
quarter: the codes of its bottom-line and guiding indicators by status, in the standard's
order, the names of those that fail the bottom line, the points (a ``scoring.Tally``). The
decision and its wording are ``scoring.decided``, the code ``scoring.verdict`` runs for one
region: the same verdicts, reasons and figures, without a Python object per value.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import polars as pl
from django.db.models import F

from core import frames
from core.bulk import row_digest
from indicators.models import ComputedValue, Indicator
from indicators.selectors import indicator_owners

from . import scoring
from .scoring import of_quarters
from .vector_scorecards import COLLECT

POINTS = pl.Decimal(5, 1)  # ComputedValue.points, Indicator.points
_VALUES = {"region_id": pl.Int64, "set_id": pl.Int64, "indicator_id": pl.Int64, "year": pl.Int64,
           "quarter": pl.Int64, "status": pl.String, "points": POINTS}
_VERDICT_KEY = ["region_id", "set_id", "year", "quarter"]
_STORED = {**dict.fromkeys(_VERDICT_KEY, pl.Int64), "pk": pl.Int64, "digest": pl.Int64}


@dataclass
class Standards:
    """The standards of a batch of regions, who answers for each of their indicators, and
    their computed values in the batch's quarters."""

    sets: dict  # region id -> [IndicatorSet] it adopted
    owners: dict  # region id -> {indicator id: the pk of the Department that answers for it}
    indicators: dict  # indicator id -> Indicator of the adopted standards, with its set
    # region_id, set_id, indicator_id, year, quarter, status, points: a row per computed value
    # of a standard the region adopted (one it no longer adopts keeps its values, unread)
    values: pl.DataFrame


def read_standards(region_ids, quarters):
    """The ``Standards`` of ``region_ids`` in ``quarters``, in a fixed number of queries."""
    sets, indicators, owners = indicator_owners(region_ids)
    # The values of a standard the region adopted (one adoption per region and standard).
    computed = ComputedValue.objects.filter(of_quarters(quarters), region__in=list(sets),
                                            indicator__indicator_set__adoptions__region=F("region")).order_by()
    values = frames.frame(computed.values_list("region_id", "indicator__indicator_set_id", "indicator_id", "year",
                                               "quarter", "status", "points"), _VALUES)
    return Standards(sets, owners, indicators, values)


@cache
def _tally_columns():
    """The aggregations that give a ``scoring.Tally``, field by field."""
    kind, status, code, name = pl.col("kind"), pl.col("status"), pl.col("code"), pl.col("name")
    bottom, guiding = kind == str(Indicator.Kind.BOTTOM_LINE), kind == str(Indicator.Kind.GUIDING)
    unscored = pl.col("points").is_null() & (pl.col("full") != 0)  # an item carrying points, none awarded yet
    by_status = {f"{label}_{state}": code.filter(of_kind & (status == state))
                 for label, of_kind in (("bottom", bottom), ("guiding", guiding))
                 for state in ("met", "not_met", "incomplete")}
    columns = {
        **{key: by_status[key] for key in ("bottom_met", "bottom_not_met", "bottom_incomplete")},
        "bottom_total": bottom.sum(),
        **{key: by_status[key] for key in ("guiding_met", "guiding_not_met", "guiding_incomplete")},
        "guiding_total": guiding.sum(),
        "not_met_names": name.filter(bottom & (status == "not_met")),
        "incomplete_names": name.filter(bottom & (status == "incomplete")),
        "earned": pl.col("points").sum(),
        "pending": pl.col("full").filter(unscored).sum(),
        "possible": pl.col("full").sum(),
        "unscored": unscored.sum(),
    }
    return [columns[key].alias(key) for key in scoring.Tally._fields]  # a row is read into a Tally by position


def verdict_rows(standards):
    """The verdicts of every region × standard × quarter with a computed value (none where a
    standard has none), as ``reports.services`` writes them: (region_id, indicator_set_id,
    year, quarter, verdict, reason, figures, points) and their ``row_digest`` last."""
    indicators = standards.indicators.values()
    catalogue = pl.DataFrame(
        [(i.pk, i.kind, i.code, i.name, i.points, *scoring.indicator_order(i)) for i in indicators],
        schema={"indicator_id": pl.Int64, "kind": pl.String, "code": pl.String, "name": pl.String, "full": POINTS,
                "number": pl.Int64, "order_pk": pl.Int64}, orient="row")
    # Sorted in the standard's order first: a group-by keeps the order of each group's rows.
    tallies = (standards.values.lazy().join(catalogue.lazy(), on="indicator_id").sort("number", "order_pk")
               .group_by(_VERDICT_KEY).agg(_tally_columns()).collect(**COLLECT))
    sets = {s.pk: s for found in standards.sets.values() for s in found}
    rows = []
    for region_id, set_id, year, number, *found in tallies.iter_rows():
        verdict, reason, figures = scoring.decided(sets[set_id], scoring.Tally(*found))
        points = figures.get("points", {}).get("earned")
        row = (region_id, set_id, year, number, verdict, reason[:300], figures,
               None if points is None else Decimal(points))
        rows.append((*row, row_digest(row[4:])))
    return rows


def stored(verdicts):
    """{(region, standard, year, quarter): (pk, digest)} of ``verdicts``, a ``values_list`` of
    those fields of stored verdicts, read as a frame."""
    return {(region_id, set_id, year, number): (pk, digest)
            for region_id, set_id, year, number, pk, digest in frames.frame(verdicts, _STORED).iter_rows()}
