"""indicators.vector_targets gives, row by row, what targets.check gives: the same status and
the same explanation, character for character. Every rule kind, nested any/all, units "%",
"万m³" and none, and wordings the demo does not have; values on every threshold, a millionth
either side, halves at the second place, zero, negatives and missing figures. No database."""

import random
from decimal import Decimal as D

import polars as pl
import pytest

from core.numbers import plain
from indicators.targets import RuleError, check
from indicators.vector_targets import number_text, target_columns

DEC = pl.Decimal(38, 18)
MILLIONTH = D("0.000001")
# Changes (in %) a year-on-year or base-year figure is made to move by: halves at the second
# place (5.005 rounds to 5.00, 5.015 to 5.02), and thresholds the rules below use.
MOVES = [D(x) for x in ("0", "0.005", "0.015", "2.5", "4.995", "5", "5.005", "5.015", "8.495", "8.505",
                        "10", "23", "22.995", "23.005", "100", "0.125", "33.335")]

LEAK = {"kind": "bound", "op": "le", "value": "8.5"}
YEARLY_FALL = {"kind": "change", "direction": "fall", "at_least": "5"}
NATIONAL = {"kind": "relative", "op": "lt", "factor": "0.5", "reference": "NATIONAL_IND_WATER"}
QUOTA = {"kind": "quota", "reference": "WATER_QUOTA"}
SINCE_2015 = {"kind": "change_vs_base", "base_year": 2015, "direction": "fall", "at_least": "23"}
BETWEEN = {"kind": "all", "rules": [{"kind": "bound", "op": "ge", "value": "45"},
                                    {"kind": "bound", "op": "le", "value": "60"}]}

RULES = [
    (LEAK, "%"),
    ({"kind": "bound", "op": "lt", "value": "12.25"}, "万m³"),
    ({"kind": "bound", "op": "ge", "value": "45"}, ""),
    ({"kind": "bound", "op": "gt", "value": "0.005"}, "%"),
    ({"kind": "bound", "op": "ge", "value": "-3.5"}, "万m³"),
    ({"kind": "bound", "op": "le", "value": "1E+2"}, "%"),
    ({"kind": "bound", "op": "gt", "value": "8.495"}, "L/人·日"),
    ({"kind": "exact", "value": "100"}, "%"),
    ({"kind": "exact", "value": "0"}, ""),
    ({"kind": "exact", "value": "8.505"}, "万m³"),
    (QUOTA, "万m³"),
    (NATIONAL, "m³/万元"),
    ({"kind": "relative", "op": "ge", "factor": "1.25", "reference": "PROVINCE_REUSE"}, "%"),
    ({"kind": "relative", "op": "gt", "factor": "0.333", "reference": "NATIONAL_IND_WATER"}, ""),
    ({"kind": "range", "min": "1.5", "max": "3", "min_inclusive": True, "max_inclusive": True}, "‰"),
    ({"kind": "range", "min": "1.5", "max": "3", "min_inclusive": False, "max_inclusive": False}, "%"),
    ({"kind": "range", "min": "-2", "max": "8.505", "max_inclusive": False}, "万m³"),
    ({"kind": "range", "min": "0", "max": "0.5", "min_inclusive": False}, ""),
    (YEARLY_FALL, "万m³"),
    ({"kind": "change", "direction": "growth", "at_least": "2.5"}, "%"),
    ({"kind": "change", "direction": "fall", "at_least": "0"}, ""),
    ({"kind": "change", "direction": "growth", "at_least": "5.005"}, "万m³"),
    (SINCE_2015, "万m³"),
    ({"kind": "change_vs_base", "base_year": 2020, "direction": "growth", "at_least": "10"}, "%"),
    ({"kind": "change_vs_base", "base_year": "2010", "direction": "fall", "at_least": "8.505"}, ""),
    ({"kind": "any", "rules": [NATIONAL, YEARLY_FALL]}, "m³/万元"),
    ({"kind": "any", "rules": [LEAK, YEARLY_FALL, SINCE_2015]}, "%"),
    ({"kind": "any", "rules": [QUOTA, {"kind": "any", "rules": [LEAK, BETWEEN]}]}, "万m³"),
    (BETWEEN, "%"),
    ({"kind": "all", "rules": [{"kind": "any", "rules": [NATIONAL, YEARLY_FALL]}, SINCE_2015, QUOTA]}, "万m³"),
    ({"kind": "all", "rules": [LEAK, {"kind": "all", "rules": [YEARLY_FALL, {"kind": "exact", "value": "8.5"}]},
                               {"kind": "range", "min": "8", "max": "9"}]}, ""),
    ({"kind": "any", "rules": [{"kind": "all", "rules": [QUOTA, LEAK]}, SINCE_2015,
                               {"kind": "change", "direction": "growth", "at_least": "5"}]}, "%"),
    ({"kind": "any", "rules": [LEAK]}, "%"),
    # Numbers stored as JSON numbers rather than strings, as a hand-edited rule may have them.
    ({"kind": "bound", "op": "ge", "value": 60}, "%"),
    ({"kind": "range", "min": 1.5, "max": 3, "min_inclusive": False}, "‰"),
    ({"kind": "change", "direction": "growth", "at_least": 2.5}, ""),
    ({"kind": "relative", "op": "le", "factor": 2, "reference": "NATIONAL_IND_WATER"}, "万m³"),
    ({"kind": "any", "rules": []}, "%"),
    ({"kind": "all", "rules": []}, "%"),
]


def _walk(rule):
    yield rule
    for branch in rule.get("rules", ()):
        yield from _walk(branch)


def _random_decimal(rng, magnitude=10**6):
    places = rng.randint(0, 6)
    return D(rng.randint(-magnitude * 10**places, magnitude * 10**places)).scaleb(-places)


def _around(number):
    """``number``, a millionth and a half-cent either side, and its negative."""
    return [number, number + MILLIONTH, number - MILLIONTH, number + D("0.005"), number - D("0.005"), -number]


def _origins(rng):
    """Previous-year or base-year figures: zero, negatives, numbers that divide badly, large ones."""
    fixed = [D(x) for x in ("100", "3", "7", "-3", "-100", "0.000001", "12.5", "8.495", "1")]
    return fixed + [_random_decimal(rng) for _ in range(20)] + [_random_decimal(rng, 10**12) for _ in range(10)]


def _moved(origin, rng):
    """A value that moved from ``origin`` by one of MOVES (either way), or a millionth off it."""
    change = rng.choice(MOVES) * rng.choice((1, -1))
    value = origin * (1 + change / 100)
    if abs(origin) > 10**9:
        # Large origins at six places: the quotient falls a hair off the half.
        value = value.quantize(MILLIONTH)
    return value + rng.choice((0, 0, 0, MILLIONTH, -MILLIONTH))


def first(figures):
    return next(iter(figures.values()), None)


def _rows(rule, rng, count=1500):
    rules = list(_walk(rule))
    thresholds = {D(r[key]) for r in rules for key in ("value", "min", "max") if key in r}
    values = [D(x) for x in ("0", "-0.001", "-0.005", "-0.0051", "-0.015", "0.005", "8.495", "8.505", "-8.495",
                             "12.5", "100", "99.995", "0.125", "1234567.891234")]
    values += [near for t in thresholds for near in _around(t)]
    values += [_random_decimal(rng) for _ in range(200)]
    codes = {r["reference"] for r in rules if "reference" in r}
    factors = [D(r["factor"]) for r in rules if "factor" in r] or [D(1)]
    years = {int(r["base_year"]) for r in rules if r.get("kind") == "change_vs_base"}
    origins = _origins(rng)
    rows = []
    for _ in range(count):
        previous = rng.choice([*origins, None])
        references = {code: rng.choice([*origins, *values[:20], None]) for code in codes}
        base = {year: rng.choice([*origins, None]) for year in years}
        how = rng.random()
        if how < 0.05:
            value = None
        elif how < 0.25 and previous not in (None, 0):
            value = _moved(previous, rng)
        elif how < 0.45 and first(base) not in (None, 0):
            value = _moved(first(base), rng)
        elif how < 0.6 and first(references) is not None:
            # On the quota, or on factor × the national figure, or a millionth off it.
            limit = first(references) * rng.choice([*factors, D(1)])
            value = limit + rng.choice((0, 0, MILLIONTH, -MILLIONTH))
        else:
            value = rng.choice(values)
        rows.append((value, previous, references, base))
    return rows


def _frame(rows):
    columns = {"value": [row[0] for row in rows], "previous": [row[1] for row in rows]}
    for code in rows[0][2]:
        columns[f"ref_{code}"] = [row[2][code] for row in rows]
    for year in rows[0][3]:
        columns[f"base_{year}"] = [row[3][year] for row in rows]
    return pl.DataFrame({name: pl.Series(name, data, dtype=DEC) for name, data in columns.items()})


def _mismatches(rule, unit, rows, with_previous=True):
    frame = _frame(rows)
    given = {"unit": unit, "value": pl.col("value"), "previous": pl.col("previous") if with_previous else None,
             "references": {code: pl.col(f"ref_{code}") for code in rows[0][2]},
             "base": {year: pl.col(f"base_{year}") for year in rows[0][3]}}
    lazy, status, explanation = target_columns(frame.lazy(), rule, **given)
    found = lazy.select(status, explanation).collect().rows()
    wrong = []
    for (value, previous, references, base), got in zip(rows, found, strict=True):
        expected = check(rule, value=value, unit=unit, previous=previous if with_previous else None,
                         references=references, base=base)
        if got != (expected.status, expected.explanation):
            wrong.append((value, previous, references, base, got, expected))
    return wrong


@pytest.mark.parametrize(("rule", "unit"), RULES, ids=[f"{i}-{r['kind']}" for i, (r, _) in enumerate(RULES)])
def test_every_row_says_what_check_says(rule, unit):
    rows = _rows(rule, random.Random(repr(rule)))
    wrong = _mismatches(rule, unit, rows)
    assert not wrong, f"{len(wrong)} of {len(rows)} rows differ, e.g. {wrong[:3]}"


@pytest.mark.parametrize("rule", [YEARLY_FALL, {"kind": "any", "rules": [NATIONAL, YEARLY_FALL]}])
def test_without_a_previous_column_change_rules_are_incomplete(rule):
    rows = _rows(rule, random.Random(7), count=300)
    assert not _mismatches(rule, "%", rows, with_previous=False)


def test_halves_of_a_change_round_to_even_as_python_does():
    """5.005 % → 5.00, 5.015 % → 5.02; exactly at_least meets it; a millionth less does not."""
    rows = [(D(v), D("100"), {}, {}) for v in ("94.995", "94.985", "95", "95.000001", "94.999999", "105.005",
                                               "105.015", "91.505", "91.495")]
    rows += [(D("200") - D("3") * D(k), D("3"), {}, {}) for k in range(1, 60)]
    assert not _mismatches(YEARLY_FALL, "%", rows)
    assert not _mismatches({"kind": "change", "direction": "growth", "at_least": "5.005"}, "%", rows)


def test_a_quotient_a_hair_off_a_half_is_rounded_from_the_exact_value():
    """A large previous figure puts (value - previous) / previous × 100 within 1e-18 of x.xx5:
    rounded at 18 places first it would be exactly the half and round the wrong way."""
    previous = D("2000000000000.000001")
    offsets = (D("1e-12"), D("-1e-12"), D("1e-15"), D("-1e-15"), D("0"))
    rows = [(previous * (1 + sign * move) + offset, previous, {}, {})
            for move in (D("0.05015"), D("0.05025")) for sign in (1, -1) for offset in offsets]
    assert not _mismatches(YEARLY_FALL, "万m³", rows)
    assert not _mismatches({"kind": "change", "direction": "growth", "at_least": "5"}, "%", rows)


def test_a_change_too_large_for_polars_decimals_is_still_told():
    """From a previous figure near zero the change exceeds what Decimal(38, 18) holds."""
    rows = [(D("123456789012.5"), D("0.000001"), {}, {}), (D("-99999999999.999999"), D("0.000003"), {}, {}),
            (D("5"), D("0.000001"), {}, {}), (D("1"), D("-0.000001"), {}, {})]
    assert not _mismatches(YEARLY_FALL, "%", rows)
    assert not _mismatches({"kind": "any", "rules": [LEAK, SINCE_2015, YEARLY_FALL]}, "%",
                           [(v, p, {}, {2015: p}) for v, p, _, _ in rows])


@pytest.mark.parametrize("places", [0, 1, 2, 4])
def test_number_text_is_plain_of_the_quantized_decimal(places):
    rng = random.Random(places)
    numbers = [D(x) for x in ("0", "-0.001", "-0.005", "-0.5", "-0.49", "0.5", "1.5", "2.5", "8.495", "8.505",
                              "100", "1000.00", "-100", "12.50", "0.000001", "-0.000001", "99999.99999")]
    numbers += [_random_decimal(rng) for _ in range(2000)] + [None]
    got = pl.DataFrame({"x": pl.Series(numbers, dtype=DEC)}).select(number_text(pl.col("x"), places))
    quantum = D(10) ** -places
    expected = [None if n is None else plain(n.quantize(quantum)) for n in numbers]
    assert got.to_series().to_list() == expected


@pytest.mark.parametrize("rule", [
    {"kind": "between"},
    {},
    {"kind": "bound", "op": "eq", "value": "1"},
    {"kind": "relative", "op": "ne", "factor": "0.5", "reference": "X"},
    {"kind": "any", "rules": [LEAK, {"kind": "all", "rules": [{"kind": "bound", "op": "about", "value": "2"}]}]},
])
def test_rules_check_cannot_read_are_refused(rule):
    with pytest.raises(RuleError):
        check(rule, value=D("1"), references={"X": D("1")})
    with pytest.raises(RuleError):
        target_columns(pl.LazyFrame(), rule, unit="%", value=pl.col("value"))
