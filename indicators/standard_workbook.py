"""The evaluation standard workbook (评价标准导入表): a standard judged on points or on
indicators met, as an administrator writes it down from the published document, and the
same file filled in from a stored standard as the template to start from.

Three sheets:

- “标准”: one key and its value per row (代码, 版本, 名称, 来源文件, 来源说明, 达标分数,
  前提条件 …);
- “评价项目”: one item per row, its requirement and scoring rule in a compact form a person
  can type (“≥90”, “较上年下降≥5”; steps “5-10:1；10-15:2；15-:3”; per unit
  “标准线=10；达标得分=6；单位=1；加分=2；加分上限=4；未达标=不得分”) or as the JSON of
  ``indicators.targets`` and ``indicators.scoring_rules``;
- “数据项” (optional): the raw statistics the formulas use that the portal may not have yet.

Reading is pure: ``read`` returns what each row says, converted to the model's fields, with
the problems found in the cells themselves by sheet, row and column. What needs the
database (formulas over known data elements, the stored standard, the model's own checks)
is ``indicators.services.standards``. The words of the document (names, requirements as
written, scoring as written, definitions) are kept exactly as typed.
"""

import contextlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from core.errors import FileUnreadable
from core.excel import column_letter, print_ready, write_text
from core.numbers import decimal_or_none, plain
from core.text import normalize_name
from core.workbook_reader import load_workbook, read_grid

from .targets import RuleError

TITLE = "评价标准导入表"
STANDARD_SHEET, ITEMS_SHEET, ELEMENTS_SHEET, HELP_SHEET = "标准", "评价项目", "数据项", "填写说明"

# The “标准” sheet: (key, field, what goes in it). The first header of each row is what the
# file writes; the others are spellings accepted on reading.
STANDARD_KEYS = [
    (("代码", "标准代码"), "code", "大写字母、数字和下划线，如 MWR_COUNTY_WATER_SAVING"),
    (("版本",), "version", "如 2017；同一代码和版本再次导入时原地更新，新版本另建一套标准"),
    (("名称", "标准名称"), "name", "标准的名称，照原文"),
    (("来源文件", "来源"), "source", "发文字号或出处"),
    (("来源说明",), "source_note", "哪些条目取自原文、哪些是整理或推断的，写明依据"),
    (("达标分数", "合格分数"), "min_points", "各项得分合计不低于此分数且前提条件全部满足方为达标；不按分数评价的留空"),
    (("前提条件",), "prerequisites", "作为前提条件（一票否决）的评价项目序号，如“1、2”"),
    (("导向指标达标比例", "导向指标达标比例（%）"), "guiding_share", "不按分数评价的标准：导向指标至少达标的百分比"),
    (("导向指标达标个数",), "min_guiding", "不按分数评价的标准：导向指标至少达标的个数"),
]
STANDARD_HEADERS = {fieldname: keys[0] for keys, fieldname, _help in STANDARD_KEYS}

# The “评价项目” sheet: (key, header, width, what goes in it).
ITEM_COLUMNS = [
    ("number", "序号", 6, "正整数，各项不重复"),
    ("code", "代码", 26, "大写字母、数字和下划线，各项不重复"),
    ("category", "类别", 14, "如“用水效率控制”"),
    ("name", "项目名称", 24, "照原文"),
    ("kind", "类型", 8, "前提（或底线）：前提条件，一票否决；评分（或导向）：计分项目"),
    ("unit", "单位", 10, "如 %、万m³、m³/万元"),
    ("method", "计算方法", 10, "公式、漏损率（按CJJ 92-2016分供水企业计算）、核查（逐项核查并附佐证）、专家评分"),
    ("formula", "公式", 34, "计算方法为“公式”时填写：用数据项代码写的算式，如 PLANNED_WATER / NONRES_WATER * 100"),
    ("checklist", "核查事项", 34, "计算方法为“核查”时填写：每行一项"),
    ("target", "目标", 22, "≥90（或“不低于90%”“90%以上”）、≤10、=100、1.5～3（区间，含两端）、"
                           "≤WATER_QUOTA（下达的控制指标）、<0.5×NATIONAL_IND_WATER、较上年下降≥5、较上年增长≥5、"
                           "较2015年下降≥23，可用“且”“或”连接；也可填目标规则的JSON"),
    ("target_text", "具体要求（原文）", 28, "照原文"),
    ("points", "满分", 6, "该项最多可得的分数；前提条件可填0"),
    ("scoring_kind", "评分方式", 12, "全有全无、分档、按单位加减分、专家评分；留空为全有全无"),
    ("better", "方向", 10, "分档和按单位加减分须填：越高越好、越低越好"),
    ("scoring_params", "评分参数", 40, "分档：“5-10:1；10-15:2；15-:3”（起点-终点:得分，首档可无起点，末档可无终点）；"
                                   "按单位加减分：“标准线=10；达标得分=6；单位=1；加分=2；加分上限=4；未达标=不得分”或"
                                   "“…；扣分=1；最低=0”；可加“计分对象=较上年降幅”；也可填评分规则的JSON"),
    ("scoring_text", "评分标准（原文）", 36, "照原文"),
    ("annual", "按全年考核", 8, "是：按全年（第四季度）数值评价；否：按各季度累计数值评价"),
    ("lead_text", "牵头单位", 16, "照原文，多个用顿号分隔；第一个为填报单位"),
    ("responsible_text", "责任单位", 22, "照原文"),
    ("definition", "指标释义", 40, "照原文"),
]
ITEM_HEADERS = {key: header for key, header, _width, _help in ITEM_COLUMNS}
ITEM_REQUIRED = ("number", "code", "name", "kind", "method")

ELEMENT_COLUMNS = [
    ("code", "代码", 28, "数据项代码，公式中使用"),
    ("name", "名称", 40, "数据项名称"),
    ("unit", "单位", 10, ""),
    ("cumulative", "累计", 8, "是：本年1月1日至本季度末的累计值；否：季度末的状态值"),
]
ELEMENT_HEADERS = {key: header for key, header, _width, _help in ELEMENT_COLUMNS}

HEADER_SEARCH_ROWS = 10
MAX_ITEMS = 300  # a standard has tens of items; a longer sheet is not one

KINDS = {"前提": "bottom_line", "前提条件": "bottom_line", "底线": "bottom_line", "底线指标": "bottom_line",
         "评分": "guiding", "评分项": "guiding", "计分": "guiding", "导向": "guiding", "导向指标": "guiding"}
KIND_WORDS = {"bottom_line": "前提", "guiding": "评分"}
METHODS = {"公式": "formula", "漏损率": "leakage", "核查": "checklist", "专家评分": "judged"}
METHOD_WORDS = {value: key for key, value in METHODS.items()}
SCORING_KINDS = {"全有全无": "all", "分档": "steps", "按单位加减分": "per_unit", "专家评分": "judged"}
SCORING_WORDS = {value: key for key, value in SCORING_KINDS.items()}
DIRECTIONS = {"越高越好": "higher", "越低越好": "lower"}
DIRECTION_WORDS = {value: key for key, value in DIRECTIONS.items()}
MEASURES = {"数值": "value", "较上年降幅": "fall", "较上年增幅": "growth"}
MEASURE_WORDS = {value: key for key, value in MEASURES.items()}
COUNTS = {"满一个单位": "whole", "不足一个单位按一个单位": "started", "按比例": "exact"}
COUNT_WORDS = {value: key for key, value in COUNTS.items()}
# Per-unit parameters: (word, rule key, a number or a word).
PER_UNIT_KEYS = [
    ("标准线", "line"), ("达标得分", "at_line"), ("单位", "unit"), ("加分", "bonus"), ("加分上限", "bonus_cap"),
    ("未达标", "worse"), ("扣分", "penalty"), ("最低", "floor"), ("计数", "count"),
]
PER_UNIT_WORDS = dict(PER_UNIT_KEYS) | {"最低得分": "floor", "每单位加分": "bonus", "每单位扣分": "penalty"}
WORSE = {"不得分": "zero", "扣分": "deduct"}
WORSE_WORDS = {value: key for key, value in WORSE.items()}
YES, NO = {"是", "Y", "YES", "TRUE", "1", "√"}, {"否", "N", "NO", "FALSE", "0", ""}

SYMBOLS = {"ge": "≥", "le": "≤", "gt": ">", "lt": "<"}
_OPS = {"≥": "ge", ">=": "ge", "≤": "le", "<=": "le", ">": "gt", "<": "lt", "=": "exact", "==": "exact"}
_OP = r"(≥|>=|≤|<=|==|=|>|<)"
_NUMBER = r"([+-]?\d+(?:\.\d+)?)"
_CODE = r"([A-Z][A-Z0-9_]*)"
_BOUND = re.compile(rf"^{_OP}{_NUMBER}(%|‰)?$")
_QUOTA = re.compile(rf"^(≤|<=){_CODE}$")
_RELATIVE = re.compile(rf"^{_OP}{_NUMBER}[×xX*]{_CODE}$")
_MOVES = r"(下降|降低|减少|增长|增加|提高)"
_AT_LEAST = r"(?:≥|>=|不低于|不少于|达到)?"
_CHANGE = re.compile(rf"^(?:较上年|年){_MOVES}率?{_AT_LEAST}{_NUMBER}%?(?:以上)?$")
_CHANGE_VS_BASE = re.compile(rf"^较(\d{{4}})年{_MOVES}{_AT_LEAST}{_NUMBER}%?(?:以上)?$")
_RANGE = re.compile(rf"^{_NUMBER}(%|‰)?(?:~|-|—|至|到){_NUMBER}(%|‰)?(?:之间)?$")
# How a standard writes a bound in words; 以上/以下 count the bound in, as the documents mean it.
_WORDED_OPS = {"不低于": "ge", "不少于": "ge", "不小于": "ge", "大于等于": "ge", "达到": "ge",
               "不高于": "le", "不超过": "le", "不大于": "le", "不多于": "le", "小于等于": "le",
               "低于": "lt", "小于": "lt", "高于": "gt", "大于": "gt", "超过": "gt"}
_WORDED = re.compile(rf"^({'|'.join(sorted(_WORDED_OPS, key=len, reverse=True))})?{_NUMBER}"
                     r"([^\d<>=≥≤]*?)(及以上|以上|及以下|以下)?$")
_WORDED_QUOTA = re.compile(r"^(?:不超过|不高于|≤|<=)下达的.*控制指标$")
QUOTA_REFERENCE = "WATER_QUOTA"  # the code of a region's assigned quota (demo.catalogue_data.WATER_QUOTA)
_OR = re.compile(r"或者|或|\|\|")
_AND = re.compile(r"并且|且|&&")
_STEP = re.compile(rf"^{_NUMBER}?[-~～至]{_NUMBER}?[:：]{_NUMBER}$")
_SEPARATORS = re.compile(r"[；;\n]")
_PREREQUISITES = re.compile(r"[、,，;；\s]+")


def _clean(text):
    """What a compact cell says, for matching: half-width, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).replace("≧", "≥").replace("≦", "≤")


# --- the compact forms -------------------------------------------------------------------------


def parse_target(text):
    """The target rule (``indicators.targets``) a cell writes; {} for a blank cell. Raises
    RuleError with what can be written instead."""
    text = (text or "").strip()
    if not text:
        return {}
    if text.startswith("{"):
        return _json_object(text, "目标规则")
    compact = _clean(text).rstrip("。；;")
    parts = _OR.split(compact)
    if len(parts) > 1:
        if any(not part for part in parts):
            raise RuleError(f"“{text}”中“或”的两边都须写目标")
        return {"kind": "any", "rules": [_all_of(part, text) for part in parts]}
    return _all_of(compact, text)


def _all_of(compact, written):
    """One condition, or several joined by 且 (all must hold)."""
    parts = _AND.split(compact)
    if len(parts) == 1:
        return _one_target(compact, written)
    if any(not part for part in parts):
        raise RuleError(f"“{written}”中“且”的两边都须写目标")
    return {"kind": "all", "rules": [_one_target(part, written) for part in parts]}


def _one_target(compact, written):
    compact = compact.strip("，,")
    match = _CHANGE_VS_BASE.match(compact)
    if match:
        year, word, need = match.groups()
        direction = "fall" if word in ("下降", "降低", "减少") else "growth"
        return {"kind": "change_vs_base", "base_year": int(year), "direction": direction, "at_least": need}
    match = _CHANGE.match(compact)
    if match:
        direction = "fall" if match.group(1) in ("下降", "降低", "减少") else "growth"
        return {"kind": "change", "direction": direction, "at_least": match.group(2)}
    match = _QUOTA.match(compact)
    if match:
        return {"kind": "quota", "reference": match.group(2)}
    if _WORDED_QUOTA.match(compact):
        return {"kind": "quota", "reference": QUOTA_REFERENCE}
    match = _RANGE.match(compact)
    if match:
        low, low_unit, high, high_unit = match.groups()
        if low_unit and high_unit and low_unit != high_unit:
            raise RuleError(f"“{written}”：区间两端的单位不同")
        if Decimal(low) > Decimal(high):
            raise RuleError(f"“{written}”：区间的下限大于上限")
        return {"kind": "range", "min": low, "max": high, "min_inclusive": True, "max_inclusive": True}
    match = _RELATIVE.match(compact)
    if match:
        op = _OPS[match.group(1)]
        if op == "exact":
            raise RuleError(f"“{written}”：与参考值的倍数比较只能用 ≥ ≤ > <")
        return {"kind": "relative", "op": op, "factor": match.group(2), "reference": match.group(3)}
    match = _BOUND.match(compact)
    if match:
        op = _OPS[match.group(1)]
        if op == "exact":
            return {"kind": "exact", "value": match.group(2)}
        return {"kind": "bound", "op": op, "value": match.group(2)}
    if decimal_or_none(compact.rstrip("%‰")) is not None:  # “100%” written alone: exactly that
        return {"kind": "exact", "value": compact.rstrip("%‰")}
    match = _WORDED.match(compact)
    if match and (match.group(1) or match.group(4)):
        word, number, _unit, suffix = match.groups()
        op = _WORDED_OPS[word] if word else ("ge" if suffix.endswith("以上") else "le")
        return {"kind": "bound", "op": op, "value": number}
    raise RuleError(f"无法识别的目标“{written}”：应写成“≥90”“不低于90%”“90%以上”“≤10”“=100”“1.5‰～3‰”"
                    "“≤WATER_QUOTA”“<0.5×NATIONAL_IND_WATER”“较上年下降≥5”“较2015年下降23%以上”之一"
                    "（可用“且”“或”连接），或目标规则的JSON")


def target_text_of(rule):
    """The compact form of a target rule: ``parse_target`` reads it back to the same rule."""
    if not rule:
        return ""
    kind = rule.get("kind")
    if kind == "any":
        return " 或 ".join(target_text_of(branch) for branch in rule["rules"])
    if kind == "all" and all(branch.get("kind") != "any" for branch in rule["rules"]):
        return " 且 ".join(target_text_of(branch) for branch in rule["rules"])
    if kind == "range" and rule.get("min_inclusive", True) and rule.get("max_inclusive", True):
        return f"{rule['min']}～{rule['max']}"
    if kind == "change_vs_base":
        return f"较{rule['base_year']}年{'下降' if rule['direction'] == 'fall' else '增长'}≥{rule['at_least']}"
    if kind == "bound" and rule.get("op") in SYMBOLS:
        return f"{SYMBOLS[rule['op']]}{rule['value']}"
    if kind == "exact":
        return f"={rule['value']}"
    if kind == "quota":
        return f"≤{rule['reference']}"
    if kind == "relative" and rule.get("op") in SYMBOLS:
        return f"{SYMBOLS[rule['op']]}{rule['factor']}×{rule['reference']}"
    if kind == "change":
        return f"较上年{'下降' if rule['direction'] == 'fall' else '增长'}≥{rule['at_least']}"
    return json.dumps(rule, ensure_ascii=False)


def parse_scoring(kind_text, better_text, params_text):
    """The scoring rule (``indicators.scoring_rules``) of the three cells 评分方式, 方向 and
    评分参数; {} (all or nothing) when they are blank. Raises RuleError naming the cell
    (``ScoringCellError``) when one cannot be read."""
    kind_text, better_text, params_text = (kind_text or "").strip(), (better_text or "").strip(), \
        (params_text or "").strip()
    kind = None
    if kind_text:
        kind = SCORING_KINDS.get(_clean(kind_text))
        if kind is None:
            raise ScoringCellError("scoring_kind", f"无法识别的评分方式“{kind_text}”：应为"
                                                   f"{'、'.join(SCORING_KINDS)}之一")
    better = None
    if better_text:
        better = DIRECTIONS.get(_clean(better_text))
        if better is None:
            raise ScoringCellError("better", f"无法识别的方向“{better_text}”：应为越高越好或越低越好")
    if params_text.startswith("{"):
        try:
            rule = _json_object(params_text, "评分规则")
        except RuleError as error:
            raise ScoringCellError("scoring_params", str(error)) from None
        if kind is not None and rule.get("kind", "all") != kind:
            raise ScoringCellError("scoring_kind", f"评分方式为“{kind_text}”，评分参数的JSON却是"
                                                   f"“{SCORING_WORDS.get(rule.get('kind'), rule.get('kind'))}”")
        if better is not None and "better" not in rule:
            rule["better"] = better
        return rule
    params = _params(params_text)
    measure = params.pop("计分对象", None)
    if kind is None:
        if params or measure is not None:
            raise ScoringCellError("scoring_kind", "填了评分参数，但没有填评分方式")
        return {}
    rule = {"kind": kind}
    if kind in ("steps", "per_unit"):
        if better is None:
            raise ScoringCellError("better", f"评分方式为“{kind_text}”时须填方向：越高越好或越低越好")
        rule["better"] = better
    if kind == "steps":
        rule["steps"] = _steps(params.pop("", []))
    elif kind == "per_unit":
        rule.update(_per_unit(params))
    steps_left = params.pop("", None)
    if params or steps_left:
        extra = "、".join(params) or "；".join(steps_left)
        raise ScoringCellError("scoring_params", f"评分方式为“{kind_text}”时不能填写：{extra}")
    if measure is not None:
        value = MEASURES.get(_clean(measure))
        if value is None:
            raise ScoringCellError("scoring_params", f"无法识别的计分对象“{measure}”：应为{'、'.join(MEASURES)}之一")
        if value != "value":
            rule["measure"] = value
    if kind == "all" and len(rule) == 1:
        return {}  # the model's default: all or nothing
    return rule


class ScoringCellError(RuleError):
    """A scoring cell that cannot be read; ``key`` names its column."""

    def __init__(self, key, message):
        super().__init__(message)
        self.key = key


def _params(text):
    """{word: value} of “a=b” parts and {"": [step parts]} of the others."""
    found = {}
    for part in _SEPARATORS.split(text):
        part = part.strip()
        if not part:
            continue
        if "=" in part or "＝" in part:
            word, _sep, value = part.replace("＝", "=").partition("=")
            word = _clean(word)
            if word in found:
                raise ScoringCellError("scoring_params", f"“{word}”写了两次")
            found[word] = value.strip()
        else:
            found.setdefault("", []).append(part)
    return found


def _steps(parts):
    if not parts:
        raise ScoringCellError("scoring_params", "分档须写出各档，如“5-10:1；10-15:2；15-:3”")
    steps = []
    for part in parts:
        match = _STEP.match(_clean(part))
        if match is None:
            raise ScoringCellError("scoring_params", f"无法识别的一档“{part}”：应写成“起点-终点:得分”，"
                                                     "如“5-10:1”，首档可写“-5:0”，末档可写“15-:3”")
        low, high, points = match.groups()
        step = {}
        if low is not None:
            step["from"] = low
        if high is not None:
            step["to"] = high
        step["points"] = points
        steps.append(step)
    return steps


def _per_unit(params):
    rule = {}
    for word in list(params):
        if word == "":
            continue
        key = PER_UNIT_WORDS.get(word)
        if key is None:
            raise ScoringCellError("scoring_params", f"无法识别的参数“{word}”：按单位加减分可填"
                                                     f"{'、'.join(w for w, _k in PER_UNIT_KEYS)}、计分对象")
        value = params.pop(word)
        cleaned = _clean(value)
        if key == "line" and re.fullmatch(_CODE, cleaned):
            rule["reference"] = cleaned
        elif key == "worse":
            if cleaned not in WORSE:
                raise ScoringCellError("scoring_params", f"“未达标={value}”：应为“未达标=不得分”或“未达标=扣分”")
            rule["worse"] = WORSE[cleaned]
        elif key == "count":
            if cleaned not in COUNTS:
                raise ScoringCellError("scoring_params", f"“计数={value}”：应为{'、'.join(COUNTS)}之一")
            rule["count"] = COUNTS[cleaned]
        else:
            number = decimal_or_none(cleaned.rstrip("%‰分"))
            if number is None:
                raise ScoringCellError("scoring_params", f"“{word}={value}”不是数字")
            rule[key] = cleaned.rstrip("%‰分")
    return rule


def scoring_cells_of(rule):
    """(评分方式, 方向, 评分参数) of a scoring rule: ``parse_scoring`` reads them back to it."""
    if not rule:
        return "全有全无", "", ""
    kind = rule.get("kind", "all")
    known = {"kind", "better", "measure", "steps"} | {key for _word, key in PER_UNIT_KEYS} | {"reference"}
    if kind not in SCORING_WORDS or set(rule) - known or (kind == "steps" and not _plain_steps(rule)):
        return SCORING_WORDS.get(kind, ""), "", json.dumps(rule, ensure_ascii=False)
    better = DIRECTION_WORDS.get(rule.get("better"), "")
    parts = []
    if kind == "steps":
        for step in rule["steps"]:
            low, high = step.get("from"), step.get("to")
            parts.append(f"{'' if low in (None, '') else low}-{'' if high in (None, '') else high}:{step['points']}")
    elif kind == "per_unit":
        for word, key in PER_UNIT_KEYS:
            if key == "line" and "reference" in rule:
                parts.append(f"标准线={rule['reference']}")
            elif key in rule:
                value = rule[key]
                value = {"worse": WORSE_WORDS, "count": COUNT_WORDS}.get(key, {}).get(value, value)
                parts.append(f"{word}={value}")
    if rule.get("measure", "value") != "value":
        parts.append(f"计分对象={MEASURE_WORDS.get(rule['measure'], rule['measure'])}")
    return SCORING_WORDS[kind], better if kind in ("steps", "per_unit") else "", "；".join(parts)


def _plain_steps(rule):
    steps = rule.get("steps")
    return isinstance(steps, list) and all(isinstance(s, dict) and set(s) <= {"from", "to", "points"} for s in steps)


def _json_object(text, what):
    try:
        value = json.loads(text)
    except ValueError:
        raise RuleError(f"{what}的JSON写法有误") from None
    if not isinstance(value, dict):
        raise RuleError(f"{what}的JSON应为一个对象（{{…}}）")
    return value


# --- reading ---------------------------------------------------------------------------------------


@dataclass
class ItemRow:
    """One row of “评价项目”: the model's fields as read, and where each came from."""

    row: int
    fields: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)  # key -> column letter ("" when the file has no such column)
    texts: dict = field(default_factory=dict)  # key -> the cell as written
    problems: int = 0  # how many of ``Parsed.problems`` are this row's
    sheet: str = ITEMS_SHEET
    headers: dict = field(default_factory=lambda: ITEM_HEADERS)  # key -> the header its column has
    written: dict = field(default_factory=dict)  # a document table's fields, laid over the stored item's


@dataclass
class ElementRow:
    row: int
    code: str
    name: str
    unit: str
    cumulative: bool
    columns: dict = field(default_factory=dict)


@dataclass
class Parsed:
    """What a standard workbook says. ``standard`` maps a field to its value and
    ``standard_rows`` to the row it is on; ``problems`` are found in the cells themselves."""

    standard: dict = field(default_factory=dict)
    standard_rows: dict = field(default_factory=dict)
    prerequisites: list = field(default_factory=list)  # item numbers
    items: list = field(default_factory=list)
    elements: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    # A published document's own indicator table (``DOCUMENT_COLUMNS``) rather than this
    # workbook: it gives a stored standard's words, not codes, formulas or points.
    document: bool = False


def where(sheet, row, header, letter=""):
    """How an error names its cell: 评价项目表第5行“满分”列（L列）."""
    if sheet == STANDARD_SHEET:
        return f"{sheet}表第{row}行“{header}”" + (f"（{letter}列）" if letter else "")
    return f"{sheet}表第{row}行“{header}”列" + (f"（{letter}列）" if letter else "")


def item_where(item, key):
    return where(item.sheet, item.row, item.headers.get(key, ITEM_HEADERS[key]), item.columns.get(key, ""))


def read(data):
    """Parse an uploaded standard workbook. Raises ``FileUnreadable`` for a file that is not
    this table; returns what it says and the problems found in its cells."""
    workbook = load_workbook(data, uncalculated_as_text=True)
    try:
        names = {normalize_name(name): name for name in workbook.sheetnames}
        missing = [sheet for sheet in (STANDARD_SHEET, ITEMS_SHEET) if sheet not in names]
        if missing:
            document = _read_document(workbook)
            if document is not None:
                return document
            raise FileUnreadable(f"没有找到“{'”“'.join(missing)}”工作表。评价标准导入表应有“{STANDARD_SHEET}”"
                                 f"“{ITEMS_SHEET}”两张表（“{ELEMENTS_SHEET}”表可选），请下载模板后填写；"
                                 f"或上传发文附件中的指标表（表头有“{_document_headers()}”），"
                                 "用以更新已有标准各项的原文。")
        parsed = Parsed()
        _read_standard(read_grid(workbook[names[STANDARD_SHEET]]), parsed)
        _read_items(read_grid(workbook[names[ITEMS_SHEET]]), parsed)
        if ELEMENTS_SHEET in names:
            _read_elements(read_grid(workbook[names[ELEMENTS_SHEET]]), parsed)
        return parsed
    finally:
        workbook.close()


def _read_standard(grid, parsed):
    wanted = {normalize_name(key): fieldname for keys, fieldname, _help in STANDARD_KEYS for key in keys}
    for number, cells in enumerate(grid.rows, start=1):
        texts = [cell for cell in cells if cell != ""]
        if not cells or not texts:
            continue
        fieldname = wanted.get(normalize_name(cells[0]))
        if fieldname is None:
            continue
        value = cells[1] if len(cells) > 1 else ""
        header = STANDARD_HEADERS[fieldname]
        if fieldname in parsed.standard_rows:
            first = parsed.standard_rows[fieldname]
            parsed.problems.append(f"{where(STANDARD_SHEET, number, header, 'A')}：与第{first}行重复")
            continue
        parsed.standard_rows[fieldname] = number
        place = where(STANDARD_SHEET, number, header, "B")
        if fieldname in ("code", "version"):
            value = value.strip()
            parsed.standard[fieldname] = value.upper() if fieldname == "code" else value
        elif fieldname in ("min_points", "guiding_share", "min_guiding"):
            if value.strip():
                number_value = decimal_or_none(value.strip().rstrip("分%"))
                if number_value is None:
                    parsed.problems.append(f"{place}：“{value}”不是数字")
                    continue
                if fieldname != "min_points" and number_value != number_value.to_integral_value():
                    parsed.problems.append(f"{place}：应为整数")
                    continue
                parsed.standard[fieldname] = number_value if fieldname == "min_points" else int(number_value)
            else:
                parsed.standard[fieldname] = None
        elif fieldname == "prerequisites":
            numbers = []
            for part in _PREREQUISITES.split(unicodedata.normalize("NFKC", value).strip()):
                if not part:
                    continue
                if not part.isdigit():
                    parsed.problems.append(f"{place}：“{part}”不是评价项目的序号（应写序号，如“1、2”）")
                    continue
                numbers.append(int(part))
            parsed.prerequisites = numbers
        else:
            parsed.standard[fieldname] = value
    for fieldname in ("code", "version", "name"):
        if not parsed.standard.get(fieldname):
            row = parsed.standard_rows.get(fieldname)
            header = STANDARD_HEADERS[fieldname]
            if row is None:
                parsed.problems.append(f"{STANDARD_SHEET}表：缺少“{header}”一行（A列写“{header}”，B列写其内容）")
            else:
                parsed.problems.append(f"{where(STANDARD_SHEET, row, header, 'B')}：不能为空")


def _header(grid, columns, required):
    """(header row number, {key: 0-based column}) of a sheet, or (None, {}) without one."""
    wanted = {normalize_name(header): key for key, header, _width, _help in columns}
    for number, cells in enumerate(grid.rows[:HEADER_SEARCH_ROWS], start=1):
        found = {}
        for index, cell in enumerate(cells):
            key = wanted.get(normalize_name(cell))
            if key is not None and key not in found:
                found[key] = index
        if all(key in found for key in required):
            return number, found
    return None, {}


def _read_items(grid, parsed):
    header_row, positions = _header(grid, ITEM_COLUMNS, ITEM_REQUIRED)
    if header_row is None:
        raise FileUnreadable(f"“{ITEMS_SHEET}”表没有找到表头（前{HEADER_SEARCH_ROWS}行中应有"
                             f"“{'”“'.join(ITEM_HEADERS[key] for key in ITEM_REQUIRED)}”等列）。请下载模板后填写。")
    letters = {key: column_letter(index + 1) for key, index in positions.items()}
    for number, cells in enumerate(grid.rows[header_row:], start=header_row + 1):
        texts = {key: cells[index] if index < len(cells) else "" for key, index in positions.items()}
        if not any(texts.values()):
            continue
        if len(parsed.items) >= MAX_ITEMS:
            raise FileUnreadable(f"“{ITEMS_SHEET}”表超过{MAX_ITEMS}项，不像一套评价标准，未导入任何内容。")
        item = ItemRow(row=number, columns={key: letters.get(key, "") for key, *_rest in ITEM_COLUMNS},
                       texts={key: texts.get(key, "") for key, *_rest in ITEM_COLUMNS})
        before = len(parsed.problems)
        _item_fields(item, item.texts, parsed.problems)
        item.problems = len(parsed.problems) - before
        parsed.items.append(item)


def _item_fields(item, texts, problems):
    fields = item.fields

    def problem(key, message):
        problems.append(f"{item_where(item, key)}：{message}")

    for key in ITEM_REQUIRED:
        if not texts[key]:
            problem(key, "不能为空")
    number = texts["number"]
    if number:
        cleaned = unicodedata.normalize("NFKC", number).strip().rstrip(".、")
        if cleaned.isdigit() and 0 < int(cleaned) <= 32767:
            fields["number"] = int(cleaned)
        else:
            problem("number", f"“{number}”不是正整数")
    fields["code"] = _clean(texts["code"]).upper()
    for key in ("category", "name", "unit", "target_text", "scoring_text", "lead_text", "responsible_text",
                "definition"):
        fields[key] = texts[key]  # as written
    kind = texts["kind"]
    if kind:
        fields["kind"] = KINDS.get(_clean(kind))
        if fields["kind"] is None:
            problem("kind", f"无法识别的类型“{kind}”：应为前提（底线）或评分（导向）")
    method = texts["method"]
    if method:
        fields["method"] = METHODS.get(_clean(method))
        if fields["method"] is None:
            problem("method", f"无法识别的计算方法“{method}”：应为{'、'.join(METHODS)}之一")
    fields["formula"] = texts["formula"]
    fields["checklist"] = [line.strip() for line in texts["checklist"].split("\n") if line.strip()]
    try:
        fields["target"] = parse_target(texts["target"])
    except RuleError as error:
        problem("target", str(error))
    points = texts["points"]
    if points:
        value = decimal_or_none(points.rstrip("分"))
        if value is None:
            problem("points", f"“{points}”不是数字")
        elif value < 0:
            problem("points", "满分不能为负")
        elif value != value.quantize(Decimal("0.1")):
            problem("points", "满分最多保留一位小数")
        else:
            fields["points"] = value
    else:
        fields["points"] = Decimal("0")
    try:
        fields["scoring"] = parse_scoring(texts["scoring_kind"], texts["better"], texts["scoring_params"])
    except ScoringCellError as error:
        problem(error.key, str(error))
    except RuleError as error:
        problem("scoring_params", str(error))
    annual = _clean(texts["annual"]).upper()
    if annual in YES:
        fields["annual"] = True
    elif annual in NO:
        fields["annual"] = False
    else:
        problem("annual", f"“{texts['annual']}”：应填是或否")


def _read_elements(grid, parsed):
    header_row, positions = _header(grid, ELEMENT_COLUMNS, ("code", "name"))
    if header_row is None:
        if any(any(cells) for cells in grid.rows):
            parsed.problems.append(f"{ELEMENTS_SHEET}表：没有找到表头（应有“代码”“名称”“单位”“累计”等列）")
        return
    letters = {key: column_letter(index + 1) for key, index in positions.items()}
    for number, cells in enumerate(grid.rows[header_row:], start=header_row + 1):
        texts = {key: cells[index] if index < len(cells) else "" for key, index in positions.items()}
        if not any(texts.values()):
            continue
        columns = {key: letters.get(key, "") for key, *_rest in ELEMENT_COLUMNS}
        cumulative = _clean(texts.get("cumulative", "")).upper()
        if cumulative not in YES | NO:
            place = where(ELEMENTS_SHEET, number, ELEMENT_HEADERS["cumulative"], columns["cumulative"])
            parsed.problems.append(f"{place}：“{texts['cumulative']}”：应填是或否")
        parsed.elements.append(ElementRow(row=number, code=_clean(texts.get("code", "")).upper(),
                                          name=texts.get("name", ""), unit=texts.get("unit", ""),
                                          cumulative=cumulative in YES, columns=columns))


# --- a document's own indicator table ------------------------------------------------------------

# The table a 工作方案's 附件 prints (序号 | 目标 | 指标 | 指标释义 | 指标类型 | 具体要求 | 牵头单位 |
# 责任单位): (key, headers it is printed under). It carries the standard's words only, so it
# updates a stored standard whose items have these names (``services.standards``).
DOCUMENT_COLUMNS = [
    ("number", ("序号",)),
    ("name", ("指标", "指标名称", "评价指标")),
    ("definition", ("指标释义", "指标解释", "指标定义", "释义")),
    ("kind", ("指标类型", "类型")),
    ("target_text", ("具体要求", "指标要求", "目标值", "要求")),
    ("lead_text", ("牵头单位",)),
    ("responsible_text", ("责任单位", "配合单位")),
]
DOCUMENT_HEADERS = {key: headers[0] for key, headers in DOCUMENT_COLUMNS}
DOCUMENT_REQUIRED = ("number", "name", "definition", "target_text")
def _document_headers():
    return "”“".join(DOCUMENT_HEADERS[key] for key in DOCUMENT_REQUIRED)


_UNIT_LINES = re.compile(r"\s*\n\s*")


def _read_document(workbook):
    """The first sheet with a document table's header, read; None when no sheet has one."""
    wanted = {normalize_name(header): key for key, headers in DOCUMENT_COLUMNS for header in headers}
    for name in workbook.sheetnames:
        grid = read_grid(workbook[name])
        for header_row, cells in enumerate(grid.rows[:HEADER_SEARCH_ROWS], start=1):
            positions = {}
            for index, cell in enumerate(cells):
                key = wanted.get(normalize_name(cell))
                if key is not None and key not in positions:
                    positions[key] = index
            if all(key in positions for key in DOCUMENT_REQUIRED):
                return _document_items(grid, name, header_row, positions,
                                       {key: cells[index] for key, index in positions.items()})
    return None


def _document_items(grid, sheet, header_row, positions, headers):
    parsed = Parsed(document=True)
    letters = {key: column_letter(index + 1) for key, index in positions.items()}
    for number, cells in enumerate(grid.rows[header_row:], start=header_row + 1):
        texts = {key: cells[index] if index < len(cells) else "" for key, index in positions.items()}
        if not any(texts.get(key) for key in DOCUMENT_REQUIRED):
            continue
        if len(parsed.items) >= MAX_ITEMS:
            raise FileUnreadable(f"“{sheet}”表超过{MAX_ITEMS}项，不像一套评价标准的指标表，未导入任何内容。")
        item = ItemRow(row=number, columns=letters, texts=texts, sheet=sheet, headers=headers)
        before = len(parsed.problems)
        _document_fields(item, parsed.problems)
        item.problems = len(parsed.problems) - before
        parsed.items.append(item)
    if not parsed.items:
        raise FileUnreadable(f"“{sheet}”表在表头下没有任何指标。")
    return parsed


def _document_fields(item, problems):
    """What a document row says, as written: the definition and requirement whole (formula
    and every “其中…” note), the units of a cell printed one per line joined with 、 as the
    catalogue lists them. The requirement's rule is read when its wording is one the
    targets know; otherwise the stored rule stays (``written`` has no "target")."""
    texts, written = item.texts, item.written

    def problem(key, message):
        problems.append(f"{item_where(item, key)}：{message}")

    for key in DOCUMENT_REQUIRED:
        if not texts.get(key):
            problem(key, "不能为空")
    number = unicodedata.normalize("NFKC", texts["number"]).strip().rstrip(".、")
    if number.isdigit() and 0 < int(number) <= 32767:
        written["number"] = int(number)
    elif number:
        problem("number", f"“{texts['number']}”不是正整数")
    for key in ("name", "definition", "target_text"):
        written[key] = texts[key]
    for key in ("lead_text", "responsible_text"):
        if key in texts:
            written[key] = "、".join(part for part in _UNIT_LINES.split(texts[key]) if part)
    if texts.get("kind"):
        written["kind"] = KINDS.get(_clean(texts["kind"]))
        if written["kind"] is None:
            problem("kind", f"无法识别的指标类型“{texts['kind']}”：应为底线指标或导向指标")
    # A requirement in words the rules do not cover (a checklist's, a national average's)
    # leaves the stored rule as it is.
    with contextlib.suppress(RuleError):
        written["target"] = parse_target(texts["target_text"])


# --- writing ---------------------------------------------------------------------------------------

THIN = Side(style="thin")
HEADER_FONT = Font(name="黑体", bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")


def build(spec):
    """The workbook's bytes for ``spec``: {"standard": {field: value}, "items": [{model
    field: value}], "elements": [{code, name, unit, cumulative}]} — a stored standard
    (``indicators.services.standards.spec_of``) or a data module's, or an empty one for a
    blank template."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = STANDARD_SHEET
    _standard_sheet(sheet, spec.get("standard", {}), spec.get("items", []))
    _table(workbook.create_sheet(ITEMS_SHEET), ITEM_COLUMNS, [_item_cells(item) for item in spec.get("items", [])])
    _table(workbook.create_sheet(ELEMENTS_SHEET), ELEMENT_COLUMNS,
           [[e["code"], e["name"], e.get("unit", ""), "是" if e.get("cumulative") else "否"]
            for e in spec.get("elements", [])])
    _help_sheet(workbook.create_sheet(HELP_SHEET))
    # A standard's definition, not a region's figures: printable, but no 填报单位 line; its
    # points stay written as the standard writes them (the reader takes them back as text).
    for printed in workbook.worksheets:
        print_ready(printed, header_rows=None if printed.title == HELP_SHEET else (1, 1))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _standard_sheet(sheet, standard, items):
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 80
    sheet.column_dimensions["C"].width = 50
    for index, header in enumerate(("项目", "内容", "说明"), start=1):
        cell = write_text(sheet.cell(1, index), header)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
    prerequisites = "、".join(str(item["number"]) for item in items if item.get("kind") == "bottom_line")
    for row, (keys, fieldname, help_text) in enumerate(STANDARD_KEYS, start=2):
        value = prerequisites if fieldname == "prerequisites" else standard.get(fieldname)
        if isinstance(value, Decimal):
            value = plain(value)
        write_text(sheet.cell(row, 1), keys[0]).border = BORDER
        cell = write_text(sheet.cell(row, 2), "" if value is None else str(value))
        cell.border, cell.alignment = BORDER, WRAP
        note = write_text(sheet.cell(row, 3), help_text)
        note.font, note.alignment = Font(size=9, color="555555"), WRAP


def _item_cells(item):
    kind, better, params = scoring_cells_of(item.get("scoring") or {})
    values = {
        **item,
        "kind": KIND_WORDS.get(item.get("kind"), item.get("kind", "")),
        "method": METHOD_WORDS.get(item.get("method"), item.get("method", "")),
        "checklist": "\n".join(item.get("checklist") or []),
        "target": target_text_of(item.get("target") or {}),
        "points": plain(item.get("points") or 0),
        "scoring_kind": kind, "better": better, "scoring_params": params,
        "annual": "是" if item.get("annual") else "否",
    }
    return [values.get(key, "") for key, *_rest in ITEM_COLUMNS]


def _table(sheet, columns, rows):
    for index, (_key, header, width, _help) in enumerate(columns, start=1):
        sheet.column_dimensions[column_letter(index)].width = width
        cell = write_text(sheet.cell(1, index), header)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.freeze_panes = "C2" if len(columns) > 4 else "A2"
    for row, values in enumerate(rows, start=2):
        for index, value in enumerate(values, start=1):
            cell = write_text(sheet.cell(row, index), "" if value is None else value)
            cell.border, cell.alignment = BORDER, WRAP


def _help_sheet(sheet):
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 18
    sheet.column_dimensions["C"].width = 90
    write_text(sheet.cell(1, 1), TITLE).font = Font(name="黑体", size=14)
    write_text(sheet.cell(2, 1), "先在“标准”表写标准本身，再在“评价项目”表逐项填写，公式用到的数据项若系统中尚无，"
                                 "在“数据项”表列出。名称、具体要求、评分标准、指标释义照原文填写，按原样保存。"
                                 "导入前逐行检查，有任何错误时不导入任何内容。").alignment = WRAP
    row = 4
    for sheet_name, rows in ((STANDARD_SHEET, [(keys[0], help_text) for keys, _f, help_text in STANDARD_KEYS]),
                             (ITEMS_SHEET, [(header, help_text) for _k, header, _w, help_text in ITEM_COLUMNS]),
                             (ELEMENTS_SHEET, [(header, help_text) for _k, header, _w, help_text in ELEMENT_COLUMNS])):
        for header, help_text in rows:
            write_text(sheet.cell(row, 1), sheet_name)
            write_text(sheet.cell(row, 2), header)
            write_text(sheet.cell(row, 3), help_text).alignment = WRAP
            row += 1
