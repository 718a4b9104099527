"""The leak-repair ledgers as Excel (layout: ``registry_layout.LEAK_COLUMNS``): reading a
file, checking it against a district's ledgers and the rows to write, for the one staged
import of the registry (``carriers.imports``). A row is matched on its utility (normalised),
year, quarter and month; nothing the file does not mention is removed."""

from decimal import ROUND_HALF_UP, Decimal

from core.numbers import decimal_or_none, plain
from core.text import normalize_name

from .models import LeakRepair
from .registry_layout import LEAK_COLUMNS, LEAK_HEADERS, LEAK_LIMITS, LEAK_TEXT_LIMITS, LEAKS_SHEET
from .registry_read import _clip, _data_rows, _open, _year, clean_name

FIELDS = ("inspected_km", "leaks_found", "leaks_repaired", "repair_hours", "volume_lost", "notes")
COUNTS = ("leaks_found", "leaks_repaired")
CENT, TENTH = Decimal("0.01"), Decimal("0.1")


def read_leak_repairs(data):
    """Parse a ledgers file: Parsed whose ``rows`` are (row number, values) of the rows
    without problems. Pure."""
    grid, parsed = _open(data, LEAKS_SHEET, LEAK_COLUMNS)
    for number, raw in _data_rows(grid, parsed):
        before = len(parsed.problems)

        def problem(key, message, number=number):
            parsed.problem(number, key, message)

        values = _row(raw, problem)
        if len(parsed.problems) == before:
            parsed.rows.append((number, values))
    if parsed.row_count == 0:
        parsed.problems.append(f"“{parsed.sheet}”工作表第{parsed.header_row}行的表头下面没有数据。")
    return parsed


def _row(raw, problem):
    values = {"utility": clean_name(raw["utility"]), "notes": raw["notes"]}
    if not values["utility"]:
        problem("utility", "请填写供水企业")
    for key in ("utility", "notes"):
        if len(values[key]) > LEAK_TEXT_LIMITS[key]:
            problem(key, f"内容超过{LEAK_TEXT_LIMITS[key]}字")
    values["year"] = _year(raw["year"]) if raw["year"] else None
    if values["year"] is None:
        problem("year", f"“{_clip(raw['year'])}”不是有效的年份（如2023）" if raw["year"] else "请填写年份")
    values["month"] = _whole(raw["month"], 1, 12, "月份（1至12）", problem, "month")
    values["quarter"] = _whole(raw["quarter"], 1, 4, "季度（1至4）", problem, "quarter")
    month, quarter = values["month"], values["quarter"]
    if month is not None and quarter is None and not raw["quarter"]:
        values["quarter"] = quarter = (month - 1) // 3 + 1  # a month names its quarter
    if quarter is None and not raw["quarter"]:
        problem("quarter", "请填写季度（或月份）")
    if month is not None and quarter is not None and (month - 1) // 3 + 1 != quarter:
        problem("month", f"{month}月不在第{quarter}季度内")
    for key in ("inspected_km", "leaks_found", "leaks_repaired", "repair_hours", "volume_lost"):
        values[key] = _amount(raw[key], key, problem)
    if values["repair_hours"] is not None and not values["leaks_repaired"]:
        problem("repair_hours", "有修复的漏点才能填写修复时间")
    return values


def _whole(text, low, high, what, problem, key):
    if not text:
        return None
    value = decimal_or_none(text.removeprefix("第").removesuffix("季度").removesuffix("月"))
    if value is None or value != value.to_integral_value() or not low <= value <= high:
        problem(key, f"“{_clip(text)}”不是有效的{what}")
        return None
    return int(value)


def _amount(text, key, problem):
    if not text:
        return None if key == "repair_hours" else (0 if key in COUNTS else Decimal(0))
    value = decimal_or_none(text)
    if value is None:
        problem(key, f"“{_clip(text)}”不是数字")
    elif value < 0:
        problem(key, f"{plain(value)}是负数，不能小于0")
    elif key in COUNTS:
        if value != value.to_integral_value() or value > 2_147_483_647:
            problem(key, f"“{_clip(text)}”不是有效的个数（应为整数）")
        else:
            return int(value)
    elif value >= LEAK_LIMITS[key]:
        problem(key, f"{_clip(text)}超出了可以记录的范围")
    else:
        return value.quantize(TENTH if key == "repair_hours" else CENT, rounding=ROUND_HALF_UP)
    return None


def _key(utility, year, quarter, month):
    return normalize_name(utility), year, quarter, month


def check_leak_repairs(preview, stored, change_class):
    """Fill ``preview`` (an ``imports.Preview``) with a ``change_class`` per row that adds or
    changes a ledger row of ``stored`` (the district's rows), and the problems: the same row
    twice, or a quarter kept both by month and as a whole (in the file or with the rows kept)."""
    region = preview.region
    by_key = {_key(r.utility, r.year, r.quarter, r.month): r for r in stored}
    seen = {}
    rows = preview.parsed.rows
    # How each (utility, year, quarter) is kept, by the file where it says so, else as stored.
    monthly = {}
    for record in stored:
        monthly.setdefault(_key(record.utility, record.year, record.quarter, None)[:3], set()).add(
            record.month is not None)
    in_file = {}
    for _number, values in rows:
        quarter_key = _key(values["utility"], values["year"], values["quarter"], None)[:3]
        in_file.setdefault(quarter_key, set()).add(values["month"] is not None)
    for number, values in rows:
        key = _key(values["utility"], values["year"], values["quarter"], values["month"])
        if key in seen:
            preview.problem(number, "utility", f"与第{seen[key]}行是同一供水企业的同一期间，同一期间只能有一行")
            continue
        seen[key] = number
        ways = in_file[key[:3]] | monthly.get(key[:3], set())
        if len(ways) > 1:
            preview.problem(number, "month", f"{values['utility']}{values['year']}年第{values['quarter']}季度"
                                             "既有按月的记录又有整季度的记录，同一季度只能用一种方式")
            continue
        existing = by_key.get(key)
        change = _change(region, number, values, existing, change_class)
        if change is not None:
            preview.changes.append(change)


def _change(region, number, values, existing, change_class):
    period = f"{values['year']}年{values['month']}月" if values["month"] else \
        f"{values['year']}年第{values['quarter']}季度"
    label = f"{values['utility'] if existing is None else existing.utility} {period}"
    shown_values = {key: values[key] for key in FIELDS}
    if existing is None:
        record = LeakRepair(region=region, utility=values["utility"], year=values["year"],
                            quarter=values["quarter"], month=values["month"])
        shown = [(LEAK_HEADERS[key], "", _shown(values[key])) for key in FIELDS if values[key] not in (None, "")]
        return change_class(row=number, label=f"新增漏损记录：{label}", obj=record, values=shown_values,
                            changes=shown, created=True)
    before = {key: getattr(existing, key) for key in FIELDS}
    before["notes"] = (before["notes"] or "").strip()
    if before == shown_values:
        return None
    shown = [(LEAK_HEADERS[key], _shown(before[key]), _shown(values[key])) for key in FIELDS
             if before[key] != values[key]]
    return change_class(row=number, label=f"漏损记录：{label}", obj=existing, values=shown_values, changes=shown,
                        created=False)


def _shown(value):
    if value is None:
        return ""
    return plain(value) if isinstance(value, Decimal) else str(value)
