"""The progress of the carrier targets as a frame, for the scores recompute: per target and
quarter of its year, what ``selectors.targets_progress_on`` gives at the quarter's end (the
rule the pages show, and the reference: tests/test_carrier_target_frames.py holds the two
equal). The same three reads, as frames (COPY on PostgreSQL), then joins and group-bys for
``selectors._progress``'s loops. Its own module: Django starts without Polars."""

import polars as pl
from django.db.models import Count

from core import frames

from .coverage_frames import built_on
from .models import Carrier, CarrierTarget, WaterUser, rate_base_kinds
from .selectors import _Accepted

_TARGETS = {"target_id": pl.Int64, "region_id": pl.Int64, "department_id": pl.Int64, "year": pl.Int64,
            "carrier_type": pl.String, "min_count": pl.Int64, "min_rate": pl.Decimal(5, 2), "rate_base": pl.Int64,
            "due_on": pl.Date, "new_in_year": pl.Boolean}
# The accepted carriers as selectors._Accepted reads them, with their region first.
_ACCEPTED = {"region_id": pl.Int64, "carrier_type": pl.String, "accepted_on": pl.Date, "status": pl.String,
             "ended_on": pl.Date, "user_id": pl.Int64, "entity_name": pl.String}
_USERS = {"region_id": pl.Int64, "kind": pl.String, "users": pl.Int64}
# What targets_frame gives: the target, the quarter, and TargetProgress's figures there.
SCHEMA = {"target_id": pl.Int64, "region_id": pl.Int64, "department_id": pl.Int64, "year": pl.Int64,
          "quarter": pl.Int64, "as_of": pl.Date, "built": pl.Int64, "base": pl.Int64, "count_met": pl.Boolean,
          "rate_met": pl.Boolean, "met": pl.Boolean}


def targets_frame(region_ids, quarters):
    """A lazy frame of a row per carrier target of the regions and quarter of ``quarters`` in
    the target's year (``SCHEMA``): ``TargetProgress``'s as_of, built, base, count_met,
    rate_met and met as ``targets_progress_on(region_ids, [(q.year, q.last_day) for q in
    quarters])`` gives them. Read now; computed when collected (with the scorecards)."""
    years = sorted({quarter.year for quarter in quarters})
    targets = CarrierTarget.objects.filter(region__in=region_ids, year__in=years).order_by().values_list(
        "pk", "region_id", "department_id", "year", "carrier_type", "min_count", "min_rate", "rate_base", "due_on",
        "new_in_year")
    targets = frames.frame(targets, _TARGETS).lazy()
    days = pl.DataFrame({"year": [q.year for q in quarters], "quarter": [q.number for q in quarters],
                         "day": [q.last_day for q in quarters]},
                        schema={"year": pl.Int64, "quarter": pl.Int64, "day": pl.Date}).lazy()
    # Due by the year's end unless the target says when; counted as of the quarter's end or then.
    moments = targets.join(days, on="year").with_columns(
        pl.min_horizontal("day", pl.coalesce("due_on", pl.date(pl.col("year"), 12, 31))).alias("as_of"))
    rate_kinds = rate_base_kinds()
    progress = (moments.join(_built(region_ids, moments), on=["target_id", "quarter"], how="left")
                .join(_base_counts(region_ids, rate_kinds), on=["region_id", "carrier_type"], how="left")
                .with_columns(pl.col("built").fill_null(0), _base(rate_kinds).alias("base")))
    return progress.with_columns(_met()).select(*SCHEMA).cast(SCHEMA)


def _built(region_ids, moments):
    """(target, quarter, built): the distinct holders of the carriers of the target's type
    built on its as_of (accepted in its year, for a target of new carriers): a user once
    however many of its carriers, a carrier of no user by its name (``entity:<name>``)."""
    accepted = Carrier.objects.filter(region__in=region_ids, accepted_on__isnull=False).order_by()
    carriers = frames.frame(accepted.values_list("region_id", *_Accepted._fields), _ACCEPTED).lazy()
    user = pl.col("user_id")
    holder = pl.when(user.is_not_null()).then(user.cast(pl.String)).otherwise(
        pl.concat_str(pl.lit("entity:"), pl.col("entity_name")))
    new_only = pl.col("new_in_year")
    return (moments.select("target_id", "quarter", "region_id", "carrier_type", "year", "as_of", "new_in_year")
            .join(carriers, on=["region_id", "carrier_type"])
            .filter(built_on(pl.col("as_of")), ~new_only | (pl.col("accepted_on").dt.year() == pl.col("year")))
            .group_by("target_id", "quarter").agg(holder.n_unique().cast(pl.Int64).alias("built")))


def _base_counts(region_ids, rate_kinds):
    """(region, carrier type, users): ``selectors._base_counts`` as rows, for the kinds with a
    built rate (``rate_kinds``); a region without users of a kind's user kinds has no row (0
    in the dict)."""
    users = WaterUser.objects.filter(region__in=region_ids).order_by().values_list("region", "kind")
    users = frames.frame(users.annotate(n=Count("pk")), _USERS).lazy()
    kinds = pl.DataFrame([(carrier_type, kind) for carrier_type, kinds in rate_kinds.items() for kind in kinds],
                         schema={"carrier_type": pl.String, "kind": pl.String}, orient="row").lazy()
    return users.join(kinds, on="kind").group_by("region_id", "carrier_type").agg(pl.col("users").sum())


def _base(rate_kinds):
    """``target.rate_base or bases.get(carrier type)``: the target's own number unless 0 or
    none, else the users its kind's rate is counted against (0 for a kind with a built rate
    without such users; none for a kind without a built rate)."""
    rate_base = pl.col("rate_base")
    counted = pl.when(pl.col("carrier_type").is_in(list(rate_kinds))).then(pl.col("users").fill_null(0))
    return pl.when(rate_base.fill_null(0) != 0).then(rate_base).otherwise(counted)


def _met():
    """count_met, rate_met and met as ``selectors._progress`` and ``TargetProgress.met`` have
    them. The rate ``Decimal(built) / Decimal(base) * 100 >= min_rate`` is compared here
    without dividing, ``built × 10000 >= min_rate in hundredths × base``, to the same
    answer: rounding the quotient to 28 digits cannot carry it across min_rate (5 digits at
    most, on that grid), as a rate below min_rate is at least 1 ÷ (100 × base) below it, far
    more than half a unit of the 28th digit for any base a region has."""
    built, base = pl.col("built"), pl.col("base")
    hundredths = pl.col("min_rate").to_physical().cast(pl.Int64)
    count_met = built >= pl.col("min_count")  # none without a count
    rate_met = (pl.when(pl.col("min_rate").is_null()).then(pl.lit(None, pl.Boolean))
                .when(base.fill_null(0) == 0).then(pl.lit(False))
                .otherwise(built * 10_000 >= hundredths * base))
    return [count_met.alias("count_met"), rate_met.alias("rate_met"),
            (count_met.fill_null(True) & rate_met.fill_null(True)).alias("met")]
