"""The expert's offline score sheet: one county's items under its standard as .xlsx, scored in
Excel (on site, often without a connection) and uploaded again. Building and reading are
pure apart from what is passed in.

The sheet carries a signed mark of its county, expert and standard on a hidden sheet
(``core.signed_workbook``), shown in words on its second row: a sheet of another county,
expert or standard is refused naming that cell. Only 专家评分 and 评分理由 are typed; every
value is checked again when it comes back, against the item's rule."""

import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation

from core.errors import FileUnreadable
from core.excel import COUNT, SCORE, column_letter, print_ready, write_text
from core.numbers import decimal_or_none, plain
from core.signed_workbook import open_stamped, stamp
from core.text import normalize_name
from core.workbook_reader import read_grid
from indicators.scoring_rules import allowed_points
from indicators.selectors import rule_text

from .services.experts import REASON_LIMIT
from .services.self_assessment import check_points

SIGNING_SALT = "campaigns.score-sheet"
SHEET = "专家评分表"
TITLE = "技术评估专家评分表"
IDENTITY_ROW = 2
HEADER_ROW = 4

# (key, header, width, typed by the expert)
COLUMNS = [
    ("number", "序号", 6, False),
    ("category", "类别", 14, False),
    ("name", "评价项目", 26, False),
    ("full", "满分", 7, False),
    ("rule", "评分标准", 44, False),
    ("self", "自评得分", 9, False),
    ("points", "专家评分", 10, True),
    ("reason", "评分理由", 44, True),
]
HEADERS = {key: header for key, header, _, _ in COLUMNS}
FORMATS = {"number": COUNT, "full": SCORE, "self": SCORE, "points": SCORE}
LETTERS = {key: column_letter(index) for index, (key, *_) in enumerate(COLUMNS, start=1)}
# Where the second row names whose sheet it is: (label cell, value cell) columns.
IDENTITY = {"county": ("A", "B", "县（区）"), "expert": ("C", "D", "评分专家"), "standard": ("E", "F", "评价标准")}
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LOCKED_FILL = PatternFill("solid", fgColor="EEEEEE")


def where(row, key):
    """“第5行“专家评分”列（G列）”."""
    return f"第{row}行“{HEADERS[key]}”列（{LETTERS[key]}列）"


def _identity_where(key):
    _label, value, label = IDENTITY[key]
    return f"第{IDENTITY_ROW}行{value}列（{label}）"


def build(*, creation, expert, indicator_set, rows):
    """``rows``: (indicator, self-assessed points or None, the expert's ExpertScore or None)
    in the standard's order; returns the workbook's bytes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    width = len(COLUMNS)
    title = sheet.cell(row=1, column=1)
    write_text(title, f"{creation.region.name}县域节水型社会达标建设{TITLE}")
    title.font = Font(name="黑体", size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    identity = {"county": creation.region.name, "expert": f"{expert.name}（{expert.affiliation}）",
                "standard": f"{indicator_set.name}（{indicator_set.version}）"}
    for key, (label_column, value_column, label) in IDENTITY.items():
        sheet[f"{label_column}{IDENTITY_ROW}"] = label
        sheet[f"{label_column}{IDENTITY_ROW}"].font = Font(name="黑体", bold=True)
        write_text(sheet[f"{value_column}{IDENTITY_ROW}"], identity[key])
    sheet.merge_cells(f"F{IDENTITY_ROW}:H{IDENTITY_ROW}")
    notes = sheet.cell(row=3, column=1, value="说明：只填写白色的“专家评分”和“评分理由”两列；评分须符合该项评分标准，"
                                              "低于满分的须写明扣分理由；未填写评分的项目保持原样。上传后先预览，确认后保存为草稿，"
                                              "请在评分页面提交。")
    notes.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[3].height = 32
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=width)
    for index, (_key, header, column_width, _typed) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=header)
        cell.font, cell.border = Font(name="黑体", bold=True), BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[column_letter(index)].width = column_width
    points_rule = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    points_rule.error, points_rule.errorTitle = "专家评分应为不小于0的数字，并符合该项评分标准", "专家评分"
    sheet.add_data_validation(points_rule)
    for offset, (indicator, self_points, score) in enumerate(rows, start=1):
        number = HEADER_ROW + offset
        values = {
            "number": indicator.number, "category": indicator.category, "name": indicator.name,
            "full": float(indicator.points), "rule": rule_text(indicator),
            "self": float(self_points) if self_points is not None else None,
            "points": float(score.points) if score is not None else None,
            "reason": score.reason if score is not None and score.reason else None,
        }
        for index, (key, _header, _width, typed) in enumerate(COLUMNS, start=1):
            cell = write_text(sheet.cell(row=number, column=index), values[key])
            cell.border, cell.alignment = BORDER, Alignment(vertical="top", wrap_text=True)
            if key in FORMATS:
                cell.number_format = FORMATS[key]
            cell.protection = Protection(locked=not typed)
            if not typed:
                cell.fill = LOCKED_FILL
        points_rule.add(f"{LETTERS['points']}{number}")
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=4)
    # Row 2 names whose sheet it is (县（区）, 评分专家, 评价标准): its 填报单位 line.
    print_ready(sheet, header_rows=(HEADER_ROW, HEADER_ROW), landscape=True)
    # Protection without a password keeps honest mistakes out of the locked columns; the
    # server checks everything again, so it is not a security boundary.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = sheet.protection.formatRows = False
    stamp(workbook, salt=SIGNING_SALT, creation=creation.pk, county=creation.region.name, expert=expert.pk,
          expert_name=expert.name, standard=indicator_set.pk, standard_name=identity["standard"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class SheetEntry:
    row: int
    indicator: object
    points: Decimal
    reason: str


@dataclass
class Parsed:
    entries: list = field(default_factory=list)
    problems: list = field(default_factory=list)


def read(data, *, creation, expert, indicator_set, indicators):
    """Parse an uploaded sheet for ``expert`` scoring ``creation`` under ``indicator_set``
    (whose ``indicators`` are passed in). A sheet stamped for anything else is refused
    whole (``FileUnreadable``), naming the cell that says whose it is."""
    workbook, marked = open_stamped(data, salt=SIGNING_SALT, sheet=SHEET, title=TITLE)
    own = f"{creation.region.name}"
    if marked.get("creation") != creation.pk:
        raise FileUnreadable(f"{_identity_where('county')}：这是{marked.get('county', '其他县（区）')}的评分表，"
                             f"不是{own}的，未导入任何内容。")
    if marked.get("expert") != expert.pk:
        raise FileUnreadable(f"{_identity_where('expert')}：这是{marked.get('expert_name', '其他专家')}的评分表，"
                             f"不是{expert.name}的，未导入任何内容。")
    if marked.get("standard") != indicator_set.pk:
        raise FileUnreadable(f"{_identity_where('standard')}：这是按{marked.get('standard_name', '其他评价标准')}"
                             f"制作的评分表，{own}现按{indicator_set.name}（{indicator_set.version}）评估，"
                             f"未导入任何内容。请重新下载评分表。")
    grid = read_grid(workbook[SHEET])
    headers = [normalize_name(grid.value(HEADER_ROW, index)) for index in range(1, len(COLUMNS) + 1)]
    if headers != [header for _, header, _, _ in COLUMNS]:
        raise FileUnreadable(f"第{HEADER_ROW}行：评分表的表头被修改过，请重新下载评分表后填写。")
    by_number = {indicator.number: indicator for indicator in indicators}
    parsed, seen = Parsed(), {}
    for number in range(HEADER_ROW + 1, grid.row_count + 1):
        raw = {key: grid.value(number, index) for index, (key, *_rest) in enumerate(COLUMNS, start=1)}
        if not any(raw.values()):
            continue

        def problem(key, message, number=number):
            parsed.problems.append(f"{where(number, key)}：{message}")

        item_number = decimal_or_none(raw["number"])
        indicator = by_number.get(int(item_number)) if item_number is not None and item_number == \
            item_number.to_integral_value() else None
        if indicator is None:
            problem("number", f"“{raw['number']}”不是本标准的评价项目序号")
            continue
        if indicator.number in seen:
            problem("number", f"序号{indicator.number}与第{seen[indicator.number]}行重复")
            continue
        seen[indicator.number] = number
        reason = raw["reason"].strip()
        if not raw["points"]:
            if reason:
                problem("points", f"{indicator.name}写了评分理由但没有评分")
            continue
        points = decimal_or_none(raw["points"])
        if points is None:
            problem("points", f"“{raw['points']}”不是数字")
            continue
        if points != points.quantize(Decimal("0.1")):
            problem("points", f"{plain(points)}分：评分最多保留一位小数")
            continue
        try:
            check_points(indicator, points)
        except ValidationError as error:
            problem("points", error.messages[0])
            continue
        if points < indicator.points and not reason:
            problem("reason", f"{indicator.name}评{plain(points)}分，低于满分{plain(indicator.points)}分，"
                              "须写明扣分理由")
            continue
        if len(reason) > REASON_LIMIT:
            problem("reason", f"评分理由超过{REASON_LIMIT}字")
            continue
        parsed.entries.append(SheetEntry(number, indicator, points.quantize(Decimal("0.1")), reason))
    return parsed


def allowed_text(indicator):
    return allowed_points(indicator.scoring, full=indicator.points).text
