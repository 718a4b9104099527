"""Scoring rules (``indicators.scoring_rules``) compiled to Polars expressions: for every row
the points and the sentence ``scoring_rules.award`` gives, exactly, so a whole batch of
regions is scored in one pass instead of one ``award`` call a row.

Numbers are Polars Decimal(38, 18). What the rule says (lines, steps, points, their words)
is worked out in Python once, with ``scoring_rules``' own helpers; only what depends on the
row is an expression. Rounding follows the Python code, on the Decimals themselves:
``_pts`` and ``_fmt`` round a half away from zero (Polars' ``half_away_from_zero`` is
ROUND_HALF_UP), whole and started units are an exact floor and ceiling (``//``), and
units counted in proportion are rounded down (a bonus) or up (a deduction) to 18 places,
exactly, which keeps every comparison with a half at one place (``floor_ratio``).

How far that is exact. On the value itself: wherever Python's own arithmetic is (the
differences and quotients it takes fit its 28 significant digits, as they do for values
below 1e8 with any number of places up to 18). On a change on last year: Python's change
has 28 significant digits, Polars' 18 places, so they agree unless the exact change lies
within 5e-19 of a step, a line, a unit or a rounding half without being on it; with values
written to 6 places that cannot happen while last year's value is below 1e8 in size. A
few rules in proportion are left to ``award`` itself (``in_python``). A change or margin
beyond ±1e20, which Decimal(38, 18) cannot hold, raises a ComputeError where Python would
write it out.
"""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import polars as pl

from core.numbers import plain

from .scoring_rules import _fmt, _pts, award
from .targets import MET
from .vector_numbers import NUMBER as DECIMAL
from .vector_numbers import decimal_lit, plain_expr

POINTS = pl.Decimal(38, 1)
INCOMPLETE_TEXT = "数据不全，暂不计分"
NO_PREVIOUS_TEXT = "缺少上年数值，无法计算年变化率，暂不计分"
_SCORED = pl.Struct({"points": POINTS, "text": pl.String})


def fmt_expr(number, unit="", negative_zero=None):
    """``scoring_rules._fmt`` of a Decimal expression: rounded to 0.01 a half away from zero,
    written as ``plain`` writes it, then ``unit``. Like Python it writes “-0” for a negative
    number that rounds to zero; ``negative_zero`` (a boolean expression) marks the rows where
    Python's number is a zero carrying a minus sign (Polars cannot hold one)."""
    rounded = number.round(2, mode="half_away_from_zero")
    minus_zero = (number < 0) & (rounded == 0)
    if negative_zero is not None:
        minus_zero = minus_zero | negative_zero
    text = pl.when(minus_zero).then(pl.lit("-0")).otherwise(plain_expr(rounded, 2))
    return pl.concat_str(text, pl.lit(unit)) if unit else text


@dataclass(frozen=True)
class AwardPlan:
    """A rule compiled to columns: the stages of intermediate results (each a tuple of named
    expressions reading only the stages before it), then the points and the text. A result
    is a column worked out once and read wherever it is used; as a nested expression it
    would be worked out again at every use."""

    stages: tuple
    points: pl.Expr
    text: pl.Expr

    def applied(self, frame):
        """(``frame`` with the intermediate columns, points, text)."""
        for stage in self.stages:
            frame = frame.with_columns(stage)
        return frame, self.points, self.text


def award_plan(rule, *, full, name, unit, status, value, previous=None, references=None, prefix="award__"):
    """The ``AwardPlan`` of ``rule``: ``full`` Decimal, ``name``/``unit`` str constants;
    ``status``: pl.Expr of the item's status string; ``value``: pl.Expr Decimal nullable;
    ``previous``: pl.Expr or None; ``references``: {code: pl.Expr}; intermediate columns are
    named ``prefix``…. Points as Decimal with one place (as award gives; null where award
    gives None)."""
    full = Decimal(full)
    rule = rule or {"kind": "all"}
    kind = rule.get("kind", "all")
    if kind == "judged":
        raise ValueError("专家评分的项目不按规则计算，由专家评分给出")
    if kind == "all":
        points, text = _all(full, status)
        return AwardPlan((), points, text)
    references = references or {}
    if in_python(rule):
        return _in_python(rule, full, name, unit, status, value, previous, references)
    row = _Row(prefix)
    row.add(value=value.cast(DECIMAL), previous=_decimal_or_null(previous),
            line=_decimal_or_null(references.get(rule.get("reference"))))
    row.add(**_measured(rule, row.field))
    label, unit = _label(rule, name, unit)
    if kind == "steps":
        (points, text), words = _steps(rule, unit, row.field), {}
    else:
        _per_unit_numbers(rule, full, row)
        (points, text), words = _per_unit(rule, unit, row.field), _per_unit_words(rule, unit, row.field)
    points = pl.when(row.field("missing").is_null()).then(points).cast(POINTS)
    row.add(shown=pl.concat_str(pl.lit(label), fmt_expr(row.field("measured"), unit, row.field("negative_zero"))),
            **words)
    return AwardPlan(tuple(row.stages), points, pl.coalesce(row.field("missing"), text))


def award_columns(frame, rule, **arguments):
    """(``frame``, a LazyFrame, with the intermediate columns of ``rule``; the points; the
    text), ``award_plan``'s arguments."""
    return award_plan(rule, **arguments).applied(frame)


class _Row:
    """A row's intermediate results as columns named ``prefix``…, added stage by stage."""

    def __init__(self, prefix):
        self.prefix, self.stages = prefix, []

    def field(self, name):
        return pl.col(self.prefix + name)

    def add(self, **fields):
        """A stage: its fields read the stages before it, not each other."""
        self.stages.append(tuple(expr.alias(self.prefix + name) for name, expr in fields.items()))


def _decimal_or_null(number):
    return pl.lit(None, dtype=DECIMAL) if number is None else number.cast(DECIMAL)


def in_python(rule):
    """Whether ``award_plan`` scores ``rule`` by calling ``award`` row by row: a rule
    counting in proportion (``"count": "exact"``) whose unit, or whose bonus or penalty on a
    change on last year, has a factor other than 2 and 5 (a unit of 3, a bonus of 3 per
    percent of fall). There ``award`` divides by the unit to 28 digits and then multiplies,
    and its points on a value exactly at a half come out of that rounding (a margin of 9.05
    over a unit of 3 at 3 points a unit deducts 9.1, not 9.05), which 18 places do not
    reproduce. Every other rule is computed in Polars."""
    if not rule or rule.get("kind") != "per_unit" or rule.get("count", "whole") != "exact":
        return False
    factors = [rule["unit"]]
    if rule.get("measure", "value") != "value":
        factors += [rule.get("bonus", 0), rule.get("penalty", 0)]
    return not all(_only_twos_and_fives(Decimal(str(factor))) for factor in factors)


def _only_twos_and_fives(number):
    """Whether dividing by ``number`` always ends (0.25, 5, 12.5), unlike 3 or 1.5."""
    digits = int("".join(map(str, number.as_tuple().digits)))
    for prime in (2, 5):
        while digits and digits % prime == 0:
            digits //= prime
    return digits in (0, 1)


def _in_python(rule, full, name, unit, status, value, previous, references):
    """``award`` itself on every row, for a rule ``in_python``."""
    code = rule.get("reference")
    nothing = pl.lit(None, dtype=DECIMAL)
    inputs = pl.struct(status=status.cast(pl.String), value=value.cast(DECIMAL),
                       previous=nothing if previous is None else previous.cast(DECIMAL),
                       reference=references.get(code, nothing).cast(DECIMAL) if code else nothing)

    def scored(rows):
        awards = [award(rule, full=full, name=name, unit=unit, status=row["status"], value=row["value"],
                        previous=row["previous"], references={code: row["reference"]} if code else {})
                  for row in rows.to_list()]
        return pl.Series([{"points": a.points, "text": a.text} for a in awards], dtype=_SCORED)

    both = inputs.map_batches(scored, return_dtype=_SCORED)
    return AwardPlan((), both.struct.field("points"), both.struct.field("text"))


def _all(full, status):
    met, not_met = status == MET, status == "not_met"
    points = pl.when(met).then(decimal_lit(_pts(full))).when(not_met).then(decimal_lit(0)).otherwise(None)
    text = (pl.when(met).then(pl.lit(f"达到要求，得{plain(full)}分"))
            .when(not_met).then(pl.lit(f"未达到要求，不得分（满分{plain(full)}分）"))
            .otherwise(pl.lit(INCOMPLETE_TEXT)))
    return points.cast(POINTS), text


def _label(rule, name, unit):
    """How ``scoring_rules._measured`` calls the number scored, and its unit."""
    measure = rule.get("measure", "value")
    if measure == "value":
        return name, unit
    # An item named for its change ("万元GDP用水量降幅") is not called "…降幅较上年降幅".
    word = "降幅" if measure == "fall" else "增幅"
    return (name if name.endswith(word) else f"{name}较上年{word}"), "%"


def _measured(rule, field):
    """Fields ``measured`` (the number scored), ``missing`` (why it cannot be scored, or
    null) and ``negative_zero`` (Python's number is -0): ``scoring_rules._measured``."""
    value, previous = field("value"), field("previous")
    measure = rule.get("measure", "value")
    incomplete = pl.when(value.is_null()).then(pl.lit(INCOMPLETE_TEXT)).otherwise(pl.lit(None, dtype=pl.String))
    if measure == "value":
        return {"measured": value, "missing": incomplete, "negative_zero": pl.lit(False)}
    divisor = pl.when(previous != 0).then(previous)  # null, not a division error, for zero
    # Python divides first, then multiplies by 100; multiplying first keeps two more places here,
    # for every difference small enough to be multiplied within Decimal(38, 18).
    difference = value - previous
    small = pl.when(difference.abs() < decimal_lit("1e17")).then(difference)
    change = pl.coalesce(small * decimal_lit(100) / divisor, difference / divisor * decimal_lit(100))
    missing = pl.coalesce(incomplete, pl.when(divisor.is_null()).then(pl.lit(NO_PREVIOUS_TEXT)))
    if measure == "fall":
        return {"measured": -change, "missing": missing, "negative_zero": pl.lit(False)}
    # Decimal gives 0 / a negative number as -0, which _fmt writes “-0”.
    return {"measured": change, "missing": missing, "negative_zero": (value == previous) & (previous < 0)}


def _bound(step, key):
    return Decimal(str(step[key])) if step.get(key) not in (None, "") else None


def _steps(rule, unit, field):
    """(points, text) of a row's fields: ``scoring_rules._steps``."""
    value = field("measured")
    higher = rule["better"] == "higher"
    steps = rule["steps"]
    points = tail = pl  # each step adds a .when(…).then(…); the chain starts at pl.when
    for step in steps:
        low, high = _bound(step, "from"), _bound(step, "to")
        if higher:
            inside = _all_true(value >= decimal_lit(low) if low is not None else None,
                               value < decimal_lit(high) if high is not None else None)
            where = f"达到{_fmt(low, unit)}" + ("以上" if high is None else "") if low is not None \
                else f"低于{_fmt(high, unit)}"
        else:
            inside = _all_true(value > decimal_lit(low) if low is not None else None,
                               value <= decimal_lit(high) if high is not None else None)
            where = f"不高于{_fmt(high, unit)}" if high is not None else f"高于{_fmt(low, unit)}"
        awarded = _pts(Decimal(str(step["points"])))
        said = f"得{plain(awarded)}分" if awarded else "不得分"
        points = points.when(inside).then(decimal_lit(awarded))
        tail = tail.when(inside).then(pl.lit(f"，{where}，{said}"))
    return (points.otherwise(decimal_lit(0)),
            pl.concat_str(field("shown"), tail.otherwise(pl.lit(_outside(steps, higher, unit)))))


def _all_true(*conditions):
    """The conditions that are given, all of them (a step open at one end has one)."""
    given = [condition for condition in conditions if condition is not None]
    return pl.all_horizontal(given) if given else pl.lit(True)


def _outside(steps, higher, unit):
    """What ``_steps`` says of a value outside every step. Python reads the first step's
    ``from`` (the last step's ``to``) there; a rule that leaves it out while the other end
    is bounded makes ``award`` fail (KeyError) for such a value, so it is refused here."""
    end = _bound(steps[0], "from") if higher else _bound(steps[-1], "to")
    far = _bound(steps[-1], "to") if higher else _bound(steps[0], "from")
    if end is None:
        if far is None:
            return ""  # the steps cover every value
        raise ValueError("分档规则的首档缺少起点（或末档缺少终点）而另一端有界，scoring_rules.award 对档外数值会出错")
    return f"，未达到{_fmt(end, unit)}，不得分" if higher else f"，高于{_fmt(end, unit)}，不得分"


def _per_unit_numbers(rule, full, row):
    """Adds to ``row`` the numbers of ``scoring_rules._per_unit``: ``margin`` (past the line,
    in the better direction), ``bonus`` (capped), ``no_bonus``, ``raised`` (the points at
    or past the line), ``lowered`` (the points short of it, when deducted), and ``missing``
    saying also when the reference line is missing."""
    at_line, size = Decimal(str(rule["at_line"])), Decimal(str(rule["unit"]))
    count = rule.get("count", "whole")
    each, penalty = Decimal(str(rule.get("bonus", 0))), Decimal(str(rule.get("penalty", 0)))
    if "reference" in rule:
        line = row.field("line")
        unreferenced = pl.when(line.is_null()).then(pl.lit(f"缺少参考值{rule['reference']}，暂不计分"))
        row.add(missing=pl.coalesce(row.field("missing"), unreferenced))
    else:
        line = decimal_lit(rule["line"])
    higher = rule["better"] == "higher"
    row.add(margin=row.field("measured") - line if higher else line - row.field("measured"))
    margin = row.field("margin")

    row.add(bonus=_earned(margin, size, count, each),
                                 deduction=_earned(-margin, size, count, penalty, down=False))
    bonus = row.field("bonus")
    # In proportion a tiny bonus may round to 0 at 18 places, never at Python's 28 digits.
    no_bonus = (margin == 0) | pl.lit(not each) if count == "exact" else bonus == 0
    if "bonus_cap" in rule:
        cap = Decimal(str(rule["bonus_cap"]))
        bonus = pl.when(bonus > decimal_lit(cap)).then(decimal_lit(cap)).otherwise(bonus)
        no_bonus = no_bonus | pl.lit(not cap)
    raised = decimal_lit(at_line) + bonus
    lowered, floor = decimal_lit(at_line) - row.field("deduction"), decimal_lit(rule.get("floor", 0))
    row.add(
        bonus=bonus, no_bonus=no_bonus,
        raised=_round_points(pl.when(raised > decimal_lit(full)).then(decimal_lit(full)).otherwise(raised)),
        lowered=_round_points(pl.when(lowered < floor).then(floor).otherwise(lowered)))


def _per_unit_words(rule, unit, field):
    """The numbers ``_per_unit`` writes, each written once (a text field of the row)."""
    at_line = decimal_lit(rule["at_line"])
    words = {"margin_text": fmt_expr(field("margin").abs(), unit), "raised_text": plain_expr(field("raised"), 1),
             "bonus_text": plain_expr(_round_points(field("bonus")), 1),
             "lowered_text": plain_expr(field("lowered"), 1),
             "deducted_text": plain_expr(_round_points(at_line - field("lowered")), 1)}
    if "reference" in rule:
        words["line_text"] = fmt_expr(field("line"), unit)
    return words


def _per_unit(rule, unit, field):
    """(points, text) of a row's fields (``_per_unit_numbers``, ``_per_unit_words``):
    ``scoring_rules._per_unit``. The margin is written without its sign: it is past the line
    in the better direction, and Python writes it negated in the worse."""
    higher = rule["better"] == "higher"
    better_word, worse_word = ("高于", "低于") if higher else ("低于", "高于")
    at_line = Decimal(str(rule["at_line"]))
    line = field("line_text") if "reference" in rule else pl.lit(_fmt(Decimal(str(rule["line"])), unit))
    shown, margin = field("shown"), field("margin")
    reached = pl.when(margin == 0).then(pl.lit("达到标准")).otherwise(pl.lit(f"{better_word}标准"))
    better_text = pl.when(field("no_bonus")).then(
        pl.concat_str(shown, pl.lit("，"), reached, line, pl.lit("，得"), field("raised_text"), pl.lit("分"))
    ).otherwise(pl.concat_str(
        shown, pl.lit(f"，{better_word}标准"), line, pl.lit("共"), field("margin_text"),
        pl.lit(f"，得{plain(at_line)}分，加"), field("bonus_text"), pl.lit("分，共"), field("raised_text"),
        pl.lit("分")))
    if rule.get("worse", "deduct") == "zero":
        worse_points = decimal_lit(0)
        worse_text = pl.concat_str(shown, pl.lit(f"，{worse_word}标准"), line, pl.lit("，不得分"))
    else:
        worse_points = field("lowered")
        worse_text = pl.concat_str(
            shown, pl.lit(f"，{worse_word}标准"), line, pl.lit("共"), field("margin_text"),
            pl.lit("，扣"), field("deducted_text"), pl.lit("分，得"), field("lowered_text"), pl.lit("分"))
    better = margin >= 0
    return (pl.when(better).then(field("raised")).otherwise(worse_points),
            pl.when(better).then(better_text).otherwise(worse_text))


def _earned(margin, size, count, each, down=True):
    """``_units(margin, size, count) * each`` for a margin ≥ 0 (on other rows the result is
    not used). Whole and started units are exact. In proportion the product has more places
    than 18: it is rounded ``down`` (else up) to 18, which keeps every comparison with a
    number of 18 places, so the points it rounds to (a half up, at one place) are exact."""
    if count == "exact":
        ratio = Fraction(each) / Fraction(size)
        return floor_ratio(margin, ratio) if down else -floor_ratio(-margin, ratio)
    whole = margin // decimal_lit(size) if count == "whole" else -((-margin) // decimal_lit(size))
    return whole * decimal_lit(each)


def floor_ratio(number, ratio):
    """``number`` × ``ratio`` (a Fraction) rounded down to 18 places, exactly: Polars rounds a
    quotient to the nearest 18th place, so the remainder says when it went up."""
    product = number * decimal_lit(ratio.numerator)
    if ratio.denominator == 1:
        return product
    under = decimal_lit(ratio.denominator)
    whole = product // under
    rest = product - whole * under  # exact, 0 ≤ rest < under
    part = rest / under
    return whole + pl.when(part * under > rest).then(part - decimal_lit("1e-18")).otherwise(part)


def _round_points(number):
    """``scoring_rules._pts``: to one place, a half away from zero (ROUND_HALF_UP)."""
    return number.round(1, mode="half_away_from_zero")
