"""Bad files made from good ones: for every workbook upload, a file the portal itself handed
out (a template downloaded through its route, or the registry or task table exported by
it), with cells edited as a clerk might — another region's, department's or quarter's
template, a tampered id or mark, negative, NaN, 1e308 and 1e309, numbers written as text,
a duplicate row, an unknown department or code, rows of an approved record, a formula
where a number belongs, =HYPERLINK in a text cell.

Each goes through the real views with the user who would send it: upload, preview, try to
confirm. No answer is a server error; a refused file is refused in Chinese with the row
and the column header of the cell at fault (or, for a file that is not this upload's
template at all, whose template it is), and every table of the portal is unchanged. A
variant the reader legitimately accepts (full-width digits) is stored exactly as meant.
The untouched base file of every endpoint is accepted: so each refusal is the edit's.
"""

import io
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from carriers.models import Carrier, UserKind, UserYear, WaterUser
from core.periods import Quarter
from core.signed_workbook import META_SHEET
from demo import catalogue as indicator_demo
from demo import regions as org_demo
from demo import table_data
from indicators import data_workbook
from indicators.models import Adoption, DataReport, DataValue, UtilityFigures
from indicators.selectors import adopted_set_of, duties_for
from org.models import Department, Region, User
from tasks import progress_workbook
from tasks.models import Plan, ProgressReport, TaskNode
from tasks.services import progress_approve, progress_open, progress_save
from tests.conftest import make_user
from tests.helpers import CHINESE, import_table, journey, kept_for_module, new_plan, raw_value, snapshot

Q1_2019, Q1_2024 = Quarter(2019, 1), Quarter(2024, 1)


def _download(username, url):
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content


def _quarter_url(name, quarter):
    return f"{reverse(name)}?quarter={quarter}"


@pytest.fixture(scope="module")
def _world_once(django_db_setup, django_db_blocker):
    """The records the uploads need and the files the portal hands out for them, made once
    for the module (each test's own changes are rolled back as usual)."""
    with kept_for_module(django_db_blocker):
        org_demo.load(password="pw-for-tests-1")
        yield _world(Region.objects.get(code="500156"), Region.objects.get(code="500114"))


@pytest.fixture
def world(_world_once, db):
    return _world_once


def _world(wulong, qianjiang):
    plan, _ = import_table(wulong, table_data.WULONG_ANNEX1)
    q_plan, _ = import_table(qianjiang, table_data.QIANJIANG_TASKS, plan=new_plan(qianjiang, "黔江方案", 2023))
    standard = indicator_demo.load_catalogue()
    Adoption.objects.create(region=qianjiang, indicator_set=standard, since_year=2022)
    make_user("template_admin", None, User.Role.ADMIN, is_staff=True, is_superuser=True)
    for region, prefix in ((wulong, "武隆"), (qianjiang, "黔江")):
        user = WaterUser.objects.create(region=region, name=f"{prefix}测试小区", kind=UserKind.COMMUNITY)
        UserYear.objects.create(user=user, year=2023, total_use=1000, households=200)
        Carrier.objects.create(region=region, user=user, carrier_type=Carrier.Type.COMMUNITY,
                               level=Carrier.Level.COUNTY, status=Carrier.Status.CREATING)
    # An approved progress entry of 区城管局 (wulong_cgj) in 2019Q1, listed in its template.
    clerk, reviewer = User.objects.get(username="wulong_cgj"), User.objects.get(username="wulong_reviewer")
    items = TaskNode.objects.filter(plan=plan, level=TaskNode.Level.WORK_ITEM, assignments__department=clerk.department,
                                    assignments__role="lead").order_by("pk")
    approved = progress_open(item=items[1], department=clerk.department, quarter=Q1_2019)
    approved.status, approved.percent, approved.work_done = "in_progress", 20, "起步"
    progress_save(report=approved, version=approved.version, user=clerk, submit=True)
    progress_approve(report=approved, user=reviewer, version=approved.version)
    foreign_item = TaskNode.objects.filter(plan=plan, level=TaskNode.Level.WORK_ITEM).exclude(
        assignments__department=clerk.department).first()
    # 黔江: 区城管局's figures of 2023Q3 approved; 区水利局's report of 2024Q1 approved.
    q_clerk = User.objects.get(username="qianjiang_cgj")
    q_water = Department.objects.get(region=qianjiang, short_name="区水利局")
    DataReport.objects.create(region=qianjiang, department=q_clerk.department, year=2023, quarter=3,
                              state=DataReport.State.APPROVED)
    DataReport.objects.create(region=qianjiang, department=q_water, year=2024, quarter=1,
                              state=DataReport.State.APPROVED)
    duties = duties_for(qianjiang, adopted_set_of(qianjiang))
    wulong_report = DataReport.objects.create(region=wulong, department=clerk.department, year=2024, quarter=1)
    files = {
        # The uniform layout, whose sheet and cells the spots below name (the default download
        # is the source table's own layout, checked cell by cell in test_source_roundtrip).
        "task": _download("wulong_reviewer", reverse("tasks:plan_export", args=[plan.pk]) + "?layout=official"),
        "task/other region": _download("qianjiang_reviewer",
                                       reverse("tasks:plan_export", args=[q_plan.pk]) + "?layout=official"),
        "progress": _download("wulong_cgj", _quarter_url("tasks:progress_template", Q1_2019)),
        "progress/other department": _download("wulong_reviewer", _quarter_url("tasks:progress_template", Q1_2019)),
        "progress/other quarter": _download("wulong_cgj", _quarter_url("tasks:progress_template", Quarter(2019, 2))),
        "progress/other region": _download("qianjiang_cgj", _quarter_url("tasks:progress_template", Q1_2019)),
        "data": _download("qianjiang_cgj", _quarter_url("indicators:data_template", Q1_2024)),
        "data/other department": _download("qianjiang_reviewer", _quarter_url("indicators:data_template", Q1_2024)),
        "data/other quarter": _download("qianjiang_cgj", _quarter_url("indicators:data_template", Quarter(2023, 4))),
        # 武隆 has adopted no indicator set, so its template is built by the same exporter.
        "data/other region": data_workbook.build(wulong_report, []),
        "data/approved": _download("qianjiang_cgj", _quarter_url("indicators:data_template", Quarter(2023, 3))),
        "bulk": _download("template_admin", _quarter_url("indicators:bulk_template", Q1_2024)),
        "bulk/other quarter": _download("template_admin", _quarter_url("indicators:bulk_template", Quarter(2023, 4))),
        "users": _download("wulong_reviewer", reverse("carriers:export_users")),
        "users/other region": _download("qianjiang_reviewer", reverse("carriers:export_users")),
        "carriers": _download("wulong_reviewer", reverse("carriers:export_carriers")),
        "carriers/other region": _download("qianjiang_reviewer", reverse("carriers:export_carriers")),
    }
    return SimpleNamespace(
        wulong=wulong, qianjiang=qianjiang, files=files, plan=plan, clerk_department=clerk.department,
        approved_item=items[1].pk, foreign_item=foreign_item.pk, water_elements=duties.elements_of(q_water),
    )


# --- editing a workbook as a clerk would ----------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    username: str
    url: str
    sheet: str
    data: dict = field(default_factory=dict)


ENDPOINTS = {
    "task table": Endpoint("task table", "wulong_reviewer", "tasks:import_upload", "任务分解表",
                           {"title": "模板派生", "kind": "annual", "start_year": 2019}),
    "progress template": Endpoint("progress template", "wulong_cgj", "tasks:progress_template_upload", "季度进展"),
    "raw statistics": Endpoint("raw statistics", "qianjiang_cgj", "indicators:data_upload", "数据填报"),
    "bulk statistics": Endpoint("bulk statistics", "template_admin", "indicators:bulk_statistics", "统计数据",
                                {"year": 2024, "quarter": 1}),
    "water users": Endpoint("water users", "wulong_reviewer", "carriers:import_upload", "用水单位"),
    "carriers": Endpoint("carriers", "wulong_reviewer", "carriers:import_upload", "节水载体"),
}


# --- what the clerk fills in, and where each endpoint's variants edit ---------------------------

FIGURES = {"RES_WATER": 340, "HOUSEHOLDS": 112000, "PERSONS_PER_HOUSEHOLD": 2.78, "METERED_RES_WATER": 318,
           "RES_TOTAL_WATER": 340, "PLANNED_NONRES_WATER": 130, "NONRES_WATER": 150}
UTILITY = ("黔江区自来水有限公司", 480, 410, 290, 172, 0.42)


def _progress_items(sheet):
    """{序号: item id} of a progress template, from its signed mark (no cell holds an id)."""
    marked = signing.loads(sheet.parent[META_SHEET]["A1"].value, salt=progress_workbook.SIGNING_SALT)
    return dict(enumerate(marked["items"], start=1))


def _progress_row(sheet, world, item=None):
    """The first row of ``item``, or (None) of an item the clerk may still change (not the
    approved one)."""
    items = _progress_items(sheet)
    for row in range(progress_workbook.FIRST_ROW, sheet.max_row + 1):
        listed = items.get(sheet.cell(row, 1).value)
        if listed is not None and (listed == item if item else listed != world.approved_item):
            return row
    return None


def _fill_progress(workbook, world):
    sheet = workbook["季度进展"]
    row = _progress_row(sheet, world)
    if row is None:  # another region's template: none of its items is ours
        return
    for letter, value in zip("FGHI", ("推进中", 60, 3, "完成管网排查"), strict=True):
        sheet[f"{letter}{row}"] = value


def _fill_data(workbook, world):
    sheet = workbook["数据填报"]
    for row in range(4, sheet.max_row + 1):
        if sheet.cell(row, 1).value in FIGURES:
            sheet.cell(row, 8, FIGURES[sheet.cell(row, 1).value])
    if "供水企业漏损" in workbook.sheetnames:
        for column, value in enumerate(UTILITY, start=1):
            workbook["供水企业漏损"].cell(3, column, value)


def _fill_bulk(workbook, world):
    sheet = workbook["统计数据"]
    for row in range(4, sheet.max_row + 1):
        if sheet.cell(row, 1).value == world.qianjiang.code and sheet.cell(row, 3).value in FIGURES:
            sheet.cell(row, 6, FIGURES[sheet.cell(row, 3).value])


def _fill_users(workbook, world):
    workbook["用水单位"]["J4"] = 1200


def _fill_carriers(workbook, world):
    workbook["节水载体"]["L4"] = "已提交申报材料"


FILLS = {"task table": lambda workbook, world: None, "progress template": _fill_progress, "raw statistics": _fill_data,
         "bulk statistics": _fill_bulk, "water users": _fill_users, "carriers": _fill_carriers}


def _row_with(sheet, column, value, start=4):
    return next((r for r in range(start, sheet.max_row + 1) if sheet.cell(r, column).value == value), None)


@dataclass(frozen=True)
class Spot:
    """Where a variant edits an endpoint's file: the sheet, how to find the row, the column
    letters of a number cell, a text cell and the cell that identifies the row, and the
    headers the refusals name."""

    row: object  # (sheet, world) -> row number
    number: str | None
    text: str | None
    key: str | None


SPOTS = {
    "task table": Spot(lambda sheet, world: 5, None, "C", None),
    "progress template": Spot(_progress_row, "H", "I", "A"),
    "raw statistics": Spot(lambda sheet, world: _row_with(sheet, 1, "RES_WATER"), "H", "I", "A"),
    "bulk statistics": Spot(lambda sheet, world: _row_with(sheet, 3, "RES_WATER"), "F", "G", "C"),
    "water users": Spot(lambda sheet, world: 4, "J", "D", "B"),
    "carriers": Spot(lambda sheet, world: 4, "G", "L", "D"),  # a date cell: Excel keeps dates as numbers
}


def _sheet_of(workbook, endpoint):
    return workbook[ENDPOINTS[endpoint].sheet]


def set_cell(role, value):
    """An edit putting ``value`` in the endpoint's ``role`` cell ("number", "text", "key")."""

    def edit(workbook, world, endpoint):
        sheet = _sheet_of(workbook, endpoint)
        spot = SPOTS[endpoint]
        sheet[f"{getattr(spot, role)}{spot.row(sheet, world)}"] = value

    return edit


def duplicate_row(workbook, world, endpoint):
    sheet = _sheet_of(workbook, endpoint)
    source = SPOTS[endpoint].row(sheet, world)
    target = sheet.max_row + 1
    for column in range(1, sheet.max_column + 1):
        sheet.cell(target, column, sheet.cell(source, column).value)


def tamper_mark(workbook, world, endpoint):
    mark = workbook[META_SHEET]["A1"]
    mark.value = mark.value[:-3] + ("AAA" if not mark.value.endswith("AAA") else "BBB")


BASES = {"task table": "task", "progress template": "progress", "raw statistics": "data",
         "bulk statistics": "bulk", "water users": "users", "carriers": "carriers"}


@dataclass(frozen=True)
class Case:
    endpoint: str
    variant: str
    edits: tuple = ()
    base: str = ""  # another file the portal handed out (world.files), else the endpoint's own
    raw: str = ""  # the number cell's value as written in the XML (after the edits)
    says: tuple = ()  # refused: one message holds all of these, with ``build_file``'s places filled in
    stored: bool = False  # accepted: ``ACCEPTED`` says what must be stored
    quarter: str = ""


def build_file(case, world):
    """The file a case sends, and where it was edited: the row (``row``), the last row after
    the edits (``last``), the value of the identifying cell of the row (``key``) and, in a
    progress template, the item its 序号 names (``item``) and the row of the approved entry
    (``approved``)."""
    workbook = openpyxl.load_workbook(io.BytesIO(world.files[case.base or BASES[case.endpoint]]))
    FILLS[case.endpoint](workbook, world)
    sheet, spot = _sheet_of(workbook, case.endpoint), SPOTS[case.endpoint]
    row = spot.row(sheet, world)
    places = {"row": row, "key": sheet[f"{spot.key}{row}"].value if spot.key and row else None,
              "item": _progress_items(sheet).get(sheet[f"A{row}"].value) if case.endpoint == "progress template"
              and row else None,
              "approved": _approved_place(workbook, world, case.endpoint)}
    for edit in case.edits:
        edit(workbook, world, case.endpoint)
    places["last"] = sheet.max_row
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    if case.raw:
        data = raw_value(data, workbook.sheetnames.index(sheet.title), f"{spot.number}{row}", case.raw)
    return data, places


def _approved_place(workbook, world, endpoint):
    if endpoint == "progress template":
        sheet = workbook["季度进展"]
        return _progress_row(sheet, world, world.approved_item)
    if endpoint == "bulk statistics":
        return _row_with(workbook["统计数据"], 3, world.water_elements[0])
    return None


def upload_url(case):
    endpoint = ENDPOINTS[case.endpoint]
    if endpoint.name in ("water users", "carriers"):
        return reverse(endpoint.url, args=["users" if endpoint.name == "water users" else "carriers"])
    if endpoint.name in ("progress template", "raw statistics"):
        default = Q1_2019 if endpoint.name == "progress template" else Q1_2024
        return f"{reverse(endpoint.url)}?quarter={case.quarter or default}"
    return reverse(endpoint.url)


def form_data(case, world):
    data = dict(ENDPOINTS[case.endpoint].data)
    if case.endpoint == "task table":
        data["region"] = world.wulong.pk
    return data


def _approved_row(workbook, world, endpoint):
    sheet = workbook["季度进展"]
    sheet[f"G{_progress_row(sheet, world, world.approved_item)}"] = 90


def _water_figure(workbook, world, endpoint):
    """A figure 区水利局 reports, whose report of the quarter is approved."""
    sheet = workbook["统计数据"]
    sheet[f"F{_row_with(sheet, 3, world.water_elements[0])}"] = 50


def _foreign_item(workbook, world, endpoint):
    """A 序号 the template does not list (a row names its item by its place in the signed list)."""
    sheet = workbook["季度进展"]
    sheet[f"A{_progress_row(sheet, world)}"] = len(_progress_items(sheet)) + 1


def _foreign_code(workbook, world, endpoint):
    sheet = workbook["数据填报"]
    sheet[f"A{_row_with(sheet, 1, 'RES_WATER')}"] = world.water_elements[0]


HYPERLINK = '=HYPERLINK("http://example.invalid/x","点击领取")'
DAMAGED = "文件已损坏或不是有效的"
# Each number variant, as typed into the number cell, and what each endpoint says of it;
# None or absent: the endpoint accepts it (see ``ACCEPTED``). The readers parse "１２"
# (full-width digits from a Chinese input method) as 12; "12,5" is refused, never read as 125.
NUMBERS = {"negative": -5, "1e308": 1e308, "1e309 as text": "1e309", "NaN as text": "NaN", "decimal comma": "12,5",
           "full-width digits": "１２", "with a unit": "12 万", "formula": "=10+2"}
# Values as another program writes them into the file's XML (openpyxl writes an empty value
# for NaN and infinity): a float overflowing to infinity, and NaN, which Excel cannot open either.
RAW = {"1e309 in the file": "1e309", "NaN in the file": "NaN"}
STATISTICS_SAY = {
    "negative": "-5 是负数", "1e308": "1e+308 超出可以保存的范围", "1e309 as text": "1e309 超出可以保存的范围",
    "NaN as text": "“NaN”不是有效的数字", "decimal comma": "“12,5”不是数字：逗号只能用作千位分隔符",
    "with a unit": "“12 万”不是数字", "formula": "是公式，请填写数值", "1e309 in the file": "“inf”不是有效的数字",
}
NUMBER_SAYS = {
    "progress template": ("第{row}行H列（完成数量）", {
        "negative": "“-5”不是有效的数量", "1e308": "“1e+308”不是有效的数量", "1e309 as text": "“1e309”不是有效的数量",
        "NaN as text": "“NaN”不是有效的数量", "decimal comma": "“12,5”不是有效的数量",
        "with a unit": "“12 万”不是有效的数量", "formula": "“=10+2”不是有效的数量",
        "1e309 in the file": "“inf”不是有效的数量"}),
    "raw statistics": ("第{row}行H列（本期数值）", STATISTICS_SAY),
    # An uncalculated formula has no value to read in the bulk file (read as values only, for
    # speed): it is a blank cell there, and a row with a blank value is not imported.
    "bulk statistics": ("第{row}行 数值列", {**STATISTICS_SAY, "formula": None}),
    "water users": ("第{row}行J列（用水总量（m³））", {
        "negative": "-5是负数", "1e308": "1e+308超出了可以记录的范围", "1e309 as text": "1e309超出了可以记录的范围",
        "NaN as text": "“NaN”不是数字", "decimal comma": "“12,5”不是数字", "with a unit": "“12 万”不是数字",
        "formula": "“=10+2”不是数字", "1e309 in the file": "“inf”不是数字"}),
    "carriers": ("第{row}行G列（申报日期）", {
        name: f"“{shown}”不是有效的日期" for name, shown in [
            ("negative", "-5"), ("1e308", "1e+308"), ("1e309 as text", "1e309"), ("NaN as text", "NaN"),
            ("decimal comma", "12,5"), ("full-width digits", "１２"), ("with a unit", "12 万"), ("formula", "=10+2"),
            ("1e309 in the file", "inf")]}),
}


def number_cases(endpoint):
    where, says = NUMBER_SAYS[endpoint]
    cases = []
    for name, value in {**NUMBERS, **RAW}.items():
        raw = RAW.get(name, "")
        edits = (set_cell("number", 0 if raw else value),)
        if name == "NaN in the file":  # openpyxl cannot read the sheet: the file is refused as damaged
            cases.append(Case(endpoint, name, edits, raw=raw, says=(DAMAGED,)))
        elif says.get(name) is None:
            cases.append(Case(endpoint, name, edits, raw=raw, stored=True))
        else:
            cases.append(Case(endpoint, name, edits, raw=raw, says=(where, says[name])))
    return cases


def _carrier_credit_code(workbook, world, endpoint):
    workbook["节水载体"]["E4"] = "91500156MA00000001"  # the check character is H


def _unknown_department(workbook, world, endpoint):
    _sheet_of(workbook, endpoint)["D5"] = "区不存在局"


CASES = [
    Case("task table", "as exported", stored=True),
    Case("task table", "another region's", base="task/other region",
         says=("区司法局", "出现在第 5、7 行（配合单位列）")),
    Case("task table", "unknown department", (_unknown_department,),
         says=("区不存在局", "出现在第 {row} 行（牵头单位列）")),
    Case("task table", "duplicate row", (duplicate_row,), stored=True),
    Case("task table", "hyperlink in a text cell", (set_cell("text", HYPERLINK),),
         says=("第{row}行C列", "工作内容为空")),
    Case("progress template", "as downloaded", stored=True),
    Case("progress template", "another region's", base="progress/other region",
         says=("这是其他部门2019年第一季度的填报表", "不是本部门2019年第一季度的")),
    Case("progress template", "another department's", base="progress/other department",
         says=("这是重庆市武隆区水利局2019年第一季度的填报表",)),
    Case("progress template", "another quarter's", base="progress/other quarter",
         says=("2019年第二季度的填报表", "不是本部门2019年第一季度的")),
    Case("progress template", "tampered mark", (tamper_mark,), says=("模板标识被修改过",)),
    Case("progress template", "tampered id", (_foreign_item,), says=("第{row}行A列（序号）", "不是本表的序号")),
    Case("progress template", "duplicate row", (duplicate_row,), says=("第{last}行A列（序号）", "出现了不止一次")),
    Case("progress template", "approved record", (_approved_row,), says=("第{approved}行G列（完成百分比）", "已通过")),
    Case("progress template", "hyperlink in a text cell", (set_cell("text", HYPERLINK),), stored=True),
    *number_cases("progress template"),
    Case("raw statistics", "as downloaded", stored=True),
    Case("raw statistics", "another region's", base="data/other region",
         says=("这是重庆市武隆区城市管理局2024年第一季度的填报表",)),
    Case("raw statistics", "another department's", base="data/other department",
         says=("这是重庆市黔江区水利局2024年第一季度的填报表",)),
    Case("raw statistics", "another quarter's", base="data/other quarter",
         says=("2023年第四季度的填报表", "不是本部门2024年第一季度的")),
    Case("raw statistics", "tampered mark", (tamper_mark,), says=("模板标识被修改过",)),
    Case("raw statistics", "tampered code", (_foreign_code,), says=("第{row}行A列（代码）", "不是本部门填报的数据项")),
    Case("raw statistics", "duplicate row", (duplicate_row,), says=("第{last}行A列（代码）", "出现了不止一次")),
    # The record is the department's report of the quarter: the whole file is refused.
    Case("raw statistics", "approved record", base="data/approved", quarter="2023Q3",
         says=("该报表状态为“已通过”", "不能修改")),
    Case("raw statistics", "hyperlink in a text cell", (set_cell("text", HYPERLINK),), stored=True),
    *number_cases("raw statistics"),
    Case("bulk statistics", "as downloaded", stored=True),
    Case("bulk statistics", "another quarter's", base="bulk/other quarter",
         says=("文件标题写的是2023年第四季度", "导入选择的是2024年第一季度")),
    Case("bulk statistics", "unknown code", (set_cell("key", "NO_SUCH_CODE"),),
         says=("第{row}行 数据项代码列", "没有代码为“NO_SUCH_CODE”的数据项")),
    Case("bulk statistics", "duplicate row", (duplicate_row,), says=("第{last}行 数据项代码列", "与第{row}行重复")),
    Case("bulk statistics", "approved record", (_water_figure,),
         says=("第{approved}行 数值列", "已通过", "不能通过批量导入修改")),
    Case("bulk statistics", "hyperlink in a text cell", (set_cell("text", HYPERLINK),), stored=True),
    *number_cases("bulk statistics"),
    Case("water users", "as exported", stored=True),
    Case("water users", "another region's", base="users/other region",
         says=("第1行A列（标题）", "黔江区用水单位名录及年度用水量", "不是武隆区的名录")),
    Case("water users", "tampered credit code", (set_cell("key", "91500156MA00000001"),),
         says=("第{row}行B列（统一社会信用代码）", "校验位错误")),
    Case("water users", "duplicate row", (duplicate_row,),
         says=("第{last}行F列（年份）", "同一单位同一年份只能有一行")),
    Case("water users", "hyperlink in a text cell", (set_cell("text", HYPERLINK),), stored=True),
    *number_cases("water users"),
    Case("carriers", "as exported", stored=True),
    Case("carriers", "another region's", base="carriers/other region",
         says=("第1行A列（标题）", "黔江区节水载体名录", "不是武隆区的名录")),
    Case("carriers", "unknown water user", (set_cell("key", "不存在的单位"),),
         says=("第{row}行D列（用水单位）", "本区没有登记名为“不存在的单位”的用水单位")),
    Case("carriers", "duplicate row", (duplicate_row,), says=("第{last}行A列（载体类型）", "同一载体只能有一行")),
    Case("carriers", "hyperlink in a text cell", (set_cell("text", HYPERLINK),), stored=True),
    Case("carriers", "tampered credit code", (_carrier_credit_code,),
         says=("第{row}行E列（统一社会信用代码）", "校验位错误")),
    *number_cases("carriers"),
]


# --- what the accepted variants store --------------------------------------------------------------


def _plan_as_exported(world, places):
    """The new plan has the exported plan's tree: a repeated row is the same item, once."""
    imported = Plan.objects.get(region=world.wulong, title=ENDPOINTS["task table"].data["title"])
    tree = [list(TaskNode.objects.filter(plan=plan).order_by("level", "text").values_list("level", "text"))
            for plan in (imported, world.plan)]
    assert tree[0] == tree[1]


def _progress(**changed):
    def check(world, places):
        report = ProgressReport.objects.get(item_id=places["item"], department=world.clerk_department, year=2019,
                                            quarter=1)
        expected = {"status": "in_progress", "percent": 60, "quantity": Decimal(3), "work_done": "完成管网排查",
                    "state": "draft", **changed}
        assert {name: getattr(report, name) for name in expected} == expected
        approved = ProgressReport.objects.get(item_id=world.approved_item, year=2019, quarter=1)
        assert (approved.state, approved.percent) == ("approved", 20)  # listed in the template, left alone

    return check


def _figures(*, utility=False, comment="", state=DataReport.State.DRAFT, **changed):
    """The clerk's figures of 2024Q1 are stored (``changed``: other values, None for none)."""

    def check(world, places):
        stored = DataValue.objects.filter(region=world.qianjiang, year=2024, quarter=1)
        expected = {code: Decimal(str(value)) for code, value in {**FIGURES, **changed}.items() if value is not None}
        assert dict(stored.values_list("element__code", "value")) == expected
        assert stored.get(element__code="PLANNED_NONRES_WATER").report.state == state
        if "RES_WATER" in expected:
            assert stored.get(element__code="RES_WATER").comment == comment
        assert UtilityFigures.objects.filter(region=world.qianjiang, utility=UTILITY[0]).exists() == utility

    return check


def _user_year(*, total_use=1200, industry=""):
    def check(world, places):
        user = WaterUser.objects.get(region=world.wulong, name="武隆测试小区")
        assert (user.industry, user.years.get(year=2023).total_use) == (industry, Decimal(total_use))
        assert WaterUser.objects.filter(region=world.wulong).count() == 1

    return check


def _carrier_notes(notes):
    def check(world, places):
        assert list(Carrier.objects.filter(region=world.wulong).values_list("notes", flat=True)) == [notes]

    return check


SUBMITTED = DataReport.State.SUBMITTED
ACCEPTED = {
    ("task table", "as exported"): _plan_as_exported,
    ("task table", "duplicate row"): _plan_as_exported,
    ("progress template", "as downloaded"): _progress(),
    ("progress template", "hyperlink in a text cell"): _progress(work_done=HYPERLINK),  # kept as text
    ("progress template", "full-width digits"): _progress(quantity=Decimal(12)),
    ("raw statistics", "as downloaded"): _figures(utility=True),
    ("raw statistics", "hyperlink in a text cell"): _figures(utility=True, comment=HYPERLINK),
    ("raw statistics", "full-width digits"): _figures(utility=True, RES_WATER=12),
    ("bulk statistics", "as downloaded"): _figures(state=SUBMITTED),
    # Read as values only, an uncalculated formula is empty: the comment stays blank.
    ("bulk statistics", "hyperlink in a text cell"): _figures(state=SUBMITTED),
    ("bulk statistics", "full-width digits"): _figures(state=SUBMITTED, RES_WATER=12),
    ("bulk statistics", "formula"): _figures(state=SUBMITTED, RES_WATER=None),
    ("water users", "as exported"): _user_year(),
    ("water users", "hyperlink in a text cell"): _user_year(industry=HYPERLINK),
    ("water users", "full-width digits"): _user_year(total_use=12),
    ("carriers", "as exported"): _carrier_notes("已提交申报材料"),
    ("carriers", "hyperlink in a text cell"): _carrier_notes(HYPERLINK),
}


def test_every_endpoint_has_its_variants_and_every_accepted_one_its_check():
    assert {case.endpoint for case in CASES} == set(ENDPOINTS)
    assert {(case.endpoint, case.variant) for case in CASES if case.stored} == set(ACCEPTED)
    names = [(case.endpoint, case.variant) for case in CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", CASES, ids=[f"{case.endpoint}-{case.variant}" for case in CASES])
def test_a_template_derived_file_is_refused_by_row_and_column_or_stored_as_meant(world, client_for, case):
    data, places = build_file(case, world)
    client = client_for(User.objects.get(username=ENDPOINTS[case.endpoint].username))
    before = snapshot()
    texts, statuses = journey(client, upload_url(case), form_data(case, world), "模板.xlsx", data)
    assert all(status < 500 for status in statuses), statuses
    if case.stored:
        assert snapshot() != before, texts
        ACCEPTED[case.endpoint, case.variant](world, places)
        return
    wanted = [fragment.format(**places) for fragment in case.says]
    assert any(CHINESE.search(text) and all(part in text for part in wanted) for text in texts), (wanted, texts)
    assert snapshot() == before
