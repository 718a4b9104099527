"""The indicator formula language: what it accepts, what it refuses, and exact results."""

import re
from decimal import Decimal

import pytest

from indicators.formulas import FormulaError, MissingValue, ZeroDenominator, parse

KNOWN = {"SUPPLY", "REGISTERED", "NEW_WATER", "ADDED_VALUE", "NATIONAL", "A", "B", "C"}


def value(text, **values):
    return parse(text, known_names=KNOWN).evaluate(
        {k: Decimal(str(v)) if v is not None else None for k, v in values.items()}
    )


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("(SUPPLY - REGISTERED) / SUPPLY * 100", {"SUPPLY": 1000, "REGISTERED": 880}, Decimal("12")),
        ("（SUPPLY－REGISTERED）÷SUPPLY×100", {"SUPPLY": 1000, "REGISTERED": 880}, Decimal("12")),
        ("NEW_WATER / ADDED_VALUE", {"NEW_WATER": "0.1", "ADDED_VALUE": "0.2"}, Decimal("0.5")),
        ("A + B", {"A": "0.1", "B": "0.2"}, Decimal("0.3")),
        ("min(A, B, C)", {"A": 3, "B": -1, "C": 2}, Decimal("-1")),
        ("max(A, B)", {"A": 3, "B": 5}, Decimal("5")),
        ("abs(A - B)", {"A": 3, "B": 5}, Decimal("2")),
        ("-A + 1", {"A": 3}, Decimal("-2")),
        ("if(A > 0.75, 2, if(A > 0.55, 1, if(A >= 0.35, 0.5, 0)))", {"A": "0.6"}, Decimal("1")),
        ("if(A > 0 and B > 0, A / B, 0)", {"A": 1, "B": 4}, Decimal("0.25")),
        ("if(A > 0 or B > 0, 1, 0)", {"A": 0, "B": 0}, Decimal("0")),
        ("if(0.35 <= A <= 0.55, 0.5, 0)", {"A": "0.4"}, Decimal("0.5")),
    ],
)
def test_evaluation(text, values, expected):
    assert value(text, **values) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SUPPLY / UNKNOWN", "“UNKNOWN”不是已定义的数据项或参考值"),
        ("__import__('os')", "只能调用"),
        ("().__class__", "不支持的写法"),
        ("A.real", "不支持的写法"),
        ("A[0]", "不支持的写法"),
        ("'text'", "只能使用数字"),
        ("A ** 2", "只能使用 + − × ÷"),
        ("A // 2", "只能使用 + − × ÷"),
        ("lambda: 1", "不支持的写法"),
        ("A / 0", "除以0"),
        ("sum(A, B)", "只能调用"),
        ("if(A, B)", "三个参数"),
        ("abs(A, B)", "只接受一个参数"),
        ("min(A)", "至少需要两个参数"),
        ("max(*A)", "不支持的写法"),
        ("(A + ", "写法有误"),
        ("", "不能为空"),
        ("True + A", "只能使用数字"),
        ("A if B else C", "不支持的写法"),
        ("[A, B]", "不支持的写法"),
    ],
)
def test_refused_on_save(text, message):
    with pytest.raises(FormulaError, match=re.escape(message)):
        parse(text, known_names=KNOWN)


def test_names_used_are_listed():
    assert parse("(SUPPLY - REGISTERED) / SUPPLY", known_names=KNOWN).names == {"SUPPLY", "REGISTERED"}


def test_missing_value_and_zero_denominator():
    with pytest.raises(MissingValue) as missing:
        value("A / B", A=1, B=None)
    assert missing.value.name == "B"
    with pytest.raises(ZeroDenominator):
        value("A / (B - C)", A=1, B=2, C=2)
    # The branch not taken may divide by zero or lack data.
    assert value("if(B > 0, A / B, 0)", A=1, B=0) == 0
