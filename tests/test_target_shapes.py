"""Targets a standard writes that are no single bound: a range (1.5‰～3‰), an AND of
conditions (≥45%且≤60%) and a fall against a fixed base year (较2015年下降23%以上). Values
exactly on a threshold count as meeting it, as Chinese documents mean ≥, 不低于, 以上, 以下.
Wordings from other standards than 黔江's are read into the same rules."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from core.periods import Quarter
from demo import catalogue as indicator_demo
from indicators.models import ComputedValue, Indicator, IndicatorSet
from indicators.services import compute_region_quarter
from indicators.standard_workbook import parse_target, target_text_of
from indicators.targets import INCOMPLETE, MET, NOT_MET, RuleError, check, describe, validate_rule
from org.models import User
from tests.conftest import make_user
from tests.helpers import enter_figures

RANGE = {"kind": "range", "min": "1.5", "max": "3", "min_inclusive": True, "max_inclusive": True}
BETWEEN = {"kind": "all", "rules": [{"kind": "bound", "op": "ge", "value": "45"},
                                    {"kind": "bound", "op": "le", "value": "60"}]}
SINCE_2015 = {"kind": "change_vs_base", "base_year": 2015, "direction": "fall", "at_least": "23"}


def sentence(outcome):
    """An explanation reads as a sentence: words, ended with a full stop."""
    return outcome.explanation.endswith("。") and "要求" in outcome.explanation


@pytest.mark.parametrize(("value", "status"), [
    ("1.5", MET), ("3", MET), ("2.2", MET), ("1.49", NOT_MET), ("3.01", NOT_MET),
])
def test_a_range_includes_both_ends(value, status):
    outcome = check(RANGE, value=D(value), unit="‰")
    assert outcome.status == status and sentence(outcome)


def test_a_range_says_which_end_is_missed():
    assert check(RANGE, value=D("1.2"), unit="‰").explanation == "1.2‰低于下限1.5‰，未满足1.5‰～3‰（含两端）的要求。"
    assert check(RANGE, value=D("3.5"), unit="‰").explanation == "3.5‰高于上限3‰，未满足1.5‰～3‰（含两端）的要求。"
    assert check(RANGE, value=D("3"), unit="‰").explanation == "3‰在1.5‰～3‰（含两端）之内，满足要求。"


def test_an_open_end_leaves_the_bound_out():
    open_top = {**RANGE, "max_inclusive": False}
    assert check(open_top, value=D("3"), unit="‰").status == NOT_MET
    assert check(open_top, value=D("1.5"), unit="‰").status == MET
    assert check({**RANGE, "min_inclusive": False}, value=D("1.5")).status == NOT_MET


@pytest.mark.parametrize(("value", "status", "failed"), [
    ("45", MET, None), ("60", MET, None), ("44.99", NOT_MET, "条件1未满足"), ("60.01", NOT_MET, "条件2未满足"),
])
def test_all_conditions_must_hold_and_each_is_explained(value, status, failed):
    outcome = check(BETWEEN, value=D(value), unit="%")
    assert outcome.status == status
    assert "条件1：" in outcome.explanation and "条件2：" in outcome.explanation
    if failed:
        assert outcome.explanation.startswith(failed)
    else:
        assert outcome.explanation.startswith("各项条件均满足。")


def test_an_and_with_a_branch_lacking_data_is_incomplete_unless_another_fails():
    rule = {"kind": "all", "rules": [{"kind": "bound", "op": "ge", "value": "45"},
                                     {"kind": "change", "direction": "fall", "at_least": "5"}]}
    assert check(rule, value=D("50")).status == INCOMPLETE
    assert check(rule, value=D("40")).status == NOT_MET


@pytest.mark.parametrize(("value", "status"), [("77", MET), ("76", MET), ("77.01", NOT_MET), ("120", NOT_MET)])
def test_a_fall_against_the_base_year_includes_the_threshold(value, status):
    outcome = check(SINCE_2015, value=D(value), unit="m³/万元", base={2015: D("100")})
    assert outcome.status == status and sentence(outcome)


def test_a_fall_against_the_base_year_reads_as_a_sentence():
    met = check(SINCE_2015, value=D("77"), unit="m³/万元", base={2015: D("100")})
    assert met.explanation == "77m³/万元较2015年的100m³/万元下降23%，满足较2015年下降23%以上的要求。"
    rose = check(SINCE_2015, value=D("110"), unit="m³/万元", base={2015: D("100")})
    assert rose.explanation == "110m³/万元较2015年的100m³/万元上升10%，未达到较2015年下降23%以上的要求。"


def test_a_missing_base_year_value_is_incomplete_and_names_the_year():
    outcome = check(SINCE_2015, value=D("77"), base={2016: D("100")})
    assert outcome.status == INCOMPLETE and "缺少2015年（基准年）的数值" in outcome.explanation
    assert check(SINCE_2015, value=D("77"), base={2015: D("0")}).status == INCOMPLETE


def test_a_growth_against_the_base_year():
    rule = {"kind": "change_vs_base", "base_year": 2020, "direction": "growth", "at_least": "10"}
    assert check(rule, value=D("110"), base={2020: D("100")}).status == MET
    assert check(rule, value=D("109.9"), base={2020: D("100")}).status == NOT_MET


# Wordings of other standards than 黔江's: 国家节水型城市, a county standard, a 海绵城市 plan.
@pytest.mark.parametrize(("text", "rule"), [
    ("1.5‰～3‰", RANGE),
    ("45%-60%", {"kind": "range", "min": "45", "max": "60", "min_inclusive": True, "max_inclusive": True}),
    ("≥45%且≤60%", BETWEEN),
    ("不低于45%且不高于60%", BETWEEN),
    ("较2015年下降23%以上", SINCE_2015),
    ("较2020年降低16%", {"kind": "change_vs_base", "base_year": 2020, "direction": "fall", "at_least": "16"}),
    ("23%以上", {"kind": "bound", "op": "ge", "value": "23"}),
    ("10%以下", {"kind": "bound", "op": "le", "value": "10"}),
    ("达到95%及以上", {"kind": "bound", "op": "ge", "value": "95"}),
    ("不少于3次", {"kind": "bound", "op": "ge", "value": "3"}),
    ("不高于9％", {"kind": "bound", "op": "le", "value": "9"}),
    ("低于8%", {"kind": "bound", "op": "lt", "value": "8"}),
    ("不超过下达的年度用水总量控制指标", {"kind": "quota", "reference": "WATER_QUOTA"}),
    ("不低于25%或者年增长率不低于5%",
     {"kind": "any", "rules": [{"kind": "bound", "op": "ge", "value": "25"},
                               {"kind": "change", "direction": "growth", "at_least": "5"}]}),
    ("较2015年下降23%以上或年降低率不低于5%",
     {"kind": "any", "rules": [SINCE_2015, {"kind": "change", "direction": "fall", "at_least": "5"}]}),
])
def test_written_wordings_become_rules_and_read_back(text, rule):
    assert parse_target(text) == rule
    validate_rule(rule)
    assert parse_target(target_text_of(rule)) == rule


@pytest.mark.parametrize(("text", "value", "status"), [
    ("23%以上", "23", MET), ("23%以上", "22.99", NOT_MET), ("10%以下", "10", MET), ("10%以下", "10.01", NOT_MET),
    ("不低于45%", "45", MET), ("不高于8.5%", "8.5", MET), ("低于8%", "8", NOT_MET), ("≥45%且≤60%", "60", MET),
])
def test_written_bounds_include_the_value_on_them(text, value, status):
    assert check(parse_target(text), value=D(value), unit="%").status == status


@pytest.mark.parametrize("text", ["3‰～1.5‰", "1.5%～3‰", "且≥5", "较15年下降23%"])
def test_wordings_that_cannot_be_a_rule_are_refused(text):
    with pytest.raises(RuleError):
        parse_target(text)


@pytest.mark.parametrize("rule", [
    {"kind": "range", "min": "3", "max": "1"},
    {"kind": "range", "min": "1"},
    {"kind": "range", "min": "1", "max": "2", "min_inclusive": "yes"},
    {"kind": "all", "rules": []},
    {"kind": "change_vs_base", "base_year": "15", "direction": "fall", "at_least": "23"},
    {"kind": "change_vs_base", "base_year": 2015, "direction": "down", "at_least": "23"},
])
def test_unsound_rules_are_refused(rule):
    with pytest.raises(RuleError):
        validate_rule(rule)


def test_rules_in_the_words_of_a_standard():
    assert describe(RANGE, unit="‰") == "1.5‰～3‰（含两端）"
    assert describe(BETWEEN, unit="%") == "不低于45%，且不高于60%"
    assert describe(SINCE_2015) == "较2015年下降23%以上"
    assert describe({}) == ""


# --- computed against the district's own figures of the base year ----------------------------


@pytest.fixture
def qianjiang(regions):
    indicator_demo.load_catalogue()
    Indicator.objects.filter(code="GDP_WATER_INTENSITY").update(target=SINCE_2015, target_text="较2015年下降23%以上")
    return regions["qianjiang"]


def gdp_intensity(region, quarter):
    return ComputedValue.objects.get(region=region, indicator__code="GDP_WATER_INTENSITY", year=quarter.year,
                                     quarter=quarter.number)


def test_the_base_years_figures_are_computed_and_compared(qianjiang, client_for):
    # 2015: 3000万m³ over 600000万元 → 50 m³/万元; 2023: 2310 over 600000 → 38.5, a fall of exactly 23 %.
    enter_figures(qianjiang, Quarter(2015, 4), NEW_WATER_EXCL_PRIMARY=3000, GDP_EXCL_PRIMARY=600000)
    enter_figures(qianjiang, Quarter(2023, 4), NEW_WATER_EXCL_PRIMARY=2310, GDP_EXCL_PRIMARY=600000)
    compute_region_quarter(qianjiang, Quarter(2023, 4), IndicatorSet.objects.get())
    value = gdp_intensity(qianjiang, Quarter(2023, 4))
    assert value.status == MET and value.value == D("38.5")
    assert "较2015年的50m³/万元下降23%，满足较2015年下降23%以上的要求。" in value.explanation
    assert value.lineage["base_years"][0]["year"] == 2015 and D(value.lineage["base_years"][0]["value"]) == 50
    viewer = make_user("base_year_admin", None, User.Role.ADMIN, is_staff=True, is_superuser=True)
    text = client_for(viewer).get(reverse("indicators:lineage", args=[value.pk])).content.decode()
    assert "基准年（2015年）数值" in text and "较2015年下降23%以上" in text and "判定规则" in text


def test_without_the_base_years_figures_the_value_is_incomplete(qianjiang):
    enter_figures(qianjiang, Quarter(2023, 4), NEW_WATER_EXCL_PRIMARY=2310, GDP_EXCL_PRIMARY=600000)
    compute_region_quarter(qianjiang, Quarter(2023, 4), IndicatorSet.objects.get())
    value = gdp_intensity(qianjiang, Quarter(2023, 4))
    assert value.status == INCOMPLETE and "缺少2015年（基准年）的数值" in value.explanation


def test_an_or_of_a_base_year_fall_and_a_yearly_fall_explains_both_in_one_line():
    rule = parse_target("较2015年下降23%以上或年降低率不低于5%")
    outcome = check(rule, value=D("90"), previous=D("100"), base={2015: D("100")})
    assert outcome.status == MET
    assert outcome.explanation == ("90较2015年的100下降10%，未达到较2015年下降23%以上的要求；"
                                   "较上年下降10%，满足年降低率不低于5%的要求。")
