"""The recompute's own path, inputs read straight into frames for every quarter at once
(``vector_scorecards.read``, ``vector_verdicts.read_standards``; COPY on PostgreSQL, where CI
runs this module too), gives the rows of the references: ``reports.services._scorecards``
on ``scoring.Batch``'s facts, and ``scoring.verdict`` on ``Batch.values``, digests included
(those of the scorecards as the facts' engine digests them, so that rows stored before stay
unchanged). Then what the recompute writes and deletes with them."""

import io
from datetime import date
from decimal import Decimal as D

import orjson
import pytest
from django.core.management import call_command
from django.utils import timezone

from core import frames
from core.bulk import row_digest
from core.periods import Quarter
from indicators.models import Adoption, ComputedValue, Indicator, IndicatorSet
from reports import scoring, services, vector_scorecards, vector_verdicts
from reports.models import RegionVerdict, Scorecard
from reports.scoring import Batch, of_quarters
from reports.services import _scorecards
from tasks.models import Assignment, Plan, TaskNode
from tests.test_scorecards import Q2, plan, quarter_of_work  # noqa: F401 - fixtures
from tests.test_several_standards import computed, computed_q2, item, standards  # noqa: F401 - fixtures
from tests.test_vector_scorecards import EDGE_DAYS, all_plans, days_around, edges  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def read_rows(plans, quarters, today=None):
    """The scorecard rows of ``plans`` in every one of ``quarters`` as the recompute computes them."""
    adopted = vector_verdicts.read_standards(sorted({one.region_id for one in plans}), quarters)
    inputs = vector_scorecards.read(plans, quarters, today or timezone.localdate(), adopted)
    return vector_scorecards.rows(vector_scorecards.collected(inputs))


def reference_rows(plans, quarters, today=None):
    """The reference's rows of the same, with the digests of the facts' engine."""
    batch = Batch(plans, quarters=quarters)
    expected, digests = [], {}
    for quarter in quarters:
        facts = batch.facts(quarter, today=today)
        scored = [one for one in plans if one.pk in facts]
        expected += [row for one in scored for row in _scorecards(one, quarter, facts[one.pk])]
        digests |= {row[:4]: row[-1] for row in vector_scorecards.scorecard_rows(batch, scored, quarter, facts)}
    return sorted((*row, digests[row[:4]]) for row in expected)


def assert_same_rows(plans, quarters, todays):
    """Both for every day of ``todays``; returns how many rows were compared."""
    compared = 0
    for today in todays:
        got, expected = read_rows(plans, quarters, today), reference_rows(plans, quarters, today)
        # repr: Decimal("62.8") and Decimal("62.80") are ==, an int 1 and True too; the rows must not differ at all
        assert [repr(row) for row in got] == [repr(row) for row in expected], today
        compared += len(got)
    return compared


def reference_verdicts(region_ids, quarters):
    """The verdict rows (digest last) as ``scoring.verdict`` gives them one region and
    standard at a time on ``Batch.values``."""
    batch, rows = Batch([], region_ids), []
    for quarter in quarters:
        for region_id, found in batch.values(quarter).items():
            for indicator_set in batch.sets.get(region_id, []):
                own = [value for value in found.values() if value.indicator.indicator_set_id == indicator_set.pk]
                if own:
                    verdict, reason, figures = scoring.verdict(indicator_set, own)
                    points = figures.get("points", {}).get("earned")
                    row = (region_id, indicator_set.pk, quarter.year, quarter.number, verdict, reason[:300], figures,
                           None if points is None else D(points))
                    rows.append((*row, row_digest(row[4:])))
    return sorted(rows, key=lambda row: row[:4])


def assert_same_verdicts(region_ids, quarters):
    got = sorted(vector_verdicts.verdict_rows(vector_verdicts.read_standards(region_ids, quarters)),
                 key=lambda row: row[:4])
    expected = reference_verdicts(region_ids, quarters)
    assert [repr(row) for row in got] == [repr(row) for row in expected]
    return got


# --- scorecards ----------------------------------------------------------------------------------


def test_generated_scale_data_read_as_frames_gives_the_same_rows(monkeypatch):
    # The carrier targets as a frame too, as a national batch reads them (6 regions × 6
    # quarters would be read by their Python rule).
    monkeypatch.setattr(vector_scorecards, "FEW_TARGETS", 0)
    call_command("generate_scale_data", regions=6, quarters=4, stdout=io.StringIO(), stderr=io.StringIO())
    last = Quarter.containing(date.today()).previous()
    quarters = Quarter.range(last.shift(-4), last.next())
    assert assert_same_rows(all_plans(), quarters, [None, *days_around(quarters[-3:])]) > 500
    services.recompute_all(quarters=quarters)  # the indicators' values, which the verdicts are of
    region_ids = sorted(Adoption.objects.values_list("region_id", flat=True))
    assert len(assert_same_verdicts(region_ids, quarters)) >= 6 * 5
    # What was written from the frame (more rows than COPY_MIN_ROWS: on PostgreSQL by COPY of
    # Polars' CSV) reads back as the rows.
    stored = Scorecard.objects.filter(of_quarters(quarters)).values_list(
        "plan", "department", "year", "quarter", "composite", "band", "parts", "running", "leads", "digest")
    assert len(stored) > 500

    def text(row):  # the parts with their keys sorted: PostgreSQL's jsonb keeps them so
        return repr((*row[:6], orjson.dumps(row[6], option=orjson.OPT_SORT_KEYS), *row[7:]))

    assert sorted(map(text, stored)) == sorted(map(text, read_rows(all_plans(), quarters)))


def test_edge_cases_read_as_frames_give_the_same_rows(edges):  # noqa: F811
    """Deadlines to the second (read back from the database: COPY's text on PostgreSQL),
    archived items, returned entries, contributions of another quarter: every quarter at once."""
    quarters = Quarter.range(Quarter(2022, 4), Quarter(2024, 1))
    assert assert_same_rows(all_plans(), quarters, EDGE_DAYS) > 150
    # One quarter alone, as an approval recomputes it, reads only its own rows.
    assert assert_same_rows(all_plans(), [Q2], EDGE_DAYS) > 20


def test_a_plan_without_items_and_a_quarter_outside_the_plans_years(world):
    empty = Plan.objects.create(region=world.district, title="空方案", start_year=2023, end_year=2023)
    TaskNode.objects.create(plan=empty, level=TaskNode.Level.KEY_TASK, position=0, text="重点任务")
    assert read_rows(all_plans(), [Q2, Quarter(2025, 1)]) == reference_rows(all_plans(), [Q2, Quarter(2025, 1)]) == []
    assert read_rows([], [Q2]) == []


def scored_standard(world, lists):
    """A standard judged on points whose indicators 区水利局 leads: each list of
    (awarded, full points) the values of one quarter of 2023, each of an indicator of its own."""
    standard = IndicatorSet.objects.create(code="HALF", version="1", name="分值之和在半数上", min_points=D("1"))
    Adoption.objects.create(region=world.district, indicator_set=standard, since_year=2023)
    quarters, number = [], 0
    for quarter_number, values in enumerate(lists, start=1):
        quarters.append(Quarter(2023, quarter_number))
        for awarded, full in values:
            number += 1
            indicator = Indicator.objects.create(
                indicator_set=standard, number=number, code=f"H{number}", name=f"分值{number}", category="测试",
                kind="guiding", lead_text="区水利局", method="judged", points=D(full))
            computed(world.district, indicator, "met", points=D(awarded), quarter=quarters[-1])
    return quarters


def test_indicators_led_on_a_half_read_as_frames(quarter_of_work, world, monkeypatch):  # noqa: F811
    """Sums of shares of points exactly on a half at the second place: Decimal's rounding
    decides them, in the reference's order."""
    quarters = scored_standard(world, [
        [("1", "0.3"), ("0.1", "12"), ("0.2", "6")],  # 3.375: 3.37 added in Decimal
        [("1", "3"), ("1", "3"), ("1", "3"), ("0.1", "20")],  # 1.005: 1.01
        [("1", "8")],  # 0.125 exactly: rounded up without Decimal
    ])
    assert assert_same_rows(all_plans(), quarters, [date(2024, 1, 31)]) == 3 * 2
    decided = []
    led_total = scoring.led_total
    monkeypatch.setattr(scoring, "led_total", lambda values: decided.append(values) or led_total(values))
    water = {row[3]: row[6]["n"][vector_scorecards.INDICATORS] for row in read_rows(all_plans(), quarters)
             if row[1] == world.water_bureau.pk}
    assert water == {1: "3.37", 2: "1.01", 3: "0.13"}
    assert len(decided) == 2  # the two sums on a half, each added as the reference adds it


# --- verdicts ------------------------------------------------------------------------------------


def test_verdicts_by_group_by_equal_the_reference(computed_q2, world):  # noqa: F811
    """Two standards (one judged on points), in two quarters; values of a standard the
    region no longer adopts left out; an item not applicable; a bottom line without data."""
    _city, county, items = computed_q2
    q3 = Quarter(2023, 3)
    computed(world.district, items["B1"], "incomplete", quarter=q3)
    computed(world.district, items["G1"], "not_applicable", quarter=q3)
    computed(world.district, items["S1"], "incomplete", quarter=q3)  # no points yet: pending
    computed(world.other_district, items["P1"], "met", points=D("0"), quarter=q3)  # not its standard
    got = assert_same_verdicts([world.district.pk, world.other_district.pk], [Q2, q3])
    keys = {row[:4] for row in got}
    assert (world.other_district.pk, county.pk, 2023, 3) not in keys
    assert {(world.district.pk, 2023, 3), (world.other_district.pk, 2023, 2)} <= {(r[0], r[2], r[3]) for r in got}
    by_key = {(row[0], row[1], row[3]): row for row in got}
    points = by_key[(world.district.pk, county.pk, 3)][6]["points"]
    assert points == {"earned": "0", "needed": "60", "possible": "30", "pending": "30"}


def test_figures_list_codes_in_the_standards_order(standards, world):  # noqa: F811
    """Values stored out of the standard's order are listed by the indicators' numbers."""
    city, _county, items = standards
    late = item(city, 0, "G0", name="最先的指标")
    for code in ("G2", "G1", "B1"):
        computed(world.district, items[code], "met")
    computed(world.district, late, "met")
    got = assert_same_verdicts([world.district.pk], [Q2])
    figures = next(row[6] for row in got if row[1] == city.pk)
    assert figures["guiding"]["met"] == ["G0", "G1", "G2"] and figures["bottom_line"]["met"] == ["B1"]


# --- what the recompute writes -------------------------------------------------------------------


def written(monkeypatch):
    """The rows each upsert of the recompute is given (a frame's as tuples), by model name."""
    found = {}

    def counting(write):
        def counted(model, *args, **kwargs):
            rows = args[-1]
            rows = rows.rows() if hasattr(rows, "rows") else rows
            if rows:
                found.setdefault(model.__name__, []).extend(rows)
            return write(model, *args, **kwargs)
        return counted

    monkeypatch.setattr(services, "upsert_rows", counting(services.upsert_rows))
    monkeypatch.setattr(services, "upsert_frame", counting(services.upsert_frame))
    return found


def test_nothing_changed_writes_nothing_and_a_change_writes_its_row(computed_q2, quarter_of_work, world,  # noqa: F811
                                                                   monkeypatch):
    services.scores_compute(world.district, Q2)
    sent = written(monkeypatch)
    assert services.scores_compute(world.district, Q2) == 2
    assert sent == {}
    item = quarter_of_work.items["D"]
    Assignment.objects.filter(node=item).update(department=world.economy_bureau)
    services.scores_compute(world.district, Q2)
    assert sorted(row[1] for row in sent["Scorecard"]) == sorted([world.water_bureau.pk, world.economy_bureau.pk])
    assert "RegionVerdict" not in sent


def test_a_department_no_longer_in_the_plan_loses_its_scorecard_of_the_quarters_recomputed(quarter_of_work,  # noqa: F811
                                                                                           world):
    q3 = Quarter(2023, 3)
    services.scores_compute_regions([world.district.pk], [Q2, q3])
    assert Scorecard.objects.filter(department=world.urban_bureau).count() == 2
    Assignment.objects.filter(department=world.urban_bureau).delete()
    services.scores_compute_regions([world.district.pk], [q3])
    kept = Scorecard.objects.filter(department=world.urban_bureau).values_list("year", "quarter")
    assert list(kept) == [(2023, 2)]  # only the quarter recomputed loses it
    # A quarter outside the plan's years is not the plan's to score: its stored rows stay.
    Scorecard.objects.create(plan=quarter_of_work, department=world.street, year=2024, quarter=1)
    services.scores_compute_regions([world.district.pk], [Quarter(2024, 1)])
    assert Scorecard.objects.filter(department=world.street, year=2024).exists()


def test_a_verdict_without_values_now_is_deleted_and_one_of_a_standard_given_up_kept(computed_q2, world):  # noqa: F811
    city, county, _items = computed_q2
    assert RegionVerdict.objects.filter(region=world.district, year=2023, quarter=2).count() == 2
    ComputedValue.objects.filter(region=world.district, indicator__indicator_set=city).delete()
    Adoption.objects.filter(region=world.district, indicator_set=county).delete()
    services.scores_compute(world.district, Q2)
    # The city's list is still adopted but has no value: its verdict goes. The county standard
    # was given up: its verdict stays as it was.
    assert list(RegionVerdict.objects.filter(region=world.district).values_list("indicator_set", flat=True)) == [
        county.pk]


def test_a_frame_of_nothing_has_its_columns(world):
    import polars as pl

    found = frames.frame(Scorecard.objects.filter(of_quarters([])).values_list("pk", "digest"),
                         {"pk": pl.Int64, "digest": pl.Int64})
    assert found.is_empty() and found.columns == ["pk", "digest"]


def test_written_text_is_what_rows_hold():
    """The composite and the parts as ``written`` gives them as text, for the values the
    Python rows give as a Decimal and a dict: negative means, −0.0, fractions of hundredths."""
    import polars as pl

    cases = [(tenths, negative, hundredths) for tenths in (None, -1005, -10, -1, 0, 1, 9, 10, 628, 1000)
             for negative in (False, True) for hundredths in (-250, -105, -100, -5, 0, 5, 50, 100, 275, 1005, 12340)
             if negative == (tenths is not None and tenths < 0) or tenths == 0]
    columns = {name: [index for index, _case in enumerate(cases)] for name in vector_scorecards.CARD}
    columns |= {"composite": [tenths for tenths, _n, _h in cases], "negative": [n for _t, n, _h in cases],
                "band": ["" for _case in cases], "running": [False for _case in cases], "leads": [1 for _case in cases],
                "digest": [7 for _case in cases]}
    for end in "ndw":
        for number, key in enumerate(vector_scorecards.KEYS):
            columns[f"{key}_{end}"] = [number + 1 for _case in cases]
    columns["indicators_n"] = [hundredths for _t, _n, hundredths in cases]
    cards = pl.DataFrame(columns).with_columns(pl.col("composite").cast(pl.Int64))
    for row, text in zip(vector_scorecards.rows(cards), vector_scorecards.written(cards).iter_rows(), strict=True):
        assert repr(None if text[4] is None else D(text[4])) == repr(row[4])
        assert repr(orjson.loads(text[6])) == repr(row[6])
