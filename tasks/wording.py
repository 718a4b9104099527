"""Reading the wording of task texts: printed numbers, inline department lists, due dates
and quantitative targets. Pure functions on strings."""

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.text import normalize_name

# 一、  （一） (一)  1.  1．  1、  （1） (1)  ①  — at the start of a text.
_NUMBER = re.compile(
    r"^\s*(?P<number>[一二三四五六七八九十]+、|[（(](?:[一二三四五六七八九十]+|\d{1,3})[）)]|\d{1,3}\s*[.．、](?!\d)"
    r"|[①-⑳])\s*"
)
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# "（牵头单位：区住房城乡建委、区城市管理局；责任单位：区经济信息委）" at the end of a text.
_INLINE = re.compile(
    r"[（(]\s*(?P<body>(?:牵头单位|牵头部门|责任单位|配合单位|参与单位)\s*[：:][^（）()]*)[）)]\s*[。.；;]?\s*$"
)
_INLINE_PART = re.compile(r"(?P<label>牵头单位|牵头部门|责任单位|配合单位|参与单位)\s*[：:](?P<names>[^；;]*)")


def split_number(text):
    """(printed number, rest of the text): "（一）健全节水制度" → ("（一）", "健全节水制度").
    The number is kept as written, with the space after it ("1. "), so number + text is
    the cell as printed; matching compares them normalised."""
    match = _NUMBER.match(text or "")
    if not match:
        return "", (text or "").strip()
    return text[match.start("number") : match.end()], text[match.end() :].strip()


def split_circled_items(text):
    """Split "…①甲；②乙；③丙" into its numbered parts; one part means no split."""
    positions = [i for i, char in enumerate(text) if char in CIRCLED]
    if len(positions) < 2:
        return [("", text)]
    parts = []
    lead_in = text[: positions[0]].strip()
    for start, end in zip(positions, [*positions[1:], len(text)], strict=True):
        body = text[start + 1 : end].strip().rstrip("；;，,")
        parts.append((text[start], f"{lead_in}{body}" if lead_in and not parts else body))
    return parts


@dataclass
class InlineUnits:
    text: str
    leads: str = ""
    cooperators: str = ""
    found: bool = False


def split_inline_units(text):
    """Take "（牵头单位：…；责任单位：…）" off the end of a text. Where no 牵头单位 is named,
    the 责任单位 lead the item (黔江 tasks 8 and 19)."""
    match = _INLINE.search(text or "")
    if not match:
        return InlineUnits(text=(text or "").strip())
    leads, cooperators = [], []
    for part in _INLINE_PART.finditer(match.group("body")):
        (leads if part.group("label").startswith("牵头") else cooperators).append(part.group("names").strip())
    if not leads:
        leads, cooperators = cooperators, []
    return InlineUnits(
        text=text[: match.start()].strip(), leads="、".join(leads), cooperators="、".join(cooperators), found=True
    )


# --- due dates ------------------------------------------------------------------------

def parse_due(text, *, default_year):
    """The date a deadline phrase means, or None: "12月底" → 31 Dec of ``default_year``,
    "2020年上半年" → 30 Jun 2020, "11月底前" → 30 Nov, "2023年底前" → 31 Dec 2023,
    "6月30日前" → 30 Jun. A date that does not exist ("13月底") means none here;
    ``parse_targets`` reports it."""
    dates, _problems = _dates_in(normalize_name(text).translate(_HALF_WIDTH), default_year)
    return dates[0][2] if dates else None


# --- quantitative targets --------------------------------------------------------------

_COMPARATORS = [
    ("不低于", "ge"), ("不少于", "ge"), ("不小于", "ge"), ("大于等于", "ge"), ("达到", "ge"), ("≥", "ge"),
    ("不高于", "le"), ("不超过", "le"), ("不大于", "le"), ("小于等于", "le"), ("≤", "le"),
    ("低于", "lt"), ("小于", "lt"), ("高于", "gt"), ("大于", "gt"), ("超过", "gt"), ("达", "ge"), ("为", "eq"),
]
_UNITS = r"%|‰|家|个|座|户|处|所|项|人|次|万元|万立方米|立方米|公里|km|L/人·天"
_COMPARED = re.compile(
    r"(?P<comparator>" + "|".join(re.escape(word) for word, _ in _COMPARATORS) + r")\s*"
    r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>" + _UNITS + r")?"
)
# "建成节水型机关10家", "完成3家": a count reached by a verb.
_COUNTED = re.compile(
    r"(?:建成|完成|创建|培育|新建|打造)[^，。；0-9]{0,12}?(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>家|个|座|户|处|所|项)"
)


@dataclass(frozen=True)
class Target:
    value: Decimal
    unit: str
    comparator: str
    wording: str
    kind: str = "count"  # COUNT, SHARE, RANGE, CHANGE_VS_BASE or COVERAGE
    value_max: Decimal | None = None  # a range's upper end
    base_year: int | None = None  # "较2015年下降23%"
    due_on: date | None = None
    due_text: str = ""  # the date phrase as written beside the target
    alternative: bool = False  # "…不低于25%或年增长率不低于5%": meeting this one or the one before will do


def parse_target(text):
    """The first quantitative target in a text, or None."""
    # "l0%" in 武隆 附件2 is a typing slip for 10%: a lone l before digits reads as 1.
    cleaned = re.sub(r"(?<![A-Za-z])l(?=\d)", "1", text or "")
    found = []
    for match in _COMPARED.finditer(cleaned):
        comparator = dict(_COMPARATORS)[match.group("comparator")]
        if not match.group("unit") and match.group("comparator") in ("达", "为"):
            continue  # "达" / "为" without a unit is ordinary prose
        found.append((match.start(), comparator, match))
    for match in _COUNTED.finditer(cleaned):
        found.append((match.start(), "ge", match))
    if not found:
        return None
    _, comparator, match = min(found, key=lambda item: item[0])
    wording = _sentence_around(cleaned, match.start(), match.end())
    return Target(Decimal(match.group("value")), match.group("unit") or "", comparator, wording)


def _sentence_around(text, start, end):
    stops = "。；;，,\n"
    left = max(text.rfind(stop, 0, start) for stop in stops) + 1
    rights = [i for i in (text.find(stop, end) for stop in "。；;\n") if i != -1]
    right = min(rights) if rights else len(text)
    return text[left:right].strip()[:300]


# --- every target of a text, each with its own date -------------------------------------

COUNT, SHARE, RANGE, CHANGE_VS_BASE, COVERAGE = "count", "share", "range", "change_vs_base", "coverage"
SHARE_UNITS = ("%", "‰", "个百分点")
# Full-width digits and signs typed by Chinese input methods, made half-width one for one
# (so positions in the text stay those of the words as written).
_HALF_WIDTH = str.maketrans("０１２３４５６７８９％．～－", "0123456789%.~-")

# Dates written beside a target. A day written out ("6月30日前") is exact; a month, half
# year or year means its last day. Checked for existence: "2月30日" and "13月底" are refused.
_DATE = re.compile(
    r"(?P<year_end>\d{4})年(?:底|末)"
    r"|(?:(?P<year>\d{4})年)?(?:"
    r"(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})[日号]|底|末|中旬|上旬|下旬|前|份)"
    r"|(?P<half>上半年)|(?P<whole>年底|年末|下半年|全年|年内))"
    r"|(?P<by_year>\d{4})年(?:以?前|之前)"
)
_ABOUT_BASE = r"(?:较|比|相比|与)\s*(?P<base>\d{4})\s*年(?:相比|比)?[，,]?\s*"
_CHANGE_WORDS = {"下降": -1, "降低": -1, "减少": -1, "削减": -1, "提高": 1, "提升": 1, "增长": 1, "增加": 1,
                 "上升": 1}
_CHANGE = re.compile(
    _ABOUT_BASE + r"(?:[^\d，,。；;（）()]{0,12}?)"
    r"(?P<direction>" + "|".join(_CHANGE_WORDS) + r")了?\s*"
    r"(?P<bound>不低于|不少于|不小于|不超过|不高于|不大于|超过|至少|≥|≤)?\s*"
    r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>%|‰|个百分点)(?P<suffix>以上|以下|左右)?"
)
_RANGE = re.compile(
    r"(?P<value>\d+(?:\.\d+)?)\s*(?:[~～\-－—–]|至|到)\s*(?P<value_max>\d+(?:\.\d+)?)\s*(?P<unit>" + _UNITS + r")"
)
_COVERAGE = re.compile(r"(?:100\s*%\s*)?全覆盖")
# Comparators read by parse_targets besides parse_target's own: "不得少于2个", "2家以上".
_MORE_COMPARATORS = [("不得少于", "ge"), ("不得低于", "ge"), ("不得超过", "le"), ("不得高于", "le"),
                     ("至少", "ge")]
_COMPARED_ALL = re.compile(
    r"(?P<comparator>" + "|".join(re.escape(word) for word, _ in _MORE_COMPARATORS + _COMPARATORS) + r")\s*"
    r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>" + _UNITS + r"|个百分点)?(?P<suffix>以上|以下)?"
)
_COUNTED_ALL = re.compile(
    r"(?:建成|完成|创建|培育|新建|打造|新增|改造|建设|达标)[^，。；;0-9]{0,12}?(?P<value>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>家|个|座|户|处|所|项)(?P<suffix>以上)?"
)
_SENTENCE_STOPS = "。；;\n"
_CLAUSE_STOPS = "。；;，,\n（）()"


@dataclass
class TargetReading:
    targets: list
    problems: list  # "“2月30日”不是存在的日期" …: dates written that do not exist


def parse_targets(text, *, default_year):
    """Every target a text states, in the order written, each with the date written beside
    it: "11月底前完成3家；12月底前完成5家" is two targets with two dates. A date with no
    year is in ``default_year``. Dates that do not exist are returned as problems."""
    text = text or ""
    # Both substitutions keep every character in its place, so the words as written are
    # cut from ``text`` at the positions found in ``cleaned``.
    cleaned = re.sub(r"(?<![A-Za-z])l(?=\d)", "1", text.translate(_HALF_WIDTH))
    dates, problems = _dates_in(cleaned, default_year)
    taken, found = [], []

    def claim(match, group="value"):
        span = (match.start(group) if group else match.start(), match.end())
        if any(start < span[1] and span[0] < end for start, end in taken):
            return False
        taken.append((match.start(), match.end()))
        return True

    for match in _CHANGE.finditer(cleaned):
        if claim(match, None):
            sign = _CHANGE_WORDS[match.group("direction")]
            at_most = match.group("bound") in ("不超过", "不高于", "不大于", "≤") or match.group("suffix") == "以下"
            # Stored as a signed change against the base year: a fall of at least 23 % is
            # "change ≤ -23 %", a rise of at least 5 % is "change ≥ 5 %".
            comparator = ("le" if at_most else "ge") if sign > 0 else ("ge" if at_most else "le")
            found.append((match, CHANGE_VS_BASE, comparator, sign * Decimal(match.group("value")), None,
                          int(match.group("base"))))
    for match in _RANGE.finditer(cleaned):
        if claim(match):
            low, high = Decimal(match.group("value")), Decimal(match.group("value_max"))
            if low < high:
                found.append((match, RANGE, "ge", low, high, None))
    for match in _COVERAGE.finditer(cleaned):
        if claim(match, None):
            found.append((match, COVERAGE, "ge", Decimal(100), None, None))
    for match in _COMPARED_ALL.finditer(cleaned):
        word = match.group("comparator")
        if not match.group("unit") and word in ("达", "为", "达到"):
            continue  # "达" / "为" without a unit is ordinary prose
        if _is_date_number(cleaned, match):
            continue
        if claim(match):
            comparator = dict(_MORE_COMPARATORS + _COMPARATORS)[word]
            unit = match.group("unit") or ""
            found.append((match, SHARE if unit in SHARE_UNITS else COUNT, comparator, Decimal(match.group("value")),
                          None, None))
    for match in _COUNTED_ALL.finditer(cleaned):
        if claim(match):
            found.append((match, COUNT, "ge", Decimal(match.group("value")), None, None))
    found.sort(key=lambda entry: entry[0].start())
    targets, previous_end = [], None
    for match, kind, comparator, value, value_max, base_year in found:
        between = cleaned[previous_end:match.start()] if previous_end is not None else ""
        alternative = "或" in between and not any(stop in between for stop in _SENTENCE_STOPS)
        previous_end = match.end()
        beside = _date_beside(cleaned, match, dates)
        due_on, due_text = (beside[2], text[beside[0]:beside[1]]) if beside else (None, "")
        unit = match.groupdict().get("unit") or ""
        if kind == COVERAGE:
            unit = "%"
        targets.append(Target(value=value, unit=unit, comparator=comparator, kind=kind, value_max=value_max,
                              base_year=base_year, due_on=due_on, due_text=due_text, alternative=alternative,
                              wording=_clause_around(text, match.start(), match.end())))
    return TargetReading(targets, problems)


def _is_date_number(text, match):
    """"达到2025年" and the like: a year, not a target."""
    return text[match.end("value"): match.end("value") + 1] in ("年", "月", "日")


def _dates_in(text, default_year):
    """([(start, end, date)], problems) of the date phrases in ``text``."""
    dates, problems = [], []
    for match in _DATE.finditer(text):
        words = match.group()
        year = int(match.group("year") or match.group("by_year") or match.group("year_end") or default_year)
        try:
            if match.group("month"):
                month = int(match.group("month"))
                if match.group("day"):
                    day = int(match.group("day"))
                elif words.endswith(("上旬", "中旬")):
                    day = 10 if words.endswith("上旬") else 20
                else:
                    day = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 1
                found = date(year, month, day)
            else:
                found = date(year, 6, 30) if match.group("half") else date(year, 12, 31)
        except ValueError:
            problems.append(f"“{words}”不是存在的日期")
            continue
        dates.append((match.start(), match.end(), found))
    return dates, problems


def _date_beside(text, match, dates):
    """The date written with a target: the nearest before it in its sentence, else the
    first after it in its clause ("完成3家（12月底前）")."""
    start, end = match.start(), match.end()
    sentence_start = max(text.rfind(stop, 0, start) for stop in _SENTENCE_STOPS) + 1
    before = [entry for entry in dates if sentence_start <= entry[0] and entry[1] <= start]
    if before:
        return before[-1]
    clause_ends = [i for i in (text.find(stop, end) for stop in "。；;，,\n") if i != -1]
    clause_end = min(clause_ends) if clause_ends else len(text)
    after = [entry for entry in dates if end <= entry[0] and entry[1] <= clause_end]
    if after:
        return after[0]
    return None


def _clause_around(text, start, end):
    left = max(text.rfind(stop, 0, start) for stop in _CLAUSE_STOPS) + 1
    rights = [i for i in (text.find(stop, end) for stop in _CLAUSE_STOPS) if i != -1]
    right = min(rights) if rights else len(text)
    return text[left:right].strip()[:300]


_SYMBOLS = {"ge": "≥", "le": "≤", "eq": "=", "gt": ">", "lt": "<"}
_FLIPPED = {"ge": "le", "le": "ge", "gt": "lt", "lt": "gt", "eq": "eq"}


def target_label(target, *, default_year=None):
    """A target as the portal shows it: "≥2个", "12月31日前≥1家", "1～2家", "全覆盖",
    "较2015年下降≥23%". Works on a ``Target`` and on a stored ``TaskTarget`` alike."""
    value = _plain(target.value)
    if target.kind == RANGE and target.value_max is not None:
        body = f"{value}～{_plain(target.value_max)}{target.unit}"
    elif target.kind == COVERAGE:
        body = "全覆盖"
    elif target.kind == CHANGE_VS_BASE:
        falls = target.value < 0
        comparator = _FLIPPED[target.comparator] if falls else target.comparator
        body = (f"较{target.base_year}年{'下降' if falls else '提高'}{_SYMBOLS[comparator]}"
                f"{_plain(abs(target.value))}{target.unit}")
    else:
        body = f"{_SYMBOLS.get(target.comparator, '')}{value}{target.unit}"
    due = target.due_on
    either = "或" if target.alternative else ""
    if due is None:
        return f"{either}{body}"
    year = "" if due.year == default_year else f"{due.year}年"
    return f"{either}{year}{due.month}月{due.day}日前{body}"


def _plain(value):
    return format(Decimal(str(value)).normalize(), "f")
