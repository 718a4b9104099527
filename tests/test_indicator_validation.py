"""The checks on raw statistics, as pure functions: what blocks and what warns."""

from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from indicators.validation import NotANumber, check_figures, check_utility, parse_number

LABELS = {"previous": "上季度（2023年第二季度）", "last_year": "上年同期（2022年第三季度）", "same_year": True}


def element(code, name, *, cumulative=True, unit="万m³", low="0", high=None, not_above=None):
    return SimpleNamespace(
        code=code, name=name, unit=unit, cumulative=cumulative, min_value=D(low) if low is not None else None,
        max_value=D(high) if high else None, not_above=not_above,
    )


SUPPLY = element("SUPPLY", "供水总量")
ELEMENTS = {
    "SUPPLY": SUPPLY,
    "REGISTERED": element("REGISTERED", "注册用户用水量", not_above=SUPPLY),
    "HOUSEHOLDS": element("HOUSEHOLDS", "城市居民总户数", cumulative=False, unit="户"),
    "PERSONS": element("PERSONS", "每户平均人数", cumulative=False, unit="人/户", low="1", high="10"),
}


def check(values, *, previous=None, last_year=None, present=None, denominators=None, labels=LABELS):
    values = {code: D(str(value)) for code, value in values.items()}
    return check_figures(
        values, elements=ELEMENTS, previous={k: D(str(v)) for k, v in (previous or {}).items()},
        last_year={k: D(str(v)) for k, v in (last_year or {}).items()}, present={**values, **(present or {})},
        denominators=denominators or {}, labels=labels,
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1,234.5", D("1234.5")), (" 12 ", D("12")), (3, D("3")), (2.5, D("2.5")), ("", None), (None, None),
     ("１２３．５", D("123.5")), ("1，234", D("1234"))],
)
def test_numbers_as_typed(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [("三百", "“三百”不是数字"), ("NaN", "不是有效的数字"), ("inf", "不是有效的数字"), ("1e308", "超出可以保存的范围"),
     ("=A1*2", "是公式"), (True, "不是数字")],
)
def test_what_is_not_a_number(raw, message):
    with pytest.raises(NotANumber, match=message):
        parse_number(raw)


def test_negative_and_out_of_range_values_block():
    findings = check({"SUPPLY": -5, "PERSONS": "12"})
    assert findings.errors == {
        "SUPPLY": ["-5 是负数，供水总量不能为负"],
        "PERSONS": ["12 大于合理上限 10人/户"],
    }
    assert not findings.warnings


def test_a_year_to_date_figure_is_compared_with_last_year_only():
    # 900 after 400 in the previous quarter is how a year-to-date figure grows: no warning.
    assert not check({"SUPPLY": 900}, previous={"SUPPLY": 400}, last_year={"SUPPLY": 850}).warnings
    # 900 against 500 a year ago is 80 % more.
    findings = check({"SUPPLY": 900}, previous={"SUPPLY": 400}, last_year={"SUPPLY": 500})
    assert findings.warnings == {"SUPPLY": ["较上年同期（2022年第三季度）的 500 变化 +80.0%，超过50%"]}


def test_a_year_to_date_figure_lower_than_last_quarter_is_a_warning():
    findings = check({"SUPPLY": 300}, previous={"SUPPLY": 400})
    assert "累计值低于上季度的 400" in findings.warnings["SUPPLY"][0]
    # In the first quarter the previous figure is last year's total: lower is normal.
    assert not check({"SUPPLY": 300}, previous={"SUPPLY": 1600}, labels={**LABELS, "same_year": False}).warnings


def test_a_point_in_time_figure_is_compared_with_the_previous_quarter_too():
    # A 45 % fall is within the limit.
    assert not check({"HOUSEHOLDS": 60000}, previous={"HOUSEHOLDS": 110000}, last_year={"HOUSEHOLDS": 108000})
    findings = check({"HOUSEHOLDS": 50000}, previous={"HOUSEHOLDS": 110000}, last_year={"HOUSEHOLDS": 108000})
    assert findings.warnings["HOUSEHOLDS"] == [
        "较上季度（2023年第二季度）的 110000 变化 -54.5%，超过50%",
        "较上年同期（2022年第三季度）的 108000 变化 -53.7%，超过50%",
    ]


def test_a_part_larger_than_its_whole_warns_even_when_the_whole_is_someone_elses():
    findings = check({"REGISTERED": 1200}, present={"SUPPLY": D(1000)})
    assert findings.warnings == {"REGISTERED": ["大于“供水总量”的 1000万m³，两者不一致"]}


def test_a_missing_or_zero_denominator_warns():
    findings = check({"REGISTERED": 10}, denominators={"REGISTERED": {"SUPPLY"}})
    assert findings.warnings == {"REGISTERED": ["分母“供水总量”本期尚未填报或为0，相关指标暂时无法计算"]}
    findings = check({"REGISTERED": 10}, present={"SUPPLY": D(0)}, denominators={"REGISTERED": {"SUPPLY"}})
    assert "分母“供水总量”本期尚未填报或为0，相关指标暂时无法计算" in findings.warnings["REGISTERED"]


def test_utility_figures():
    good = {"supply": D(100), "registered": D(90), "resident_metered": D(60), "pipe_km": D(20), "pressure": D("0.4"),
            "frost_depth": None}
    assert not check_utility(good)
    findings = check_utility({**good, "registered": D(120)})
    assert findings.warnings == {"registered": ["注册用户用水量 120 大于供水总量 100，两者不一致"]}
    findings = check_utility({**good, "supply": D(0), "pressure": D(5), "pipe_km": None})
    assert findings.errors == {
        "supply": ["供水总量不能为0"],
        "pressure": ["5 超出合理范围（不大于2）"],
        "pipe_km": ["请填写DN75以上管道长度（km）"],
    }
