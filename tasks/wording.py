"""Reading the wording of task texts: printed numbers, inline department lists, due dates
and quantitative targets. Pure functions on strings."""

import calendar
import re
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date
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

_DUE_PATTERNS = [
    (re.compile(r"(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?:底|末|前|份)"), "month"),
    (re.compile(r"(?:(?P<year>\d{4})年)?上半年"), "half"),
    (re.compile(r"(?:(?P<year>\d{4})年)?(?:年底|年末|下半年|全年)"), "year"),
]


def parse_due(text, *, default_year):
    """The date a deadline phrase means, or None: "12月底" → 31 Dec of ``default_year``,
    "2020年上半年" → 30 Jun 2020, "11月底前" → 30 Nov."""
    compact = normalize_name(text)
    for pattern, kind in _DUE_PATTERNS:
        match = pattern.search(compact)
        if not match:
            continue
        year = int(match.group("year") or default_year)
        if not MINYEAR <= year <= MAXYEAR:  # "0000年12月底" names no date
            continue
        if kind == "month":
            month = int(match.group("month"))
            if not 1 <= month <= 12:
                continue
            return date(year, month, calendar.monthrange(year, month)[1])
        return date(year, 6, 30) if kind == "half" else date(year, 12, 31)
    return None


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
