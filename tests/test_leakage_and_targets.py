"""Leakage after CJJ 92-2016 and the target rules, checked against values worked out by hand."""

from decimal import Decimal as D

import pytest

from indicators.leakage import Utility, pressure_correction, region_leakage, utility_leakage
from indicators.targets import INCOMPLETE, MET, NOT_MET, RuleError, check

# Worked by hand:
# A: R_WL = (1000-880)/1000 = 12 %; r = 600/1000 → R1 = 0.08×0.6 = 4.8 %;
#    A = 120/1000 = 0.12 → R2 = 0.99×(0.12-0.0693) = 5.0193 % → clamped to 3 %;
#    0.45 MPa → R3 = 0.5 %; frost 0.5 m → R4 = 0. R_n = 8.3 %, R_BL = 3.7 %.
A = Utility("甲水厂", D(1000), D(880), D(600), D(120), D("0.45"), D("0.5"))
# B: R_WL = 50/500 = 10 %; r = 0.5 → R1 = 4 %; A = 30/500 = 0.06 → R2 = 0.99×(-0.0093) = -0.9207 %;
#    0.6 MPa → R3 = 1 %; frost 1.5 m → R4 = 1 %. R_n = 5.0793 %, R_BL = 4.9207 %.
B = Utility("乙水厂", D(500), D(450), D(250), D(30), D("0.6"), D("1.5"))


def test_corrections_of_one_utility():
    a = utility_leakage(A)
    assert (a.comprehensive, a.r1, a.r2, a.r3, a.r4) == (D(12), D("4.8"), D(3), D("0.5"), D(0))
    assert a.rate == D("3.7")
    b = utility_leakage(B)
    assert (b.comprehensive, b.r1, b.r2, b.r3, b.r4) == (D(10), D(4), D("-0.9207"), D(1), D(1))
    assert b.rate == D("4.9207")


def test_r2_is_clamped_both_ways():
    low = Utility("丙", D(1000), D(900), D(0), D(0), D(0))  # A = 0 → R2 = -6.8607 → -3
    assert utility_leakage(low).r2 == D(-3)


def test_region_rate_is_supply_weighted():
    # (3.7 × 1000 + 4.9207 × 500) / 1500 = 6160.35 / 1500
    assert region_leakage([A, B]) == D("6160.35") / D(1500)
    assert round(region_leakage([A, B]), 4) == D("4.1069")


@pytest.mark.parametrize(
    ("pressure", "points"), [("0.3", "0"), ("0.35", "0.5"), ("0.55", "0.5"), ("0.56", "1"), ("0.75", "1"), ("0.8", "2")]
)
def test_pressure_bands(pressure, points):
    assert pressure_correction(D(pressure)) == D(points)


def test_bad_utility_data():
    with pytest.raises(ValueError, match="注册用户用水量大于供水总量"):
        utility_leakage(Utility("丁", D(100), D(120), D(0), D(0), D(0)))
    with pytest.raises(ValueError, match="供水总量必须大于0"):
        utility_leakage(Utility("戊", D(0), D(0), D(0), D(0), D(0)))


LEAKAGE = {"kind": "bound", "op": "le", "value": "8.5"}
INDUSTRY = {  # 万元工业增加值用水量 < 50 % × 全国平均值, or a fall of ≥ 5 % on last year
    "kind": "any",
    "rules": [
        {"kind": "relative", "op": "lt", "factor": "0.5", "reference": "NATIONAL_IND_WATER"},
        {"kind": "change", "direction": "fall", "at_least": "5"},
    ],
}
REUSE = {"kind": "any", "rules": [{"kind": "bound", "op": "ge", "value": "25"},
                                  {"kind": "change", "direction": "growth", "at_least": "5"}]}


def test_bound_rules():
    outcome = check(LEAKAGE, value=D("8.9"), unit="%")
    assert (outcome.status, outcome.explanation) == (NOT_MET, "8.9%高于上限8.5%，未满足要求。")
    assert check(LEAKAGE, value=D("4.1069"), unit="%").status == MET
    assert check({"kind": "bound", "op": "ge", "value": "45"}, value=D(45)).status == MET
    assert check({"kind": "bound", "op": "le", "value": "140"}, value=None).status == INCOMPLETE


def test_exact_and_quota():
    assert check({"kind": "exact", "value": "100"}, value=D(100)).status == MET
    assert check({"kind": "exact", "value": "100"}, value=D("99.5")).status == NOT_MET
    quota = {"kind": "quota", "reference": "WATER_QUOTA"}
    assert check(quota, value=D("1.2"), references={"WATER_QUOTA": D("1.3")}).status == MET
    assert check(quota, value=D("1.4"), references={"WATER_QUOTA": D("1.3")}).status == NOT_MET
    assert check(quota, value=D("1.4")).status == INCOMPLETE


def test_industry_rule_met_only_through_its_year_on_year_branch():
    # 2023 national 24.3 → half is 12.15; the district used 20.0 (not below) but 21.5 last year:
    # (20.0 - 21.5) / 21.5 = -6.98 % → a fall of 6.98 % ≥ 5 %.
    outcome = check(INDUSTRY, value=D("20.0"), previous=D("21.5"), references={"NATIONAL_IND_WATER": D("24.3")})
    assert outcome.status == MET
    assert outcome.explanation == ("20不低于全国平均值24.3的50%（12.15），未满足要求；"
                                   "较上年下降6.98%，满足年降低率不低于5%的要求。")
    neither = check(INDUSTRY, value=D("20.8"), previous=D("21.5"), references={"NATIONAL_IND_WATER": D("24.3")})
    assert neither.status == NOT_MET and "下降3.26%" in neither.explanation
    assert "20.8不低于全国平均值24.3的50%（12.15）" in neither.explanation
    below = check(INDUSTRY, value=D("11"), previous=None, references={"NATIONAL_IND_WATER": D("24.3")})
    assert below.status == MET and below.explanation == "11低于全国平均值24.3的50%（12.15），满足要求。"
    unknown = check(INDUSTRY, value=D("20.0"), previous=None, references={"NATIONAL_IND_WATER": D("24.3")})
    assert unknown.status == INCOMPLETE


def test_reuse_rule_growth_branch():
    # 20 % this year, 18.5 % last year: growth (20-18.5)/18.5 = 8.11 % ≥ 5 %.
    assert check(REUSE, value=D(20), previous=D("18.5")).explanation == (
        "20低于下限25，未满足要求；较上年增长8.11%，满足年增长率不低于5%的要求。")
    assert check(REUSE, value=D(26), previous=None).status == MET


def test_unknown_rules_are_errors():
    with pytest.raises(RuleError):
        check({"kind": "median"}, value=D(1))
    with pytest.raises(RuleError):
        check({"kind": "bound", "op": "approx", "value": "1"}, value=D(1))
