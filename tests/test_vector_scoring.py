"""indicators.vector_scoring gives, row by row, exactly what scoring_rules.award gives: the
same points and the same sentence, for every kind of rule and option, on values exactly on
every step, line and unit boundary, 1e-6 either side, halves at every rounding place,
zero, negatives, nulls and random values."""

import random
from decimal import Decimal
from fractions import Fraction
from math import floor

import polars as pl
import pytest

from core.numbers import plain
from indicators.scoring_rules import _fmt, award, validate_scoring
from indicators.vector_numbers import NUMBER as DECIMAL
from indicators.vector_numbers import plain_expr
from indicators.vector_scoring import award_columns, award_plan, floor_ratio, fmt_expr, in_python

STATUSES = ["met", "not_met", "incomplete", None]
PREVIOUS = ["100", "80", "3", "7", "250.5", "-40", "0.37", "0", None]
TINY = Decimal("0.000001")


def _steps(*steps, better="higher", **extra):
    rule = {"kind": "steps", "better": better, "steps": [], **extra}
    for low, high, points in steps:
        step = {"points": points}
        if low is not None:
            step["from"] = low
        if high is not None:
            step["to"] = high
        rule["steps"].append(step)
    return rule


def _per_unit(better, at_line, size, **extra):
    return {"kind": "per_unit", "better": better, "at_line": at_line, "unit": size, **extra}


FALL_STEPS = _steps(("3", "5", "2"), ("5", "8", "4"), ("8", None, "6"), measure="fall")

# (rule, full, name, unit): the demo's rules and many it does not have.
RULES = [
    ({}, "6", "用水定额管理", ""),
    ({"kind": "all"}, "2.5", "计量", ""),
    ({"kind": "all", "measure": "fall"}, "0.25", "计量", ""),
    ({"kind": "all"}, "0", "用水总量", "万m³"),
    (_steps(("5", "10", "2"), ("10", "15", "4"), ("15", None, "6")), "6", "节水型企业建成率", "%"),
    (FALL_STEPS, "6", "万元工业增加值用水量降幅", "m³/万元"),
    (FALL_STEPS, "6", "万元工业增加值用水量", "m³/万元"),
    (_steps((None, "10", "6"), ("10", "20", "3"), ("20", "30", "1.25"), better="lower"), "6", "漏损率", "%"),
    (_steps((None, "0.5", "0"), ("0.5", None, "4")), "4", "灌溉水有效利用系数", ""),
    (_steps(("0", "2.5", "1"), ("2.5", "7.5", "2.55"), ("7.5", None, "3"), measure="growth"), "3", "非常规水源利用量",
     "万m³"),
    (_steps(("-5", "0.125", "0.04"), ("0.125", "1", "0.05"), ("1", "2", "0.15")), "1", "比例", "‰"),
    (_steps(("2", "4", "3"), ("4", "9.995", "1"), better="lower", measure="fall"), "3", "降幅", ""),
    (_steps(("", "1", "2"), ("1", "", "1"), better="lower"), "2", "人均用水量", "L/人·日"),
    (_steps(("1", None, "5")), "5", "覆盖率", "%"),
    (_per_unit("higher", "6", "1", line="5", penalty="2", floor="0", count="started", measure="fall"), "6",
     "万元国内生产总值用水量降幅", "m³/万元"),
    (_per_unit("higher", "6", "5", line="90", penalty="1", floor="0"), "6", "计划用水覆盖率", "%"),
    (_per_unit("higher", "4", "1", line="5", penalty="1", floor="0"), "4", "节水型居民小区建成率", "%"),
    (_per_unit("lower", "6", "1", line="10", bonus="2", bonus_cap="4", worse="zero"), "10", "公共供水管网漏损率", "%"),
    (_per_unit("lower", "5", "0.5", reference="WATER_QUOTA", penalty="1.5", floor="1", count="exact", bonus="0.75",
               bonus_cap="2.5"), "8", "用水总量", "万m³"),
    (_per_unit("higher", "4", "3", line="12.5", count="exact", bonus="1", penalty="0.7", floor="0.3"), "10", "率", "%"),
    (_per_unit("higher", "2", "2", line="0", count="started", bonus="0.25", bonus_cap="1", penalty="0.5",
               measure="growth"), "3", "非常规水源利用量", "万m³"),
    (_per_unit("lower", "10", "7", line="75", count="exact", bonus="7", bonus_cap="10", penalty="7"), "20", "定额", ""),
    (_per_unit("higher", "10", "3", line="-2", count="exact", bonus="3", penalty="3", floor="0.05"), "20", "率", "%"),
    (_per_unit("higher", "5", "1", reference="NOT_GIVEN", bonus="1"), "6", "率", "%"),
    (_per_unit("lower", "2", "0.25", line="3", count="exact", bonus="0.1", penalty="0.35", measure="fall"), "4",
     "万元用水量", "m³"),
    (_per_unit("higher", "5.25", "1", line="60", count="whole", bonus="0.35", bonus_cap="0.75", penalty="1.15",
               floor="0.45"), "6.05", "比例", "%"),
    (_per_unit("higher", "5", "1", line="1", bonus="1"), "6", "率", "%"),
    (_per_unit("lower", "3", "0.2", reference="WATER_QUOTA", count="started", penalty="0.05", worse="deduct",
               measure="growth"), "3", "用水量增幅", "万m³"),
    (_per_unit("higher", "0", "1", line="50", bonus="0.01", count="exact", worse="zero"), "0.1", "率", "%"),
    (_per_unit("higher", "1", "0.5", line="1.5", bonus="2", bonus_cap="3", penalty="0.4", count="exact",
               measure="growth"), "4", "利用量", "万m³"),
    (_per_unit("higher", "1", "1", line="2", bonus="3", penalty="3", count="exact", measure="growth"), "4", "量", ""),
    (_per_unit("higher", "2", "1", line="5", bonus="0", bonus_cap="0", penalty="2", floor="1"), "2", "率", "%"),
]
# Rules ``award_plan`` leaves to ``award`` itself (see ``in_python``); all others are Polars.
IN_PYTHON = {19, 21, 22, 24, 30}


def _decimal(number):
    """``number`` if Decimal(38, 18) holds it exactly, else None."""
    return number if number == number.quantize(Decimal("1e-18")) and abs(number) < Decimal("1e19") else None


def _points_of(rule):
    """The measured numbers where the rule decides something, or rounds."""
    found = {Decimal(0)}
    for step in rule.get("steps", []):
        found |= {Decimal(str(step[key])) for key in ("from", "to") if step.get(key) not in (None, "")}
    if "line" in rule or "reference" in rule:
        line, size = Decimal(str(rule.get("line", 10))), Decimal(str(rule["unit"]))
        found |= {line + k * size for k in range(-6, 7)}
        for key in ("bonus", "penalty"):
            each = Decimal(str(rule.get(key, 0)))
            if each:  # margins where the points are a half at one place
                found |= {line + sign * (Decimal(k) / 20) / each * size for k in range(1, 60, 2) for sign in (1, -1)}
    return found


def _measured_values(rule, rng):
    """Measured numbers: every decision point exactly, ±1e-6, a grid of halves at 0.01
    around them, and random numbers with up to 6 places, negatives and zero among them."""
    values = set()
    for point in _points_of(rule):
        point = point.quantize(TINY) if point != point.quantize(TINY) else point
        values |= {point, point + TINY, point - TINY, point + 10 * TINY, point - 10 * TINY}
        values |= {point + Decimal(k) / 200 for k in range(-12, 13)}
        values |= {point + Decimal("1e-18"), point - Decimal("1e-18"), point + Decimal("3e-12")}
    values |= {Decimal(rng.randint(-3_000_000_000, 3_000_000_000)) / 10 ** rng.randint(0, 6) for _ in range(400)}
    values |= {Decimal("-0.004"), Decimal("-0.005"), Decimal("0.005"), Decimal("-0.000001")}
    return values


def _cases(rule, rng):
    """(value, previous, reference, status) rows for ``rule``."""
    rows = []
    measure = rule.get("measure", "value")
    references = [Decimal("10"), Decimal("12.345"), Decimal("-3"), Decimal("0"), None]
    for measured in sorted(_measured_values(rule, rng)):
        if measure == "value":
            rows.append((measured, None))
            continue
        for previous in PREVIOUS:
            if previous is None or previous == "0":
                rows.append((measured, None if previous is None else Decimal(0)))
                continue
            previous = Decimal(previous)
            change = measured if measure == "growth" else -measured
            value = _decimal(previous * (1 + change / 100))
            if value is not None:
                rows.append((value, previous))
                rows.append((value + TINY, previous))
        # Last year's value at random: this year's the nearest to a change of ``measured``.
        previous = Decimal(rng.randint(-10 ** 9, 10 ** 12)) / 10 ** rng.randint(0, 6) or Decimal(1)
        change = measured if measure == "growth" else -measured
        rows.append(((previous * (1 + change / 100)).quantize(TINY), previous))
    rows.append((None, Decimal("100")))
    rows.append((Decimal(5), Decimal(5)))
    rows.append((Decimal(-5), Decimal(-5)))
    # The reference line is mostly 10, where the decision points were placed.
    return [(value, previous, rng.choice(references) if rng.random() < 0.2 else references[0], rng.choice(STATUSES))
            for value, previous in rows]


@pytest.mark.parametrize(("rule", "full", "name", "unit"), RULES, ids=[str(i) for i in range(len(RULES))])
def test_same_as_award(rule, full, name, unit):
    validate_scoring(rule, full=full)
    assert in_python(rule) == (RULES.index((rule, full, name, unit)) in IN_PYTHON)
    rng = random.Random(f"{rule}{full}")
    cases = _cases(rule, rng)
    schema = {"value": DECIMAL, "previous": DECIMAL, "reference": DECIMAL, "status": pl.String}
    frame = pl.DataFrame(cases, schema=schema, orient="row")
    staged, points, text = award_columns(frame.lazy(), rule, full=Decimal(full), name=name, unit=unit,
                                         status=pl.col("status"), value=pl.col("value"), previous=pl.col("previous"),
                                         references={"WATER_QUOTA": pl.col("reference")})
    got = staged.select(points=points, text=text).collect()
    assert got.schema == {"points": pl.Decimal(38, 1), "text": pl.String}
    wrong = []
    for (value, previous, reference, status), (points, text) in zip(cases, got.rows(), strict=True):
        expected = award(rule, full=Decimal(full), name=name, unit=unit, status=status, value=value, previous=previous,
                         references={"WATER_QUOTA": reference})
        same_points = (points is None and expected.points is None) or (
            points is not None and expected.points is not None and str(points) == str(expected.points))
        if not same_points or text != expected.text:
            wrong.append((value, previous, reference, status, points, text, expected))
    assert not wrong, f"{len(wrong)} of {len(cases)} differ, e.g. {wrong[:3]}"
    assert len(cases) > 100


def test_no_previous_expression_is_missing_last_year():
    rule = RULES[5][0]
    frame = pl.DataFrame({"value": [Decimal("3")]}, schema={"value": DECIMAL})
    staged, points, text = award_columns(frame.lazy(), rule, full=Decimal(6), name="降幅", unit="",
                                         status=pl.lit("met"), value=pl.col("value"))
    expected = award(rule, full=6, name="降幅", value=Decimal(3)).text
    assert staged.select(points, text).collect().rows() == [(None, expected)]


def test_judged_is_refused():
    with pytest.raises(ValueError):
        award_plan({"kind": "judged"}, full=Decimal(6), name="x", unit="", status=pl.lit("met"), value=pl.lit(None))


def test_steps_award_cannot_score_are_refused():
    """A lower-is-better rule whose last step has no end but whose first has a start: award
    fails for a value below the first step, so the rule is refused rather than guessed."""
    rule = _steps(("2", "4", "3"), ("4", None, "1"), better="lower")
    validate_scoring(rule, full="3")
    with pytest.raises(KeyError):
        award(rule, full=Decimal(3), name="x", value=Decimal(1))
    with pytest.raises(ValueError):
        award_plan(rule, full=Decimal(3), name="x", unit="", status=pl.lit("met"), value=pl.col("value"))


def test_number_texts_are_plain_and_fmt():
    rng = random.Random(7)
    numbers = [Decimal(rng.randint(-10 ** 12, 10 ** 12)) / 10 ** rng.randint(0, 8) for _ in range(3000)]
    numbers += [Decimal(k) / 1000 for k in range(-30, 31)]
    numbers += [Decimal("12345678901234567890.125"), Decimal("-9999999999999999999.995"), Decimal("100"),
                Decimal("0.000000000000000001"), Decimal("1E+3"), Decimal("0")]
    frame = pl.DataFrame({"n": numbers}, schema={"n": DECIMAL})
    got = frame.select(plain=plain_expr(pl.col("n")), fmt=fmt_expr(pl.col("n"), "%"))
    assert got["plain"].to_list() == [plain(n) for n in numbers]
    assert got["fmt"].to_list() == [_fmt(n, "%") for n in numbers]
    assert frame.select(plain_expr(pl.lit(None, dtype=DECIMAL))).item() is None


def test_floor_ratio_rounds_down_exactly():
    rng = random.Random(11)
    numbers = [Decimal(rng.randint(-10 ** 26, 10 ** 26)) / 10 ** 18 for _ in range(3000)]
    numbers += [Decimal(k) / 10 ** 18 for k in range(-40, 41)] + [Decimal("0.45"), Decimal("-0.45"), Decimal(7)]
    frame = pl.DataFrame({"n": numbers}, schema={"n": DECIMAL})
    for ratio in (Fraction(3, 2), Fraction(1, 100), Fraction(7, 3), Fraction(1, 7), Fraction(5), Fraction(2, 9)):
        got = frame.select(floor_ratio(pl.col("n"), ratio)).to_series().to_list()
        exact = [Decimal(floor(Fraction(n) * ratio * 10 ** 18)) / 10 ** 18 for n in numbers]
        assert got == exact, ratio
