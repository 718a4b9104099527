"""The scorecards as Polars group-bys (reports.vector_scorecards) give, row by row and type by
type, what the department-by-department Python (reports.services._scorecards) gives: on the
demo, on generated scale data, and on hand-built edge cases the demo does not have (deadline
edges to the second, a running quarter, archived items, shares of points on a rounding half)."""

import io
import random
from datetime import date, datetime
from decimal import Decimal as D
from fractions import Fraction
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from core.periods import Quarter
from reports import scoring, vector_scorecards
from reports.models import ScoreWeights
from reports.scoring import Batch, Value
from reports.services import _scorecards
from tasks.models import Assignment, Contribution, Plan, ProgressReport, TaskNode

LOCAL = ZoneInfo("Asia/Shanghai")


def compared(batch, quarter, today):
    """Both computations' rows of every plan of ``batch`` running in ``quarter``, as text."""
    facts = batch.facts(quarter, today=today)
    plans = [plan for plan in batch.plans if plan.pk in facts]
    return _both(batch, plans, quarter, facts)


def _both(batch, plans, quarter, facts):
    expected = sorted((row for plan in plans for row in _scorecards(plan, quarter, facts[plan.pk])),
                      key=lambda row: row[:2])
    got = vector_scorecards.scorecard_rows(batch, plans, quarter, facts)
    # repr: Decimal("62.8") and Decimal("62.80") are ==, an int 1 and True too; the rows must not differ at all
    return [repr(row[:-1]) for row in got], [repr(row) for row in expected]  # the digest is the engine's own


def all_plans():
    return list(Plan.objects.select_related("region", "score_weights").order_by("pk"))


def assert_every_quarter(quarters, todays):
    """Compare every plan's rows in every quarter as of each day; returns how many rows."""
    batch = Batch(all_plans(), quarters=quarters)
    rows = 0
    for quarter in quarters:
        for today in todays:
            got, expected = compared(batch, quarter, today)
            assert got == expected, (quarter, today)
            rows += len(got)
    return rows


def days_around(quarters):
    """Each quarter's last day, the day after and the 10th and 20th after: before, on and
    after the deadlines of the plans (0 to +15 days)."""
    days = set()
    for quarter in quarters:
        for offset in (0, 1, 10, 20):
            days.add(date.fromordinal(quarter.last_day.toordinal() + offset))
    return sorted(days)


@pytest.mark.django_db
def test_the_demo_gives_the_same_rows():
    call_command("load_demo", password="demo-pass-1", stdout=io.StringIO())
    plans = all_plans()
    quarters = Quarter.range(Quarter(min(p.start_year for p in plans), 1), Quarter.containing(date.today()))
    assert assert_every_quarter(quarters, [None]) > 20
    recent = [quarter for quarter in quarters if quarter.year >= date.today().year - 1]
    assert assert_every_quarter(recent, days_around(recent)) > 20


@pytest.mark.django_db
def test_generated_scale_data_gives_the_same_rows():
    call_command("generate_scale_data", regions=6, quarters=4, stdout=io.StringIO(), stderr=io.StringIO())
    last = Quarter.containing(date.today()).previous()
    quarters = Quarter.range(last.shift(-4), last.next())
    assert assert_every_quarter(quarters, [None, *days_around(quarters[-3:])]) > 100


# --- hand-built edge cases ----------------------------------------------------------------------

Q2 = Quarter(2023, 2)


def at(text):
    """A moment given in the portal's local time."""
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL)


@pytest.fixture
def edges(world):
    """Two plans of the district: A due on the quarter's last day, with weights of its own (one
    zero); B due ten days after. Entries on every edge of the deadlines and of on-track."""
    a = Plan.objects.create(region=world.district, title="甲方案", start_year=2023, end_year=2024)
    b = Plan.objects.create(region=world.district, title="乙方案", start_year=2022, end_year=2023,
                            report_due_offset_days=10)
    ScoreWeights.objects.create(plan=a, completeness=40, on_time=0, progress=30, indicators=10, carriers=10,
                                returns=5, cooperation=5, green_from=90, amber_from=70)
    water, urban, economy, street = world.water_bureau, world.urban_bureau, world.economy_bureau, world.street
    made = {}
    keys = {plan: TaskNode.objects.create(plan=plan, level=TaskNode.Level.KEY_TASK, position=0, text="重点任务")
            for plan in (a, b)}

    def item(plan, name, due=None, lead=water, cooperating=(), archived=None):
        node = TaskNode.objects.create(plan=plan, parent=keys[plan], level=TaskNode.Level.WORK_ITEM,
                                       position=len(made) + 1,
                                       text=f"事项{name}", due_on=due, archived_at=archived)
        Assignment.objects.create(node=node, department=lead, role=Assignment.Role.LEAD)
        for department in cooperating:
            Assignment.objects.create(node=node, department=department, role=Assignment.Role.COOPERATING)
        made[name] = node
        return node

    def entry(node, submitted=None, *, state="submitted", status="in_progress", percent=50, department=water,
              quarter=Q2):
        return ProgressReport.objects.create(item=node, department=department, year=quarter.year,
                                             quarter=quarter.number, state=state, status=status, percent=percent,
                                             submitted_at=None if submitted is None else at(submitted))

    deadline = date(2023, 6, 30)
    entry(item(a, "on the deadline, last second", deadline), "2023-06-30 23:59:59.999999")
    entry(item(a, "on the deadline, next midnight", deadline), "2023-07-01 00:00:00")
    entry(item(a, "own due, last second", date(2023, 5, 15)), "2023-05-15 23:59:59")
    entry(item(a, "own due, next midnight", date(2023, 5, 15)), "2023-05-16 00:00:00")
    # 1 January 2023 to 30 June 2023 is 181 of the 731 days to the end of 2024: 24.76 % → 24.
    entry(item(a, "percent equal to expected"), "2023-06-01 10:00", percent=24)
    entry(item(a, "percent one short"), "2023-06-01 10:00", percent=23)
    entry(item(a, "behind at 100"), "2023-06-01 10:00", status="behind", percent=100)
    entry(item(a, "done at 0", date(2023, 9, 30)), "2023-06-01 10:00", status="done", percent=0, state="approved")
    entry(item(a, "draft", date(2023, 6, 10)), state="draft", percent=90)
    entry(item(a, "returned, left so"), "2023-06-02 10:00", state="returned")
    item(a, "never reported", date(2023, 6, 20))
    item(a, "due before the plan", date(2022, 12, 31))
    entry(item(a, "sent without a moment"), None)
    resent = entry(item(a, "returned then resubmitted"), "2023-06-03 10:00", state="returned")
    resent.state, resent.submitted_at = "submitted", at("2023-06-05 10:00")
    resent.save()  # the history keeps its returned state of the quarter
    entry(item(a, "archived in the quarter", archived=at("2023-06-30 23:59:59")), "2023-06-01 10:00")
    entry(item(a, "archived the day after", archived=at("2023-07-01 00:00:00")), "2023-06-01 10:00")
    entry(item(a, "archived long before", archived=at("2022-01-01 08:00")), "2023-06-01 10:00")
    helped = item(a, "urban leads, water helps", deadline, lead=urban, cooperating=[water, economy])
    entry(helped, "2023-06-29 10:00", department=urban, status="done", percent=100)
    Contribution.objects.create(item=helped, department=water, year=2023, quarter=2, note="提供数据")
    Contribution.objects.create(item=helped, department=economy, year=2023, quarter=3, note="下季度的")
    item(a, "street only cooperates", lead=urban, cooperating=[street])
    entry(item(a, "Q3 entry", date(2023, 8, 31)), "2023-08-31 23:59:59", quarter=Quarter(2023, 3))
    entry(item(a, "Q3 entry late", date(2023, 8, 31)), "2023-09-01 00:00:00", quarter=Quarter(2023, 3))
    # B: due 10 July; an item due that very day is due with the quarter, one due the 9th on the 9th.
    entry(item(b, "B on the deadline", date(2023, 7, 10)), "2023-07-10 23:59:59")
    entry(item(b, "B due the 9th", date(2023, 7, 9)), "2023-07-09 23:59:59")
    entry(item(b, "B due the 9th, late", date(2023, 7, 9)), "2023-07-10 00:00:00")
    entry(item(b, "B due before the quarter", date(2023, 3, 31)), "2023-07-10 12:00")
    entry(item(b, "B by urban", lead=urban), "2023-07-11 00:00:00", department=urban)
    return SimpleNamespace(a=a, b=b, items=made)


EDGE_DAYS = [None, date(2023, 5, 15), date(2023, 5, 16), date(2023, 6, 29), date(2023, 6, 30), date(2023, 7, 1),
             date(2023, 7, 9), date(2023, 7, 10), date(2023, 7, 11), date(2023, 9, 30), date(2023, 10, 1)]


def test_edge_cases_give_the_same_rows(edges):
    quarters = Quarter.range(Quarter(2022, 4), Quarter(2024, 1))
    assert assert_every_quarter(quarters, EDGE_DAYS) > 150


def test_the_edges_are_where_they_should_be(edges, world):
    """The fixture's entries fall on the sides of the edges they are named for."""
    facts = scoring.plan_facts(edges.a, Q2, date(2023, 7, 1))
    by_name = edges.items

    def on_time(name):
        item = next(i for i in facts.leads[world.water_bureau.pk] if i.pk == by_name[name].pk)
        return facts.on_time(facts.reports[(item.pk, world.water_bureau.pk)], item)

    assert on_time("on the deadline, last second") and not on_time("on the deadline, next midnight")
    assert on_time("own due, last second") and not on_time("own due, next midnight")
    led = {item.pk for items in facts.leads.values() for item in items}
    assert by_name["archived the day after"].pk in led and by_name["archived in the quarter"].pk not in led
    assert facts.returned and not facts.running
    assert scoring.plan_facts(edges.a, Q2, date(2023, 6, 30)).running


# --- the indicators led: shares of points on and near a rounding half ----------------------------


def indicator(pk, scored, points):
    return SimpleNamespace(pk=pk, points=points, indicator_set=SimpleNamespace(is_scored=scored))


FULL = [D(3), D(6), D(7), D(8), D("0.3"), D(12), D("2.5"), D(24), D(0), None]
AWARDED = [D(0), D(1), D(2), D("0.1"), D("1.5"), D("0.5"), D(3), D(-1), None]


def random_values(rng, region_id, count):
    values = []
    for _ in range(count):
        if rng.random() < 0.1:
            values.append(None)
            continue
        full = rng.choice(FULL)
        pk = FULL.index(full) + (100 if rng.random() < 0.3 else 0)  # the same points, judged on points or not
        awarded = rng.choice(AWARDED)
        values.append(Value(rng.randrange(10**6), region_id, pk, rng.choice(["met", "not_met", "incomplete"]),
                            indicator(pk, pk < 100, full), awarded))
    return values


def crafted(region_id):
    """Lists whose exact sums are halves at the second place, where Decimal's 28 digits decide:
    1/0.3 + 0.1/12 + 0.2/6 = 3.375 is 3.37 added in Decimal; 0.2/6 + 1/3 + 0.5/12 + 0.5/6 +
    0.2/6 = 0.525 is 0.52; 1/3 + 1/3 + 1/3 + 0.1/20 = 1.005 is 1.01. And 1/8 = 0.125,
    1/24 + 1/12 = 0.125, 2/3."""
    def share(awarded, full, pk):
        return Value(pk, region_id, pk, "met", indicator(pk, True, D(full)), D(awarded))

    return [
        [share(1, "0.3", 210), share("0.1", 12, 211), share("0.2", 6, 212)],
        [share("0.2", 6, 212), share(1, 3, 201), share("0.5", 12, 213), share("0.5", 6, 214), share("0.2", 6, 212)],
        [share(1, 3, 201), share(1, 3, 201), share(1, 3, 201), share("0.1", 20, 202)],
        [share("0.1", 20, 202), share(1, 3, 201), share(1, 3, 201), share(1, 3, 201)],
        [share(1, 8, 203)],
        [share(1, 24, 204), share(1, 12, 205)],
        [share(2, 3, 206)],
        [share(2, 3, 206), share(2, 3, 206), share(2, 3, 206), share("0.1", 6, 207), share("0.1", 6, 207)],
        [share(1, 6, 208), share("0.1", 3, 209), share("0.1", 3, 209), share("0.1", 6, 208)],
    ]


def test_indicator_shares_give_the_same_rows(edges, world, monkeypatch):
    """Random computed values and targets put in the facts of both plans (the region's), and
    lists made to sum to a half exactly, where Decimal's own rounding decides."""
    rng = random.Random(20231)
    departments = [world.water_bureau.pk, world.urban_bureau.pk, world.economy_bureau.pk, world.street.pk]
    batch = Batch(all_plans(), quarters=[Q2])
    decided = []
    led_total = scoring.led_total
    monkeypatch.setattr(scoring, "led_total", lambda values: decided.append(values) or led_total(values))
    lists = crafted(world.district.pk)
    for case in range(120):
        facts = batch.facts(Q2, today=rng.choice([date(2023, 6, 30), date(2023, 7, 12)]))
        if case < len(lists):
            indicators = {world.water_bureau.pk: lists[case], world.street.pk: lists[-1 - case]}
        else:
            indicators = {department: random_values(rng, world.district.pk, rng.randrange(0, 7))
                          for department in rng.sample(departments, rng.randrange(0, 5))}
        targets = {department: [SimpleNamespace(met=rng.random() < 0.5) for _ in range(rng.randrange(0, 4))]
                   for department in rng.sample(departments, rng.randrange(0, 5))}
        for found in facts.values():
            found.indicators, found.targets = indicators, targets
        plans = [plan for plan in batch.plans if plan.pk in facts]
        decided.clear()
        got = vector_scorecards.scorecard_rows(batch, plans, Q2, facts)
        if case < 4:
            assert decided, "a sum on a half is decided by Decimal's rounding"
        assert [repr(row[:-1]) for row in got] == _both(batch, plans, Q2, facts)[1], case


def test_exact_shares_match_decimal_on_every_pair():
    """Each share as the vector code floors it and as Decimal divides it agree to 10⁻²⁰."""
    for full in FULL:
        for awarded in AWARDED:
            value = Value(1, 1, 1, "met", indicator(1, True, full), awarded)
            exact = scoring.led_counts(value, Fraction)
            assert abs(exact - Fraction(scoring.led_counts(value))) < Fraction(1, 10**20)
