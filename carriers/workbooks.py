"""The registry as Excel: the water users with their yearly figures (用水单位名录) and the
carrier certifications (节水载体名录). Export and import share one layout, so an exported
file can be edited offline and uploaded again.

Pure: builds workbooks (bytes) and parses an uploaded one into rows and problems, each
problem naming its row, column letter and header (“第5行B列（统一社会信用代码）：…”).
Nothing here reads or writes the database; ``carriers.imports`` compares and saves.
"""

import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import pairwise

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from core.errors import FileUnreadable
from core.excel import WorkbookError, column_letter, load_workbook, read_grid, write_text
from core.numbers import number_text, plain
from core.text import normalize_name

from .credit_code import InvalidCreditCode, validate
from .models import CODE_OPTIONAL_KINDS, NAMED_ENTITY_TYPES, Carrier, CarrierType, UserKind

USERS_SHEET = "用水单位"
CARRIERS_SHEET = "节水载体"
TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3
HEADER_SCAN_ROWS = 10  # the header row is looked for among the first rows
VALIDATION_ROWS = 2000  # drop-down lists reach this far below the data, for new rows

# Chinese labels, used to write and to read the files (not the UI translation: the file
# layout is fixed whatever language the page is shown in).
KIND_LABELS = {
    UserKind.INDUSTRY: "工业企业",
    UserKind.SERVICES: "服务业",
    UserKind.PUBLIC: "公共机构",
    UserKind.SCHOOL: "学校",
    UserKind.COMMUNITY: "居民小区",
    UserKind.IRRIGATION: "灌区",
    UserKind.OTHER: "其他",
}
TYPE_LABELS = {
    CarrierType.ENTERPRISE: "节水型企业",
    CarrierType.UNIT: "节水型单位",
    CarrierType.COMMUNITY: "节水型居民小区",
    CarrierType.IRRIGATION: "节水型灌区",
    CarrierType.SCHOOL: "节水型学校",
    CarrierType.AGENCY: "节水型机关",
    CarrierType.LEADER: "水效领跑者",
    CarrierType.EDUCATION_BASE: "节水教育基地",
    CarrierType.CONTRACT: "合同节水项目",
}
LEVEL_LABELS = {
    Carrier.Level.NATIONAL: "国家级",
    Carrier.Level.PROVINCE: "省级",
    Carrier.Level.CITY: "市级",
    Carrier.Level.COUNTY: "区县级",
}
STATUS_LABELS = {
    Carrier.Status.CREATING: "创建中",
    Carrier.Status.ACCEPTED: "已验收",
    Carrier.Status.PUBLISHED: "已公布",
    Carrier.Status.FAILED_RECHECK: "复核不合格",
    Carrier.Status.REVOKED: "已撤销",
}
# (model field, label in the 水源 column)
SOURCES = [("uses_surface", "地表水"), ("uses_ground", "地下水"), ("uses_public", "公共供水")]
SOURCE_SEPARATORS = re.compile(r"[、,，;；/／\s]+")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int


USER_COLUMNS = [
    Column("name", "单位名称", 32),
    Column("credit_code", "统一社会信用代码", 22),
    Column("kind", "单位类型", 11),
    Column("industry", "所属行业", 16),
    Column("sources", "水源", 18),
    Column("year", "年份", 8),
    Column("surface_withdrawal", "地表水取水量（m³）", 15),
    Column("ground_withdrawal", "地下水取水量（m³）", 15),
    Column("public_supply", "公共供水用水量（m³）", 15),
    Column("total_use", "用水总量（m³）", 15),
    Column("reused_water", "重复利用水量（m³）", 15),
    Column("planned_quota", "计划用水量（m³）", 15),
    Column("households", "居民户数", 10),
    Column("irrigated_area_mu", "灌溉面积（亩）", 12),
]
CARRIER_COLUMNS = [
    Column("carrier_type", "载体类型", 15),
    Column("level", "级别", 9),
    Column("status", "状态", 11),
    Column("user_name", "用水单位", 32),
    Column("credit_code", "统一社会信用代码", 22),
    Column("entity_name", "名称（非用水单位）", 28),
    Column("applied_on", "申报日期", 12),
    Column("accepted_on", "验收日期", 12),
    Column("published_on", "公布日期", 12),
    Column("recheck_due", "复核到期日", 12),
    Column("ended_on", "复核不合格或撤销日期", 14),
    Column("notes", "备注", 30),
]
USER_HEADERS = {column.key: column.header for column in USER_COLUMNS}
CARRIER_HEADERS = {column.key: column.header for column in CARRIER_COLUMNS}

# Volumes that default to 0: an empty cell and 0 are the same. total_use is required.
ZERO_VOLUMES = ("surface_withdrawal", "ground_withdrawal", "public_supply", "reused_water")
VOLUME_FIELDS = (
    "surface_withdrawal",
    "ground_withdrawal",
    "public_supply",
    "total_use",
    "reused_water",
    "planned_quota",
)
FIGURE_FIELDS = (*VOLUME_FIELDS, "households", "irrigated_area_mu")
USER_FIELDS = ("name", "credit_code", "kind", "industry", *(name for name, _ in SOURCES))
DATE_FIELDS = ("applied_on", "accepted_on", "published_on", "recheck_due", "ended_on")
CARRIER_FIELDS = ("carrier_type", "level", "status", "entity_name", *DATE_FIELDS, "notes")

VOLUME_LIMIT = Decimal(10) ** 14  # DecimalField(max_digits=16, decimal_places=2)
AREA_LIMIT = Decimal(10) ** 10  # max_digits=12
HOUSEHOLD_LIMIT = 2_147_483_647
CENT = Decimal("0.01")
TEXT_LIMITS = {"name": 200, "industry": 100, "user_name": 200, "entity_name": 200, "notes": 300}
YEARS = (1990, 2100)
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
EXCEL_SERIALS = (20000, 80000)  # a bare number in a date cell: an Excel date from 1954 to 2119

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TITLE_FONT = Font(name="黑体", size=14, bold=True)
HEADER_FONT = Font(name="黑体", bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
TOP = Alignment(vertical="top", wrap_text=True)
VOLUME_FORMAT = "#,##0.00"


class FileRefused(FileUnreadable):
    """The file cannot be read as this kind of registry file; the message (Chinese) says why."""


# --- export ----------------------------------------------------------------------------------


def users_title(region):
    return f"{region.name}用水单位名录及年度用水量"


def carriers_title(region):
    return f"{region.name}节水载体名录"


def build_users(region, users):
    """The users file of ``region``: one row per user and year, newest year first (a user
    without yearly figures: one row with the year columns empty). ``users`` are WaterUsers,
    ideally with their ``years`` prefetched."""
    workbook, sheet = _sheet(USERS_SHEET, users_title(region), USER_COLUMNS)
    number = HEADER_ROW
    for user in sorted(users, key=lambda u: u.name):
        years = sorted(user.years.all(), key=lambda y: -y.year) or [None]
        for figures in years:
            number += 1
            values = {
                "name": user.name,
                "credit_code": user.credit_code,
                "kind": KIND_LABELS.get(user.kind, user.kind),
                "industry": user.industry,
                "sources": user.sources_text,
            }
            if figures is not None:
                values["year"] = figures.year
                values.update({name: getattr(figures, name) for name in FIGURE_FIELDS})
            _row(sheet, number, USER_COLUMNS, values)
    _choices(sheet, USER_COLUMNS, "kind", KIND_LABELS.values())
    return _bytes(workbook)


def build_carriers(region, carriers):
    """The carriers file of ``region``: one row per carrier certification."""
    workbook, sheet = _sheet(CARRIERS_SHEET, carriers_title(region), CARRIER_COLUMNS)
    types, levels = list(CarrierType.values), list(Carrier.Level.values)
    ordered = sorted(carriers, key=lambda c: (types.index(c.carrier_type), levels.index(c.level), c.name, c.pk or 0))
    for number, carrier in enumerate(ordered, start=FIRST_DATA_ROW):
        values = {
            "carrier_type": TYPE_LABELS.get(carrier.carrier_type, carrier.carrier_type),
            "level": LEVEL_LABELS.get(carrier.level, carrier.level),
            "status": STATUS_LABELS.get(carrier.status, carrier.status),
            "user_name": carrier.user.name if carrier.user_id else "",
            "credit_code": carrier.user.credit_code if carrier.user_id else "",
            "entity_name": carrier.entity_name,
            "notes": carrier.notes,
            **{name: getattr(carrier, name) for name in DATE_FIELDS},
        }
        _row(sheet, number, CARRIER_COLUMNS, values)
    _choices(sheet, CARRIER_COLUMNS, "carrier_type", TYPE_LABELS.values())
    _choices(sheet, CARRIER_COLUMNS, "level", LEVEL_LABELS.values())
    _choices(sheet, CARRIER_COLUMNS, "status", STATUS_LABELS.values())
    return _bytes(workbook)


def _sheet(name, title, columns):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = name
    title_cell = write_text(sheet.cell(row=TITLE_ROW, column=1), title)
    title_cell.font, title_cell.alignment = TITLE_FONT, CENTER
    sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=len(columns))
    sheet.row_dimensions[TITLE_ROW].height = 28
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=column.header)
        cell.font, cell.border, cell.alignment = HEADER_FONT, BORDER, CENTER
        sheet.column_dimensions[column_letter(index)].width = column.width
    sheet.row_dimensions[HEADER_ROW].height = 32
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=2)
    return workbook, sheet


def _row(sheet, number, columns, values):
    for index, column in enumerate(columns, start=1):
        value = values.get(column.key)
        cell = sheet.cell(row=number, column=index)
        if isinstance(value, str):
            write_text(cell, value or None)
        else:
            cell.value = value
        cell.border, cell.alignment = BORDER, TOP
        if column.key == "credit_code":
            cell.number_format = "@"
        elif isinstance(value, datetime.date):
            cell.number_format = "yyyy-mm-dd"
        elif column.key in VOLUME_FIELDS or column.key == "irrigated_area_mu":
            cell.number_format = VOLUME_FORMAT


def _choices(sheet, columns, key, labels):
    """A drop-down of ``labels`` on the column ``key`` (Excel still accepts pasted text;
    the import checks every value again)."""
    letter = column_letter(next(i for i, c in enumerate(columns, start=1) if c.key == key))
    validation = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True)
    validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{max(sheet.max_row, FIRST_DATA_ROW) + VALIDATION_ROWS}")
    sheet.add_data_validation(validation)


def _bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- import: shared ----------------------------------------------------------------------------


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
    row found and every column located; FileRefused when that is not possible."""
    try:
        workbook = load_workbook(data, uncalculated_as_text=True)
    except WorkbookError as error:
        raise FileRefused(str(error)) from None
    worksheet = workbook[sheet_name] if sheet_name in workbook.sheetnames else workbook.worksheets[0]
    try:
        grid = read_grid(worksheet)
    except WorkbookError as error:
        raise FileRefused(str(error)) from None
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
        raise FileRefused(
            f"在“{worksheet.title}”工作表的前{HEADER_SCAN_ROWS}行中找不到表头行。表头应包含这些列：{expected}。"
            f"可以先导出名录，在导出的文件上填写。"
        )
    missing = [column.header for column in columns if column.key not in best]
    if missing:
        raise FileRefused(
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
            parsed.row_count += 1
            yield number, raw


def _clip(text, length=30):
    return text if len(text) <= length else text[:length] + "…"


def clean_name(text):
    """A name as stored: line breaks inside it (wrapped cells) removed, outer spaces too."""
    return re.sub(r"\s*\n\s*", "", text).strip()


def parse_number(text):
    """A Decimal from ``text`` (thousands separators allowed, ``core.numbers.number_text``), or
    None when it is not one."""
    cleaned = number_text(text)
    if cleaned is None:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


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
    without problems); raises FileRefused when the file or its header cannot be read."""
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
        value = parse_number(text)
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
    value = parse_number(text.removesuffix("年"))
    if value is None or value != value.to_integral_value() or not YEARS[0] <= value <= YEARS[1]:
        return None
    return int(value)


# --- import: carriers --------------------------------------------------------------------------


@dataclass
class FileCarrier:
    """A carrier row: its values (model fields) and how it names its water user."""

    row: int
    values: dict  # carrier_type, level, status, entity_name, dates, notes
    user_name: str  # 用水单位, as written (line breaks removed)
    credit_code: str  # validated, or empty


def read_carriers(data):
    """Parse a carriers file. Returns Parsed whose ``rows`` are FileCarriers (from the rows
    without problems); raises FileRefused when the file or its header cannot be read. Whether
    the named users exist is for ``carriers.imports`` to say."""
    grid, parsed = _open(data, CARRIERS_SHEET, CARRIER_COLUMNS)
    for number, raw in _data_rows(grid, parsed):
        before = len(parsed.problems)

        def problem(key, message, number=number):
            parsed.problem(number, key, message)

        row = _carrier_row(number, raw, problem)
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


def _carrier_row(number, raw, problem):
    values = {
        "carrier_type": _choice(raw, "carrier_type", TYPE_LABELS, problem, what="载体类型"),
        "level": _choice(raw, "level", LEVEL_LABELS, problem, what="级别"),
        "status": _choice(raw, "status", STATUS_LABELS, problem, what="状态", default=Carrier.Status.CREATING),
        "entity_name": clean_name(raw["entity_name"]),
        "notes": raw["notes"],
    }
    user_name = clean_name(raw["user_name"])
    for key, text in (("user_name", user_name), ("entity_name", values["entity_name"]), ("notes", values["notes"])):
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
        if carrier_type not in NAMED_ENTITY_TYPES:
            named = "、".join(TYPE_LABELS[t] for t in CarrierType if t in NAMED_ENTITY_TYPES)
            problem(
                "user_name",
                f"{TYPE_LABELS[carrier_type]}必须是本区已登记的用水单位：请填写用水单位名称或统一社会信用代码"
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
    return FileCarrier(row=number, values=values, user_name=user_name, credit_code=credit_code)


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
