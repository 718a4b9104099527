"""The offline progress template: a department's items for one quarter as .xlsx, filled in
Excel and uploaded again. Building and reading are pure apart from the rows passed in.

The template carries a signed mark of its department, quarter and items on a hidden sheet,
so a template of another department or quarter, or one whose mark was edited, is
recognised. A row names its item by 序号 (1, 2, …), its place in the signed list: no
database id is in a cell. The 序号, plan, item and state columns are locked; status has a
drop-down and percent a 0–100 rule, but every value is checked again when it comes back.
It prints as a form: A4 landscape, the header on every page, 填报单位 and a date line to
fill in by hand, page numbers.
"""

import io
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation

from core.errors import FileUnreadable
from core.excel import COUNT, column_letter, print_ready, unit_line, write_text
from core.numbers import decimal_or_none
from core.periods import Quarter
from core.signed_workbook import open_stamped, stamp
from core.text import normalize_name
from core.workbook_reader import read_grid

from .models import ProgressReport

SIGNING_SALT = "tasks.progress-template"
SHEET = "季度进展"
HEADER_ROW = 4
FIRST_ROW = HEADER_ROW + 1
# A template handed out before 序号 replaced the item's id in column A: (header row, header
# of column A). Read as it was, so a form filled in offline across the change still comes in.
LEGACY = (3, "编号")
TEXT_LIMIT = 5000

# (key, header, width, editable)
COLUMNS = [
    ("number", "序号", 6, False),
    ("plan", "方案", 24, False),
    ("text", "工作事项", 50, False),
    ("target", "目标", 22, False),
    ("state", "审核状态", 10, False),
    ("status", "进展状态", 12, True),
    ("percent", "完成百分比", 11, True),
    ("quantity", "完成数量", 10, True),
    ("work_done", "本季度完成工作", 40, True),
    ("problems", "存在问题", 30, True),
    ("next_plan", "下季度工作计划", 30, True),
]
EDITABLE = [key for key, _, _, editable in COLUMNS if editable]
HEADERS = {key: header for key, header, _, _ in COLUMNS}
LETTERS = {key: column_letter(index) for index, (key, *_) in enumerate(COLUMNS, start=1)}
STATUS_BY_LABEL = {str(label): value for value, label in ProgressReport.Status.choices}
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LOCKED_FILL = PatternFill("solid", fgColor="EEEEEE")


def build(department, quarter, rows):
    """``rows`` are ``selectors.todo_for`` rows; returns the workbook's bytes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    width = len(COLUMNS)
    write_text(sheet.cell(row=1, column=1), f"{department.name}{quarter.chinese_label}工作进展填报表")
    sheet.cell(row=1, column=1).font = Font(name="黑体", size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    unit_line(sheet, 2, width, department.name)  # the date is written by hand when it is sent
    sheet.cell(row=3, column=1, value="说明：只填写白色单元格；进展状态请从下拉列表选择，完成百分比填0到100的整数。"
               "已报送或已通过的事项不能通过本表修改。")
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=width)
    for index, (_, header, column_width, _) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=header)
        cell.font, cell.border = Font(name="黑体", bold=True), BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[column_letter(index)].width = column_width
    status_list = DataValidation(type="list", formula1='"' + ",".join(STATUS_BY_LABEL) + '"', allow_blank=True)
    status_list.error, status_list.errorTitle = "请从下拉列表中选择进展状态", "进展状态"
    percent_rule = DataValidation(type="whole", operator="between", formula1="0", formula2="100", allow_blank=True)
    percent_rule.error, percent_rule.errorTitle = "完成百分比应为0到100的整数", "完成百分比"
    sheet.add_data_validation(status_list)
    sheet.add_data_validation(percent_rule)
    for offset, row in enumerate(rows, start=1):
        number = HEADER_ROW + offset
        report, item = row.report, row.item
        values = {
            "number": offset,
            "plan": item.plan.title,
            "text": item.label,
            "target": item.target_text,
            "state": report.get_state_display() if report else "未填报",
            "status": report.get_status_display() if report else "",
            "percent": report.percent if report else None,
            "quantity": report.quantity if report and report.quantity is not None else None,
            "work_done": report.work_done if report else "",
            "problems": report.problems if report else "",
            "next_plan": report.next_plan if report else "",
        }
        for index, (key, _, _, editable) in enumerate(COLUMNS, start=1):
            cell = write_text(sheet.cell(row=number, column=index), values[key] if values[key] != "" else None)
            cell.border, cell.alignment = BORDER, Alignment(vertical="top", wrap_text=True)
            cell.protection = Protection(locked=not editable)
            if not editable:
                cell.fill = LOCKED_FILL
        for key in ("number", "percent"):  # whole numbers; a quantity keeps the decimals it was given
            sheet[f"{LETTERS[key]}{number}"].number_format = COUNT
        status_list.add(f"{LETTERS['status']}{number}")
        percent_rule.add(f"{LETTERS['percent']}{number}")
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=3)
    print_ready(sheet, header_rows=(HEADER_ROW, HEADER_ROW), landscape=True)
    # Protection without a password keeps honest mistakes out of the locked columns; the
    # server checks everything again, so it is not a security boundary.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = sheet.protection.formatRows = False
    stamp(workbook, salt=SIGNING_SALT, department=department.pk, quarter=str(quarter),
          items=[row.item.pk for row in rows])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class Entry:
    row: int
    item_id: int
    values: dict  # field -> new value, for the editable fields present in the file
    shown: str = ""  # how the row names its item: "序号 3" ("编号 12" in a legacy template)


@dataclass
class Parsed:
    entries: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # "第N行 X列：…"


def read(data, *, department, quarter, department_names):
    """Parse an uploaded template. ``department_names`` maps department ids to names, to say
    whose template a wrong one is."""
    workbook, marked = open_stamped(data, salt=SIGNING_SALT, sheet=SHEET, title="季度进展填报表")
    if marked["department"] != department.pk or marked["quarter"] != str(quarter):
        owner = department_names.get(marked["department"], "其他部门")
        other = Quarter.parse(marked["quarter"]).chinese_label
        raise FileUnreadable(f"这是{owner}{other}的填报表，不是本部门{quarter.chinese_label}的，未导入任何内容。")
    grid = read_grid(workbook[SHEET])
    items = marked.get("items")  # None in a legacy template: column A holds the ids
    header_row, first_header = (HEADER_ROW, HEADERS["number"]) if items is not None else LEGACY
    headers = [normalize_name(grid.value(header_row, index)) for index in range(1, len(COLUMNS) + 1)]
    if headers != [first_header] + [header for _, header, _, _ in COLUMNS[1:]]:
        raise FileUnreadable("填报表的表头被修改过，请重新下载填报表后填写。")
    parsed = Parsed()
    seen = set()
    for number in range(header_row + 1, grid.row_count + 1):
        raw = {key: grid.value(number, index) for index, (key, _, _, _) in enumerate(COLUMNS, start=1)}
        if not any(raw.values()):
            continue
        problems_before = len(parsed.problems)

        def problem(key, message, number=number):
            parsed.problems.append(f"第{number}行{LETTERS[key]}列（{HEADERS[key]}）：{message}")

        item_id = _item_of(raw["number"], items)
        if item_id is None:
            problem("number", f"{first_header}“{raw['number']}”不是本表的{first_header}")
            continue
        if item_id in seen:
            problem("number", f"{first_header}{raw['number']}出现了不止一次")
            continue
        seen.add(item_id)
        values = {}
        if raw["status"]:
            if raw["status"] not in STATUS_BY_LABEL:
                problem("status", f"“{raw['status']}”不是可选的进展状态（{'、'.join(STATUS_BY_LABEL)}）")
            else:
                values["status"] = STATUS_BY_LABEL[raw["status"]]
        if raw["percent"]:
            percent = _number(raw["percent"])
            if percent is None or percent != percent.to_integral_value() or not 0 <= percent <= 100:
                problem("percent", f"“{raw['percent']}”不是0到100之间的整数")
            else:
                values["percent"] = int(percent)
        if raw["quantity"]:
            quantity = _number(raw["quantity"])
            if quantity is None or quantity < 0 or quantity > Decimal("1e9"):
                problem("quantity", f"“{raw['quantity']}”不是有效的数量")
            else:
                values["quantity"] = quantity
        for key in ("work_done", "problems", "next_plan"):
            if len(raw[key]) > TEXT_LIMIT:
                problem(key, f"内容超过{TEXT_LIMIT}字")
            else:
                values[key] = raw[key]
        if len(parsed.problems) == problems_before:
            parsed.entries.append(Entry(row=number, item_id=item_id, values=values,
                                        shown=f"{first_header} {raw['number']}"))
    return parsed


def _item_of(text, items):
    """The item a row's column A names: the ``items``' entry at that 序号, or (``items``
    None, a legacy template) the id written there; None when it names none."""
    try:
        value = int(text)
    except ValueError:
        return None
    if items is None:
        return value
    return items[value - 1] if 1 <= value <= len(items) else None


def _number(text):
    return decimal_or_none(text.replace("%", ""))
