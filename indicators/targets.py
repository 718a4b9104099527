"""Target rules of indicators, as data (JSON on the model) and their checking.

The shapes in the standards:
    {"kind": "bound", "op": "le", "value": "8.5"}                 漏损率 ≤ 8.5 %
    {"kind": "exact", "value": "100"}                             自备井关停率 = 100 %
    {"kind": "quota", "reference": "WATER_QUOTA"}                 用水总量 ≤ 下达的控制指标
    {"kind": "relative", "op": "lt", "factor": "0.5", "reference": "NATIONAL_IND_WATER"}
                                                                  < 50 % × 全国平均值
    {"kind": "change", "direction": "fall", "at_least": "5"}      较上年下降 ≥ 5 %
    {"kind": "any", "rules": [...]}                               any branch met (OR)
"""

from dataclasses import dataclass
from decimal import Decimal

from core.numbers import plain

MET, NOT_MET, INCOMPLETE = "met", "not_met", "incomplete"
OPS = {
    "le": (lambda v, t: v <= t, "≤", "上限"),
    "lt": (lambda v, t: v < t, "<", "上限"),
    "ge": (lambda v, t: v >= t, "≥", "下限"),
    "gt": (lambda v, t: v > t, ">", "下限"),
}
NEGATED = {"≤": ">", "<": "≥", "≥": "<", ">": "≤"}


class RuleError(ValueError):
    """A stored rule that cannot be understood."""


@dataclass(frozen=True)
class Outcome:
    status: str
    explanation: str


def fmt(value, unit=""):
    return f"{plain(Decimal(value).quantize(Decimal('0.01')))}{unit}"


def check(rule, *, value, unit="", previous=None, references=None):
    """Whether ``value`` meets ``rule``; ``previous`` is last year's value for change rules,
    ``references`` maps reference names to this region's / the nation's values."""
    references = references or {}
    kind = rule.get("kind")
    if kind == "any":
        outcomes = [check(branch, value=value, unit=unit, previous=previous, references=references)
                    for branch in rule["rules"]]
        met = [o for o in outcomes if o.status == MET]
        if met:
            # Say which branches failed too: a reviewer checking "met through the year-on-year
            # branch" wants to see the national comparison it did not pass.
            shown = [o.explanation for o in outcomes if o.status != INCOMPLETE]
            return Outcome(MET, "；".join(shown))
        if any(o.status == INCOMPLETE for o in outcomes):
            return Outcome(INCOMPLETE, "；".join(o.explanation for o in outcomes))
        return Outcome(NOT_MET, "；".join(o.explanation for o in outcomes))
    if value is None:
        return Outcome(INCOMPLETE, "缺少本期数值")
    value = Decimal(value)
    if kind == "bound":
        return _compare(value, rule["op"], Decimal(rule["value"]), unit, "")
    if kind == "exact":
        target = Decimal(rule["value"])
        if value == target:
            return Outcome(MET, f"{fmt(value, unit)} = {fmt(target, unit)}")
        return Outcome(NOT_MET, f"{fmt(value, unit)} ≠ {fmt(target, unit)}（要求）")
    if kind == "quota":
        quota = references.get(rule["reference"])
        if quota is None:
            return Outcome(INCOMPLETE, "未设置下达的控制指标")
        return _compare(value, "le", Decimal(quota), unit, "控制指标")
    if kind == "relative":
        reference = references.get(rule["reference"])
        if reference is None:
            return Outcome(INCOMPLETE, "缺少全国参考值")
        limit = Decimal(rule["factor"]) * Decimal(reference)
        share = f"{fmt(Decimal(rule['factor']) * 100)}%×全国平均值{fmt(reference)}"
        return _compare(value, rule["op"], limit, unit, share)
    if kind == "change":
        if previous is None or Decimal(previous) == 0:
            return Outcome(INCOMPLETE, "缺少上年数值，无法计算年变化率")
        change = (value - Decimal(previous)) / Decimal(previous) * 100
        need = Decimal(rule["at_least"])
        if rule["direction"] == "fall":
            fall = -change
            word = "下降" if fall >= 0 else "上升"
            status = MET if fall >= need else NOT_MET
            relation = "满足" if status == MET else "未达到"
            return Outcome(status, f"较上年{word}{fmt(abs(fall))}%，{relation}≥{fmt(need)}%")
        word = "增长" if change >= 0 else "下降"
        status = MET if change >= need else NOT_MET
        relation = "满足" if status == MET else "未达到"
        return Outcome(status, f"较上年{word}{fmt(abs(change))}%，{relation}≥{fmt(need)}%")
    raise RuleError(f"无法识别的目标规则：{rule!r}")


def _compare(value, op, target, unit, what):
    if op not in OPS:
        raise RuleError(f"无法识别的比较方式：{op}")
    test, symbol, bound = OPS[op]
    label = what or bound
    if test(value, target):
        return Outcome(MET, f"{fmt(value, unit)} {symbol} {fmt(target, unit)}（{label}）")
    return Outcome(NOT_MET, f"{fmt(value, unit)} {NEGATED[symbol]} {fmt(target, unit)}（{label}）")


def validate_rule(rule):
    """Raise RuleError unless ``rule`` is one of the shapes above, with sound numbers."""
    if not isinstance(rule, dict) or "kind" not in rule:
        raise RuleError("目标规则不能为空")
    kind = rule["kind"]
    required = {
        "bound": {"op", "value"},
        "exact": {"value"},
        "quota": {"reference"},
        "relative": {"op", "factor", "reference"},
        "change": {"direction", "at_least"},
        "any": {"rules"},
    }
    if kind not in required:
        raise RuleError(f"无法识别的目标规则：{kind}")
    missing = required[kind] - set(rule)
    if missing:
        raise RuleError(f"目标规则“{kind}”缺少：{'、'.join(sorted(missing))}")
    if "op" in rule and rule["op"] not in OPS:
        raise RuleError(f"无法识别的比较方式：{rule['op']}")
    if kind == "change" and rule["direction"] not in ("fall", "growth"):
        raise RuleError("年变化规则的方向只能是 fall 或 growth")
    for key in ("value", "factor", "at_least"):
        if key in rule:
            try:
                Decimal(str(rule[key]))
            except ArithmeticError:
                raise RuleError(f"“{rule[key]}”不是数字") from None
    if kind == "any":
        if not rule["rules"]:
            raise RuleError("“任一满足”规则至少需要一个分支")
        for branch in rule["rules"]:
            validate_rule(branch)
