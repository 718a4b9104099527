"""Computing indicator values for a region and quarter: statuses, explanations, lineage,
idempotence."""

import re
from decimal import Decimal as D

import pytest

from core.periods import Quarter
from demo import catalogue as indicator_demo
from indicators.models import Adoption, ComputedValue, IndicatorSet
from indicators.services import compute_region_quarter
from tests.helpers import enter_figures, enter_utility

Q4_2023, Q4_2022 = Quarter(2023, 4), Quarter(2022, 4)


@pytest.fixture
def qianjiang(regions):
    indicator_demo.load_catalogue()
    return regions["qianjiang"]


def enter(region, quarter, **values):
    enter_figures(region, quarter, **values)


def results(region, quarter):
    values = ComputedValue.objects.filter(region=region, year=quarter.year, quarter=quarter.number)
    return {value.indicator.code: value for value in values.select_related("indicator")}


def test_statuses_explanations_and_lineage(qianjiang):
    enter(qianjiang, Q4_2023, RES_WATER=1200, HOUSEHOLDS=100000, PERSONS_PER_HOUSEHOLD="2.8")
    enter(qianjiang, Q4_2023, IND_NEW_WATER=2000, IND_ADDED_VALUE=1000000)
    enter(qianjiang, Q4_2023, WELLS_TOTAL=12, WELLS_CLOSED=11, TOTAL_WATER=2900)
    enter(qianjiang, Q4_2022, IND_NEW_WATER=2150, IND_ADDED_VALUE=1000000)
    figures = {"supply": 1000, "registered": 880, "resident_metered": 600, "pipe_km": 120, "pressure": D("0.45")}
    enter_utility(qianjiang, Q4_2023, "甲水厂", frost_depth=D("0.5"), **figures)
    indicator_set = IndicatorSet.objects.get()
    compute_region_quarter(qianjiang, Q4_2023, indicator_set)
    found = results(qianjiang, Q4_2023)
    assert len(found) == 20
    per_capita = found["PER_CAPITA_DOMESTIC"]
    assert per_capita.status == "met" and round(per_capita.value, 4) == D("117.4168")
    assert per_capita.lineage["inputs"]["RES_WATER"]["value"] == "1200.0000"
    industry = found["INDUSTRY_WATER_INTENSITY"]
    assert industry.status == "met" and "下降6.98%" in industry.explanation  # (20 − 21.5) / 21.5
    # 2023's quarters are judged against the latest national figure out by their end: 2022's
    # (the 公报 of 2023 appears in 2024).
    assert industry.lineage["references"]["NATIONAL_IND_WATER"]["value"] == "24.1000"
    assert industry.lineage["references"]["NATIONAL_IND_WATER"]["year"] == 2022
    assert industry.lineage["previous_year"]["value"].startswith("21.5")
    assert found["WELL_CLOSURE"].status == "not_met"  # 91.67 % ≠ 100 %
    assert found["TOTAL_WATER_USE"].status == "met" and "控制指标" in found["TOTAL_WATER_USE"].explanation
    assert found["LEAKAGE"].value == D("3.7") and found["LEAKAGE"].status == "met"
    assert found["PERMEABLE_RATIO"].status == "incomplete" and "缺少数据项：" in found["PERMEABLE_RATIO"].explanation
    assert not re.search(r"[A-Z]{2,}_[A-Z_]+", found["PERMEABLE_RATIO"].explanation)  # the figure's name, no code
    assert found["WATER_ENVIRONMENT"].status == "incomplete"


def test_recompute_twice_leaves_identical_rows(qianjiang):
    enter(qianjiang, Q4_2023, RECLAIMED_WATER=380, SEWAGE_TREATED=1900)
    indicator_set = IndicatorSet.objects.get()
    compute_region_quarter(qianjiang, Q4_2023, indicator_set)
    first = list(ComputedValue.objects.order_by("pk").values())
    compute_region_quarter(qianjiang, Q4_2023, indicator_set)
    assert list(ComputedValue.objects.order_by("pk").values()) == first


def test_a_zero_denominator_is_incomplete_not_an_error(qianjiang):
    enter(qianjiang, Q4_2023, RECLAIMED_WATER=10, SEWAGE_TREATED=0)
    compute_region_quarter(qianjiang, Q4_2023, IndicatorSet.objects.get())
    reclaimed = results(qianjiang, Q4_2023)["RECLAIMED_WATER_RATIO"]
    assert reclaimed.status == "incomplete" and reclaimed.explanation == "分母为零"


def test_query_count_does_not_grow_with_indicators(qianjiang, django_assert_max_num_queries):
    with django_assert_max_num_queries(17):
        compute_region_quarter(qianjiang, Q4_2023, IndicatorSet.objects.get())


def test_recompute_command_and_job(qianjiang):
    import io

    from django.core.management import call_command

    from core import jobs

    enter(qianjiang, Q4_2023, RECLAIMED_WATER=380, SEWAGE_TREATED=1900)
    enter(qianjiang, Q4_2022, RECLAIMED_WATER=300, SEWAGE_TREATED=1800)
    out = io.StringIO()
    call_command("recompute", region="500114", stdout=out)
    assert "已计算 2 个行政区季度，写入 40 个指标值" in out.getvalue()
    first = list(ComputedValue.objects.order_by("pk").values())
    call_command("recompute", quarter="2023Q4", stdout=io.StringIO())
    assert list(ComputedValue.objects.order_by("pk").values()) == first
    # The job computes under the set a region adopted: none adopted, nothing written.
    assert jobs.recompute("indicator_values", [qianjiang.pk], ["2023Q4"]) == "0 个指标值"
    Adoption.objects.create(region=qianjiang, indicator_set=IndicatorSet.objects.get(), since_year=2023)
    assert jobs.recompute("indicator_values", [qianjiang.pk], ["2023Q4"]) == "20 个指标值"
    assert results(qianjiang, Q4_2023)["RECLAIMED_WATER_RATIO"].status == "met"  # 20 %, growth 20/16.67 = +20 %
