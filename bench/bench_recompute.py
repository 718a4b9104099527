"""Full recompute of every indicator value, verdict and scorecard of every county and
quarter (``reports.services.recompute_all``), against a plain in-process baseline that
computes the same numbers from the same rows: one query per table to load, plain Python
to compute, nothing written. The baseline's figures are then checked against what the
recompute stored, so that the two are known to do the same work.

The baseline computes the formula and leakage indicators (all but the ones fed by the
carrier registry or a checklist) and the task parts of the scorecards (completeness, on
time, progress, cooperation): the bulk of the arithmetic.

The recompute runs first on empty result tables (every row written), then again with
nothing changed: its inputs fingerprinted and found as they were, so nothing is computed
(``reports.recompute_inputs``); then forced to compute every region again (nothing is
rewritten), and after one county's entries changed. Each is also held against its floor, measured in the
same run once the results are stored (``floors``): PostgreSQL's own time to hand out every
input column the recompute reads and to take in every row it writes, the bars of issue 25
(from empty ≤ 2× read + write floor and ≤ 20 s; nothing changed ≤ 2× the read floor).

Then the same work spread over two Celery workers (``recompute_all_enqueue``), as a
deployment would run it: needs Redis (REDIS_URL, default redis://127.0.0.1:6379/14).

    DATABASE_URL=postgres://… python bench/bench_recompute.py [--workers 2]
"""

import argparse
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from decimal import Decimal

os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")

import floors
from common import celery_workers, figure, heading, require_scale_data, setup, timed

setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.models import JobRun  # noqa: E402
from core.periods import Quarter  # noqa: E402
from indicators.formulas import MissingValue, ZeroDenominator, parse  # noqa: E402
from indicators.leakage import Utility, region_leakage  # noqa: E402
from indicators.models import Adoption, ComputedValue, DataElement, IndicatorSet, ReferenceValue  # noqa: E402
from indicators.services.compute import reference_rows  # noqa: E402
from reports import scoring  # noqa: E402
from reports.models import RecomputedInputs, Scorecard  # noqa: E402
from reports.parts import Part, unpacked  # noqa: E402
from reports.scoring import expected_percent  # noqa: E402
from reports.services import _scorecards, recompute_all, recompute_all_enqueue  # noqa: E402
from tasks.models import Plan, ProgressReport  # noqa: E402

PLACES = Decimal("0.000001")
COUNTED = ("submitted", "approved")


def rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def baseline(quarters):
    """{(region, year, quarter, indicator code): value} and {(plan, department, year,
    quarter): {part: (numerator, denominator)}}."""
    indicator_set = IndicatorSet.objects.get()
    registry = set(DataElement.objects.filter(source="registry").values_list("code", flat=True))
    known = set(DataElement.objects.values_list("code", flat=True)) | set(
        ReferenceValue.objects.values_list("code", flat=True)
    )
    formulas = {i.code: parse(i.formula, known_names=known) for i in indicator_set.indicators.filter(method="formula")}
    formulas = {code: f for code, f in formulas.items() if not f.names & registry}
    leakage = indicator_set.indicators.filter(method="leakage").values_list("code", flat=True).first()
    wanted = {(q.year, q.number) for q in quarters} | {(q.year - 1, q.number) for q in quarters}
    inputs = defaultdict(dict)
    for region, code, year, number, value in rows(
        "SELECT v.region_id, e.code, v.year, v.quarter, v.value FROM indicators_datavalue v "
        "JOIN indicators_dataelement e ON e.id = v.element_id JOIN indicators_datareport r ON r.id = v.report_id "
        "WHERE r.state IN %s",
        (COUNTED,),
    ):
        if (year, number) in wanted:
            inputs[(region, year, number)][code] = value
    utilities = defaultdict(list)
    for region, year, number, *figures in rows(
        "SELECT u.region_id, u.year, u.quarter, u.utility, u.supply, u.registered, u.resident_metered, u.pipe_km, "
        "u.pressure, u.frost_depth FROM indicators_utilityfigures u JOIN indicators_datareport r ON r.id = u.report_id "
        "WHERE r.state IN %s ORDER BY u.utility",
        (COUNTED,),
    ):
        utilities[(region, year, number)].append(Utility(*figures))
    national, own = defaultdict(dict), defaultdict(dict)
    for region, code, year, value in rows("SELECT region_id, code, year, value FROM indicators_referencevalue"):
        (national[year] if region is None else own[(region, year)])[code] = value
    values = {}
    for (region, year, number), entered in inputs.items():
        quarter = Quarter(year, number)
        if quarter not in quarters:
            continue
        constants = {"DAYS_YTD": Decimal(quarter.days_to_date), **national[year], **own[(region, year)]}
        for code, formula in formulas.items():
            try:
                values[(region, year, number, code)] = formula.evaluate({**constants, **entered}).quantize(PLACES)
            except (MissingValue, ZeroDenominator):
                values[(region, year, number, code)] = None
        if utilities[(region, year, number)]:
            rate = region_leakage(utilities[(region, year, number)], year_share=quarter.share_of_year)
            values[(region, year, number, leakage)] = rate.quantize(PLACES)
    return values, _task_parts(quarters)


def _task_parts(quarters):
    plans = {plan.pk: plan for plan in Plan.objects.all()}
    items = {}
    roles = defaultdict(lambda: ([], []))  # (plan, department) -> (led items, cooperated items)
    for item, plan, due, department, role in rows(
        "SELECT n.id, n.plan_id, n.due_on, a.department_id, a.role FROM tasks_assignment a "
        "JOIN tasks_tasknode n ON n.id = a.node_id WHERE n.level = 3"
    ):
        items[item] = (plan, due)
        roles[(plan, department)][0 if role == "lead" else 1].append(item)
    reports = {}
    for item, department, year, number, state, status, percent, submitted in rows(
        "SELECT item_id, department_id, year, quarter, state, status, percent, submitted_at FROM tasks_progressreport"
    ):
        reports[(item, department, year, number)] = (state, status, percent, submitted)
    contributions = set(rows("SELECT item_id, department_id, year, quarter FROM tasks_contribution"))
    parts = {}
    for quarter in quarters:
        for (plan_id, department), (led, cooperated) in roles.items():
            plan = plans[plan_id]
            if not plan.start_year <= quarter.year <= plan.end_year:
                continue
            rule = plan.deadline_rule
            entries = [reports.get((item, department, quarter.year, quarter.number)) for item in led]
            submitted = [e for e in entries if e is not None and e[0] != "draft"]
            # an entry is due on the plan's deadline, or on its item's own due date when that comes first
            on_time = sum(
                1
                for item, e in zip(led, entries, strict=True)
                if e is not None
                and e[0] != "draft"
                and e[3]
                and timezone.localdate(e[3]) <= rule.due_on(quarter, items[item][1])
            )
            on_track = sum(
                1
                for item, e in zip(led, entries, strict=True)
                if e is not None
                and e[0] in COUNTED
                and e[1] != "behind"
                and (e[1] == "done" or e[2] >= expected_percent(_Item(items[item][1]), plan, quarter))
            )
            done = sum(1 for item in cooperated if (item, department, quarter.year, quarter.number) in contributions)
            parts[(plan_id, department, quarter.year, quarter.number)] = {
                "completeness": Part(len(submitted), len(led)),
                "on_time": Part(on_time, len(led)),
                "progress": Part(on_track, len(led)),
                "cooperation": Part(done, len(cooperated)),
            }
    return parts


class _Item:
    def __init__(self, due_on):
        self.due_on = due_on


def check_same(values, parts, quarters):
    """Every baseline figure equals the stored one; returns how many were compared."""
    wanted = {(q.year, q.number) for q in quarters}
    stored = {
        (region, year, number, code): value
        for region, year, number, code, value in ComputedValue.objects.values_list(
            "region", "year", "quarter", "indicator__code", "value"
        )
        if (year, number) in wanted
    }
    differing = [key for key, value in values.items() if stored.get(key, "absent") != value]
    cards = Scorecard.objects.values_list("plan", "department", "year", "quarter", "parts")
    compared = 0
    for plan, department, year, number, stored in cards.iterator(chunk_size=5000):
        components = unpacked(stored)
        expected = parts.get((plan, department, year, number))
        if expected is None:
            continue
        compared += 1
        for key, part in expected.items():
            if (components[key]["numerator"], components[key]["denominator"]) != (part.numerator, part.denominator):
                differing.append((plan, department, year, number, key))
    if differing:
        raise SystemExit(f"the baseline and the recompute disagree on {len(differing)} figures, e.g. {differing[:5]}")
    return len(values), compared


def check_engines(quarters, sample=60):
    """The stored values and scorecards of ``sample`` counties (the same every run) against
    what the one-value-at-a-time reference engines give for them: every vectorised item's
    value, status, explanation, points, award and lineage (``compute.reference_rows``), every
    scorecard's composite, band, parts and counts (``reports.services._scorecards``)."""
    indicator_set = IndicatorSet.objects.get()
    counties = sorted(Adoption.objects.filter(indicator_set=indicator_set).values_list("region_id", flat=True))
    chosen = random.Random(25).sample(counties, min(sample, len(counties)))
    expected = reference_rows(chosen, quarters, indicator_set)
    stored = {
        row[:4]: row[4:]
        for row in ComputedValue.objects.filter(region__in=chosen, indicator__in=list({key[1] for key in expected}))
        .values_list("region", "indicator", "year", "quarter", "value", "status", "explanation", "points", "award",
                     "trace")
    }
    differing = [key for key, row in expected.items() if stored.get(key) != row]
    plans = list(Plan.objects.filter(region__in=chosen).select_related("region", "score_weights"))
    batch, cards = scoring.Batch(plans, chosen, quarters), 0
    stored_cards = {row[:4]: row[4:] for row in Scorecard.objects.filter(plan__in=plans).values_list(
        "plan", "department", "year", "quarter", "composite", "band", "parts", "running", "leads")}
    for quarter in quarters:
        facts = batch.facts(quarter)
        for plan in plans:
            if plan.pk in facts:
                for row in _scorecards(plan, quarter, facts[plan.pk]):
                    cards += 1
                    if stored_cards.get(row[:4]) != row[4:]:
                        differing.append(row[:4])
    if differing:
        raise SystemExit(f"the reference engines and the stored rows disagree on {len(differing)}, "
                         f"e.g. {differing[:5]}")
    return len(expected), cards


# Nothing refers to them. The fingerprints go too: with them, the next run would find every
# region's inputs as they were and compute nothing.
RESULT_TABLES = "indicators_computedvalue, reports_scorecard, reports_regionverdict, reports_recomputedinputs"


def _after_one_change(quarters):
    """One county's entry edited (its text: the results stay as they are), then the bulk
    recompute, which computes that county's quarters only; the edit is undone after.
    Returns (seconds, region × quarters computed)."""
    entry = ProgressReport.objects.order_by("pk").first()
    since = timezone.now()
    ProgressReport.objects.filter(pk=entry.pk).update(work_done=f"{entry.work_done}（已核实）")
    try:
        seconds, _written = timed(lambda: recompute_all(quarters=quarters))
    finally:
        ProgressReport.objects.filter(pk=entry.pk).update(work_done=entry.work_done)
    return seconds, RecomputedInputs.objects.filter(computed_at__gte=since).count()


def empty_results():
    """The first run writes every value, scorecard and verdict: the harder case."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {RESULT_TABLES}")


def analyze_results():
    """Planner statistics of the rows just written (autovacuum may be off on a bench machine)."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {RESULT_TABLES}")


def through_workers(quarters, count):
    """Seconds for ``recompute_all_enqueue``'s jobs to be done by ``count`` workers."""
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as logs, celery_workers(count, log_dir=logs):
        since = timezone.now()
        started = time.perf_counter()
        with transaction.atomic():
            jobs = recompute_all_enqueue(quarters=quarters, force=True)  # computed, as before fingerprints
        runs = JobRun.objects.filter(name="recompute_regions", started_at__gte=since)
        while runs.exclude(state=JobRun.State.RUNNING).count() < jobs:
            if time.perf_counter() - started > 3600:
                sys.exit("the recompute jobs did not finish within an hour")
            time.sleep(0.2)
        seconds = time.perf_counter() - started
    failed = runs.filter(state=JobRun.State.FAILED).count()
    if failed:
        sys.exit(f"{failed} of {jobs} recompute jobs failed: see the job page")
    return seconds, jobs


def print_floors(read, write):
    """The floors and what makes them up: the slowest sources read, each table written."""
    read_all, write_all = floors.total(read), floors.total(write)
    figure(
        "floor: read every input (COPY TO STDOUT)",
        read_all.seconds,
        extra=f"{read_all.rows:,} rows, {floors.megabytes(read_all.bytes)} from {len(read)} sources",
    )
    slowest = sorted(read.items(), key=lambda item: -item[1].seconds)
    print(
        "    "
        + "; ".join(
            f"{name} {m.seconds:.2f} s, {m.rows:,} rows, {floors.megabytes(m.bytes)}" for name, m in slowest[:6]
        )
    )
    figure(
        "floor: write every result (COPY FROM STDIN)",
        write_all.seconds,
        extra=f"{write_all.rows:,} rows, {floors.megabytes(write_all.bytes)}",
    )
    for table, m in write.items():
        print(
            f"    {table}: {m.seconds:.2f} s, {m.rows:,} rows, {floors.megabytes(m.bytes)} "
            f"({m.bytes / max(m.rows, 1):,.0f} bytes a row)"
        )
    sizes = floors.written_sizes()
    print("    average JSON length: " + ", ".join(f"{label} {chars:,.0f} characters" for label, chars in sizes.items()))
    figure("floor: read + write", read_all.seconds + write_all.seconds)
    return read_all.seconds, write_all.seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    counties = require_scale_data().count()
    found = ProgressReport.objects.order_by().values_list("year", "quarter").distinct()
    quarters = [Quarter(year, number) for year, number in sorted(found)]
    heading(f"Recompute everything: {counties:,} counties × {len(quarters)} quarters ({connection.vendor})")
    base_time, (values, parts) = timed(lambda: baseline(quarters))
    empty_results()
    first, (written, cards) = timed(lambda: recompute_all(quarters=quarters))
    analyze_results()
    again, _ = timed(lambda: recompute_all(quarters=quarters))
    forced, _ = timed(lambda: recompute_all(quarters=quarters, force=True))
    one_county, one_computed = _after_one_change(quarters)
    compared = check_same(values, parts, quarters)
    references = check_engines(quarters)
    read_floor, write_floor = print_floors(floors.read_floor(), floors.write_floor())
    spread, jobs = through_workers(quarters, args.workers)
    floor = read_floor + write_floor
    figure(
        "recompute all from empty, against its floor",
        first,
        baseline=floor,
        baseline_label="floor: read + write",
        max_ratio=2,
        max_seconds=20,
        extra=f"{written:,} values, {cards:,} scorecards",
    )
    figure(
        "nothing changed, against the read floor", again, baseline=read_floor, baseline_label="floor: read",
        max_ratio=2, extra="inputs fingerprinted, none changed, nothing computed",
    )
    figure("every county computed again, nothing changed (--force)", forced, baseline=read_floor,
           baseline_label="floor: read")
    figure("after one county's entries changed", one_county, baseline=read_floor, baseline_label="floor: read",
           extra=f"{one_computed} region × quarters computed")
    label = "one query per table, plain Python, no writes"
    figure(
        "recompute all, in one process, from empty",
        first,
        baseline=base_time,
        baseline_label=label,
        max_ratio=3,
        max_seconds=30,
        extra=f"{written:,} values, {cards:,} scorecards",
    )
    figure("again, nothing changed", again, baseline=base_time, baseline_label=label, max_ratio=3, max_seconds=30)
    figure(
        f"again, as {jobs} Celery jobs over {args.workers} workers",
        spread,
        baseline=base_time,
        baseline_label=label,
        max_ratio=3,
        max_seconds=30,
    )
    print(
        f"  checked: {compared[0]:,} indicator values and {compared[1]:,} scorecards' task parts agree with "
        f"the baseline; {references[0]:,} values (with lineage) and {references[1]:,} scorecards of 60 "
        f"counties agree with the one-value-at-a-time reference engines; run at {date.today()}"
    )


if __name__ == "__main__":
    main()
