"""The indicator engine under a standard judged on points: each item's points and words
from its rule, experts' judgements, the pass rule said in points, annual items that keep
last year's judgement before the fourth quarter, national figures as published by the
quarter's end, every leakage term in the lineage, and a region under two standards."""

from datetime import date
from decimal import Decimal as D

import pytest

from core.periods import Quarter
from indicators.models import (
    Adoption,
    ComputedValue,
    DataElement,
    Indicator,
    IndicatorSet,
    Judgement,
    ReferenceValue,
)
from indicators.services import compute_region_quarter, recompute
from reports.models import RegionVerdict
from reports.services import scores_compute

from .helpers import enter_figures, enter_utility

Q3, Q4 = Quarter(2025, 3), Quarter(2025, 4)


@pytest.fixture
def county_standard(world):
    """Five items of 100 points, pass at 90: a prerequisite on the quota (all or nothing,
    40), a step rule (30), a per-unit rule (20), an item judged by experts (10)."""
    for code, name, unit in [("PT_TOTAL", "用水总量", "万m³"), ("PT_CARRIER", "节水型企业数", "家"),
                             ("PT_ENTERPRISES", "重点用水企业数", "家"), ("PT_REUSE", "工业用水重复利用率", "%")]:
        DataElement.objects.create(code=code, name=name, unit=unit, cumulative=code == "PT_TOTAL")
    ReferenceValue.objects.create(code="PT_QUOTA", name="用水总量控制指标", region=world.district, year=2025,
                                  value=D("3000"))
    standard = IndicatorSet.objects.create(code="COUNTY_TEST", version="2017", name="县域节水型社会评价标准（测试）",
                                           source="水资源〔2017〕184号", min_points=D("90"))

    def item(number, code, name, kind, points, **fields):
        return Indicator.objects.create(indicator_set=standard, number=number, code=code, name=name, category="测试",
                                        kind=kind, points=points, lead_text="区水利局", **fields)

    item(1, "PT_TOTAL_USE", "用水总量", "bottom_line", 40, formula="PT_TOTAL",
         target={"kind": "quota", "reference": "PT_QUOTA"}, unit="万m³")
    item(2, "PT_CARRIERS", "节水型企业建成率", "guiding", 30, formula="PT_CARRIER / PT_ENTERPRISES * 100", unit="%",
         target={"kind": "bound", "op": "ge", "value": "15"},
         scoring={"kind": "steps", "better": "higher", "steps": [
             {"from": "5", "to": "10", "points": "10"}, {"from": "10", "to": "15", "points": "20"},
             {"from": "15", "points": "30"}]})
    item(3, "PT_REUSE_RATE", "工业用水重复利用率", "guiding", 20, formula="PT_REUSE", unit="%",
         target={"kind": "bound", "op": "ge", "value": "75"},
         scoring={"kind": "per_unit", "line": "75", "better": "higher", "at_line": "20", "unit": "5",
                  "penalty": "4", "floor": "0"})
    item(4, "PT_PUBLICITY", "节水宣传教育", "guiding", 10, method="judged", scoring={"kind": "judged"})
    Adoption.objects.create(region=world.district, indicator_set=standard, since_year=2025)
    return standard


def stored(region, quarter, standard):
    rows = ComputedValue.objects.filter(region=region, year=quarter.year, quarter=quarter.number,
                                        indicator__indicator_set=standard).select_related("indicator")
    return {row.indicator.code: row for row in rows}


def test_each_item_earns_its_points_in_words_and_the_verdict_counts_them(world, county_standard, reviewer):
    # 12 of 100 enterprises: the 10–15 % step, 20 of 30. Reuse 66 %: 9 below the line,
    # one whole unit of 5, 4 off 20 → 16. Total within quota: 40. Not judged yet: open.
    enter_figures(world.district, Q4, PT_TOTAL=2950, PT_CARRIER=12, PT_ENTERPRISES=100, PT_REUSE=66)
    compute_region_quarter(world.district, Q4, county_standard)
    found = stored(world.district, Q4, county_standard)
    assert (found["PT_TOTAL_USE"].points, found["PT_TOTAL_USE"].award) == (D("40"), "达到要求，得40分")
    assert found["PT_CARRIERS"].points == D("20")
    assert found["PT_CARRIERS"].award == "节水型企业建成率12%，达到10%，得20分"
    assert found["PT_REUSE_RATE"].points == D("16")
    assert found["PT_REUSE_RATE"].award == "工业用水重复利用率66%，低于标准75%共9%，扣4分，得16分"
    assert found["PT_CARRIERS"].lineage["scoring"]["full"] == "30.0"
    assert found["PT_PUBLICITY"].points is None and found["PT_PUBLICITY"].award == "待专家评分"
    scores_compute(world.district, Q4)
    verdict = RegionVerdict.objects.get(region=world.district, indicator_set=county_standard, year=2025, quarter=4)
    # 76 earned, 10 still open: even full marks for it would leave 86 < 90.
    assert verdict.verdict == "not_met" and verdict.points == D("76")
    assert verdict.reason == "得分76分，少于要求的90分，差14分"
    assert verdict.figures["points"] == {"earned": "76", "needed": "90", "possible": "100", "pending": "10"}


def test_an_experts_judgement_counts_from_its_quarter_on(world, county_standard, reviewer):
    enter_figures(world.district, Q3, PT_TOTAL=2100, PT_CARRIER=16, PT_ENTERPRISES=100, PT_REUSE=80)
    enter_figures(world.district, Q4, PT_TOTAL=2950, PT_CARRIER=16, PT_ENTERPRISES=100, PT_REUSE=80)
    publicity = county_standard.indicators.get(code="PT_PUBLICITY")
    Judgement.objects.create(region=world.district, indicator=publicity, year=2025, quarter=3, points=D("8"),
                             reason="开展世界水日、中国水周宣传，缺少进校园活动", judged_by=reviewer)
    recompute(regions=[world.district], quarters=[Q3, Q4], indicator_set=county_standard)
    for quarter in (Q3, Q4):
        judged = stored(world.district, quarter, county_standard)["PT_PUBLICITY"]
        assert judged.points == D("8") and judged.status == "not_met"
        assert judged.award == "专家评分8分：开展世界水日、中国水周宣传，缺少进校园活动"
        assert judged.lineage["judgement"]["quarter"] == "2025Q3"
        assert judged.lineage["judgement"]["by"] == str(reviewer)  # the lineage names who judged
    scores_compute(world.district, Q4)
    verdict = RegionVerdict.objects.get(region=world.district, indicator_set=county_standard, year=2025, quarter=4)
    assert verdict.verdict == "met" and verdict.points == D("98")  # 40 + 30 + 20 + 8
    assert verdict.reason == "底线指标全部达标，得分98分（要求不少于90分）"


def test_the_prerequisite_vetoes_whatever_the_points(world, county_standard):
    enter_figures(world.district, Q4, PT_TOTAL=3000.01, PT_CARRIER=20, PT_ENTERPRISES=100, PT_REUSE=90)
    compute_region_quarter(world.district, Q4, county_standard)
    scores_compute(world.district, Q4)
    verdict = RegionVerdict.objects.get(region=world.district, indicator_set=county_standard, year=2025, quarter=4)
    assert verdict.verdict == "not_met" and verdict.reason == "底线指标未达标：用水总量"
    assert verdict.points == D("50")  # the points still show: 0 + 30 (20 %) + 20 (90 %), judged item open


def test_an_annual_item_keeps_last_years_judgement_until_the_fourth_quarter(world, county_standard):
    reuse = county_standard.indicators.get(code="PT_REUSE_RATE")
    reuse.annual = True
    reuse.save()
    enter_figures(world.district, Quarter(2024, 4), PT_REUSE=70)  # 2024: 4 below one unit → 16
    for number, value in ((1, 60), (2, 72), (3, 78)):  # this year's figures go up and down
        enter_figures(world.district, Quarter(2025, number), PT_REUSE=value)
    enter_figures(world.district, Q4, PT_REUSE=80)
    quarters = [Quarter(2024, 4), *[Quarter(2025, n) for n in range(1, 5)]]
    recompute(regions=[world.district], quarters=quarters, indicator_set=county_standard)
    for number, value in ((1, "60"), (2, "72"), (3, "78")):
        row = stored(world.district, Quarter(2025, number), county_standard)["PT_REUSE_RATE"]
        assert row.value == D(value) and row.status == "not_met" and row.points == D("16")
        assert row.explanation.startswith(f"年内累计{value}%（进度，不作评定）；评定沿用2024年全年：")
        assert row.award.startswith("沿用2024年全年：") and row.lineage["annual"]["from"] == "2024Q4"
    year_end = stored(world.district, Q4, county_standard)["PT_REUSE_RATE"]
    assert year_end.status == "met" and year_end.points == D("20") and "annual" not in year_end.lineage


def test_a_national_figure_counts_from_its_publication(world):
    DataElement.objects.create(code="NR_VALUE", name="万元工业增加值用水量", unit="m³/万元")
    for year, value, published in ((2022, "24.1", None), (2023, "24.3", date(2024, 8, 15))):
        ReferenceValue.objects.create(code="NR_NATIONAL", name="全国平均值", year=year, value=D(value),
                                      published_on=published, source="中国水资源公报")
    standard = IndicatorSet.objects.create(code="NR", version="1", name="参考值测试")
    Indicator.objects.create(indicator_set=standard, number=1, code="NR_1", name="万元工业增加值用水量",
                             category="测试", kind="guiding", formula="NR_VALUE", lead_text="区水利局",
                             target={"kind": "relative", "op": "lt", "factor": "0.5", "reference": "NR_NATIONAL"})
    Adoption.objects.create(region=world.district, indicator_set=standard, since_year=2024)
    for quarter, year in ((Quarter(2023, 4), 2022), (Quarter(2024, 2), 2022), (Quarter(2024, 3), 2023)):
        enter_figures(world.district, quarter, NR_VALUE="12.1")
        row = compute_region_quarter(world.district, quarter, standard)[0]
        assert row.lineage["references"]["NR_NATIONAL"]["year"] == year, quarter
    # 2024Q3 ends after the 2023 公报 came out (15 August 2024): half of 24.3 is 12.15, so 12.1
    # passes; 2024Q2 still compares with 2022's 24.1: 12.1 ≥ 12.05 fails.
    assert compute_region_quarter(world.district, Quarter(2024, 3), standard)[0].status == "met"
    assert compute_region_quarter(world.district, Quarter(2024, 2), standard)[0].status == "not_met"


def test_the_leakage_lineage_carries_every_term(world):
    standard = IndicatorSet.objects.create(code="LK", version="1", name="漏损测试")
    Indicator.objects.create(indicator_set=standard, number=1, code="LK_1", name="漏损率", category="测试",
                             kind="bottom_line", method="leakage", unit="%", lead_text="区水利局",
                             target={"kind": "bound", "op": "le", "value": "9"})
    Adoption.objects.create(region=world.district, indicator_set=standard, since_year=2025)
    # The first half year's 500 万m³ is 500 × 365/181 = 1008.3 a year; 160 km of DN75+ gives
    # A = 0.1587, so R2 would be 0.99 × (0.1587 − 0.0693) × 100 = 8.85 points: held at 3.
    enter_utility(world.district, Quarter(2025, 2), "甲水厂", supply=500, registered=440, resident_metered=250,
                  pipe_km=160, pressure=D("0.6"), frost_depth=D("1.5"))
    row = compute_region_quarter(world.district, Quarter(2025, 2), standard)[0]
    terms = row.lineage["inputs"]["utilities"]["甲水厂"]
    assert terms["r_wl"] == "12.000000" and terms["r1"] == "4.000000"  # 60/500; 0.08 × 250/500
    assert terms["r2_raw"].startswith("8.849") and terms["r2"] == "3.000000" and terms["r2_clamped"] is True
    assert terms["r3"] == "1.000000" and terms["r4"] == "1.000000"
    assert terms["rate"] == "3.000000" and row.value == D("3")  # 12 − (4 + 3 + 1 + 1)
    assert D(terms["year_share"]) < 1 and terms["annualised_supply"].startswith("1008.28")


def test_a_region_under_two_standards_has_two_verdicts(world, county_standard):
    city_list = IndicatorSet.objects.create(code="CITY_TEST", version="1", name="节水型城市（测试）", guiding_share=50)
    Indicator.objects.create(indicator_set=city_list, number=1, code="CT_REUSE", name="工业用水重复利用率",
                             category="测试", kind="guiding", formula="PT_REUSE", unit="%", lead_text="区水利局",
                             target={"kind": "bound", "op": "ge", "value": "75"})
    Adoption.objects.create(region=world.district, indicator_set=city_list, since_year=2025)
    enter_figures(world.district, Q4, PT_TOTAL=2950, PT_CARRIER=12, PT_ENTERPRISES=100, PT_REUSE=80)
    for standard in (county_standard, city_list):
        compute_region_quarter(world.district, Q4, standard)
    scores_compute(world.district, Q4)
    verdicts = {v.indicator_set.code: v for v in RegionVerdict.objects.filter(region=world.district)}
    assert set(verdicts) == {"COUNTY_TEST", "CITY_TEST"}
    assert verdicts["CITY_TEST"].verdict == "met" and verdicts["CITY_TEST"].points is None
    assert verdicts["COUNTY_TEST"].points == D("80")  # 40 + 20 + 20, the judged item open: 90 still possible
    assert verdicts["COUNTY_TEST"].verdict == "incomplete"
    # The city list's values carry no points: it is not judged on points.
    city_value = ComputedValue.objects.get(region=world.district, indicator__code="CT_REUSE")
    assert city_value.points is None and city_value.award == ""
