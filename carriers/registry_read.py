"""Reading an uploaded registry file (layout: ``registry_layout``) into rows and problems,
each problem naming its row, column letter and header (“第5行B列（统一社会信用代码）：…”).
Pure: nothing here reads or writes the database; ``carriers.imports`` compares and saves.
A file that cannot be read as a registry file raises ``core.errors.FileUnreadable``."""

import datetime
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from openpyxl.utils.datetime import from_excel

from core.errors import FileUnreadable
from core.excel import column_letter
from core.numbers import decimal_or_none, plain
from core.text import normalize_name
from core.workbook_reader import load_workbook, read_grid

from .credit_code import InvalidCreditCode, validate
from .models import CODE_OPTIONAL_KINDS, Carrier, UserKind
from .registry_layout import (
    AREA_LIMIT,
    BUILT_IN_KINDS,
    CARRIER_COLUMNS,
    CARRIER_HEADERS,
    CARRIERS_SHEET,
    CENT,
    DATE_FIELDS,
    DATE_TEXT,
    EXCEL_SERIALS,
    FIGURE_FIELDS,
    HEADER_SCAN_ROWS,
    HOUSEHOLD_LIMIT,
    KIND_LABELS,
    LEVEL_LABELS,
    SOURCE_SEPARATORS,
    SOURCES,
    STATUS_LABELS,
    TEXT_LIMITS,
    USER_COLUMNS,
    USERS_SHEET,
    VOLUME_LIMIT,
    YEARS,
    ZERO_VOLUMES,
)


@dataclass
class Parsed:
    """What an uploaded file holds: the rows without problems, and the problems."""

    sheet: str
    header_row: int
    columns: dict  # key -> column number in the file
    headers: dict  # key -> header
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    row_count: int = 0  # data rows read (not counting empty ones)
    title: str = ""  # the first text above the header row (an exported file's title)

    def where(self, row, key):
        """“第5行B列（统一社会信用代码）”."""
        return f"第{row}行{column_letter(self.columns[key])}列（{self.headers[key]}）"

    def problem(self, row, key, message):
        self.problems.append(f"{self.where(row, key)}：{message}")


def _header_forms(header):
    """The spellings of ``header`` that are accepted: as written, and without its unit."""
    full = normalize_name(header)
    return {full, re.sub(r"\([^()]*\)$", "", full)}


def _open(data, sheet_name, columns):
    """(grid, Parsed) of the sheet ``sheet_name`` (else the first sheet) with its header
    row found and every column located; FileUnreadable when that is not possible."""
    workbook = load_workbook(data, uncalculated_as_text=True)
    worksheet = workbook[sheet_name] if sheet_name in workbook.sheetnames else workbook.worksheets[0]
    grid = read_grid(worksheet)
    forms = {column.key: _header_forms(column.header) for column in columns}
    best_row, best = None, {}
    for number in range(1, min(grid.row_count, HEADER_SCAN_ROWS) + 1):
        found = {}
        for index in range(1, len(grid.rows[number - 1]) + 1):
            text = normalize_name(grid.value(number, index))
            for key, spellings in forms.items():
                if text in spellings and key not in found:
                    found[key] = index
                    break
        if len(found) > len(best):
            best_row, best = number, found
    expected = "、".join(column.header for column in columns)
    if len(best) < 2:
        raise FileUnreadable(
            f"在“{worksheet.title}”工作表的前{HEADER_SCAN_ROWS}行中找不到表头行。表头应包含这些列：{expected}。"
            f"可以先导出名录，在导出的文件上填写。"
        )
    missing = [column.header for column in columns if column.key not in best and not column.optional]
    if missing:
        raise FileUnreadable(
            f"“{worksheet.title}”工作表第{best_row}行的表头缺少这些列：{'、'.join(missing)}。"
            f"表头应包含：{expected}。可以先导出名录，在导出的文件上填写。"
        )
    headers = {column.key: column.header for column in columns}
    above = (grid.value(row, column) for row in range(1, best_row) for column in range(1, len(grid.rows[row - 1]) + 1))
    title = next((text for text in above if text), "")
    return grid, Parsed(sheet=worksheet.title, header_row=best_row, columns=best, headers=headers, title=title)


def _data_rows(grid, parsed):
    """(row number, {key: text}) of every non-empty row below the header."""
    for number in range(parsed.header_row + 1, grid.row_count + 1):
        raw = {key: grid.value(number, index).strip() for key, index in parsed.columns.items()}
        if any(raw.values()):
            for key in parsed.headers:
                raw.setdefault(key, "")  # an optional column the file lacks
            parsed.row_count += 1
            yield number, raw


def _clip(text, length=30):
    return text if len(text) <= length else text[:length] + "…"


def clean_name(text):
    """A name as stored: line breaks inside it (wrapped cells) removed, outer spaces too."""
    return re.sub(r"\s*\n\s*", "", text).strip()




def parse_date(text):
    """A date from an Excel date or text such as 2023-05-01, 2023/5/1, 2023年5月1日; None
    when ``text`` is none of these."""
    match = DATE_TEXT.match(text)
    if match:
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            return None
    # isdecimal, not isdigit: “²” is a digit to isdigit but not a number to int().
    if text.isdecimal() and EXCEL_SERIALS[0] <= int(text) <= EXCEL_SERIALS[1]:
        return from_excel(int(text)).date()
    return None


# --- import: users -----------------------------------------------------------------------------


@dataclass
class FileYear:
    row: int
    year: int
    figures: dict  # field -> Decimal / int / None


@dataclass
class FileUser:
    """A water user as the file gives it, with the rows of its years."""

    row: int  # the first row that names it
    values: dict  # name, credit_code, kind, industry, uses_surface, uses_ground, uses_public
    years: list = field(default_factory=list)

    @property
    def name(self):
        return self.values["name"]

    @property
    def credit_code(self):
        return self.values["credit_code"]

    @property
    def key(self):
        return self.credit_code or "name:" + normalize_name(self.name)


def read_users(data):
    """Parse a users file. Returns Parsed whose ``rows`` are FileUsers (from the rows
    without problems); raises FileUnreadable when the file or its header cannot be read."""
    grid, parsed = _open(data, USERS_SHEET, USER_COLUMNS)
    by_key, by_code, by_name, seen_years = {}, {}, {}, {}
    for number, raw in _data_rows(grid, parsed):
        before = len(parsed.problems)

        def problem(key, message, number=number):
            parsed.problem(number, key, message)

        values, year, figures = _user_values(raw, problem), *_user_figures(raw, problem)
        if len(parsed.problems) > before:
            continue
        code, name_key = values["credit_code"], normalize_name(values["name"])
        # One code for one unit, one name for one unit, within the file.
        first = by_code.get(code) if code else None
        if first is not None and normalize_name(first.name) != name_key:
            problem(
                "credit_code",
                f"统一社会信用代码{code}已在第{first.row}行用于“{_clip(first.name)}”，同一代码不能对应不同的单位名称",
            )
            continue
        first = first or by_name.get(name_key)
        if first is not None:
            if first.credit_code != code:
                problem("credit_code", f"与第{first.row}行同一单位（{_clip(first.name)}）的统一社会信用代码不一致")
                continue
            inconsistent = [
                key
                for key in ("kind", "industry", "sources")
                if _attribute(first.values, key) != _attribute(values, key)
            ]
            if inconsistent:
                problem(inconsistent[0], f"与第{first.row}行同一单位（{_clip(first.name)}）填写的不一致")
                continue
        if year is not None:
            seen = seen_years.get((name_key, year))
            if seen is not None:
                problem("year", f"第{seen}行已经填写了该单位{year}年的用水量，同一单位同一年份只能有一行")
                continue
            seen_years[(name_key, year)] = number
        if first is None:
            first = FileUser(row=number, values=values)
            by_key[first.key] = first
            by_name[name_key] = first
            if code:
                by_code[code] = first
        if year is not None:
            first.years.append(FileYear(row=number, year=year, figures=figures))
    parsed.rows = list(by_key.values())
    if parsed.row_count == 0:
        parsed.problems.append(f"“{parsed.sheet}”工作表第{parsed.header_row}行的表头下面没有数据。")
    return parsed


def _attribute(values, key):
    if key == "sources":
        return tuple(values[name] for name, _ in SOURCES)
    return values[key]


def _user_values(raw, problem):
    values = {"name": clean_name(raw["name"]), "industry": raw["industry"]}
    if not values["name"]:
        problem("name", "请填写单位名称")
    for key in ("name", "industry"):
        if len(values[key]) > TEXT_LIMITS[key]:
            problem(key, f"内容超过{TEXT_LIMITS[key]}字")
    kinds = {label: kind for kind, label in KIND_LABELS.items()}
    kind = kinds.get(normalize_name(raw["kind"]))
    if kind is None:
        if raw["kind"]:
            problem("kind", f"“{_clip(raw['kind'])}”不是可选的单位类型（{'、'.join(kinds)}）")
        else:
            problem("kind", f"请填写单位类型（{'、'.join(kinds)}）")
    values["kind"] = kind.value if kind else ""
    values["credit_code"] = ""
    if raw["credit_code"]:
        try:
            values["credit_code"] = validate(raw["credit_code"])
        except InvalidCreditCode as error:
            problem("credit_code", str(error))
    elif kind is not None and kind not in CODE_OPTIONAL_KINDS:
        optional = "、".join(KIND_LABELS[k] for k in UserKind if k in CODE_OPTIONAL_KINDS)
        label = KIND_LABELS[kind]
        problem("credit_code", f"单位类型为“{label}”的单位必须填写统一社会信用代码（只有{optional}可以不填）")
    named = {label: name for name, label in SOURCES}
    chosen = [part for part in SOURCE_SEPARATORS.split(raw["sources"]) if part]
    unknown = [part for part in chosen if part not in named]
    if unknown:
        problem("sources", f"“{_clip('、'.join(unknown))}”不是可选的水源（{'、'.join(named)}，多个用“、”分隔）")
    for name, label in SOURCES:
        values[name] = label in chosen
    return values


def _user_figures(raw, problem):
    """(year, figures) of a row; (None, {}) for a row without yearly figures."""
    given = [key for key in FIGURE_FIELDS if raw[key]]
    if not raw["year"]:
        if given:
            problem("year", "填写了用水量等数据，但没有填写年份")
        return None, {}
    year = _year(raw["year"])
    if year is None:
        problem("year", f"“{_clip(raw['year'])}”不是有效的年份（如2023）")
    figures = {}
    for key in FIGURE_FIELDS:
        text = raw[key]
        if not text:
            figures[key] = Decimal(0) if key in ZERO_VOLUMES else None
            continue
        value = decimal_or_none(text)
        if value is None:
            problem(key, f"“{_clip(text)}”不是数字")
        elif value < 0:
            problem(key, f"{plain(value)}是负数，不能小于0")
        elif key == "households":
            if value != value.to_integral_value() or value > HOUSEHOLD_LIMIT:
                problem(key, f"“{_clip(text)}”不是有效的户数（应为整数）")
            else:
                figures[key] = int(value)
        elif value >= (AREA_LIMIT if key == "irrigated_area_mu" else VOLUME_LIMIT):
            problem(key, f"{_clip(text)}超出了可以记录的范围")
        else:
            figures[key] = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if "total_use" in figures and figures["total_use"] is None:
        problem("total_use", "填写了年份的行必须填写用水总量")
    total, reused = figures.get("total_use"), figures.get("reused_water")
    if total is not None and reused is not None and reused > total:
        problem(
            "reused_water",
            f"重复利用水量{plain(reused)}大于用水总量{plain(total)}（用水总量包含重复利用水量）",
        )
    return year, figures


def _year(text):
    value = decimal_or_none(text.removesuffix("年"))
    if value is None or value != value.to_integral_value() or not YEARS[0] <= value <= YEARS[1]:
        return None
    return int(value)


# --- import: carriers --------------------------------------------------------------------------


@dataclass
class FileCarrier:
    """A carrier row: its values (model fields) and how it names its water user."""

    row: int
    values: dict  # carrier_type, level, status, entity_name, holder, dates, notes
    user_name: str  # 用水单位, as written (line breaks removed)
    credit_code: str  # validated, or empty
    standard: str = ""  # 评价标准 as written: a standard's number or title, matched on import


def read_carriers(data, kinds=BUILT_IN_KINDS):
    """Parse a carriers file naming carriers of ``kinds`` (a KindTable). Returns Parsed whose
    ``rows`` are FileCarriers (from the rows without problems); raises FileUnreadable when the
    file or its header cannot be read. Whether the named users and standards exist is for
    ``carriers.imports`` to say."""
    grid, parsed = _open(data, CARRIERS_SHEET, CARRIER_COLUMNS)
    for number, raw in _data_rows(grid, parsed):
        before = len(parsed.problems)

        def problem(key, message, number=number):
            parsed.problem(number, key, message)

        row = _carrier_row(number, raw, problem, kinds)
        if len(parsed.problems) == before:
            parsed.rows.append(row)
    if parsed.row_count == 0:
        parsed.problems.append(f"“{parsed.sheet}”工作表第{parsed.header_row}行的表头下面没有数据。")
    return parsed


def _choice(raw, key, labels, problem, *, what, default=None):
    text = normalize_name(raw[key])
    if not text and default is not None:
        return default
    by_label = {normalize_name(label): value for value, label in labels.items()}
    value = by_label.get(text)
    if value is None:
        options = "、".join(labels.values())
        if text:
            problem(key, f"“{_clip(raw[key])}”不是可选的{what}（{options}）")
        else:
            problem(key, f"请填写{what}（{options}）")
    return value


def _carrier_row(number, raw, problem, kinds):
    labels = kinds.labels
    values = {
        "carrier_type": _choice(raw, "carrier_type", labels, problem, what="载体类型"),
        "level": _choice(raw, "level", LEVEL_LABELS, problem, what="级别"),
        "status": _choice(raw, "status", STATUS_LABELS, problem, what="状态", default=Carrier.Status.CREATING),
        "entity_name": clean_name(raw["entity_name"]),
        "holder": clean_name(raw["holder"]),
        "notes": raw["notes"],
    }
    user_name = clean_name(raw["user_name"])
    for key, text in (("user_name", user_name), ("entity_name", values["entity_name"]), ("holder", values["holder"]),
                      ("notes", values["notes"])):
        if len(text) > TEXT_LIMITS[key]:
            problem(key, f"内容超过{TEXT_LIMITS[key]}字")
    credit_code = ""
    if raw["credit_code"]:
        try:
            credit_code = validate(raw["credit_code"])
        except InvalidCreditCode as error:
            problem("credit_code", str(error))
    carrier_type = values["carrier_type"]
    has_user = bool(user_name or raw["credit_code"])
    if carrier_type is not None and not has_user:
        if carrier_type not in kinds.named:
            named = "、".join(label for code, label in labels.items() if code in kinds.named)
            problem(
                "user_name",
                f"{labels[carrier_type]}必须是本区已登记的用水单位：请填写用水单位名称或统一社会信用代码"
                f"（只有{named}可以只填“名称（非用水单位）”）",
            )
        elif not values["entity_name"]:
            problem("entity_name", "请填写用水单位，或填写名称（非用水单位）")
    for key in DATE_FIELDS:
        values[key] = None
        if raw[key]:
            values[key] = parse_date(raw[key])
            if values[key] is None:
                problem(key, f"“{_clip(raw[key])}”不是有效的日期（如2023-05-01、2023/5/1或2023年5月1日）")
    _carrier_rules(values, problem)
    return FileCarrier(row=number, values=values, user_name=user_name, credit_code=credit_code,
                       standard=clean_name(raw["standard"]))


def _carrier_rules(values, problem):
    """The dates a status needs and the order of the dates (``Carrier.clean``'s rules, with
    the column they concern)."""
    headers = CARRIER_HEADERS
    dated = [(key, values[key]) for key in ("applied_on", "accepted_on", "published_on") if values[key]]
    for (earlier, first), (later, second) in pairwise(dated):
        if second < first:
            problem(later, f"{headers[later]}{second.isoformat()}早于{headers[earlier]}{first.isoformat()}")
    accepted = values["accepted_on"]
    for key in ("ended_on", "recheck_due"):
        if values[key] and accepted and values[key] < accepted:
            problem(key, f"{headers[key]}{values[key].isoformat()}早于验收日期{accepted.isoformat()}")
    status = values["status"]
    if status is None:
        return
    label = STATUS_LABELS[status]
    if status in Carrier.BUILT and not accepted:
        problem("accepted_on", f"状态为“{label}”的载体必须填写验收日期")
    if status == Carrier.Status.PUBLISHED and not values["published_on"]:
        problem("published_on", f"状态为“{label}”的载体必须填写公布日期")
    if status in Carrier.ENDED and not values["ended_on"]:
        problem("ended_on", f"状态为“{label}”的载体必须填写复核不合格或撤销日期")
