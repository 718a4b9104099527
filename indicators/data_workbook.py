"""The raw-statistics template: a department's figures for one quarter as .xlsx, filled in
Excel and uploaded again. It carries a signed mark of its department and quarter
(``core.signed_workbook``); reading returns what was typed with the cell of each figure,
and the portal checks it the same way as the form."""

import io
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

from core.errors import FileUnreadable
from core.excel import VOLUME, column_letter, print_ready, unit_line, value_format, write_text
from core.periods import Quarter
from core.signed_workbook import open_stamped, stamp
from core.text import normalize_name
from core.workbook_reader import read_grid

from .services.data import Entry, UtilityEntry
from .validation import UTILITY_FIELDS

SIGNING_SALT = "indicators.data-template"
TITLE = "指标基础数据填报表"
SHEET = "数据填报"
UTILITY_SHEET = "供水企业漏损"
HEADER_ROW = 4  # under the title, the 填报单位 line and the instructions
# The header row of a template handed out before the 填报单位 line, whose mark does not say
# where its header is: read as it was, so a form filled in offline across the change comes in.
LEGACY_HEADER_ROW = 3
BLANK_UTILITY_ROWS = 5

# (key, header, width, editable)
COLUMNS = [
    ("code", "代码", 22, False),
    ("indicator", "所属指标", 26, False),
    ("name", "数据项", 36, False),
    ("unit", "单位", 9, False),
    ("kind", "口径", 9, False),
    ("previous", "上季度", 13, False),
    ("last_year", "上年同期", 13, False),
    ("value", "本期数值", 14, True),
    ("comment", "说明", 30, True),
]
UTILITY_COLUMNS = [("utility", "供水企业", 26), *[(key, label, 16) for key, label in UTILITY_FIELDS],
                   ("comment", "说明", 30)]
LETTERS = {key: column_letter(index) for index, (key, *_) in enumerate(COLUMNS, start=1)}
HEADERS = {key: header for key, header, *_ in COLUMNS}
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LOCKED_FILL = PatternFill("solid", fgColor="EEEEEE")
KIND = {True: "累计", False: "时点"}
FIGURE_KEYS = ("previous", "last_year", "value")  # in the element's unit: formatted by it
UTILITY_FORMATS = {"supply": VOLUME, "registered": VOLUME, "resident_metered": VOLUME, "pipe_km": "#,##0.00",
                   "pressure": "0.000", "frost_depth": "0.00"}
INSTRUCTIONS = (
    "说明：只填写白色单元格。“累计”数填本年1月1日至本季度末的累计值（第四季度即全年数），"
    "“时点”数填本季度末的数值。只填数字，不带单位。"
)


def _header(sheet, row, headers):
    for index, (header, width) in enumerate(headers, start=1):
        cell = sheet.cell(row=row, column=index, value=header)
        cell.font, cell.border = Font(name="黑体", bold=True), BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[column_letter(index)].width = width


def _cell(sheet, row, column, value, *, editable):
    cell = write_text(sheet.cell(row=row, column=column), value)
    cell.border, cell.alignment = BORDER, Alignment(vertical="top", wrap_text=True)
    cell.protection = Protection(locked=not editable)
    if not editable:
        cell.fill = LOCKED_FILL
    return cell


def _protect(sheet):
    # Without a password: it keeps honest mistakes out of the locked columns; the server
    # checks everything again, so it is not a security boundary.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = sheet.protection.formatRows = False


def build(report, groups, utilities=None):
    """``groups`` are ``selectors.entry_sheet`` groups; ``utilities`` the report's utility
    rows, or None when the department does not report leakage. Returns the bytes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    width = len(COLUMNS)
    quarter = report.period
    write_text(sheet.cell(row=1, column=1), f"{report.department.name}{quarter.chinese_label}{TITLE}")
    sheet.cell(row=1, column=1).font = Font(name="黑体", size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    unit_line(sheet, 2, width, report.department.name)  # the date is written by hand when it is sent
    sheet.cell(row=3, column=1, value=INSTRUCTIONS)
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=width)
    sheet.row_dimensions[3].height = 30
    _header(sheet, HEADER_ROW, [(header, column_width) for _, header, column_width, _ in COLUMNS])
    number = HEADER_ROW
    for indicator, rows in groups:
        for row in rows:
            number += 1
            element = row.element
            values = {
                "code": element.code,
                "indicator": f"{indicator.number}. {indicator.name}",
                "name": element.name,
                "unit": element.unit,
                "kind": KIND[element.cumulative],
                "previous": row.previous.value if row.previous else None,
                "last_year": row.last_year.value if row.last_year else None,
                "value": row.value.value if row.value else None,
                "comment": row.value.comment if row.value and row.value.comment else None,
            }
            for index, (key, _, _, editable) in enumerate(COLUMNS, start=1):
                cell = _cell(sheet, number, index, values[key], editable=editable)
                if key in FIGURE_KEYS:
                    cell.number_format = value_format(element.unit)
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=4)
    print_ready(sheet, header_rows=(HEADER_ROW, HEADER_ROW), landscape=True)
    _protect(sheet)
    if utilities is not None:
        _utility_sheet(workbook, utilities)
    stamp(workbook, salt=SIGNING_SALT, department=report.department_id, quarter=str(quarter), header_row=HEADER_ROW)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _utility_sheet(workbook, utilities):
    sheet = workbook.create_sheet(UTILITY_SHEET)
    sheet.cell(row=1, column=1, value="城市公共供水管网漏损：每家供水企业一行（按CJJ 92-2016计算修正后的漏损率）")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(UTILITY_COLUMNS))
    _header(sheet, 2, [(header, width) for _, header, width in UTILITY_COLUMNS])
    rows = [
        {"utility": u.utility, "comment": u.comment or None, **{key: getattr(u, key) for key, _ in UTILITY_FIELDS}}
        for u in utilities
    ]
    rows += [{}] * BLANK_UTILITY_ROWS
    for offset, values in enumerate(rows, start=3):
        for index, (key, _, _) in enumerate(UTILITY_COLUMNS, start=1):
            cell = _cell(sheet, offset, index, values.get(key), editable=True)
            if key in UTILITY_FORMATS:
                cell.number_format = UTILITY_FORMATS[key]
    print_ready(sheet, header_rows=(2, 2), landscape=True)
    _protect(sheet)


@dataclass
class Parsed:
    entries: list = field(default_factory=list)
    utilities: list | None = None
    locations: dict = field(default_factory=dict)  # finding key -> "第N行H列（本期数值）"
    problems: list = field(default_factory=list)


def read(data, *, report, codes, department_names, with_utilities):
    """Parse an uploaded template of ``report``. ``codes`` are the element codes the
    department reports; ``department_names`` maps ids to names for the wrong-owner message."""
    workbook, marked = open_stamped(data, salt=SIGNING_SALT, sheet=SHEET, title=TITLE)
    quarter = report.period
    if marked.get("department") != report.department_id or marked.get("quarter") != str(quarter):
        owner = department_names.get(marked.get("department"), "其他部门或其他区县")
        other = Quarter.parse(marked["quarter"]).chinese_label if marked.get("quarter") else ""
        raise FileUnreadable(f"这是{owner}{other}的填报表，不是本部门{quarter.chinese_label}的，未导入任何内容。")
    grid = read_grid(workbook[SHEET])
    header_row = marked.get("header_row", LEGACY_HEADER_ROW)
    headers = [normalize_name(grid.value(header_row, index)) for index in range(1, len(COLUMNS) + 1)]
    if headers != [header for _, header, _, _ in COLUMNS]:
        raise FileUnreadable(f"{TITLE}的表头被修改过，请重新下载后填写。")
    parsed = Parsed()
    seen = set()
    for number in range(header_row + 1, grid.row_count + 1):
        code = grid.value(number, 1).strip()
        value, comment = grid.value(number, 8), grid.value(number, 9)
        if not code and not value and not comment:
            continue
        where = f"第{number}行"
        if code not in codes:
            parsed.problems.append(f"{where}A列（代码）：“{code[:40]}”不是本部门填报的数据项，请不要修改代码列")
            continue
        if code in seen:
            parsed.problems.append(f"{where}A列（代码）：{code}出现了不止一次")
            continue
        seen.add(code)
        parsed.locations[code] = f"{where}{LETTERS['value']}列（{HEADERS['value']}）"
        parsed.entries.append(Entry(code=code, raw=value or None, comment=comment))
    missing = [code for code in codes if code not in seen]
    if missing:
        parsed.problems.append("表中缺少这些数据项的行：" + "、".join(missing) + "。请重新下载填报表。")
    if with_utilities:
        parsed.utilities = _read_utilities(workbook, parsed)
    return parsed


def _read_utilities(workbook, parsed):
    if UTILITY_SHEET not in workbook.sheetnames:
        parsed.problems.append(f"缺少“{UTILITY_SHEET}”工作表，请重新下载填报表。")
        return []
    grid = read_grid(workbook[UTILITY_SHEET])
    headers = [normalize_name(grid.value(2, index)) for index in range(1, len(UTILITY_COLUMNS) + 1)]
    if headers != [normalize_name(header) for _, header, _ in UTILITY_COLUMNS]:
        parsed.problems.append(f"“{UTILITY_SHEET}”工作表的表头被修改过，请重新下载填报表。")
        return []
    utilities = []
    for number in range(3, grid.row_count + 1):
        values = {key: grid.value(number, index) for index, (key, _, _) in enumerate(UTILITY_COLUMNS, start=1)}
        if not any(values.values()):
            continue
        key = f"utility-{len(utilities)}"
        parsed.locations[key] = f"“{UTILITY_SHEET}”第{number}行"
        for index, (field_key, header, _) in enumerate(UTILITY_COLUMNS, start=1):
            parsed.locations[f"{key}-{field_key}"] = (
                f"“{UTILITY_SHEET}”第{number}行{column_letter(index)}列（{header}）"
            )
        utilities.append(
            UtilityEntry(
                utility=values["utility"],
                raw={k: (values[k] or None) for k, _ in UTILITY_FIELDS},
                comment=values["comment"],
            )
        )
    return utilities
