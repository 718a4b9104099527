"""The department scorecards of many plans at once, as Polars group-bys: the rows
``reports.services._scorecards`` builds department by department with
``reports.scoring.parts_for``, ``composite`` and ``reports.parts.packed``, to the same values
and types. A national recompute scores 450,000 departments: a Python loop over them, with a
Decimal per part, was most of its time.

The recompute reads its inputs straight into frames (``read``: COPY on PostgreSQL) for every
quarter of a batch at once — work items with their assignments, progress entries,
contributions, entries returned, the computed values of the indicators led — and computes
every card of them in one query (``cards``): no Python object per entry or value. It compares
them with the stored digests as a join and writes the changed ones from the frame
(``against_stored``, ``written``). ``scorecard_rows`` runs the same query on ``Inputs`` made
of ``scoring.PlanFacts``, for the tests to hold it to the reference and to hand-built facts.

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

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import cache
from weakref import WeakKeyDictionary

import polars as pl
from django.utils import timezone

from carriers.selectors import targets_progress_on
from carriers.target_frames import targets_frame
from core import frames
from core.numbers import plain
from tasks.models import Assignment, Contribution, ProgressReport, TaskNode

from . import scoring
from .parts import KEYS
from .scoring import of_quarters

FIXED = 10**28  # the indicators' shares are summed in units of 10⁻²⁸
HUNDREDTH = FIXED // 100
INDICATORS = KEYS.index("indicators")  # the one part whose numerator may be a fraction
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
COUNTED_STATES = [str(state) for state in scoring.COUNTED]
MOMENT = pl.Datetime("us", "UTC")

QUARTER = ["year", "quarter"]
CARD = ["plan_id", "department_id", "year", "quarter"]  # a scorecard's key, as it is stored
_HOLDER = ["region_id", "department_id", "year", "quarter"]  # who answers for indicators and targets, when
_ENTRY = ["year", "quarter", "item_id", "department_id"]
_ITEMS = {"plan_id": pl.Int64, "department_id": pl.Int64, "lead": pl.Boolean, "item_id": pl.Int64,
          "item_due": pl.Date, "archived_at": MOMENT}
_ASSIGNED = {**_ITEMS, "lead": pl.String}  # read with the role's name
_ENTRIES = {"year": pl.Int64, "quarter": pl.Int64, "entry_pk": pl.Int64, "item_id": pl.Int64,
            "department_id": pl.Int64, "state": pl.String, "status": pl.String, "percent": pl.Int64,
            "submitted_at": MOMENT}
_PAIRS = {"year": pl.Int64, "quarter": pl.Int64, "item_id": pl.Int64, "department_id": pl.Int64}
_RETURNED = {"year": pl.Int64, "quarter": pl.Int64, "entry_pk": pl.Int64}
_SHARES = {"region_id": pl.Int64, "department_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64,
           "fixed": pl.Int128, "inexact": pl.Int64}
_TARGETS = {"region_id": pl.Int64, "department_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64,
            "met": pl.Boolean}
_STORED = {**dict.fromkeys(CARD, pl.Int64), "pk": pl.Int64, "stored": pl.Int64}
# What a scorecard holds, in the order its digest is of: the same as when the rows were built
# a quarter at a time, so that the digests stored then still hold.
WRITTEN = ["composite", "negative", "band", "running", "leads",
           *(f"{key}_{end}" for end in ("n", "d", "w") for key in KEYS)]
# How the queries are run: in memory, without the optimiser. The frames are already in memory,
# and the queries are written as they should run: for one region (an approval's recompute)
# the optimiser's passes took a fifth of the time, and for 250 they save nothing.
COLLECT = {"engine": "in-memory", "optimizations": pl.QueryOptFlags.none()}
# Regions × quarters below which the carrier targets are read by their Python rule rather
# than as a frame (``_read_carriers``). The frame costs about 18 ms however few (four
# queries, Polars' fixed cost), the rule 8 ms and 0.15 ms a region × quarter: one region's
# approval (1–8) reads 8–12 ms by the rule, 15–19 ms as a frame; they meet at about 60; a
# batch of 250 regions × 8 quarters takes 55 ms as a frame, 340 ms by the rule.
FEW_TARGETS = 60


@dataclass
class Inputs:
    """What the scorecards of a batch of plans read, as frames holding every quarter of the
    batch: read from the database by ``read``, or made of ``scoring.PlanFacts`` by
    ``scorecard_rows``."""

    plans: pl.DataFrame  # a row per plan × quarter it is scored in (``_plans_frame``)
    # a row per work item × department leading it (``lead``) or cooperating on it, ``kept_after``
    # the day it was archived (it is out of the quarters ending on or after that day)
    items: pl.LazyFrame
    days: list  # every day an entry can be due on: a plan's in a quarter, an item's own
    entries: pl.LazyFrame  # the progress entries; submitted_us: the moment in microseconds since 1970 (UTC)
    contributed: pl.LazyFrame  # (year, quarter, item, department) with a contribution
    returned: pl.LazyFrame  # (year, quarter, entry) returned at some time of the quarter
    # a row per indicator a department answers for in a quarter (``_HOLDER``) with what it
    # counts (``_SHARES``: floored to 10⁻²⁸, and whether that is inexact)
    led: pl.LazyFrame
    # (region, department, year, quarter) -> the values it answers for, in the reference's order
    led_values: Callable
    carriers: pl.LazyFrame  # per region × department × quarter: carriers_n, carriers_d


def read(plans, quarters, today, standards):
    """The ``Inputs`` of the scorecards of ``plans`` in ``quarters`` as of ``today``, read
    straight into frames (``core.frames``), a query per source for all of them; the
    indicators led from ``standards`` (``vector_verdicts.read_standards`` of the plans'
    regions)."""
    scored = [(plan, quarter, rule, today) for plan, rule in ((plan, plan.deadline_rule) for plan in plans)
              for quarter in quarters if plan.start_year <= quarter.year <= plan.end_year]
    of_plans = _plans_frame(scored)
    plan_ids = sorted({plan.pk for plan, *_rest in scored})
    assigned = Assignment.objects.filter(node__plan__in=plan_ids, node__level=TaskNode.Level.WORK_ITEM).order_by()
    items = frames.frame(assigned.values_list("node__plan_id", "department_id", "role", "node_id", "node__due_on",
                                              "node__archived_at"), _ASSIGNED)
    of_items = {"item__plan__in": plan_ids}
    entries = ProgressReport.objects.filter(of_quarters(quarters), **of_items).order_by().values_list(
        "year", "quarter", "pk", "item_id", "department_id", "state", "status", "percent", "submitted_at")
    # One per item, department and quarter (a constraint): joined, they do not repeat a row.
    contributed = Contribution.objects.filter(of_quarters(quarters), **of_items).order_by().values_list(*_PAIRS)
    returned = ProgressReport.history.filter(of_quarters(quarters), **of_items,
                                             state=ProgressReport.State.RETURNED).order_by()
    led, led_values = _read_led(standards, scored)
    return Inputs(
        of_plans, _kept_after(items).with_columns(lead=pl.col("lead") == str(Assignment.Role.LEAD)),
        _days(of_plans, items),
        frames.frame(entries, _ENTRIES).lazy().with_columns(submitted_us=pl.col("submitted_at").dt.epoch("us")),
        frames.frame(contributed, _PAIRS).lazy(),
        frames.frame(returned.values_list("year", "quarter", "id").distinct(), _RETURNED).lazy(),
        led, led_values,
        _read_carriers(sorted({plan.region_id for plan, *_rest in scored}), quarters),
    )


def _read_led(standards, scored):
    """The indicators each department answers for in the quarters its region is scored in,
    with their computed values there (``Inputs.led``), and ``Inputs.led_values``."""
    in_quarters = sorted({(plan.region_id, quarter.year, quarter.number) for plan, quarter, *_rest in scored})
    owners = [(region_id, indicator_id, department_id, position)
              for region_id in sorted({region_id for region_id, *_rest in in_quarters})
              for position, (indicator_id, department_id) in enumerate(standards.owners.get(region_id, {}).items())]
    owners = pl.DataFrame(owners, schema={"region_id": pl.Int64, "indicator_id": pl.Int64, "department_id": pl.Int64,
                                          "position": pl.Int64}, orient="row")
    counted = ["indicator_id", "status", "points"]  # what an indicator led counts is a function of these
    # Each distinct (indicator, status, points) a value has, and every indicator without a value.
    distinct = [*standards.values.select(counted).unique().iter_rows(),
                *((indicator_id, None, None) for indicator_id in standards.indicators)]
    firsts = {key: None if key[1] is None else scoring.Value(0, 0, key[0], key[1], standards.indicators[key[0]], key[2])
              for key in distinct}
    exact = [scoring.led_counts(value, Fraction) * FIXED for value in firsts.values()]
    shares = pl.DataFrame({"indicator_id": [key[0] for key in firsts], "status": [key[1] for key in firsts],
                           "points": [key[2] for key in firsts],
                           "fixed": [share.numerator // share.denominator for share in exact],
                           "inexact": [int(share.denominator != 1) for share in exact]},
                          schema={**{name: standards.values.schema[name] for name in counted}, "fixed": pl.Int128,
                                  "inexact": pl.Int64})
    led = (owners.lazy()
           .join(pl.LazyFrame(in_quarters, schema=dict.fromkeys(["region_id", *QUARTER], pl.Int64), orient="row"),
                 on="region_id")
           .join(standards.values.lazy().select("region_id", "indicator_id", *QUARTER, "status", "points"),
                 on=["region_id", "indicator_id", *QUARTER], how="left")
           .join(shares.lazy(), on=counted, how="left", nulls_equal=True))

    def values_of(key):  # rare: a sum on a half
        found = led.filter(*(pl.col(name) == value for name, value in zip(_HOLDER, key, strict=True)))
        return [firsts[row] for row in found.sort("position").select(counted).collect(**COLLECT).iter_rows()]

    return led.select(*_SHARES), values_of


def _read_carriers(region_ids, quarters):
    """The carrier targets of the year of the regions at each quarter's end, per department:
    from their frame (``carriers.target_frames``) for a batch, from the rule the pages show
    (``targets_progress_on``, which the frame is held to) for a few regions × quarters."""
    if len(region_ids) * len(quarters) >= FEW_TARGETS:
        found = targets_frame(region_ids, quarters).filter(pl.col("department_id").is_not_null())
        return _carriers(found.select(*_TARGETS))
    moments = targets_progress_on(region_ids, [(quarter.year, quarter.last_day) for quarter in quarters])
    rows = [(region_id, target.target.department_id, quarter.year, quarter.number, target.met)
            for quarter in quarters for region_id, found in moments[(quarter.year, quarter.last_day)].items()
            for target in found if target.target.department_id]
    return _carriers(_targets_frame(rows))


def scorecard_rows(batch, plans, quarter, facts):
    """The rows ``reports.services._scorecards`` gives for every plan of ``plans`` (each with its
    PlanFacts in ``facts``, as Batch.facts returns them), in the same tuple shape
    (plan_id, department_id, year, quarter, composite, band, parts, running, leads) and the
    digest of what they hold last (``core.frames.digest``): ``cards`` of ``Inputs`` made of
    the facts, for the tests and the benchmark to hold to the reference.

    The work items, entries and contributions are read from ``batch`` (``items``, ``progress``),
    which ``facts`` were made of; the rest (returned entries, indicators, targets, deadline
    rule, today) from ``facts``. Rows in (plan, department) order."""
    plans = [plan for plan in plans if plan.pk in facts]
    if not plans:
        return []
    regions = {plan.region_id: facts[plan.pk] for plan in plans}  # a region's plans share its values and targets
    items = _BATCH_ITEMS.get(batch)
    if items is None:
        items = _BATCH_ITEMS[batch] = _items_frame(batch.items)
    entries, contributions = batch.progress[quarter]
    # Batch.facts gives every plan the one set: its union is taken once.
    returned = set().union(*{id(facts[plan.pk].returned): facts[plan.pk].returned for plan in plans}.values())
    of_plans = _plans_frame([(plan, quarter, facts[plan.pk].rule, facts[plan.pk].today) for plan in plans])
    in_quarter = [pl.lit(quarter.year, pl.Int64).alias("year"), pl.lit(quarter.number, pl.Int64).alias("quarter")]
    led, led_values = _facts_led(regions, quarter)
    inputs = Inputs(
        of_plans, _kept_after(items), _days(of_plans, items),
        _entries(entries).lazy().with_columns(in_quarter),
        pl.LazyFrame(list(set(contributions)), schema={"item_id": pl.Int64, "department_id": pl.Int64},
                     orient="row").with_columns(in_quarter),
        pl.LazyFrame({"entry_pk": list(returned)}, schema={"entry_pk": pl.Int64}).with_columns(in_quarter),
        led, led_values,
        _carriers(_targets_frame([(region_id, department_id, quarter.year, quarter.number, target.met)
                                  for region_id, found in regions.items()
                                  for department_id, targets in found.targets.items() for target in targets])),
    )
    return rows(collected(inputs))


def _plans_frame(scored):
    """A row per (plan, quarter, its DeadlineRule, today) of ``scored``: the quarter's days,
    the day its entries are due, whether it is running, the plan's days, weights and bands."""
    rows, of_plan = [], {}
    for plan, quarter, rule, today in scored:
        found = of_plan.get(plan.pk)
        if found is None:  # once a plan, not once a quarter: a plan without weights of its own makes the defaults
            weights, bands = scoring.plan_weights(plan)
            found = of_plan[plan.pk] = (date(plan.start_year, 1, 1), date(plan.end_year, 12, 31),
                                        *(weights[key] for key in KEYS), bands.green_from, bands.amber_from)
        rows.append((plan.pk, plan.region_id, quarter.year, quarter.number, quarter.first_day, quarter.last_day,
                     rule.due_on(quarter), today, rule.is_running(quarter, today), *found))
    schema = {"plan_id": pl.Int64, "region_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64,
              "first_day": pl.Date, "last_day": pl.Date, "plan_due": pl.Date, "today": pl.Date,
              "running": pl.Boolean, "plan_start": pl.Date, "plan_end": pl.Date,
              **{f"{key}_w": pl.Int64 for key in KEYS}, "green_from": pl.Int64, "amber_from": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")


_BATCH_ITEMS = WeakKeyDictionary()  # Batch -> its items' frame: the same in every quarter of the batch


def _items_frame(items):
    """The frame of ``Batch.items`` ({plan id: (leads, cooperations)}), made once per batch."""
    rows = [(plan_id, department_id, role == 0, item.pk, item.due_on, item.archived_at)
            for plan_id, by_role in items.items() for role, found in enumerate(by_role)
            for department_id, found_items in found.items() for item in found_items]
    return pl.DataFrame(rows, schema=_ITEMS, orient="row")


def _kept_after(items):
    """``items`` (``_ITEMS``) with the day each archived item left, in the portal's time zone
    (``scoring.Item.in_quarter``), in place of its moment: a few distinct moments, read in Python."""
    archived = items["archived_at"].drop_nulls().unique().to_list()
    local = pl.LazyFrame({"archived_at": archived, "kept_after": [timezone.localdate(at) for at in archived]},
                         schema={"archived_at": MOMENT, "kept_after": pl.Date})
    return items.lazy().join(local, on="archived_at", how="left").drop("archived_at")


def _days(of_plans, items):
    """Every day an entry of ``items`` can be due on in the quarters of ``of_plans``."""
    return sorted(set(of_plans["plan_due"].to_list()) | set(items["item_due"].drop_nulls().unique().to_list()))


def collected(inputs, stored=None):
    """``cards`` of ``inputs`` collected; when ``stored`` (a lazy frame of ``_STORED``) is given,
    joined with it on the key, both sides kept (a stored row without a card: a null digest).
    A sum of indicators led on a half (see the module's docstring) is decided as the
    reference adds it, and the cards it is in are made again."""
    decided = None
    while True:
        query = cards(inputs, decided)
        if stored is not None:
            query = query.join(stored, on=CARD, how="full", coalesce=True)
        found = query.collect(**COLLECT)
        if not found["undecided"].any():
            return found.drop("undecided")
        keys = found.filter("undecided").select(_HOLDER).unique().rows()
        decided = pl.DataFrame([(*key, int(scoring.led_total(inputs.led_values(key)) * 100)) for key in keys],
                               schema={**dict.fromkeys(_HOLDER, pl.Int64), "decided": pl.Int64}, orient="row")


def against_stored(inputs, stored):
    """The cards of ``inputs`` compared with the stored scorecards ``stored`` (a ``values_list``
    of plan, department, year, quarter, pk, digest of the plans' in the quarters) as a join of
    frames: (the cards whose digest differs, as ``written`` gives them; beside them, which
    have no stored row (``core.bulk.upsert_frame``'s ``absent``); the pks of the stored
    ones of a plan × quarter scored whose department has no card now; how many cards there
    are). No card becomes a Python object."""
    stored = frames.frame(stored, _STORED).lazy().join(inputs.plans.lazy().select("plan_id", *QUARTER),
                                                       on=["plan_id", *QUARTER], how="semi")
    found = collected(inputs, stored)
    digest = pl.col("digest")
    changed = found.filter(digest.is_not_null() & digest.ne_missing(pl.col("stored"))).sort(CARD)
    return (written(changed), changed["pk"].is_null(), found.filter(digest.is_null())["pk"].to_list(),
            found["digest"].count())


def written(cards):
    """``cards`` (collected) as ``Scorecard``'s columns, as ``rows`` gives them but as text
    where ``rows`` has a Decimal or a dict: the composite as ``str`` of its Decimal (−0.0 for
    a negative mean that rounds to 0), the parts as the JSON of ``reports.parts.packed``. In
    (plan, department, quarter) order, as ``rows``: the order they are inserted in."""
    return cards.sort(CARD).select(_written())


@cache
def _written():
    tenths = pl.col("composite")
    composite = pl.concat_str([
        pl.when((tenths < 0) | ((tenths == 0) & pl.col("negative"))).then(pl.lit("-")).otherwise(pl.lit("")),
        (tenths.abs() // 10).cast(pl.String), pl.lit("."), (tenths.abs() % 10).cast(pl.String)])
    numerators = [pl.col(f"{key}_n").cast(pl.String) for key in KEYS]
    numerators[INDICATORS] = _json_hundredths_text(pl.col("indicators_n"))
    parts = pl.concat_str([
        pl.lit('{"n":['), pl.concat_str(numerators, separator=","),
        pl.lit('],"d":['), pl.concat_str([pl.col(f"{key}_d").cast(pl.String) for key in KEYS], separator=","),
        pl.lit('],"w":['), pl.concat_str([pl.col(f"{key}_w").cast(pl.String) for key in KEYS], separator=","),
        pl.lit("]}")])
    return [*CARD, composite.alias("composite"), "band", parts.alias("parts"), "running", "leads", "digest"]


def _json_hundredths_text(hundredths):
    """``_json_hundredths`` as JSON text: the number when whole, else its ``plain`` text quoted."""
    whole = hundredths.abs() // 100
    cents = hundredths.abs() % 100
    sign = pl.when(hundredths < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    fraction = pl.when(cents % 10 == 0).then((cents // 10).cast(pl.String)).otherwise(
        cents.cast(pl.String).str.zfill(2))
    return (pl.when(cents == 0).then(pl.concat_str([sign, whole.cast(pl.String)]))
            .otherwise(pl.concat_str([pl.lit('"'), sign, whole.cast(pl.String), pl.lit("."), fraction, pl.lit('"')])))


def cards(inputs, decided=None):
    """A lazy frame of a row per scorecard of ``inputs`` (plan, department, year, quarter):
    what it holds (``WRITTEN``: the composite in tenths, whether the mean was negative, the
    band, running, items led, each part's numerator, denominator and weight), its digest,
    and whether its indicators led are a sum on a half (``undecided``) not in ``decided``
    (a frame of the numerators of such sums: ``_HOLDER`` and ``decided``)."""
    plans = inputs.plans.lazy()
    found = (
        _items_counted(inputs, plans)
        .join(plans, on=["plan_id", *QUARTER])
        .join(_indicators(inputs.led, decided), on=_HOLDER, how="left")
        .join(inputs.carriers, on=_HOLDER, how="left")
        # what a department does not answer for counts 0 of 0
        .with_columns(pl.col("indicators_n", "indicators_d", "carriers_n", "carriers_d").fill_null(0).cast(pl.Int64),
                      pl.col("undecided").fill_null(False))
    )
    for stage in _scores():
        found = found.with_columns(stage)
    return found.select(*CARD, *WRITTEN, _digest(), "region_id", "undecided")


def _items_counted(inputs, plans):
    """Per (plan, department, quarter) with a work item to lead or cooperate on
    (``set(facts.leads) | set(facts.cooperations)``): the counts of its parts of the items,
    as ``scoring.parts_for`` counts them. One pass over both roles' items."""
    kept = pl.col("kept_after")
    found = (
        inputs.items
        .join(plans.select("plan_id", *QUARTER, "first_day", "last_day", "plan_due", "today", "plan_start",
                           "plan_end"), on="plan_id")
        .filter(kept.is_null() | (kept > pl.col("last_day")))  # not archived before the quarter ended
        .join(inputs.entries, on=_ENTRY, how="left")
        .join(inputs.returned.with_columns(was_returned=pl.lit(True)), on=[*QUARTER, "entry_pk"], how="left")
        .join(inputs.contributed.with_columns(contributed=pl.lit(True)), on=_ENTRY, how="left")
    )
    due, flags, counts = _item_expressions()
    found = found.with_columns(due).join(_day_ends(inputs.days), on="entry_due", how="left")
    for stage in flags:
        found = found.with_columns(stage)
    return found.group_by(CARD).agg(counts).with_columns(returns_n=pl.col("completeness_n") - pl.col("returned"))


@cache
def _item_expressions():
    """(the day an item's entry is due; stages of what an item counts for; the counts per
    department): ``_items_counted``'s expressions, the same for every batch."""
    item_due, plan_due = pl.col("item_due"), pl.col("plan_due")
    # core.periods.DeadlineRule.due_on: the item's own due date when it comes first in the quarter
    own_due = item_due.is_not_null() & (item_due >= pl.col("first_day")) & (item_due < plan_due)
    due = pl.when(own_due).then(item_due).otherwise(plan_due).alias("entry_due")
    lead, state, status, sent = pl.col("lead"), pl.col("state"), pl.col("status"), pl.col("sent")
    flags = [
        # an entry (only a lead department's counts) in and not a draft
        [(lead & state.is_not_null() & (state != str(scoring.DRAFT))).alias("sent"),
         _expected_percent().alias("expected")],
        [(lead & (sent | (pl.col("today") > pl.col("entry_due")))).alias("counted"),
         (sent & (pl.col("submitted_us") < pl.col("day_end")).fill_null(False)).alias("on_time"),
         (lead & (state.is_in(COUNTED_STATES) & (status != str(scoring.BEHIND))
                  & ((status == str(scoring.DONE)) | (pl.col("percent") >= pl.col("expected")))).fill_null(False))
         .alias("on_track"),
         (sent & pl.col("was_returned").fill_null(False)).alias("returned"),
         (~lead & pl.col("contributed").fill_null(False)).alias("contributed")],
    ]
    counted = pl.col("counted")
    counts = {
        "leads": lead.sum(),
        "completeness_n": sent.sum(), "completeness_d": counted.sum(),
        "on_time_n": pl.col("on_time").sum(), "on_time_d": counted.sum(),
        "progress_n": (pl.col("on_track") & counted).sum(), "progress_d": counted.sum(),
        "returns_d": sent.sum(), "returned": pl.col("returned").sum(),
        "cooperation_n": pl.col("contributed").sum(), "cooperation_d": (~lead).sum(),
    }
    return due, flags, [count.cast(pl.Int64).alias(name) for name, count in counts.items()]


def _entries(entries):
    """The frame of a quarter's entries (``scoring.Entry``), the moment of submission in
    microseconds: Polars reads an aware datetime slower than this takes."""
    schema = {name: _ENTRIES[name] for name in ("entry_pk", "item_id", "department_id", "state", "status", "percent")}
    columns = list(zip(*entries, strict=True)) if entries else [()] * (len(schema) + 1)
    submitted_us = [None if at is None else _microseconds(at) for at in columns[-1]]
    return pl.DataFrame([*(pl.Series(name, column, dtype=dtype) for (name, dtype), column
                           in zip(schema.items(), columns[:-1], strict=True)),
                         pl.Series("submitted_us", submitted_us, dtype=pl.Int64)])


def _microseconds(moment):
    """An aware datetime as microseconds since 1970 (UTC), exactly."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def _expected_percent():
    """``scoring.expected_percent`` of every item: the share of its time elapsed at the
    quarter's end, truncated (as ``int`` of a quotient of integers truncates)."""
    start = pl.col("plan_start")
    due = pl.coalesce(pl.col("item_due"), pl.col("plan_end"))
    elapsed = (pl.min_horizontal(pl.col("last_day"), due) - start).dt.total_days() + 1
    share = (100 * elapsed) // ((due - start).dt.total_days() + 1)
    return pl.when(due <= start).then(100).otherwise(share.clip(0, 100))


def _day_ends(days):
    """{due day: the microsecond its day ends}, as ``scoring.day_end`` gives it."""
    ends = [_microseconds(scoring.day_end(day)) for day in days]
    return pl.LazyFrame({"entry_due": days, "day_end": ends}, schema={"entry_due": pl.Date, "day_end": pl.Int64})


def _facts_led(regions, quarter):
    """``Inputs.led`` and ``led_values`` of ``regions`` ({region id: PlanFacts}) in ``quarter``."""
    shares, led = {}, []  # a value's share per distinct (indicator, status, points)
    for region_id, found in regions.items():
        for department_id, values in found.indicators.items():
            for value in values:
                key = None if value is None else (value.indicator_id, value.status, value.points)
                share = shares.get(key)
                if share is None:
                    exact = scoring.led_counts(value, Fraction) * FIXED
                    share = shares[key] = (exact.numerator // exact.denominator, int(exact.denominator != 1))
                led.append((region_id, department_id, quarter.year, quarter.number, *share))
    return (pl.LazyFrame(led, schema=_SHARES, orient="row"),
            lambda key: regions[key[0]].indicators[key[1]])


def _indicators(led, decided):
    """Per (region, department, quarter): the numerator of its "indicators led" part in
    hundredths, how many it leads, and whether the sum is on a half (``undecided``), unless
    ``decided`` has it. See the module's docstring for how the sum is exact."""
    summed = led.group_by(_HOLDER).agg(total=pl.col("fixed").sum(), inexact=pl.col("inexact").sum(),
                                       indicators_d=pl.len())
    summed = summed.with_columns(_rounded())
    if decided is not None:
        summed = summed.join(decided.lazy(), on=_HOLDER, how="left").with_columns(
            indicators_n=pl.coalesce("decided", "indicators_n"), undecided=pl.col("decided").is_null()
            & pl.col("undecided"))
    return summed.select(*_HOLDER, "indicators_n", "indicators_d", "undecided")


@cache
def _rounded():
    """The sum to two places when it is known, and whether it is not: the exact sum lies in
    [total, total + inexact) units, Decimal's within a margin of it."""
    margin = pl.when(pl.col("inexact") > 0).then(
        pl.col("indicators_d").cast(pl.Int128) * 10**10 * (1 + pl.col("total").abs() // FIXED)).otherwise(0)
    low = _half_up(pl.col("total") - margin, HUNDREDTH)
    high = _half_up(pl.col("total") + pl.col("inexact") + margin, HUNDREDTH)
    return [low.cast(pl.Int64).alias("indicators_n"), (low != high).alias("undecided")]


def _carriers(targets):
    """Per (region, department, quarter): its carrier targets of the year met, and how many
    it has; ``targets``: a lazy frame of ``_TARGETS``, a row per target and quarter."""
    return targets.group_by(_HOLDER).agg(carriers_n=pl.col("met").sum(), carriers_d=pl.len())


def _targets_frame(rows):
    """The lazy frame of ``rows``: (region id, department id, year, quarter, met) a target."""
    return pl.LazyFrame(rows, schema=_TARGETS, orient="row")


def _half_up(numerator, denominator):
    """``numerator ÷ denominator`` (a positive integer) rounded to an integer, halves away
    from zero, as Decimal's ROUND_HALF_UP rounds."""
    return numerator.sign() * ((2 * numerator.abs() + denominator) // (2 * denominator))


@cache
def _scores():
    """Stages of expressions (each stage's columns read by the next): each part's share in
    tenths, weighed; the composite in tenths (null when running or when no part applies) and
    whether the weighed mean was negative; the band. Built once: they are the same for every
    batch."""
    weighed, weights = [], []
    for key in KEYS:
        numerator, denominator, weight = pl.col(f"{key}_n"), pl.col(f"{key}_d"), pl.col(f"{key}_w")
        scale = 10 if key == KEYS[INDICATORS] else 1000  # the indicators' numerator is in hundredths
        applies = (denominator != 0) & (weight != 0)
        weighed.append(pl.when(applies).then(weight * _half_up(numerator * scale, denominator)).otherwise(0))
        weights.append(pl.when(applies).then(weight).otherwise(0))
    total, weight = pl.col("weighed"), pl.col("weight")
    composite = pl.when(pl.col("running") | (weight == 0)).then(None).otherwise(_half_up(total, weight))
    tenths = pl.col("composite")
    band = (pl.when(tenths.is_null()).then(pl.lit(""))
            .when(tenths >= 10 * pl.col("green_from")).then(pl.lit("green"))
            .when(tenths >= 10 * pl.col("amber_from")).then(pl.lit("amber"))
            .otherwise(pl.lit("red")))
    return ([pl.sum_horizontal(weighed).alias("weighed"), pl.sum_horizontal(weights).alias("weight")],
            [composite.alias("composite"), (total < 0).alias("negative")],
            [band.alias("band")])


@cache
def _digest():
    return frames.digest([pl.col(name) for name in WRITTEN])


def rows(cards):
    """The scorecard tuples of ``cards`` (a collected ``cards`` frame, or some of its rows) as
    ``reports.services`` writes them, the digest last, in (plan, department, quarter) order;
    the parts as ``reports.parts.packed`` gives them."""
    if cards.is_empty():
        return []
    composites, numerators = {}, {}
    found = []
    count = len(KEYS)
    for plan_id, department_id, year, number, tenths, negative, band, running, leads, *parts, digest in (
        cards.select(*CARD, *WRITTEN, "digest").sort(CARD).iter_rows()
    ):
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
        found.append((plan_id, department_id, year, number, total, band,
                      {"n": numerator, "d": parts[count : 2 * count], "w": parts[2 * count :]}, running, leads,
                      digest))
    return found


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
