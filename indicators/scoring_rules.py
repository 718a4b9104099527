"""Scoring rules of the items of a standard judged on points (县域节水型社会评价标准), as
data (JSON on ``Indicator.scoring``), their checking and the points they award, in words.

The shapes, F being the item's full points:

    {}  or  {"kind": "all"}
        all or nothing: F when the item's requirement is met, else 0
        ("达到目标值得6分，否则不得分").
    {"kind": "steps", "better": "higher",
     "steps": [{"from": "5", "to": "10", "points": "1"}, {"from": "10", "to": "15", "points": "2"},
               {"from": "15", "points": "3"}]}
        steps ("达到5%得1分；达到10%得2分；达到15%以上得3分"). With ``better`` "higher" a step
        holds for from ≤ value < to, with "lower" for from < value ≤ to; the first step may
        leave out ``from`` and the last ``to``; outside every step the item earns 0. Each
        step must start where the one before ends: no gap, no overlap.
    {"kind": "per_unit", "line": "12", "better": "lower", "at_line": "6", "unit": "1",
     "bonus": "2", "bonus_cap": "4", "worse": "zero"}
        per unit above or below a line ("达到标准得6分，每降低1%加2分，降低2%以上加4分；高于标准
        不得分"; "每低5%扣1分" is {"line": "75", "better": "higher", "at_line": "5", "unit": "5",
        "penalty": "1", "floor": "0"}). ``line`` may instead name a reference value
        (``"reference": "WATER_QUOTA"``). ``worse`` is "deduct" (``penalty`` per unit, not below
        ``floor``) or "zero". ``count`` says how units are counted: "whole" (only full units,
        the default), "started" (a unit begun counts) or "exact" (in proportion).
    {"kind": "judged"}
        judged by experts within F, with a written reason (``Judgement``).

Any rule but "judged" may score the change on last year instead of the value:
``"measure": "fall"`` (万元GDP用水量降幅) or ``"growth"``, in percent.
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from core.numbers import plain

from .targets import MET, RuleError

KINDS = ("all", "steps", "per_unit", "judged")
MEASURES = ("value", "fall", "growth")
ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class Award:
    """The points an item earned (None: cannot be scored yet) and why, in words."""

    points: Decimal | None
    text: str


def _number(rule, key, where=""):
    try:
        value = Decimal(str(rule[key]))
    except (InvalidOperation, ValueError, TypeError):
        raise RuleError(f"{where}“{rule[key]}”不是数字") from None
    if not value.is_finite():
        raise RuleError(f"{where}“{rule[key]}”不是数字")
    return value


def validate_scoring(rule, *, full, method=None):
    """Raise RuleError unless ``rule`` is a sound rule for an item of ``full`` points."""
    full = Decimal(full or 0)
    if rule in (None, {}):
        if method == "judged":
            raise RuleError("专家评分的项目须使用“专家评分”规则")
        return
    if not isinstance(rule, dict):
        raise RuleError("评分规则应为一个对象")
    kind = rule.get("kind")
    if kind not in KINDS:
        raise RuleError(f"无法识别的评分规则：{kind}")
    if (kind == "judged") != (method == "judged") and method is not None:
        raise RuleError("专家评分的项目须使用“专家评分”规则，“专家评分”规则只用于专家评分的项目")
    if rule.get("measure", "value") not in MEASURES:
        raise RuleError("计分对象只能是 value（数值）、fall（较上年降幅）或 growth（较上年增幅）")
    if kind in ("all", "judged"):
        return
    if method == "checklist":
        raise RuleError("核查类项目没有数值，只能全有全无或由专家评分")
    if rule.get("better") not in ("higher", "lower"):
        raise RuleError("须说明数值越高越好（higher）还是越低越好（lower）")
    if kind == "steps":
        _validate_steps(rule, full)
    else:
        _validate_per_unit(rule, full)


def _validate_steps(rule, full):
    steps = rule.get("steps")
    if not isinstance(steps, list) or not steps:
        raise RuleError("分档规则至少需要一档")
    previous_to = None
    for index, step in enumerate(steps, start=1):
        where = f"第{index}档："
        if not isinstance(step, dict) or "points" not in step:
            raise RuleError(f"{where}缺少得分")
        points = _number(step, "points", where)
        if points < 0:
            raise RuleError(f"{where}得分不能为负")
        if points > full:
            raise RuleError(f"{where}得分{plain(points)}分超过满分{plain(full)}分")
        low = _number(step, "from", where) if step.get("from") not in (None, "") else None
        high = _number(step, "to", where) if step.get("to") not in (None, "") else None
        if low is None and index > 1:
            raise RuleError(f"{where}缺少起点")
        if high is None and index < len(steps):
            raise RuleError(f"{where}缺少终点")
        if low is not None and high is not None and low >= high:
            raise RuleError(f"{where}起点{plain(low)}不小于终点{plain(high)}")
        if previous_to is not None and low != previous_to:
            problem = "有空档" if low > previous_to else "有重叠"
            raise RuleError(f"第{index - 1}档止于{plain(previous_to)}，第{index}档始于{plain(low)}，两档之间{problem}")
        previous_to = high


def _validate_per_unit(rule, full):
    if ("line" in rule) == ("reference" in rule):
        raise RuleError("按单位加减分须给出标准线（line）或参考值代码（reference），二者取一")
    if "line" in rule:
        _number(rule, "line", "标准线：")
    for key in ("at_line", "unit"):
        if key not in rule:
            raise RuleError(f"按单位加减分缺少：{key}")
    at_line, unit = _number(rule, "at_line", "达标得分："), _number(rule, "unit", "单位：")
    if unit <= 0:
        raise RuleError("单位须大于0")
    if not 0 <= at_line <= full:
        raise RuleError(f"达标得分{plain(at_line)}分不在0至满分{plain(full)}分之间")
    bonus = _number(rule, "bonus", "加分：") if "bonus" in rule else Decimal(0)
    penalty = _number(rule, "penalty", "扣分：") if "penalty" in rule else Decimal(0)
    if bonus < 0 or penalty < 0:
        raise RuleError("加分和扣分不能为负")
    if "bonus_cap" in rule:
        cap = _number(rule, "bonus_cap", "加分上限：")
        if cap < 0:
            raise RuleError("加分上限不能为负")
        if at_line + cap > full:
            raise RuleError(f"达标得分{plain(at_line)}分加上加分上限{plain(cap)}分超过满分{plain(full)}分")
    floor = _number(rule, "floor", "最低得分：") if "floor" in rule else Decimal(0)
    if not 0 <= floor <= at_line:
        raise RuleError(f"最低得分{plain(floor)}分不在0至达标得分{plain(at_line)}分之间")
    if rule.get("worse", "deduct") not in ("deduct", "zero"):
        raise RuleError("未达标时只能扣分（deduct）或不得分（zero）")
    if rule.get("count", "whole") not in ("whole", "started", "exact"):
        raise RuleError("计数方式只能是 whole（满一个单位）、started（不足一个单位按一个）或 exact（按比例）")


def references_used(rule):
    return {rule["reference"]} if rule and rule.get("kind") == "per_unit" and "reference" in rule else set()


def _pts(value):
    return value.quantize(ONE_PLACE, ROUND_HALF_UP)


def _fmt(value, unit=""):
    return f"{plain(Decimal(value).quantize(Decimal('0.01'), ROUND_HALF_UP))}{unit}"


def award(rule, *, full, name, unit="", status=None, value=None, previous=None, references=None, judgement=None):
    """The points ``rule`` gives an item of ``full`` points. ``status`` is the item's
    requirement met or not (for all-or-nothing), ``value`` its value, ``previous`` last
    year's (for a change), ``references`` {code: value}, ``judgement`` (points, reason)."""
    full = Decimal(full)
    rule = rule or {"kind": "all"}
    kind = rule.get("kind", "all")
    if kind == "judged":
        if judgement is None:
            return Award(None, "待专家评分")
        points, reason = judgement
        return Award(_pts(Decimal(points)), f"专家评分{plain(_pts(Decimal(points)))}分：{reason}")
    if kind == "all":
        if status == MET:
            return Award(_pts(full), f"达到要求，得{plain(full)}分")
        if status == "not_met":
            return Award(Decimal("0.0"), f"未达到要求，不得分（满分{plain(full)}分）")
        return Award(None, "数据不全，暂不计分")
    measured, label, unit = _measured(rule, value, previous, name, unit)
    if measured is None:
        return Award(None, label)
    if kind == "steps":
        return _steps(rule, measured, label, unit)
    return _per_unit(rule, full, measured, label, unit, references or {})


def _measured(rule, value, previous, name, unit):
    """(the number scored or None, how to call it, its unit)."""
    if value is None:
        return None, "数据不全，暂不计分", unit
    value = Decimal(value)
    measure = rule.get("measure", "value")
    if measure == "value":
        return value, name, unit
    if previous is None or Decimal(previous) == 0:
        return None, "缺少上年数值，无法计算年变化率，暂不计分", unit
    change = (value - Decimal(previous)) / Decimal(previous) * 100
    # An item named for its change ("万元GDP用水量降幅") is not called "…降幅较上年降幅".
    word = "降幅" if measure == "fall" else "增幅"
    label = name if name.endswith(word) else f"{name}较上年{word}"
    return (-change if measure == "fall" else change), label, "%"


def _steps(rule, value, label, unit):
    higher = rule["better"] == "higher"
    steps = rule["steps"]
    for step in steps:
        low = Decimal(str(step["from"])) if step.get("from") not in (None, "") else None
        high = Decimal(str(step["to"])) if step.get("to") not in (None, "") else None
        if higher:
            inside = (low is None or value >= low) and (high is None or value < high)
        else:
            inside = (low is None or value > low) and (high is None or value <= high)
        if inside:
            points = _pts(Decimal(str(step["points"])))
            if higher:
                where = f"达到{_fmt(low, unit)}" + ("以上" if high is None else "") if low is not None \
                    else f"低于{_fmt(high, unit)}"
            else:
                where = f"不高于{_fmt(high, unit)}" if high is not None else f"高于{_fmt(low, unit)}"
            said = f"得{plain(points)}分" if points else "不得分"
            return Award(points, f"{label}{_fmt(value, unit)}，{where}，{said}")
    if higher:
        lowest = Decimal(str(steps[0]["from"]))
        return Award(Decimal("0.0"), f"{label}{_fmt(value, unit)}，未达到{_fmt(lowest, unit)}，不得分")
    highest = Decimal(str(steps[-1]["to"]))
    return Award(Decimal("0.0"), f"{label}{_fmt(value, unit)}，高于{_fmt(highest, unit)}，不得分")


def _units(difference, size, count):
    share = difference / size
    if count == "exact":
        return share
    return share.to_integral_value(ROUND_CEILING if count == "started" else ROUND_FLOOR)


def _per_unit(rule, full, value, label, unit, references):
    if "reference" in rule:
        if references.get(rule["reference"]) is None:
            return Award(None, f"缺少参考值{rule['reference']}，暂不计分")
        line = Decimal(references[rule["reference"]])
    else:
        line = Decimal(str(rule["line"]))
    higher = rule["better"] == "higher"
    better_word, worse_word = ("高于", "低于") if higher else ("低于", "高于")
    at_line, size = Decimal(str(rule["at_line"])), Decimal(str(rule["unit"]))
    count = rule.get("count", "whole")
    margin = value - line if higher else line - value
    shown = f"{label}{_fmt(value, unit)}"
    if margin >= 0:
        bonus = _units(margin, size, count) * Decimal(str(rule.get("bonus", 0)))
        if "bonus_cap" in rule:
            bonus = min(bonus, Decimal(str(rule["bonus_cap"])))
        points = _pts(min(at_line + bonus, full))
        if not bonus:
            where = "达到标准" if margin == 0 else f"{better_word}标准"
            return Award(points, f"{shown}，{where}{_fmt(line, unit)}，得{plain(points)}分")
        return Award(points, f"{shown}，{better_word}标准{_fmt(line, unit)}共{_fmt(margin, unit)}，"
                             f"得{plain(at_line)}分，加{plain(_pts(bonus))}分，共{plain(points)}分")
    if rule.get("worse", "deduct") == "zero":
        return Award(Decimal("0.0"), f"{shown}，{worse_word}标准{_fmt(line, unit)}，不得分")
    deduction = _units(-margin, size, count) * Decimal(str(rule.get("penalty", 0)))
    floor = Decimal(str(rule.get("floor", 0)))
    points = _pts(max(at_line - deduction, floor))
    return Award(points, f"{shown}，{worse_word}标准{_fmt(line, unit)}共{_fmt(-margin, unit)}，"
                         f"扣{plain(_pts(at_line - points))}分，得{plain(points)}分")


def describe(rule, *, full, unit=""):
    """The rule in words, where the standard's own wording was not recorded."""
    full = Decimal(full or 0)
    rule = rule or {"kind": "all"}
    kind = rule.get("kind", "all")
    if kind == "all":
        return f"达到要求得{plain(full)}分，否则不得分"
    if kind == "judged":
        return f"专家评分，0至{plain(full)}分，须写明理由"
    prefix = {"fall": "较上年降幅", "growth": "较上年增幅"}.get(rule.get("measure", "value"), "")
    unit = "%" if prefix else unit
    if kind == "steps":
        higher = rule["better"] == "higher"
        parts = []
        for step in rule["steps"]:
            points = plain(Decimal(str(step["points"])))
            low, high = step.get("from"), step.get("to")
            if higher and low not in (None, ""):
                reach = f"达到{plain(Decimal(str(low)))}{unit}{'以上' if high in (None, '') else ''}"
            elif higher:
                reach = f"低于{plain(Decimal(str(high)))}{unit}"
            elif high not in (None, ""):
                reach = f"不高于{plain(Decimal(str(high)))}{unit}"
            else:
                reach = f"高于{plain(Decimal(str(low)))}{unit}"
            parts.append(f"{prefix}{reach}得{points}分")
        return "；".join(parts)
    line = f"参考值{rule['reference']}" if "reference" in rule else f"{plain(Decimal(str(rule['line'])))}{unit}"
    higher = rule["better"] == "higher"
    better_word, worse_word = ("提高", "降低") if higher else ("降低", "提高")
    size = plain(Decimal(str(rule["unit"])))
    parts = [f"{prefix}达到标准（{line}）得{plain(Decimal(str(rule['at_line'])))}分"]
    if Decimal(str(rule.get("bonus", 0))):
        cap = f"，最多加{plain(Decimal(str(rule['bonus_cap'])))}分" if "bonus_cap" in rule else ""
        parts.append(f"每{better_word}{size}{unit}加{plain(Decimal(str(rule['bonus'])))}分{cap}")
    if rule.get("worse", "deduct") == "zero":
        parts.append("未达到标准不得分")
    elif Decimal(str(rule.get("penalty", 0))):
        parts.append(f"每{worse_word}{size}{unit}扣{plain(Decimal(str(rule['penalty'])))}分，"
                     f"最低{plain(Decimal(str(rule.get('floor', 0))))}分")
    return "；".join(parts)


@dataclass(frozen=True)
class Allowed:
    """The points an item of a rule may be given by hand (a self-assessment, an expert):
    one of ``choices`` when the rule awards fixed amounts, else any amount from ``low`` to
    ``high``, to one decimal place."""

    choices: tuple | None
    low: Decimal
    high: Decimal

    def __contains__(self, points):
        points = Decimal(points)
        if self.choices is not None:
            return points in self.choices
        return self.low <= points <= self.high and points == points.quantize(ONE_PLACE)

    @property
    def text(self):
        """“0、2、4或6分”, “0至6分”: what the rule allows, in words."""
        if self.choices is not None:
            shown = [plain(choice) for choice in self.choices]
            if len(shown) == 1:
                return f"{shown[0]}分"
            return f"{'、'.join(shown[:-1])}或{shown[-1]}分"
        return f"{plain(self.low)}至{plain(self.high)}分"


def allowed_points(rule, *, full):
    """The points ``rule`` allows an item of ``full`` points: all or nothing 0 or F; steps 0
    or a step's points; per unit anything from the floor (0 unless set) to F; judged
    anything from 0 to F."""
    full = _pts(Decimal(full or 0))
    rule = rule or {"kind": "all"}
    kind = rule.get("kind", "all")
    if kind == "all":
        return Allowed(tuple(sorted({Decimal("0.0"), full})), Decimal("0.0"), full)
    if kind == "steps":
        points = {Decimal("0.0")} | {_pts(Decimal(str(step["points"]))) for step in rule["steps"]}
        return Allowed(tuple(sorted(points)), min(points), max(points))
    if kind == "per_unit":
        floor = _pts(Decimal(str(rule.get("floor", 0))))
        return Allowed(None, floor, full)
    return Allowed(None, Decimal("0.0"), full)
