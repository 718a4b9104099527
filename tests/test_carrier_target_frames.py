"""``carriers.target_frames.targets_frame`` (the carrier targets' progress as a frame, for the
scores recompute) gives what ``selectors.targets_progress_on`` gives — as_of, built, base,
count_met, rate_met and met per target and quarter — on the demo's registry and on the edges
the demo lacks; ``reports.vector_scorecards._read_carriers`` gives the same per department
from either; and ``coverage_frames.built_on`` is ``Carrier.built_on``."""

from datetime import date, timedelta
from decimal import Decimal

import polars as pl
import pytest

from carriers.coverage_frames import built_on
from carriers.models import Carrier, CarrierTarget, WaterUser
from carriers.selectors import targets_progress_on
from carriers.target_frames import SCHEMA, targets_frame
from core.periods import Quarter
from demo import catalogue as indicator_demo
from demo import regions as org_demo
from demo import registry as carrier_demo
from org.models import Region
from reports import vector_scorecards

pytestmark = pytest.mark.django_db

Q1, Q2, Q3 = Quarter(2023, 1), Quarter(2023, 2), Quarter(2023, 3)
QUARTERS = Quarter.range(Quarter(2022, 3), Quarter(2024, 2))


def reference(region_ids, quarters):
    """{(target, year, quarter): (region, department, as_of, built, base, count_met, rate_met, met)}
    as the pages' rule gives them."""
    moments = targets_progress_on(region_ids, [(q.year, q.last_day) for q in quarters])
    return {(p.target.pk, q.year, q.number): (region_id, p.target.department_id, p.as_of, p.built, p.base,
                                              p.count_met, p.rate_met, p.met)
            for q in quarters for region_id, found in moments[(q.year, q.last_day)].items() for p in found}


def assert_same(region_ids, quarters):
    """targets_frame against the rule, every target and quarter; returns the rows."""
    frame = targets_frame(region_ids, quarters).collect()
    assert frame.schema == pl.Schema(SCHEMA)
    found = {(target_id, year, number): (region_id, department_id, *rest)
             for target_id, region_id, department_id, year, number, *rest in frame.iter_rows()}
    assert len(found) == frame.height, "a row given twice"
    expected = reference(region_ids, quarters)
    # repr: an int 1 and True are ==, None and False are not the same either
    differ = [(key, expected.get(key), found.get(key)) for key in sorted(set(expected) | set(found))
              if repr(expected.get(key)) != repr(found.get(key))]
    assert not differ, "\n".join(map(repr, differ[:6]))
    return expected


def per_department(region_ids, quarters, monkeypatch, few):
    """``_read_carriers`` collected and sorted, with ``FEW_TARGETS`` at ``few``."""
    monkeypatch.setattr(vector_scorecards, "FEW_TARGETS", few)
    found = vector_scorecards._read_carriers(region_ids, quarters).collect()
    return found.sort(vector_scorecards._HOLDER)


def assert_same_per_department(region_ids, quarters, monkeypatch):
    """What the scorecards read of the targets, through the frame and through the rule."""
    framed, ruled = (per_department(region_ids, quarters, monkeypatch, few) for few in (0, 10**9))
    assert framed.schema == ruled.schema
    assert framed.equals(ruled)
    return framed


# --- the demo ----------------------------------------------------------------------------------


def test_the_demo_registry(db, monkeypatch):
    org_demo.load(password="pw-for-tests-1")
    indicator_demo.load(password="")
    carrier_demo.load(password="")
    region_ids = sorted(Region.objects.values_list("pk", flat=True))  # most without targets
    quarters = Quarter.range(Quarter(2018, 1), Quarter(2026, 4))
    found = assert_same(region_ids, quarters)
    assert len(found) == 4 * 4  # four targets, each in the four quarters of its year
    assert {row[-1] for row in found.values()} == {True, False}
    assert {row[-2] for row in found.values()} == {None, True, False}  # rates met, missed, and none asked
    assert any(row[2] < Quarter(year, number).last_day for (_t, year, number), row in found.items())  # due earlier
    assert assert_same_per_department(region_ids, quarters, monkeypatch).height == 4 * 4  # a department each


# --- cases the demo lacks ----------------------------------------------------------------------


def users(region, kind, count, prefix):
    return [WaterUser.objects.create(region=region, name=f"{prefix}{number}", kind=kind)
            for number in range(1, count + 1)]


def carrier(region, carrier_type, accepted_on, *, user=None, entity_name="", level="county", status="published",
            ended_on=None):
    return Carrier.objects.create(region=region, user=user, entity_name=entity_name, carrier_type=carrier_type,
                                  level=level, status=status, accepted_on=accepted_on, ended_on=ended_on)


def target(region, carrier_type, *, year=2023, department=None, **asked):
    return CarrierTarget.objects.create(region=region, year=year, carrier_type=carrier_type, department=department,
                                        **asked)


@pytest.fixture
def edge_targets(world):
    """The district's eight enterprises (the base of the enterprise rate), their carriers and
    targets each on an edge; the other district's carriers and a target of its own."""
    district = world.district
    e1, e2, e3, e4, e5, e6, e7, e8 = users(district, "industry", 8, "企业")
    carrier(district, "enterprise", Q2.last_day, user=e1)  # accepted on a quarter's last day: built on it
    carrier(district, "enterprise", date(2022, 1, 1), user=e2, status="revoked", ended_on=Q1.last_day)  # ended then
    carrier(district, "enterprise", date(2022, 3, 1), user=e3)  # one user at two levels: counted once
    carrier(district, "enterprise", date(2023, 2, 1), user=e3, level="city")
    carrier(district, "enterprise", date(2022, 12, 31), user=e4)  # not new in 2023
    carrier(district, "enterprise", date(2023, 1, 10), user=e5, status="creating")  # dated, not accepted
    carrier(district, "enterprise", date(2022, 5, 1), user=e6, status="failed_recheck")  # ended, no date
    carrier(district, "enterprise", date(2022, 5, 1), user=e7, status="failed_recheck", ended_on=date(2023, 7, 1))
    carrier(district, "enterprise", date(2023, 5, 15), user=e8, level="province")  # on a target's due date
    carrier(district, "enterprise", None, user=e8, status="creating")  # not accepted: not read
    # Named entities: one name at two levels counted once; a user's carrier that also has a
    # name counted as the user; a name that reads as a user's id is still a name.
    carrier(district, "leader", date(2023, 2, 1), entity_name="甲产品")
    carrier(district, "leader", date(2023, 3, 1), entity_name="甲产品", level="city")
    carrier(district, "leader", date(2023, 8, 1), entity_name="乙产品")
    carrier(district, "leader", date(2023, 1, 5), entity_name=str(e1.pk))
    carrier(district, "leader", date(2023, 1, 5), user=e1, entity_name="甲产品", level="national")
    carrier(district, "leader", date(2023, 9, 30), entity_name="丙产品", status="revoked", ended_on=date(2023, 9, 30))
    # The other district: its carriers count for its own target only.
    other = world.other_district
    for user in users(other, "services", 2, "服务"):
        carrier(other, "enterprise", date(2023, 1, 1), user=user)
    water, economy = world.water_bureau, world.economy_bureau
    made = {
        "count": target(district, "enterprise", min_count=3, department=water),
        "new": target(district, "enterprise", min_count=2, new_in_year=True, department=economy),
        "on_rate": target(district, "enterprise", min_rate=Decimal("37.50"), department=economy),
        "above_rate": target(district, "enterprise", min_rate=Decimal("37.51"), department=economy),
        "due": target(district, "enterprise", min_count=4, due_on=date(2023, 5, 15), department=water),
        "both": target(district, "enterprise", min_count=5, min_rate=Decimal("50"), department=water),
        "own_base_zero": target(district, "enterprise", min_rate=Decimal("10"), rate_base=0, department=water),
        "no_users": target(district, "community", min_rate=Decimal("5"), rate_base=0, department=world.urban_bureau),
        "no_rate": target(district, "education_base", min_rate=Decimal("50"), department=world.urban_bureau),
        "third": target(district, "leader", min_rate=Decimal("33.33"), rate_base=9, department=world.street),
        "over_third": target(district, "leader", min_rate=Decimal("33.34"), rate_base=9, department=world.street),
        "entities": target(district, "leader", min_count=4, department=world.street),
        "no_department": target(district, "enterprise", min_count=1),
        "next_year": target(district, "enterprise", min_count=1, year=2024, department=water),
        "long_ago": target(district, "enterprise", min_count=1, year=2021, department=water),
        "other": target(other, "enterprise", min_count=2, department=world.other_water_bureau),
    }
    return {name: made.pk for name, made in made.items()}


def test_the_edges(edge_targets, world, monkeypatch):
    region_ids = [world.city.pk, world.district.pk, world.other_district.pk]
    found = assert_same(region_ids, QUARTERS)
    assert not any(key[0] == edge_targets["long_ago"] for key in found)

    def at(name, quarter):
        _region, _department, as_of, built, base, count_met, rate_met, met = found[
            (edge_targets[name], quarter.year, quarter.number)]
        return as_of, built, base, count_met, rate_met, met

    # Q1's end: e2 ended that day, e1 not yet accepted; e3 (twice), e4 and e7 built: 3 of 8.
    assert at("count", Q1) == (Q1.last_day, 3, 8, True, None, True)
    assert at("new", Q1)[1:] == (1, 8, False, None, False)  # e3's carrier of 2023 only; e4's of 31 Dec 2022 not
    assert at("on_rate", Q1)[1:] == (3, 8, None, True, True)  # 37.5 % exactly
    assert at("above_rate", Q1)[1:] == (3, 8, None, False, False)
    # Q2's end: e1 (accepted that day) and e8; the due target as of its due date, e8 accepted then.
    assert at("count", Q2)[:2] == (Q2.last_day, 5)
    assert at("due", Q2) == (date(2023, 5, 15), 4, 8, True, None, True)
    assert at("due", Q3)[:2] == (date(2023, 5, 15), 4)
    assert at("both", Q2)[1:] == (5, 8, True, True, True)
    assert at("both", Q3)[1:] == (4, 8, False, True, False)  # e7 failed its re-check on 1 July
    assert at("own_base_zero", Q1)[2:] == (8, None, True, True)  # a base of 0 given: the users' count
    assert at("no_users", Q1)[1:] == (0, 0, None, False, False)
    assert at("no_rate", Q1)[1:] == (0, None, None, False, False)
    # 甲产品 twice, e1 (not as 甲产品), the entity named like e1's id, 乙产品 from Q3: 3 then 4 of 9.
    assert at("third", Q2)[1:] == (3, 9, None, True, True)  # 33.333… % against 33.33
    assert at("over_third", Q2)[1:] == (3, 9, None, False, False)
    assert at("entities", Q3)[1:4] == (4, None, True)  # 丙产品 ended on the day it would count
    assert at("other", Q1)[1:4] == (2, 2, True)  # its own two service users only
    assert at("next_year", Quarter(2024, 1))[:2] == (Quarter(2024, 1).last_day, 4)  # e1, e3, e4, e8
    framed = assert_same_per_department(region_ids, QUARTERS, monkeypatch)
    key = (world.district.pk, world.water_bureau.pk, 2023, 3)
    row = framed.filter(*(pl.col(name) == value for name, value in zip(vector_scorecards._HOLDER, key, strict=True)))
    assert row.select("carriers_n", "carriers_d").row(0) == (3, 4)  # count, due, own_base_zero met; both not
    assert not framed.filter(pl.col("department_id").is_null()).height


def test_one_quarter_and_nothing(edge_targets, world, monkeypatch):
    """A quarter alone; no quarter; no region; a region without targets."""
    assert_same([world.district.pk], [Q2])
    assert_same_per_department([world.district.pk], [Q2], monkeypatch)
    assert targets_frame([world.district.pk], []).collect().is_empty()
    assert targets_frame([], QUARTERS).collect().is_empty()
    assert assert_same([world.city.pk], QUARTERS) == {}
    assert assert_same_per_department([world.city.pk], QUARTERS, monkeypatch).is_empty()


def test_few_regions_are_read_by_the_rule(edge_targets, world, monkeypatch):
    """An approval's recompute (one region, a quarter or two) does not pay the frame's fixed cost."""
    def framed(*args):
        raise AssertionError("read as a frame")

    monkeypatch.setattr(vector_scorecards, "targets_frame", framed)
    assert vector_scorecards._read_carriers([world.district.pk], [Q1, Q2]).collect().height > 0


def test_built_on_as_columns_is_the_models_rule():
    day = date(2023, 6, 30)
    days = [None, day - timedelta(days=1), day, day + timedelta(days=1)]
    cases = [(status, accepted_on, ended_on) for status in Carrier.Status.values for accepted_on in days
             for ended_on in days]
    rows = pl.DataFrame(cases, schema={"status": pl.String, "accepted_on": pl.Date, "ended_on": pl.Date},
                        orient="row")
    got = rows.select(built_on(pl.lit(day)).alias("built"))["built"].to_list()
    expected = [Carrier(status=status, accepted_on=accepted_on, ended_on=ended_on).built_on(day)
                for status, accepted_on, ended_on in cases]
    assert got == expected and True in got
