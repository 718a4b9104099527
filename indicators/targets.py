"""Target rules of indicators, as data (JSON on the model) and their checking.

The shapes in the standards:
    {"kind": "bound", "op": "le", "value": "8.5"}                 漏损率 ≤ 8.5 %
    {"kind": "exact", "value": "100"}                             自备井关停率 = 100 %
    {"kind": "quota", "reference": "WATER_QUOTA"}                 用水总量 ≤ 下达的控制指标
    {"kind": "relative", "op": "lt", "factor": "0.5", "reference": "NATIONAL_IND_WATER"}
                                                                  < 50 % × 全国平均值
    {"kind": "change", "direction": "fall", "at_least": "5"}      较上年下降 ≥ 5 %
    {"kind": "any", "rules": [...]}                               any branch met (OR)
    {"kind": "range", "min": "1.5", "max": "3",                   1.5‰～3‰
     "min_inclusive": true, "max_inclusive": true}                (both ends included unless false)
    {"kind": "all", "rules": [...]}                               every branch met (AND)
    {"kind": "change_vs_base", "base_year": 2015,                 较2015年下降23%以上
     "direction": "fall", "at_least": "23"}

Chinese documents count the bound in: “不低于”“以上”“以下” include it, as ≥ and ≤ do.
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


class RuleError(ValueError):
    """A stored rule that cannot be understood."""


@dataclass(frozen=True)
class Outcome:
    status: str
    explanation: str


def fmt(value, unit=""):
    return f"{plain(Decimal(value).quantize(Decimal('0.01')))}{unit}"


def check(rule, *, value, unit="", previous=None, references=None, base=None):
    """Whether ``value`` meets ``rule``; ``previous`` is last year's value for change rules,
    ``references`` maps reference names to this region's / the nation's values, ``base``
    maps a base year to the indicator's value of that year (None when it has none)."""
    references = references or {}
    base = base or {}
    kind = rule.get("kind")
    if kind in ("any", "all"):
        outcomes = [check(branch, value=value, unit=unit, previous=previous, references=references, base=base)
                    for branch in rule["rules"]]
        if kind == "all":
            return _all(outcomes)
        met = [o for o in outcomes if o.status == MET]
        if met:
            # Say which branches failed too: a reviewer checking "met through the year-on-year
            # branch" wants to see the national comparison it did not pass.
            return Outcome(MET, _joined(o for o in outcomes if o.status != INCOMPLETE))
        if any(o.status == INCOMPLETE for o in outcomes):
            return Outcome(INCOMPLETE, _joined(outcomes))
        return Outcome(NOT_MET, _joined(outcomes))
    if value is None:
        return Outcome(INCOMPLETE, "缺少本期数值，无法判断是否达到要求。")
    value = Decimal(value)
    if kind == "bound":
        op = rule["op"]
        target = Decimal(rule["value"])
        return _compare(value, op, target, f"{OPS[op][2] if op in OPS else ''}{fmt(target, unit)}", unit)
    if kind == "exact":
        target = Decimal(rule["value"])
        if value == target:
            return Outcome(MET, f"{fmt(value, unit)}等于要求的{fmt(target, unit)}，满足要求。")
        return Outcome(NOT_MET, f"{fmt(value, unit)}不等于要求的{fmt(target, unit)}，未满足要求。")
    if kind == "quota":
        quota = references.get(rule["reference"])
        if quota is None:
            return Outcome(INCOMPLETE, "未设置下达的控制指标，无法判断是否达到要求。")
        return _compare(value, "le", Decimal(quota), f"控制指标{fmt(quota, unit)}", unit)
    if kind == "relative":
        reference = references.get(rule["reference"])
        if reference is None:
            return Outcome(INCOMPLETE, "缺少全国参考值，无法判断是否达到要求。")
        limit = Decimal(rule["factor"]) * Decimal(reference)
        share = f"全国平均值{fmt(reference)}的{fmt(Decimal(rule['factor']) * 100)}%（{fmt(limit, unit)}）"
        return _compare(value, rule["op"], limit, share, unit)
    if kind == "range":
        return _range(value, rule, unit)
    if kind == "change_vs_base":
        return _change_vs_base(value, rule, base.get(int(rule["base_year"])), unit)
    if kind == "change":
        if previous is None or Decimal(previous) == 0:
            return Outcome(INCOMPLETE, "缺少上年数值，无法计算年变化率。")
        change = (value - Decimal(previous)) / Decimal(previous) * 100
        need = Decimal(rule["at_least"])
        fall = rule["direction"] == "fall"
        moved = -change if fall else change
        word = ("下降" if change <= 0 else "上升") if fall else ("增长" if change >= 0 else "下降")
        status = MET if moved >= need else NOT_MET
        relation = "满足" if status == MET else "未达到"
        return Outcome(status, f"较上年{word}{fmt(abs(change))}%，{relation}{describe(rule)}的要求。")
    raise RuleError(f"无法识别的目标规则：{rule!r}")


# How a value stands to a bound, in words: (when the rule holds, when it does not).
RELATIONS = {"le": ("不高于", "高于"), "lt": ("低于", "不低于"), "ge": ("不低于", "低于"), "gt": ("高于", "不高于")}


def _compare(value, op, target, shown, unit):
    """``value`` against ``target`` (``shown`` as the sentence names it: 上限8.5%), as a sentence."""
    if op not in OPS:
        raise RuleError(f"无法识别的比较方式：{op}")
    held, failed = RELATIONS[op]
    if OPS[op][0](value, target):
        return Outcome(MET, f"{fmt(value, unit)}{held}{shown}，满足要求。")
    return Outcome(NOT_MET, f"{fmt(value, unit)}{failed}{shown}，未满足要求。")


def _joined(outcomes):
    """Branches' explanations as one sentence."""
    return "；".join(o.explanation.rstrip("。") for o in outcomes) + "。"


def _all(outcomes):
    """Every branch explained, in order, so a reviewer sees which condition failed."""
    said = "；".join(f"条件{index}：{o.explanation.rstrip('。')}" for index, o in enumerate(outcomes, start=1))
    if all(o.status == MET for o in outcomes):
        return Outcome(MET, f"各项条件均满足。{said}。")
    failed = [str(index) for index, o in enumerate(outcomes, start=1) if o.status == NOT_MET]
    if failed:
        return Outcome(NOT_MET, f"条件{'、'.join(failed)}未满足。{said}。")
    return Outcome(INCOMPLETE, f"尚不能判断是否各项条件均满足。{said}。")


def _range(value, rule, unit):
    low, high = Decimal(rule["min"]), Decimal(rule["max"])
    low_in, high_in = rule.get("min_inclusive", True), rule.get("max_inclusive", True)
    wanted = describe(rule, unit=unit)
    if value < low or (value == low and not low_in):
        return Outcome(NOT_MET, f"{fmt(value, unit)}低于下限{fmt(low, unit)}，未满足{wanted}的要求。")
    if value > high or (value == high and not high_in):
        return Outcome(NOT_MET, f"{fmt(value, unit)}高于上限{fmt(high, unit)}，未满足{wanted}的要求。")
    return Outcome(MET, f"{fmt(value, unit)}在{wanted}之内，满足要求。")


def _change_vs_base(value, rule, base_value, unit):
    year, need = int(rule["base_year"]), Decimal(rule["at_least"])
    wanted = describe(rule)
    if base_value is None:
        return Outcome(INCOMPLETE, f"缺少{year}年（基准年）的数值，无法计算{wanted}是否达到。")
    base_value = Decimal(base_value)
    if base_value == 0:
        return Outcome(INCOMPLETE, f"{year}年（基准年）的数值为0，无法计算变化率。")
    change = (value - base_value) / base_value * 100
    moved = -change if rule["direction"] == "fall" else change
    word = ("下降" if change <= 0 else "上升") if rule["direction"] == "fall" else ("增长" if change >= 0 else "下降")
    said = f"{fmt(value, unit)}较{year}年的{fmt(base_value, unit)}{word}{fmt(abs(change))}%"
    if moved >= need:
        return Outcome(MET, f"{said}，满足{wanted}的要求。")
    return Outcome(NOT_MET, f"{said}，未达到{wanted}的要求。")


def base_years(rule):
    """The fixed base years a rule compares with."""
    kind = (rule or {}).get("kind")
    if kind in ("any", "all"):
        return set().union(*(base_years(branch) for branch in rule["rules"]))
    return {int(rule["base_year"])} if kind == "change_vs_base" else set()


WORDS = {"le": "不高于", "lt": "低于", "ge": "不低于", "gt": "高于"}


def reference_codes(rule):
    """The reference values ``rule`` compares with, branches included."""
    rule = rule or {}
    found = {rule["reference"]} if "reference" in rule else set()
    for branch in rule.get("rules", ()):
        found |= reference_codes(branch)
    return found


def describe(rule, *, unit="", names=None):
    """The rule in the words of a Chinese standard, for the catalogue and the lineage page;
    a reference value is named by ``names`` (code → name) where given, else by its code."""
    names = names or {}
    kind = (rule or {}).get("kind")
    if not kind:
        return ""
    if kind in ("any", "all"):
        joiner = "，或" if kind == "any" else "，且"
        return joiner.join(describe(branch, unit=unit, names=names) for branch in rule["rules"])
    if kind == "bound":
        return f"{WORDS.get(rule['op'], rule['op'])}{plain(rule['value'])}{unit}"
    if kind == "exact":
        return f"等于{plain(rule['value'])}{unit}"
    if kind == "quota":
        return f"不超过下达的控制指标（{names.get(rule['reference'], rule['reference'])}）"
    if kind == "relative":
        share = plain(Decimal(rule["factor"]) * 100)
        reference = names.get(rule["reference"], rule["reference"])
        return f"{WORDS.get(rule['op'], rule['op'])}全国平均值（{reference}）的{share}%"
    if kind == "range":
        low_in, high_in = rule.get("min_inclusive", True), rule.get("max_inclusive", True)
        ends = {(True, True): "含两端", (False, False): "不含两端", (True, False): "含下限、不含上限",
                (False, True): "不含下限、含上限"}[(bool(low_in), bool(high_in))]
        return f"{plain(rule['min'])}{unit}～{plain(rule['max'])}{unit}（{ends}）"
    if kind == "change":
        word = "年降低率" if rule["direction"] == "fall" else "年增长率"
        return f"{word}不低于{plain(rule['at_least'])}%"
    if kind == "change_vs_base":
        word = "下降" if rule["direction"] == "fall" else "增长"
        return f"较{rule['base_year']}年{word}{plain(rule['at_least'])}%以上"
    return str(rule)


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
        "all": {"rules"},
        "range": {"min", "max"},
        "change_vs_base": {"base_year", "direction", "at_least"},
    }
    if kind not in required:
        raise RuleError(f"无法识别的目标规则：{kind}")
    missing = required[kind] - set(rule)
    if missing:
        raise RuleError(f"目标规则“{kind}”缺少：{'、'.join(sorted(missing))}")
    if "op" in rule and rule["op"] not in OPS:
        raise RuleError(f"无法识别的比较方式：{rule['op']}")
    if kind in ("change", "change_vs_base") and rule["direction"] not in ("fall", "growth"):
        raise RuleError("年变化规则的方向只能是 fall 或 growth")
    for key in ("value", "factor", "at_least", "min", "max"):
        if key in rule:
            try:
                number = Decimal(str(rule[key]))
            except ArithmeticError:
                raise RuleError(f"“{rule[key]}”不是数字") from None
            if not number.is_finite():
                raise RuleError(f"“{rule[key]}”不是数字")
    if kind == "range":
        if Decimal(str(rule["min"])) > Decimal(str(rule["max"])):
            raise RuleError(f"区间的下限{rule['min']}大于上限{rule['max']}")
        for key in ("min_inclusive", "max_inclusive"):
            if not isinstance(rule.get(key, True), bool):
                raise RuleError(f"区间的“{key}”只能是 true 或 false")
    if kind == "change_vs_base":
        year = rule["base_year"]
        if isinstance(year, bool) or not str(year).isdigit() or not 1949 <= int(year) <= 2100:
            raise RuleError(f"基准年“{year}”应为四位年份")
    if kind in ("any", "all"):
        if not isinstance(rule["rules"], list) or not rule["rules"]:
            raise RuleError("“任一满足”规则至少需要一个分支" if kind == "any" else "“同时满足”规则至少需要一个分支")
        for branch in rule["rules"]:
            validate_rule(branch)
