"""The department scorecards of many plans at once, as Polars group-bys: the rows
``reports.services._scorecards`` builds department by department with
``reports.scoring.parts_for``, ``composite`` and ``reports.parts.packed``, to the same values
and types. A national recompute scores 450,000 departments: a Python loop over them, with a
Decimal per part, was most of its time.

The arithmetic is done on integers, where it is exact:

- a part's share in tenths is ``half_up(1000 × numerator ÷ denominator)``, the numerator of
  the indicators led in hundredths; the composite in tenths is ``half_up(Σ weight × tenths ÷
  Σ weight)``. Decimal's 28 digits of a quotient of such small integers can only round the
  same way: a quotient off a half lies further from it than 10⁻²⁰;
- the indicators led add shares such as 2/3 of full points, which Decimal rounds to 28
  digits before adding them (and rounds the sum again). Each share is taken exactly (a
  Fraction, per distinct value) and floored to 28 places; a department's sum is then known
  to within what the floors dropped, and its rounding to two places too, unless a half lies
  within that much: only a sum exactly on a half does. Those few sums are added as the
  reference adds them (``scoring.led_total``), Decimal rounding and all.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from weakref import WeakKeyDictionary

import polars as pl
from django.utils import timezone

from core import frames
from core.numbers import plain

from . import scoring
from .parts import KEYS

FIXED = 10**28  # the indicators' shares are summed in units of 10⁻²⁸
HUNDREDTH = FIXED // 100
INDICATORS = KEYS.index("indicators")  # the one part whose numerator may be a fraction
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
COUNTED_STATES = [str(state) for state in scoring.COUNTED]

_ENTRIES = {"entry_pk": pl.Int64, "item_id": pl.Int64, "department_id": pl.Int64, "state": pl.String,
            "status": pl.String, "percent": pl.Int64}  # and submitted_at, in microseconds
_ITEMS = {"plan_id": pl.Int64, "department_id": pl.Int64, "lead": pl.Boolean, "item_id": pl.Int64,
          "item_due": pl.Date, "archived_at": pl.Datetime("us", "UTC")}
_PAIRS = {"item_id": pl.Int64, "department_id": pl.Int64}
_SCORED = {"region_id": pl.Int64, "department_id": pl.Int64, "code": pl.Int64}
_TARGETS = {"region_id": pl.Int64, "department_id": pl.Int64, "met": pl.Boolean}
_GROUP = ["plan_id", "department_id"]


def scorecard_rows(batch, plans, quarter, facts):
    """The rows ``reports.services._scorecards`` gives for every plan of ``plans`` (each with its
    PlanFacts in ``facts``, as Batch.facts returns them), in the same tuple shape
    (plan_id, department_id, year, quarter, composite, band, parts, running, leads) and the
    digest of what they hold last (``core.frames.digest``).

    The work items, entries and contributions are read from ``batch`` (``items``, ``progress``),
    which ``facts`` were made of; the rest (returned entries, indicators, targets, deadline
    rule, today) from ``facts``. Rows in (plan, department) order."""
    plans = [plan for plan in plans if plan.pk in facts]
    if not plans:
        return []
    of_plans = _plans_frame(plans, quarter, facts)
    regions = {plan.region_id: facts[plan.pk] for plan in plans}  # a region's plans share its values and targets
    items = _items(batch, of_plans, quarter)
    # One lazy query from here: Polars runs its joins and group-bys in one go.
    cards = (
        items.lazy().select(_GROUP).unique()  # set(facts.leads) | set(facts.cooperations) of each plan
        .join(of_plans.lazy(), on="plan_id")
        .join(_led(batch, plans, quarter, facts, items.filter("lead"), of_plans), on=_GROUP, how="left")
        .join(_cooperated(batch, quarter, items.filter(~pl.col("lead"))), on=_GROUP, how="left")
        .join(_indicators(regions).lazy(), on=["region_id", "department_id"], how="left")
        .join(_carriers(regions).lazy(), on=["region_id", "department_id"], how="left")
        .fill_null(0)  # what a department does not lead or answer for counts 0 of 0
        .with_columns(pl.col(f"{key}_{end}" for key in KEYS for end in "nd" if key != "returns").cast(pl.Int64),
                      pl.col("leads", "returns_d", "returned").cast(pl.Int64))
        .with_columns(returns_n=pl.col("completeness_n") - pl.col("returned"))
    )
    return _rows(_scored(cards), quarter)


def _plans_frame(plans, quarter, facts):
    """A row per plan: its years, the day the quarter's entries are due, whether the quarter
    is running, its weights and bands."""
    rows = []
    for plan in plans:
        found = facts[plan.pk]
        weights, bands = scoring.plan_weights(plan)
        rows.append((plan.pk, plan.region_id, found.rule.due_on(quarter), found.today, found.running,
                     plan.start_year, plan.end_year, *(weights[key] for key in KEYS), bands.green_from,
                     bands.amber_from))
    schema = {"plan_id": pl.Int64, "region_id": pl.Int64, "plan_due": pl.Date, "today": pl.Date,
              "running": pl.Boolean, "start_year": pl.Int32, "end_year": pl.Int32,
              **{f"{key}_w": pl.Int64 for key in KEYS}, "green_from": pl.Int64, "amber_from": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row").with_columns(
        plan_start=pl.date(pl.col("start_year"), 1, 1), plan_end=pl.date(pl.col("end_year"), 12, 31)
    )


def _items(batch, of_plans, quarter):
    """The plans' work items in ``quarter`` (not archived before it ended, as
    ``scoring.Item.in_quarter``), a row per department leading (``lead``) or cooperating."""
    found = _BATCH_ITEMS.get(batch)
    if found is None:
        found = _BATCH_ITEMS[batch] = _items_frame(batch.items)
    kept = pl.col("kept_after")
    return (found.join(of_plans.select("plan_id"), on="plan_id")
            .filter(kept.is_null() | (kept > quarter.last_day)).drop("kept_after"))


_BATCH_ITEMS = WeakKeyDictionary()  # Batch -> its items' frame: the same in every quarter of the batch


def _items_frame(items):
    """The frame of ``Batch.items`` ({plan id: (leads, cooperations)}), read once per batch."""
    rows = [(plan_id, department_id, role == 0, item.pk, item.due_on, item.archived_at)
            for plan_id, by_role in items.items() for role, found in enumerate(by_role)
            for department_id, found_items in found.items() for item in found_items]
    frame = pl.DataFrame(rows, schema=_ITEMS, orient="row")
    archived = frame["archived_at"].drop_nulls().unique().to_list()
    local = pl.DataFrame({"archived_at": archived, "kept_after": [timezone.localdate(at) for at in archived]},
                         schema={"archived_at": _ITEMS["archived_at"], "kept_after": pl.Date})
    return frame.join(local, on="archived_at", how="left").drop("archived_at")


def _led(batch, plans, quarter, facts, items, of_plans):
    """Per (plan, department) of the items led: how many, counted, submitted, on time, on
    track, returned; as ``scoring.parts_for`` counts them."""
    entries = _entries(batch.progress[quarter][0])
    # Batch.facts gives every plan the one set: its union is taken once.
    returned = set().union(*{id(facts[plan.pk].returned): facts[plan.pk].returned for plan in plans}.values())
    item_due, plan_due = pl.col("item_due"), pl.col("plan_due")
    # core.periods.DeadlineRule.due_on: the item's own due date when it comes first in the quarter
    own_due = item_due.is_not_null() & (item_due >= quarter.first_day) & (item_due < plan_due)
    led = (items.join(of_plans.select("plan_id", "plan_due", "today", "plan_start", "plan_end"), on="plan_id")
           .with_columns(entry_due=pl.when(own_due).then(item_due).otherwise(plan_due)))
    ends = _day_ends(led["entry_due"].unique().to_list())
    was_returned = pl.DataFrame({"entry_pk": list(returned)}, schema={"entry_pk": pl.Int64}).with_columns(
        was_returned=pl.lit(True))
    led = (
        led.lazy().join(entries.lazy(), on=["item_id", "department_id"], how="left")
        .join(ends.lazy(), on="entry_due", how="left").join(was_returned.lazy(), on="entry_pk", how="left")
        .with_columns(sent=pl.col("state").is_not_null() & (pl.col("state") != str(scoring.DRAFT)),
                      expected=_expected_percent(quarter.last_day))
    )
    submitted_us = pl.col("submitted_us")
    led = led.with_columns(
        counted=pl.col("sent") | (pl.col("today") > pl.col("entry_due")),
        on_time=pl.col("sent") & (submitted_us < pl.col("day_end")).fill_null(False),
        on_track=(pl.col("state").is_in(COUNTED_STATES) & (pl.col("status") != str(scoring.BEHIND))
                  & ((pl.col("status") == str(scoring.DONE)) | (pl.col("percent") >= pl.col("expected"))))
        .fill_null(False),
        returned=pl.col("sent") & pl.col("was_returned").fill_null(False),
    )
    counted = pl.col("counted")
    return led.group_by(_GROUP).agg(
        leads=pl.len(),
        completeness_n=pl.col("sent").sum(), completeness_d=counted.sum(),
        on_time_n=pl.col("on_time").sum(), on_time_d=counted.sum(),
        progress_n=(pl.col("on_track") & counted).sum(), progress_d=counted.sum(),
        returns_d=pl.col("sent").sum(), returned=pl.col("returned").sum(),
    )


def _entries(entries):
    """The frame of the quarter's entries (``scoring.Entry``), the moment of submission in
    microseconds: Polars reads an aware datetime slower than this takes."""
    columns = list(zip(*entries, strict=True)) if entries else [()] * (len(_ENTRIES) + 1)
    submitted_us = [None if at is None else _microseconds(at) for at in columns[-1]]
    return pl.DataFrame([*(pl.Series(name, column, dtype=dtype) for (name, dtype), column
                           in zip(_ENTRIES.items(), columns[:-1], strict=True)),
                         pl.Series("submitted_us", submitted_us, dtype=pl.Int64)])


def _microseconds(moment):
    """An aware datetime as microseconds since 1970 (UTC), exactly."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def _expected_percent(last_day):
    """``scoring.expected_percent`` of every item: the share of its time elapsed at the
    quarter's end, truncated (as ``int`` of a quotient of integers truncates)."""
    start = pl.col("plan_start")
    due = pl.coalesce(pl.col("item_due"), pl.col("plan_end"))
    elapsed = (pl.min_horizontal(pl.lit(last_day), due) - start).dt.total_days() + 1
    share = (100 * elapsed) // ((due - start).dt.total_days() + 1)
    return pl.when(due <= start).then(100).otherwise(share.clip(0, 100))


def _day_ends(days):
    """{due day: the microsecond its day ends}, as ``scoring.day_end`` gives it."""
    ends = [None if day is None else _microseconds(scoring.day_end(day)) for day in days]
    return pl.DataFrame({"entry_due": days, "day_end": ends}, schema={"entry_due": pl.Date, "day_end": pl.Int64})


def _cooperated(batch, quarter, items):
    """Per (plan, department) of the items it cooperates on: how many, how many with a
    contribution this quarter."""
    contributed = pl.DataFrame(batch.progress[quarter][1], schema=_PAIRS, orient="row").unique().with_columns(
        contributed=pl.lit(True))
    return (items.lazy().join(contributed.lazy(), on=["item_id", "department_id"], how="left")
            .group_by(_GROUP).agg(cooperation_n=pl.col("contributed").fill_null(False).sum(),
                                  cooperation_d=pl.len()))


def _indicators(regions):
    """Per (region, department): the numerator of its "indicators led" part in hundredths,
    and how many it leads. See the module's docstring for how the sum is exact."""
    codes, firsts, rows = {}, [], []  # a code per distinct (indicator, status, points), with its first value
    for region_id, found in regions.items():
        for department_id, values in found.indicators.items():
            for value in values:
                key = None if value is None else (value.indicator_id, value.status, value.points)
                code = codes.get(key)
                if code is None:
                    code = codes[key] = len(firsts)
                    firsts.append(value)
                rows.append((region_id, department_id, code))
    exact = [scoring.led_counts(value, Fraction) * FIXED for value in firsts]
    shares = pl.DataFrame({"code": range(len(exact)),
                           "fixed": [share.numerator // share.denominator for share in exact],
                           "inexact": [int(share.denominator != 1) for share in exact]},
                          schema={"code": pl.Int64, "fixed": pl.Int128, "inexact": pl.Int64})
    summed = (
        pl.DataFrame(rows, schema=_SCORED, orient="row").join(shares, on="code")
        .group_by("region_id", "department_id")
        .agg(total=pl.col("fixed").sum(), inexact=pl.col("inexact").sum(), indicators_d=pl.len())
    )
    # The exact sum lies in [total, total + inexact) units, Decimal's within a margin of it.
    margin = pl.when(pl.col("inexact") > 0).then(
        pl.col("indicators_d").cast(pl.Int128) * 10**10 * (1 + pl.col("total").abs() // FIXED)).otherwise(0)
    low = _half_up(pl.col("total") - margin, HUNDREDTH)
    high = _half_up(pl.col("total") + pl.col("inexact") + margin, HUNDREDTH)
    summed = summed.with_columns(indicators_n=low.cast(pl.Int64), undecided=low != high)
    undecided = summed.filter("undecided").select("region_id", "department_id").rows()
    if undecided:  # a sum on a half: Decimal's own rounding decides, as in the reference
        decided = pl.DataFrame(
            [(*key, int(scoring.led_total(regions[key[0]].indicators[key[1]]) * 100)) for key in undecided],
            schema={"region_id": pl.Int64, "department_id": pl.Int64, "decided": pl.Int64}, orient="row")
        summed = summed.join(decided, on=["region_id", "department_id"], how="left").with_columns(
            indicators_n=pl.coalesce("decided", "indicators_n"))
    return summed.select("region_id", "department_id", "indicators_n", "indicators_d")


def _carriers(regions):
    """Per (region, department): its carrier targets of the year met, and how many it has."""
    rows = [(region_id, department_id, target.met) for region_id, found in regions.items()
            for department_id, targets in found.targets.items() for target in targets]
    return (pl.DataFrame(rows, schema=_TARGETS, orient="row").group_by("region_id", "department_id")
            .agg(carriers_n=pl.col("met").sum(), carriers_d=pl.len()))


def _half_up(numerator, denominator):
    """``numerator ÷ denominator`` (a positive integer) rounded to an integer, halves away
    from zero, as Decimal's ROUND_HALF_UP rounds."""
    rounded = (2 * numerator.abs() + denominator) // (2 * denominator)
    return pl.when(numerator < 0).then(0 - rounded).otherwise(rounded)  # Polars has no neg for i128


def _scored(cards):
    """Each part's share in tenths, the composite in tenths (null when running or when no
    part applies) and the band."""
    shares, weighed, weights = {}, [], []
    for key in KEYS:
        numerator, denominator = pl.col(f"{key}_n"), pl.col(f"{key}_d")
        scale = 10 if key == KEYS[INDICATORS] else 1000  # the indicators' numerator is in hundredths
        shares[key] = _half_up(numerator * scale, denominator)
        applies = (denominator != 0) & (pl.col(f"{key}_w") != 0)
        weighed.append(pl.when(applies).then(pl.col(f"{key}_w") * shares[key]).otherwise(0))
        weights.append(pl.when(applies).then(pl.col(f"{key}_w")).otherwise(0))
    cards = cards.with_columns(weighed=pl.sum_horizontal(weighed), weight=pl.sum_horizontal(weights))
    composite = pl.when(pl.col("running") | (pl.col("weight") == 0)).then(None).otherwise(
        _half_up(pl.col("weighed"), pl.col("weight")))
    cards = cards.with_columns(composite=composite, negative=pl.col("weighed") < 0)
    band = (pl.when(pl.col("composite").is_null()).then(pl.lit(""))
            .when(pl.col("composite") >= 10 * pl.col("green_from")).then(pl.lit("green"))
            .when(pl.col("composite") >= 10 * pl.col("amber_from")).then(pl.lit("amber"))
            .otherwise(pl.lit("red")))
    return cards.with_columns(band=band)


def _rows(cards, quarter):
    """The scorecard tuples, with the parts as ``reports.parts.packed`` gives them."""
    columns = [f"{key}_{end}" for end in ("n", "d", "w") for key in KEYS]
    written = ["composite", "negative", "band", "running", "leads", *columns]
    cards = cards.sort(_GROUP).select(*_GROUP, *written, frames.digest([pl.col(name) for name in written])).collect()
    composites, numerators = {}, {}
    rows = []
    year, number, count = quarter.year, quarter.number, len(KEYS)
    for plan_id, department_id, tenths, negative, band, running, leads, *parts, digest in cards.iter_rows():
        if tenths is None:
            total = None
        else:
            total = composites.get((tenths, negative))
            if total is None:
                total = composites[(tenths, negative)] = _tenths(tenths, negative)
        numerator = parts[:count]
        hundredths = numerator[INDICATORS]
        indicators = numerators.get(hundredths)
        if indicators is None:
            indicators = numerators[hundredths] = _json_hundredths(hundredths)
        numerator[INDICATORS] = indicators
        rows.append((plan_id, department_id, year, number, total, band,
                     {"n": numerator, "d": parts[count : 2 * count], "w": parts[2 * count :]}, running, leads, digest))
    return rows


def _tenths(tenths, negative):
    """The composite as ``scoring.composite`` gives it: a Decimal to one place (−0.0 for a
    negative mean that rounds to 0)."""
    value = Decimal(tenths).scaleb(-1)
    return value.copy_negate() if negative and tenths == 0 else value


def _json_hundredths(hundredths):
    """The indicators' numerator as ``packed`` stores it: an int when whole, else its text."""
    if hundredths % 100 == 0:
        return hundredths // 100
    return plain(Decimal(hundredths).scaleb(-2))

