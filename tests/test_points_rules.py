"""Scoring rules of a standard judged on points, worked by hand: each shape of the design
(all or nothing, steps, per unit with a cap and a floor, judged by experts), exactly on a
step, just below it and at the cap, and every refusal a bad rule gets on save."""

from decimal import Decimal as D

import pytest

from indicators.scoring_rules import award, describe, validate_scoring
from indicators.targets import RuleError

# "达到5%得1分；达到10%得2分；达到15%以上得3分" (满分3分)
STEPS = {"kind": "steps", "better": "higher",
         "steps": [{"from": "5", "to": "10", "points": "1"}, {"from": "10", "to": "15", "points": "2"},
                   {"from": "15", "points": "3"}]}
# "达到标准得6分，每降低1%加2分，降低2%以上加4分；高于标准不得分" (满分10分, 标准 12%)
LEAKAGE = {"kind": "per_unit", "line": "12", "better": "lower", "at_line": "6", "unit": "1", "bonus": "2",
           "bonus_cap": "4", "worse": "zero"}
# "≥75%，每低5%扣1分" (满分5分)
REUSE = {"kind": "per_unit", "line": "75", "better": "higher", "at_line": "5", "unit": "5", "penalty": "1",
         "floor": "0"}


def points(rule, full, value, **extra):
    return award(rule, full=full, name="再生水利用率", unit="%", value=value, **extra)


@pytest.mark.parametrize(("value", "expected"), [
    ("4.99", "0.0"), ("5", "1.0"), ("9.99", "1.0"), ("10", "2.0"), ("14.99", "2.0"), ("15", "3.0"), ("40", "3.0"),
])
def test_steps_hold_from_their_start_up_to_the_next(value, expected):
    assert points(STEPS, 3, D(value)).points == D(expected)


def test_a_step_award_says_why_in_words():
    assert points(STEPS, 3, D("19.04")).text == "再生水利用率19.04%，达到15%以上，得3分"
    assert points(STEPS, 3, D("12")).text == "再生水利用率12%，达到10%，得2分"
    assert points(STEPS, 3, D("3")).text == "再生水利用率3%，未达到5%，不得分"


def test_steps_where_lower_is_better_include_their_upper_bound():
    rule = {"kind": "steps", "better": "lower",
            "steps": [{"to": "10", "points": "4"}, {"from": "10", "to": "12", "points": "2"}]}
    assert points(rule, 4, D("10")).points == D("4")  # "不高于10%得4分": 10 itself earns 4
    assert points(rule, 4, D("10.01")).points == D("2")
    assert points(rule, 4, D("12")).points == D("2")
    assert points(rule, 4, D("12.01")).points == D("0")


@pytest.mark.parametrize(("rate", "expected"), [
    # at the line: 6; each whole point below adds 2; 2 or more below: the cap, +4; above: 0
    ("12", "6"), ("11.5", "6"), ("11", "8"), ("10.01", "8"), ("10", "10"), ("3", "10"), ("12.01", "0"),
])
def test_per_unit_below_a_line_with_a_cap(rate, expected):
    assert points(LEAKAGE, 10, D(rate)).points == D(expected)


def test_per_unit_words_show_the_line_the_margin_and_the_bonus():
    assert points(LEAKAGE, 10, D("10.5")).text == "再生水利用率10.5%，低于标准12%共1.5%，得6分，加2分，共8分"
    assert points(LEAKAGE, 10, D("12")).text == "再生水利用率12%，达到标准12%，得6分"
    assert points(LEAKAGE, 10, D("13")).text == "再生水利用率13%，高于标准12%，不得分"


@pytest.mark.parametrize(("rate", "expected"), [
    ("75", "5"), ("90", "5"), ("70.01", "5"), ("70", "4"), ("65", "3"), ("50", "0"), ("10", "0"),
])
def test_per_unit_deduction_down_to_a_floor(rate, expected):
    assert points(REUSE, 5, D(rate)).points == D(expected)


def test_a_started_unit_and_an_exact_share_count_as_the_rule_says():
    started = {**REUSE, "count": "started"}
    assert points(started, 5, D("74")).points == D("4")  # 1 % below: a unit begun costs a point
    exact = {**REUSE, "count": "exact"}
    assert points(exact, 5, D("72.5")).points == D("4.5")  # half a unit below: half a point


def test_floor_holds_when_deductions_run_past_it():
    rule = {**REUSE, "floor": "2"}
    assert points(rule, 5, D("40")).points == D("2")


def test_all_or_nothing_follows_the_requirement():
    assert award({}, full=6, name="用水总量", status="met").points == D("6")
    assert award({}, full=6, name="用水总量", status="met").text == "达到要求，得6分"
    assert award({"kind": "all"}, full=6, name="用水总量", status="not_met").points == D("0")
    assert award({}, full=6, name="用水总量", status="incomplete").points is None


def test_the_fall_on_last_year_is_scored_when_the_rule_says_so():
    # 万元GDP用水量 50 → 47.5: a fall of 5 %; "降幅达到3%得4分，每低1%扣1分"
    rule = {"kind": "per_unit", "measure": "fall", "line": "3", "better": "higher", "at_line": "4", "unit": "1",
            "penalty": "1"}
    found = award(rule, full=4, name="万元GDP用水量", unit="m³/万元", value=D("47.5"), previous=D("50"))
    assert found.points == D("4") and found.text.startswith("万元GDP用水量较上年降幅5%")
    found = award(rule, full=4, name="万元GDP用水量", unit="m³/万元", value=D("49"), previous=D("50"))
    assert found.points == D("3")  # a fall of 2 %: one whole point short of 3 %, one point off
    assert award(rule, full=4, name="万元GDP用水量", value=D("49"), previous=None).points is None
    # An item named for its fall is not called "…降幅较上年降幅".
    named = award(rule, full=4, name="万元GDP用水量降幅", unit="m³/万元", value=D("47.5"), previous=D("50"))
    assert named.text == "万元GDP用水量降幅5%，高于标准3%，得4分"


def test_judged_items_take_the_experts_points_and_reason():
    found = award({"kind": "judged"}, full=5, name="节水宣传", judgement=(D("4"), "宣传形式多样，缺少进校园活动记录"))
    assert found.points == D("4") and found.text == "专家评分4分：宣传形式多样，缺少进校园活动记录"
    assert award({"kind": "judged"}, full=5, name="节水宣传").points is None


def test_a_reference_line_is_read_from_the_region_figures():
    rule = {"kind": "per_unit", "reference": "WATER_QUOTA", "better": "lower", "at_line": "10", "unit": "1",
            "penalty": "10", "floor": "0"}
    assert award(rule, full=10, name="用水总量", value=D("2950"), references={"WATER_QUOTA": D("3000")}).points == 10
    assert award(rule, full=10, name="用水总量", value=D("3001"), references={"WATER_QUOTA": D("3000")}).points == 0
    assert award(rule, full=10, name="用水总量", value=D("2950"), references={}).points is None


@pytest.mark.parametrize(("rule", "message"), [
    ({**STEPS, "steps": [{"from": "5", "to": "10", "points": "1"}, {"from": "11", "points": "2"}]}, "有空档"),
    ({**STEPS, "steps": [{"from": "5", "to": "10", "points": "1"}, {"from": "9", "points": "2"}]}, "有重叠"),
    ({**STEPS, "steps": [{"from": "5", "to": "10", "points": "4"}]}, "超过满分3分"),
    ({**STEPS, "steps": [{"from": "5", "points": "1"}, {"from": "10", "points": "2"}]}, "缺少终点"),
    ({**STEPS, "steps": [{"from": "10", "to": "5", "points": "1"}]}, "不小于终点"),
    ({**STEPS, "steps": []}, "至少需要一档"),
    ({**STEPS, "better": "up"}, "越高越好"),
    ({**LEAKAGE, "bonus_cap": "5"}, "超过满分"),
    ({**LEAKAGE, "at_line": "11"}, "不在0至满分"),
    ({**LEAKAGE, "unit": "0"}, "单位须大于0"),
    ({**REUSE, "floor": "6"}, "最低得分"),
    ({**REUSE, "reference": "WATER_QUOTA"}, "二者取一"),
    ({"kind": "bonus"}, "无法识别"),
    ({"kind": "all", "measure": "ratio"}, "计分对象"),
])
def test_a_bad_rule_is_refused_with_the_reason(rule, message):
    with pytest.raises(RuleError, match=message):
        validate_scoring(rule, full=D("3") if rule.get("kind") == "steps" else D("10"))


def test_judged_rules_belong_to_judged_items_only():
    with pytest.raises(RuleError, match="专家评分"):
        validate_scoring({"kind": "judged"}, full=5, method="formula")
    with pytest.raises(RuleError, match="专家评分"):
        validate_scoring({}, full=5, method="judged")
    with pytest.raises(RuleError, match="核查类"):
        validate_scoring(STEPS, full=3, method="checklist")
    validate_scoring({"kind": "judged"}, full=5, method="judged")
    validate_scoring(STEPS, full=3, method="formula")


def test_a_rule_without_its_words_is_described():
    assert describe(STEPS, full=3, unit="%") == "达到5%得1分；达到10%得2分；达到15%以上得3分"
    assert describe(LEAKAGE, full=10, unit="%") == "达到标准（12%）得6分；每降低1%加2分，最多加4分；未达到标准不得分"
    assert describe({}, full=6) == "达到要求得6分，否则不得分"
