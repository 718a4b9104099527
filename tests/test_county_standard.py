"""The county-level standard (水利部《节水型社会评价标准（试行）》) as data, and the demo that
judges 武隆 and 黔江 under it: loaded through the import service, every item valid, 100
points with a pass at 90, its source recorded; figures up to the current quarter, a board of
points won and lost, and a second load that writes nothing."""

from collections import Counter
from datetime import datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps

from core.periods import Quarter
from demo import catalogue as catalogue_demo
from demo import county_standard, county_standard_data
from demo import regions as org_demo
from indicators.models import (
    Adoption,
    ChecklistAnswer,
    ComputedValue,
    DataReport,
    DataValue,
    Judgement,
    ReferenceValue,
    UtilityFigures,
)
from indicators.scoring_rules import award
from org.models import Region, User
from reports.models import RegionVerdict
from reports.services import scores_compute
from tests.helpers import kept_for_module

# A day in the third quarter of 2025: the current quarter is 2025Q3, the last finished 2025Q2.
TODAY = datetime(2025, 8, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LAST_FINISHED = Quarter(2025, 2)


@pytest.fixture
def catalogue(regions):
    catalogue_demo.load_catalogue()


@pytest.fixture
def standard(catalogue):
    return county_standard.load_standard()


@pytest.fixture(scope="module")
def _loaded_once(django_db_setup, django_db_blocker):
    """The demo's regions, the city list with 黔江's statistics, and the county standard
    with its figures, on ``TODAY``, once for the module's tests (each test's own changes are
    rolled back as usual)."""
    with kept_for_module(django_db_blocker):
        org_demo.load(password="pw-for-tests-1")
        with time_machine.travel(TODAY, tick=False):
            catalogue_demo.load(password="pw-for-tests-1")
            yield county_standard.load(password="pw-for-tests-1")


@pytest.fixture
def loaded(_loaded_once, db):
    """As ``_loaded_once``; a reporter of 武隆's 经济信息委 (the demo gives each department its
    reporter) existed before the standard was loaded."""
    regions = {"wulong": Region.objects.get(code="500156"), "qianjiang": Region.objects.get(code="500114")}
    return {**regions, "clerk": User.objects.get(username="wulong_jxw"), "summary": _loaded_once}


def items(indicator_set):
    return {indicator.code: indicator for indicator in indicator_set.indicators.all()}


# --- the standard ----------------------------------------------------------------------------------


def test_the_county_standard_is_valid_sums_to_100_passes_at_90_and_records_its_source(standard):
    found = items(standard)
    assert len(found) == 21
    for indicator in found.values():
        indicator.full_clean()
    assert standard.full_points == D("100") and standard.min_points == D("90") and standard.is_scored
    assert "水资源〔2017〕184号" in standard.source
    assert standard.source_note.startswith("未能取得《节水型社会评价标准（试行）》原文，本标准为整理重建")
    assert "武隆府办发〔2019〕78号" in standard.source_note
    (prerequisite,) = [i for i in found.values() if i.kind == "bottom_line"]
    assert (prerequisite.name, prerequisite.points, prerequisite.target) == (
        "用水总量", D("0"), {"kind": "quota", "reference": "WATER_QUOTA"})
    scored = [i for i in found.values() if i.kind == "guiding"]
    assert len(scored) == 20 and len({i.category for i in scored}) == 11


def test_the_county_standard_uses_every_rule_shape(standard):
    found = items(standard)
    kinds = Counter(indicator.scoring.get("kind", "all") for indicator in found.values())
    assert kinds["all"] >= 1 and kinds["steps"] >= 1 and kinds["per_unit"] >= 2 and kinds["judged"] == 2
    assert {i.code for i in found.values() if i.method == "judged"} == {"MANAGEMENT_BODY", "PUBLICITY"}
    assert found["LEAKAGE"].method == "leakage" and found["LEAKAGE"].scoring == {
        "kind": "per_unit", "better": "lower", "line": "10", "at_line": "6", "unit": "1", "bonus": "2",
        "bonus_cap": "4", "worse": "zero"}
    assert found["LEAKAGE"].scoring_text == "达到标准得6分，每降低1%加2分，降低2%以上加4分；高于标准不得分"
    assert found["GDP_WATER_FALL"].scoring["measure"] == "fall"
    assert found["GDP_WATER_FALL"].scoring["penalty"] == "2"
    assert found["ENTERPRISE_CARRIER_RATE"].formula == "CARRIER_ENTERPRISE_WATER / IND_NEW_WATER * 100"
    # Totals and rates are judged on the year; checklists and experts' items each quarter.
    assert {i.code for i in found.values() if i.annual} == {
        i.code for i in found.values() if i.method in ("formula", "leakage")}


def test_the_county_standards_rules_worked_by_hand(standard):
    found = items(standard)

    def points(code, **given):
        indicator = found[code]
        return award(indicator.scoring, full=indicator.points, name=indicator.name, unit=indicator.unit,
                     **given).points

    # 万元GDP用水量 30 → 28.7: a fall of 1.3 / 30 = 4.33 %, 0.67 points short of 5 %; a started
    # point counts as one: 6 − 2 = 4. 30 → 28.5 is exactly 5 %: 6. 30 → 29.1 (3 %): 2 short, 2.
    assert points("GDP_WATER_FALL", value=D("28.7"), previous=D("30")) == D("4.0")
    assert points("GDP_WATER_FALL", value=D("28.5"), previous=D("30")) == D("6.0")
    assert points("GDP_WATER_FALL", value=D("29.1"), previous=D("30")) == D("2.0")
    # 万元工业增加值用水量 20 → 19: 5 % falls on the 5–8 % step (4); 20 → 19.01, 4.95 %: the 3–5 % step (2);
    # 20 → 18.4, 8 %: the top step (6); 20 → 19.5, 2.5 %: below every step (0).
    assert points("IND_WATER_FALL", value=D("19"), previous=D("20")) == D("4.0")
    assert points("IND_WATER_FALL", value=D("19.01"), previous=D("20")) == D("2.0")
    assert points("IND_WATER_FALL", value=D("18.4"), previous=D("20")) == D("6.0")
    assert points("IND_WATER_FALL", value=D("19.5"), previous=D("20")) == D("0.0")
    # Leakage 8.6 %: 1.4 below 10, one whole point: 6 + 2. 7.9 %: two points, capped at +4. 10.01 %: 0.
    assert points("LEAKAGE", value=D("8.6")) == D("8.0")
    assert points("LEAKAGE", value=D("7.9")) == D("10.0")
    assert points("LEAKAGE", value=D("10")) == D("6.0")
    assert points("LEAKAGE", value=D("10.01")) == D("0.0")
    # 计划用水覆盖率 81 %: 9 below 90, one whole 5 %: 6 − 1. 79 %: 11 below, two: 4.
    assert points("PLANNED_USE_COVERAGE", value=D("81")) == D("5.0")
    assert points("PLANNED_USE_COVERAGE", value=D("79")) == D("4.0")
    assert points("FIXTURE_RATE", status="not_met", value=D("98.6")) == D("0.0")
    assert points("PUBLICITY", judgement=(D("7"), "专家组意见")) == D("7.0")


# --- the demo --------------------------------------------------------------------------------------


def test_both_districts_adopt_it_and_wulong_has_figures_up_to_the_current_quarter(loaded):
    wulong, qianjiang = loaded["wulong"], loaded["qianjiang"]
    standard = Adoption.objects.get(region=wulong).indicator_set
    assert standard.code == county_standard_data.CODE
    assert Adoption.objects.get(region=wulong, indicator_set=standard).since_year == 2019
    assert Adoption.objects.get(region=qianjiang, indicator_set=standard).since_year == 2022
    assert Adoption.objects.filter(region=qianjiang).count() == 2  # beside the city list
    reports = DataReport.objects.filter(region=wulong)
    assert {(r.year, r.quarter) for r in reports} == {(q.year, q.number) for q in
                                                     Quarter.range(Quarter(2019, 1), Quarter(2025, 3))}
    current = reports.filter(year=2025, quarter=3)
    assert {r.state for r in current} == {"submitted"} and not any(r.reviewed_by for r in current)
    finished = reports.exclude(year=2025, quarter=3)
    assert {r.state for r in finished} == {"approved"}
    assert {r.reviewed_by.username for r in finished} == {"wulong_reviewer"}
    economy = finished.filter(department__short_name="区经济信息委")
    assert economy.exists() and {r.submitted_by for r in economy} == {loaded["clerk"]}
    urban = finished.filter(department__short_name="区城管局")
    assert {r.submitted_by.username for r in urban} == {"wulong_cgj"}
    water = finished.filter(department__short_name="区水利局")
    # 区水利局 has its own reporter too: the reviewer approves, never what it submitted itself.
    assert {r.submitted_by.username for r in water} == {"wulong_slj"} and not any(r.self_reviewed for r in water)
    assert not reports.filter(year__gte=2026).exists()


def test_year_to_date_figures_grow_through_the_year_and_the_quota_is_set_each_year(loaded):
    wulong = loaded["wulong"]

    def value(code, year, number):
        return DataValue.objects.get(region=wulong, element__code=code, year=year, quarter=number).value

    water = [value("TOTAL_WATER", 2024, n) for n in range(1, 5)]
    assert water == sorted(water) and water[0] < water[3]
    assert value("TOTAL_WATER", 2024, 2) == (water[3] * D("0.48")).quantize(D("0.01"))
    # A state at the quarter's end moves from last year-end to this one; a yearly measurement
    # keeps last year's until the fourth quarter.
    assert value("HOUSEHOLDS", 2023, 4) < value("HOUSEHOLDS", 2024, 2) < value("HOUSEHOLDS", 2024, 4)
    assert value("IRRIGATION_COEFF", 2024, 3) == value("IRRIGATION_COEFF", 2023, 4) < value("IRRIGATION_COEFF", 2024, 4)
    quotas = ReferenceValue.objects.filter(code="WATER_QUOTA", region=wulong)
    assert sorted(quotas.values_list("year", flat=True)) == list(range(2019, 2026))
    assert all(value("TOTAL_WATER", q.year, 4) < q.value for q in quotas.filter(year__lte=2024))
    utilities = UtilityFigures.objects.filter(region=wulong, year=2024, quarter=4)
    assert sorted(u.utility for u in utilities) == ["仙女山镇供水站", "武隆区自来水有限公司"]
    assert {u.report.department.short_name for u in utilities} == {"区城管局"}


def test_wulongs_last_finished_quarter_has_a_score_and_a_verdict_with_points_won_and_lost(loaded):
    wulong = loaded["wulong"]
    standard = Adoption.objects.get(region=wulong).indicator_set
    with time_machine.travel(TODAY, tick=False):
        scores_compute(wulong, LAST_FINISHED)
    verdict = RegionVerdict.objects.get(region=wulong, indicator_set=standard, year=2025, quarter=2)
    values = {v.indicator.code: v for v in ComputedValue.objects.filter(
        region=wulong, indicator__indicator_set=standard, year=2025, quarter=2).select_related("indicator")}
    assert len(values) == 21 and all(v.points is not None for v in values.values()), {
        code: v.award for code, v in values.items() if v.points is None}
    assert verdict.points == sum(v.points for v in values.values())
    assert verdict.verdict == "not_met" and verdict.points < 90 and "90" in verdict.reason
    full = [v for v in values.values() if v.indicator.points and v.points == v.indicator.points]
    none = [v for v in values.values() if v.indicator.points and v.points == 0]
    assert full and none
    # A step rule earning its middle step, a per-unit rule losing points, and the two items
    # judged by experts answered with the experts' reasons.
    assert values["IND_WATER_FALL"].points == D("4.0") and "达到5%" in values["IND_WATER_FALL"].award
    assert values["GDP_WATER_FALL"].points == D("4.0") and "扣2分" in values["GDP_WATER_FALL"].award
    # 计划用水覆盖率 in 2024 (carried into 2025's first quarters): 79.5 %, 10.5 below 90, two whole 5 %: 6 − 2.
    assert values["PLANNED_USE_COVERAGE"].points == D("4.0") and "扣2分" in values["PLANNED_USE_COVERAGE"].award
    judged = Judgement.objects.filter(region=wulong, year=2024, quarter=4)
    assert {j.indicator.code for j in judged} == {"MANAGEMENT_BODY", "PUBLICITY"}
    for code in ("MANAGEMENT_BODY", "PUBLICITY"):
        value = values[code]
        assert D("0") < value.points < value.indicator.points and "专家组意见" in value.award


def test_qianjiang_gets_only_what_the_county_standard_adds_in_its_departments_reports(loaded):
    qianjiang = loaded["qianjiang"]
    gdp = DataValue.objects.get(region=qianjiang, element__code="GDP", year=2023, quarter=1)
    water = DataValue.objects.get(region=qianjiang, element__code="TOTAL_WATER", year=2023, quarter=1)
    assert gdp.report == water.report  # the city list's report of the water bureau, not a second one
    added = set(DataValue.objects.filter(region=qianjiang, year=2023, quarter=1).values_list("element__code",
                                                                                            flat=True))
    assert {e["code"] for e in county_standard_data.ELEMENTS} <= added
    assert ChecklistAnswer.objects.filter(report__region=qianjiang, indicator__code="QUOTA_MANAGEMENT").exists()
    assert Judgement.objects.filter(region=qianjiang, indicator__code="PUBLICITY").exists()
    assert not DataValue.objects.filter(region=qianjiang, year=2021).exists()


def test_loading_the_county_standard_twice_writes_nothing(loaded):
    def counts():
        return {model._meta.label: model.objects.count() for model in apps.get_models()
                if model._meta.app_label in ("indicators", "core", "org", "reports")}

    before = counts()
    with time_machine.travel(TODAY, tick=False):
        summary = county_standard.load(password="pw-for-tests-1")
    assert counts() == before
    assert "no new figures" in summary and "no new figures" not in loaded["summary"]


def test_checklists_are_answered_each_quarter_with_evidence_for_each_yes(loaded):
    wulong = loaded["wulong"]
    answers = ChecklistAnswer.objects.filter(report__region=wulong, indicator__code="PROGRESSIVE_PRICING", item=1)
    assert answers.count() == 27  # 2019Q1–2025Q3
    assert {a.answer for a in answers.filter(report__year__lt=2022)} == {False}
    assert {a.answer for a in answers.filter(report__year__gte=2022)} == {True}
    assert all(a.evidence.count() == 1 for a in answers.filter(answer=True))
    assert all(a.note for a in answers)
