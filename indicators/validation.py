"""Checking raw statistics before they are stored. Pure: everything it compares against
is passed in.

Errors block (not a number, negative, outside the element's plausible range). Warnings
are stored with the value once the clerk confirms them: a change of more than 50 %, a
year-to-date figure lower than last quarter's, a part larger than its whole, a figure
whose denominator is missing.

Year-to-date (累计) figures restart every January and grow through the year, so they are
compared with the same quarter last year only; a point-in-time figure is also compared
with the previous quarter.
"""

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from core.numbers import number_text, plain

CHANGE_LIMIT = Decimal("50")
# DataValue stores 20 digits with 4 decimals.
LARGEST = Decimal("1e16")


class NotANumber(ValueError):
    pass


def parse_number(raw):
    """A Decimal from what was typed or read from a cell; None for a blank. Thousands
    separators (in their places) and spaces are allowed; text, NaN and infinities are not."""
    if raw is None:
        return None
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, bool):
        raise NotANumber(f"“{raw}”不是数字")
    elif isinstance(raw, int | float):
        value = Decimal(str(raw))
    else:
        # Full-width digits and points come from Chinese input methods: １２３．５ is 123.5.
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        if not text:
            return None
        if text.startswith("="):
            raise NotANumber("是公式，请填写数值（在Excel中“选择性粘贴→数值”）")
        text = number_text(text)
        if text is None:
            raise NotANumber(f"“{str(raw).strip()[:30]}”不是数字：逗号只能用作千位分隔符（如1,250），小数点请用“.”")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise NotANumber(f"“{str(raw).strip()[:30]}”不是数字") from None
    if not value.is_finite():
        raise NotANumber(f"“{raw}”不是有效的数字")
    if value.copy_abs() >= LARGEST:  # copy_abs, not abs(): abs() rounds to the context and overflows on 1e999999999
        raise NotANumber(f"{raw} 超出可以保存的范围")
    return value


def fmt(value):
    return plain(value, empty="—")


@dataclass
class Findings:
    errors: dict = field(default_factory=dict)  # key -> [message]
    warnings: dict = field(default_factory=dict)

    def error(self, key, message):
        self.errors.setdefault(key, []).append(message)

    def warn(self, key, message):
        self.warnings.setdefault(key, []).append(message)

    def __bool__(self):
        return bool(self.errors or self.warnings)


def _change(new, old):
    """Percentage change from ``old`` to ``new``, or None when there is nothing to compare."""
    if old is None or new is None or old == 0:
        return None
    return (new - old) / abs(old) * 100


def check_figures(values, *, elements, previous, last_year, present, denominators, labels):
    """Check a department's figures for a quarter.

    ``values``: code → Decimal (or None when left blank); ``elements``: code → DataElement;
    ``previous`` / ``last_year``: code → Decimal of the previous quarter and the same quarter
    last year; ``present``: code → Decimal of everything known this quarter, the new
    values included; ``denominators``: code → codes it is divided by in some formula;
    ``labels``: the quarter names used in messages ({"previous": "2023年第2季度", …}).
    """
    findings = Findings()
    for code, value in values.items():
        if value is None:
            continue
        element = elements[code]
        if element.min_value is not None and value < element.min_value:
            if element.min_value == 0:
                findings.error(code, f"{fmt(value)} 是负数，{element.name}不能为负")
            else:
                findings.error(code, f"{fmt(value)} 小于合理下限 {fmt(element.min_value)}{element.unit}")
        if element.max_value is not None and value > element.max_value:
            findings.error(code, f"{fmt(value)} 大于合理上限 {fmt(element.max_value)}{element.unit}")
        if code in findings.errors:
            continue
        comparisons = [("last_year", last_year.get(code))]
        if not element.cumulative:
            comparisons.insert(0, ("previous", previous.get(code)))
        for key, old in comparisons:
            change = _change(value, old)
            if change is not None and abs(change) > CHANGE_LIMIT:
                findings.warn(code, f"较{labels[key]}的 {fmt(old)} 变化 {change:+.1f}%，超过50%")
        earlier = previous.get(code) if element.cumulative and labels.get("same_year") else None
        if earlier is not None and value < earlier:
            findings.warn(code, f"累计值低于上季度的 {fmt(earlier)}（年内累计数应逐季增加，请核对是否填成了当季数）")
        whole = element.not_above
        if whole is not None and present.get(whole.code) is not None and value > present[whole.code]:
            findings.warn(code, f"大于“{whole.name}”的 {fmt(present[whole.code])}{whole.unit}，两者不一致")
        for denominator in sorted(denominators.get(code, ())):
            if present.get(denominator) in (None, Decimal(0)):
                name = elements[denominator].name if denominator in elements else denominator
                findings.warn(code, f"分母“{name}”本期尚未填报或为0，相关指标暂时无法计算")
    return findings


UTILITY_FIELDS = [
    ("supply", "供水总量（万m³）"),
    ("registered", "注册用户用水量（万m³）"),
    ("resident_metered", "居民抄表到户水量（万m³）"),
    ("pipe_km", "DN75以上管道长度（km）"),
    ("pressure", "平均出厂压力（MPa）"),
    ("frost_depth", "最大冻土深度（m）"),
]
UTILITY_LIMITS = {"pressure": Decimal("2"), "frost_depth": Decimal("5")}


def check_utility(row):
    """Check one water utility's leakage figures (``row``: field → Decimal or None)."""
    findings = Findings()
    for key, label in UTILITY_FIELDS:
        value = row.get(key)
        if value is None:
            if key != "frost_depth":
                findings.error(key, f"请填写{label}")
            continue
        if value < 0:
            findings.error(key, f"{fmt(value)} 是负数，{label}不能为负")
        elif key in UTILITY_LIMITS and value > UTILITY_LIMITS[key]:
            findings.error(key, f"{fmt(value)} 超出合理范围（不大于{fmt(UTILITY_LIMITS[key])}）")
    if row.get("supply") == 0:
        findings.error("supply", "供水总量不能为0")
    if findings.errors:
        return findings
    if row["registered"] > row["supply"]:
        findings.warn(
            "registered", f"注册用户用水量 {fmt(row['registered'])} 大于供水总量 {fmt(row['supply'])}，两者不一致"
        )
    if row["resident_metered"] > row["registered"]:
        findings.warn(
            "resident_metered",
            f"居民抄表到户水量 {fmt(row['resident_metered'])} 大于注册用户用水量 {fmt(row['registered'])}",
        )
    return findings
