"""Target rules (see ``indicators.targets``) as Polars expressions: for every row the status and
the Chinese explanation ``targets.check`` gives, character for character, without a Python call
per row.

Decimal arithmetic: comparisons are made on exact Decimal values, multiplied out where
``check`` divides (a year-on-year change is compared as ``(value - previous) * 100`` against
``at_least * previous``), so no rounded quotient decides a status. Python rounds that quotient
to 28 significant digits first; the two agree while |previous| × 10^(its decimal places + the
rule's) stays below about 1e20 (figures with 6 places: below 1e14), and Polars' Decimal(38, 18)
needs |value - previous| × 10^4 below 1e20. Products (factor × reference, at_least × previous)
are exact while the operands' places add up to 18 or fewer.
"""

from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from core.numbers import plain
from indicators import targets
from indicators.targets import INCOMPLETE, MET, NOT_MET, OPS, RELATIONS, RuleError, describe, fmt
from indicators.vector_numbers import NUMBER as DECIMAL
from indicators.vector_numbers import decimal_lit, plain_expr

HALF = Decimal("0.5")


def number_text(expr, places=2):
    """``plain(Decimal(x).quantize(Decimal(10) ** -places))`` for a Decimal expression: rounded half
    to even, trailing zeros dropped ("12.50" → "12.5", "3.00" → "3", "100" stays "100"), "-0" for a
    negative that rounds to zero (as Python's quantize keeps the sign), null for null.
    ``places`` ≥ 0; ``fmt(x, unit)`` is ``number_text(x) + unit``."""
    rounded = expr.round(places)
    return pl.when((expr < 0) & (rounded == 0)).then(pl.lit("-0")).otherwise(plain_expr(rounded, places))


def target_columns(frame, rule, *, unit, value, previous=None, references=None, base=None, prefix="target__"):
    """(``frame``, a LazyFrame, with each intermediate result of ``rule`` as a column named
    ``prefix``…, added one ``with_columns`` after another; the status expression; the
    explanation expression). ``value``: a pl.Expr of Decimal (nullable); ``previous``: pl.Expr
    of last year's value or None (no column → as check's previous=None); ``references``:
    {code: pl.Expr}; ``base``: {year (int): pl.Expr}. Raises targets.RuleError where check would
    for an unknown kind / op (here whatever the values, check only for a row that has a value).

    Columns rather than one nested struct of every intermediate result: the struct cost Polars
    tens of milliseconds to plan however few the rows (an approval recomputes one region),
    the columns a few."""
    return target_plan(rule, unit=unit, value=value, previous=previous, references=references, base=base,
                       prefix=prefix).applied(frame)


@dataclass(frozen=True)
class TargetPlan:
    """A rule compiled for ``target_columns``: the expressions do not depend on the rows, so
    an engine may keep the plan of a rule it meets again."""

    inputs: tuple  # expressions of the inputs, named
    steps: tuple  # the intermediate results, in order
    status: pl.Expr
    explanation: pl.Expr

    def applied(self, frame):
        """(``frame`` with the intermediate columns, status, explanation)."""
        frame = frame.with_columns(*self.inputs)
        for step in self.steps:
            frame = frame.with_columns(step)
        return frame, self.status, self.explanation


def target_plan(rule, *, unit, value, previous=None, references=None, base=None, prefix="target__"):
    """The ``TargetPlan`` of ``rule``, as ``target_columns`` takes its arguments."""
    plan = _Plan(unit, value, previous, references or {}, base or {}, prefix=prefix)
    status, explanation = _compile(rule, plan)
    inputs = tuple(expr.cast(DECIMAL).alias(prefix + name) for name, expr in plan.columns.items())
    return TargetPlan(inputs, tuple(plan.steps), plan.ref(status), plan.ref(explanation))


class _Plan:
    """A rule's intermediate results, each worked out once: columns named ``prefix``… added one
    after another. Written as one nested expression, a result used in several places (a
    branch's status in any/all, a quotient in its rounding) would be copied into each, and
    nested rules multiply the copies."""

    def __init__(self, unit, value, previous, references, base, *, prefix):
        self.prefix = prefix
        self.unit = f"{unit}"
        self.columns = {"value": value}
        if previous is not None:
            self.columns["previous"] = previous
        self.references = {}
        for index, (code, expr) in enumerate(references.items()):
            self.columns[f"reference_{index}"] = expr
            self.references[code] = self.ref(f"reference_{index}")
        self.base = {}
        for year, expr in base.items():
            self.columns[f"base_{int(year)}"] = expr
            self.base[int(year)] = self.ref(f"base_{int(year)}")
        self.value = self.ref("value")
        self.previous = self.ref("previous") if previous is not None else NULL
        self.steps = []
        self.value_text = None

    def ref(self, name):
        """The column of the plan's result ``name``."""
        return pl.col(self.prefix + name)

    def keep(self, expr):
        """``expr`` as a field of the plan: worked out once, however often it is used."""
        return self.ref(self.named(expr))

    def named(self, expr):
        """The name of the field that keeps ``expr``."""
        name = f"step_{len(self.steps)}"
        self.steps.append(expr.alias(self.prefix + name))
        return name

    def shown_value(self):
        """fmt(value, unit), kept once for every sentence that starts with it."""
        if self.value_text is None:
            self.value_text = self.keep(_text(number_text(self.value), self.unit))
        return self.value_text


NULL = pl.lit(None, dtype=DECIMAL)


def _text(*parts):
    """Parts (str or string expressions) as one string expression."""
    return pl.concat_str([pl.lit(part) if isinstance(part, str) else part for part in parts])


def _number(text):
    """A rule's number as a literal, exactly as check reads it with Decimal()."""
    number = Decimal(text)
    if number.as_tuple().exponent < -18:
        raise ValueError(f"{text!r} has more decimal places than a Polars Decimal(38, 18) holds")
    return decimal_lit(number)


def _choose(plan, cases, otherwise):
    """The first of ``cases`` (condition, status, explanation) whose condition holds, else
    ``otherwise`` (status, explanation): check's chain of ``if ... return``. Gives the names of
    the status and explanation fields."""
    status, explanation = pl.lit(otherwise[0]), otherwise[1]
    for condition, case_status, case_explanation in reversed(cases):
        holds = plan.keep(condition)
        status = pl.when(holds).then(pl.lit(case_status)).otherwise(status)
        explanation = pl.when(holds).then(case_explanation).otherwise(explanation)
    return plan.named(status), plan.named(explanation)


def _compile(rule, plan):
    kind = rule.get("kind")
    if kind in ("any", "all"):
        if not rule["rules"]:
            # No branch: the outcome does not depend on the row.
            outcome = targets.check(rule, value=None)
            return _choose(plan, [], (outcome.status, pl.lit(outcome.explanation)))
        outcomes = [_compile(branch, plan) for branch in rule["rules"]]
        outcomes = [(plan.ref(status), plan.ref(explanation)) for status, explanation in outcomes]
        return _all(plan, outcomes) if kind == "all" else _any(plan, outcomes)
    missing = (plan.value.is_null(), INCOMPLETE, pl.lit("缺少本期数值，无法判断是否达到要求。"))
    cases, otherwise = _cases(kind, rule, plan)
    return _choose(plan, [missing, *cases], otherwise)


def _cases(kind, rule, plan):
    """check's branches for one simple rule, the value present: ([(condition, status, text)], otherwise)."""
    value, unit = plan.value, plan.unit
    if kind == "bound":
        op = rule["op"]
        target = Decimal(rule["value"])
        return _compare(plan, op, _number(rule["value"]), f"{OPS[op][2] if op in OPS else ''}{fmt(target, unit)}")
    if kind == "exact":
        target = _number(rule["value"])
        shown = fmt(Decimal(rule["value"]), unit)
        return ([(value == target, MET, _text(plan.shown_value(), f"等于要求的{shown}，满足要求。"))],
                (NOT_MET, _text(plan.shown_value(), f"不等于要求的{shown}，未满足要求。")))
    if kind == "quota":
        quota = plan.references.get(rule["reference"], NULL)
        unset = (quota.is_null(), INCOMPLETE, pl.lit("未设置下达的控制指标，无法判断是否达到要求。"))
        cases, otherwise = _compare(plan, "le", quota, _text("控制指标", number_text(quota), unit))
        return [unset, *cases], otherwise
    if kind == "relative":
        reference = plan.references.get(rule["reference"], NULL)
        unset = (reference.is_null(), INCOMPLETE, pl.lit("缺少全国参考值，无法判断是否达到要求。"))
        factor = Decimal(rule["factor"])
        limit = plan.keep(_number(rule["factor"]) * reference)
        share = _text("全国平均值", number_text(reference), f"的{fmt(factor * 100)}%（", number_text(limit), unit, "）")
        cases, otherwise = _compare(plan, rule["op"], limit, share)
        return [unset, *cases], otherwise
    if kind == "range":
        return _range(rule, plan)
    if kind == "change_vs_base":
        return _change_vs_base(rule, plan)
    if kind == "change":
        previous = plan.previous
        unknown = (previous.is_null() | (previous == 0), INCOMPLETE, pl.lit("缺少上年数值，无法计算年变化率。"))
        met, word, moved = _change(plan, rule, previous)
        said = plan.keep(_text("较上年", word, moved, "%，"))
        wanted = f"{describe(rule)}的要求。"
        return [unknown, (met, MET, _text(said, f"满足{wanted}"))], (NOT_MET, _text(said, f"未达到{wanted}"))
    raise RuleError(f"无法识别的目标规则：{rule!r}")


def _compare(plan, op, target, shown):
    """targets._compare: the value against ``target`` (``shown`` as the sentence names it)."""
    if op not in OPS:
        raise RuleError(f"无法识别的比较方式：{op}")
    held, failed = RELATIONS[op]
    holds = OPS[op][0](plan.value, target)
    if not isinstance(shown, str):
        shown = plan.keep(shown)
    return ([(holds, MET, _text(plan.shown_value(), held, shown, "，满足要求。"))],
            (NOT_MET, _text(plan.shown_value(), failed, shown, "，未满足要求。")))


def _range(rule, plan):
    value, unit = plan.value, plan.unit
    low, high = Decimal(rule["min"]), Decimal(rule["max"])
    low_in, high_in = rule.get("min_inclusive", True), rule.get("max_inclusive", True)
    wanted = describe(rule, unit=unit)
    below = value < _number(rule["min"])
    above = value > _number(rule["max"])
    if not low_in:
        below = below | (value == _number(rule["min"]))
    if not high_in:
        above = above | (value == _number(rule["max"]))
    shown = plan.shown_value()
    return ([(below, NOT_MET, _text(shown, f"低于下限{fmt(low, unit)}，未满足{wanted}的要求。")),
             (above, NOT_MET, _text(shown, f"高于上限{fmt(high, unit)}，未满足{wanted}的要求。"))],
            (MET, _text(shown, f"在{wanted}之内，满足要求。")))


def _change_vs_base(rule, plan):
    year = int(rule["base_year"])
    wanted = describe(rule)
    base_value = plan.base.get(year, NULL)
    met, word, moved = _change(plan, rule, base_value)
    said = plan.keep(_text(plan.shown_value(), f"较{year}年的", number_text(base_value), plan.unit, word, moved, "%"))
    return ([(base_value.is_null(), INCOMPLETE, pl.lit(f"缺少{year}年（基准年）的数值，无法计算{wanted}是否达到。")),
             (base_value == 0, INCOMPLETE, pl.lit(f"{year}年（基准年）的数值为0，无法计算变化率。")),
             (met, MET, _text(said, f"，满足{wanted}的要求。"))],
            (NOT_MET, _text(said, f"，未达到{wanted}的要求。")))


def _change(plan, rule, origin):
    """For change = (value - origin) / origin * 100 as check computes it: (whether it moved at
    least ``at_least`` in the rule's direction, the direction word, abs(change) as fmt shows it).
    Rows where ``origin`` is null or 0 give nulls; the caller's earlier cases cover them."""
    fall = rule["direction"] == "fall"
    origin = plan.keep(pl.when(origin != 0).then(origin))
    delta = plan.keep(plan.value - origin)
    hundred = pl.lit(Decimal(100), dtype=DECIMAL)
    moved = (-delta if fall else delta) * hundred
    need = _number(rule["at_least"]) * origin
    # moved / origin >= at_least, multiplied by origin: the inequality turns for a negative origin.
    met = pl.when(origin > 0).then(moved >= need).otherwise(moved <= need)
    same_sign = (delta > 0) == (origin > 0)
    if fall:
        word = pl.when((delta == 0) | ~same_sign).then(pl.lit("下降")).otherwise(pl.lit("上升"))
    else:
        word = pl.when((delta == 0) | same_sign).then(pl.lit("增长")).otherwise(pl.lit("下降"))
    return met, word, _quotient_text(plan, plan.keep(delta.abs() * hundred), plan.keep(origin.abs()))


def _quotient_text(plan, numerator, denominator, places=2):
    """number_text(numerator / denominator, places) for non-negative operands, rounded from the
    exact quotient as Python's Decimal does. Polars rounds a quotient at 18 places first, which
    can land one a hair off a half exactly on it (5.01499…9 → 5.015 → 5.02); where it lands on
    a half, the exact products decide instead. A quotient Decimal(38, 18) cannot hold (a change of
    more than 1e17 %, from a previous figure near zero) is worked out by Python as check does,
    rather than stopping the whole frame with an overflow."""
    scale = Decimal(10) ** places
    huge = plan.keep(numerator * pl.lit(scale * Decimal("1e-19"), dtype=DECIMAL) >= denominator)
    fits = pl.when(~huge).then(denominator)
    scaled = plan.keep(numerator * pl.lit(scale, dtype=DECIMAL) / fits)
    low = plan.keep(scaled.floor())
    tie = plan.keep((scaled - low) == pl.lit(HALF, dtype=DECIMAL))
    # Only on tied rows, so no other row's product can overflow: 2·n·10^places against (2·low + 1)·d.
    twice = plan.keep(pl.when(tie).then(numerator * pl.lit(2 * scale, dtype=DECIMAL)))
    odd = plan.keep(pl.when(tie).then((low * 2 + 1).cast(pl.Decimal(38, 0)) * fits))
    whole = (pl.when(tie & (twice > odd)).then(low + 1)
             .when(tie & (twice < odd)).then(low)
             .otherwise(scaled.round(0)))
    exact = pl.struct(numerator=numerator, denominator=denominator, huge=huge).map_batches(
        lambda batch: _python_quotient_texts(batch, scale), return_dtype=pl.String)
    shown = number_text(plan.keep(whole / pl.lit(scale, dtype=DECIMAL)), places)
    return plan.keep(pl.when(huge).then(exact).otherwise(shown))


def _python_quotient_texts(batch, scale):
    """The flagged rows' quotients as check's fmt shows them (a Python loop over those rows only)."""
    rows = batch.struct.unnest()
    flagged = rows["huge"].fill_null(False)
    quantum = 1 / scale
    pairs = rows.filter(flagged).select("numerator", "denominator").rows()
    texts = [plain((n / d).quantize(quantum)) for n, d in pairs]
    return pl.Series(values=[None] * len(rows), dtype=pl.String).scatter(flagged.arg_true(), texts)


def _joined(explanations):
    """targets._joined: explanations (nulls left out) as one sentence."""
    return _text(pl.concat_str([e.str.strip_chars_end("。") for e in explanations], separator="；",
                               ignore_nulls=True), "。")


def _any(plan, outcomes):
    met = pl.any_horizontal([status == MET for status, _ in outcomes])
    incomplete = pl.any_horizontal([status == INCOMPLETE for status, _ in outcomes])
    # Met: the failed branches are named too, the incomplete ones are not (as check says it).
    said = _joined([pl.when(status != INCOMPLETE).then(text) for status, text in outcomes])
    every = plan.keep(_joined([text for _, text in outcomes]))
    return _choose(plan, [(met, MET, said), (incomplete, INCOMPLETE, every)], (NOT_MET, every))


def _all(plan, outcomes):
    said = plan.keep(pl.concat_str([_text(f"条件{index}：", text.str.strip_chars_end("。"))
                                    for index, (_, text) in enumerate(outcomes, start=1)], separator="；"))
    failed = pl.concat_str([pl.when(status == NOT_MET).then(pl.lit(str(index)))
                            for index, (status, _) in enumerate(outcomes, start=1)], separator="、", ignore_nulls=True)
    every = pl.all_horizontal([status == MET for status, _ in outcomes])
    some_failed = pl.any_horizontal([status == NOT_MET for status, _ in outcomes])
    return _choose(plan, [(every, MET, _text("各项条件均满足。", said, "。")),
                          (some_failed, NOT_MET, _text("条件", failed, "未满足。", said, "。"))],
                   (INCOMPLETE, _text("尚不能判断是否各项条件均满足。", said, "。")))
