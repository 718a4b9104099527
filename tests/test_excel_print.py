"""Every workbook the portal hands out is fit to send: figures kept numbers in their
precision's format (points one decimal, an indicator's value two as on the pages, counts
whole, volumes with separators), a 填报单位／填报日期 line under the title, A4 fitted to the
width with the header repeated and "第 &P 页 共 &N 页" at the foot; the offline progress
template shows no database id. Each file is opened with openpyxl and read cell by cell."""

import io
import os
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.core import signing
from django.urls import reverse

from carriers import registry_export, registry_layout
from core import excel
from core.periods import Quarter
from core.signed_workbook import META_SHEET, stamp
from demo import table_data
from indicators import bulk_workbook, data_workbook, standard_workbook
from reports import report_workbook
from tasks import exports, progress_workbook
from tasks.models import ProgressReport
from tasks.selectors import plan_tree, todo_for
from tests.helpers import import_table
from tests.test_progress_template import Q3, clerk, filled, template, upload  # noqa: F401 - fixture
from tests.test_quarterly_report import build
from tests.test_scorecards import plan, quarter_of_work  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def keep(name, data):
    """Keep a produced file for looking at by hand (EXCEL_OUT=/some/dir)."""
    if os.environ.get("EXCEL_OUT"):
        with open(os.path.join(os.environ["EXCEL_OUT"], name), "wb") as out:
            out.write(data)


def assert_print_ready(sheet, header_row, *, landscape=None):
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
    assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"
    if header_row:
        assert sheet.print_title_rows == f"${header_row}:${header_row}"
    if landscape is not None:
        assert sheet.page_setup.orientation == ("landscape" if landscape else "portrait")


def unit_line(sheet, row=2):
    texts = [cell.value for cell in sheet[row] if cell.value]
    return texts


# --- the helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("unit", "expected"), [
    ("万m³", "#,##0.00"), ("m³", "#,##0.00"), ("立方米/万元", "#,##0.00"), ("%", "0.00"), ("L/(人·d)", "0.00"),
    ("", "0.00"), (None, "0.00"),
])
def test_an_indicators_value_is_formatted_by_its_unit(unit, expected):
    assert excel.value_format(unit) == expected


def test_the_unit_line_splits_the_width_and_leaves_a_date_to_write_by_hand():
    sheet = openpyxl.Workbook().active
    excel.unit_line(sheet, 2, 7, "重庆市武隆区城市管理局")
    assert sheet["A2"].value == "填报单位：重庆市武隆区城市管理局" and sheet["A2"].alignment.horizontal == "left"
    assert sheet["D2"].value == "填报日期：　　　　年　　月　　日" and sheet["D2"].alignment.horizontal == "right"
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A2:C2", "D2:G2"}
    narrow = openpyxl.Workbook().active
    excel.unit_line(narrow, 2, 1, "武隆区", date(2024, 1, 5))
    assert narrow["A2"].value == "填报单位：武隆区　　填报日期：2024年1月5日"


def test_a_table_keeps_figures_numbers_in_their_columns_format():
    sheet = openpyxl.Workbook().active
    excel.titled_table(sheet, "标题", [("名称", 10), excel.Column("得分", 8, excel.SCORE),
                                      excel.Column("数量", 8, excel.COUNT), ("数值", 10)],
                       [["甲", 20, 3, (1234.5, excel.VOLUME)], ["乙", None, 0, "—"]],
                       unit="武隆区", day=date(2024, 3, 31))
    assert sheet["A1"].value == "标题" and unit_line(sheet) == ["填报单位：武隆区", "填报日期：2024年3月31日"]
    assert [(c.value, c.number_format) for c in sheet[4]] == [("甲", "General"), (20, "0.0"), (3, "0"),
                                                              (1234.5, "#,##0.00")]
    assert sheet["D5"].value == "—" and sheet["D5"].data_type == "s"
    assert_print_ready(sheet, 3, landscape=False)


# --- the quarterly report ---------------------------------------------------------------------------


def test_the_quarterly_reports_cells_are_formatted_dated_and_print_ready(quarter_of_work, world):  # noqa: F811
    report = build(world.district)
    data = report.workbook.open("rb").read()
    keep("report.xlsx", data)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    built_on = "填报日期：2023年7月15日"  # the day it was built
    for sheet in workbook.worksheets:  # 任务进展 is the plan's table: 附件 above its title
        line = 3 if sheet.title == "任务进展" else 2
        assert unit_line(sheet, line) == [f"填报单位：{world.district.name}", built_on], sheet.title
        assert_print_ready(sheet, None if sheet.title == "概况" else (4 if sheet.title == "任务进展" else 3))
    overview = {row[0].value: row[1] for row in workbook["概况"].iter_rows(min_row=3)}
    assert (overview["工作事项应报送"].value, overview["工作事项应报送"].number_format) == (5, "0")
    assert overview["部门平均得分"].number_format == "0.0" and isinstance(overview["部门平均得分"].value, (int, float))
    scores = workbook["部门评分"]
    assert [c.value for c in scores[3]][:2] == ["部门", "综合得分"]
    for row in scores.iter_rows(min_row=4):
        assert isinstance(row[1].value, (int, float)) and row[1].number_format == "0.0"
        # 等级, 类别 (leads or cooperating-only) and 类内排名 (a whole number), then the parts
        assert row[4].value is None or row[4].number_format == "0"
        assert all(c.number_format == "0.0" for c in row[5:] if c.value is not None)
    assert workbook["任务进展"].page_setup.orientation == "landscape"
    assert workbook["概况"].page_setup.orientation == "portrait"


def test_an_indicator_sheet_formats_values_by_unit_and_points_to_one_decimal(monkeypatch):
    """The sheet alone, from rows: a percentage and a volume, points with and without decimals."""
    indicator_set = SimpleNamespace(name="标准", is_scored=True, min_points=60,
                                    indicators=SimpleNamespace(all=lambda: []))

    def line(number, unit, value, points):
        indicator = SimpleNamespace(number=number, name=f"指标{number}", unit=unit, kind="guiding",
                                    Kind=SimpleNamespace(BOTTOM_LINE="bottom_line"), target_text="≥1", points=5,
                                    scoring={})
        computed = SimpleNamespace(value=value, points=points, explanation="", award="",
                                   get_status_display=lambda: "达标")
        return SimpleNamespace(indicator=indicator, computed=computed)

    section = report_workbook.StandardSection(indicator_set, None, [line(1, "%", Decimal("82.333"), Decimal("4.5")),
                                                    line(2, "万m³", Decimal("12345.678"), Decimal(5))])
    quarter = SimpleNamespace(label="2024 Q1", chinese_label="2024年第一季度")
    data = SimpleNamespace(region=SimpleNamespace(name="武隆区"), quarter=quarter)
    sheet = openpyxl.Workbook().active
    monkeypatch.setattr(report_workbook, "rule_text", lambda indicator: "规则")
    report_workbook._indicator_sheet(sheet, data, section)
    assert [c.value for c in sheet[3]][:4] == ["序号", "指标", "类型", "数值"]
    first, second, total = sheet[4], sheet[5], sheet[6]
    assert (first[3].value, first[3].number_format) == (82.33, "0.00")
    assert (second[3].value, second[3].number_format) == (12345.68, "#,##0.00")
    assert (first[0].value, first[0].number_format) == (1, "0")
    assert (first[10].value, first[10].number_format) == (4.5, "0.0")
    assert (first[9].value, first[9].number_format) == (5, "0.0")
    assert total[1].value == "合计" and (total[10].value, total[10].number_format) == (9.5, "0.0")


# --- the offline progress template ------------------------------------------------------------------


def test_the_offline_template_is_a_form_to_print_without_ids(clerk):  # noqa: F811
    data = template(clerk.department)
    keep("progress_template.xlsx", data)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook[progress_workbook.SHEET]
    assert unit_line(sheet) == [f"填报单位：{clerk.department.name}", "填报日期：　　　　年　　月　　日"]
    assert_print_ready(sheet, progress_workbook.HEADER_ROW, landscape=True)
    rows = todo_for(clerk.department, Q3, today=date(2019, 9, 1))
    first = progress_workbook.FIRST_ROW
    assert sheet.cell(progress_workbook.HEADER_ROW, 1).value == "序号"
    assert [sheet.cell(first + n, 1).value for n in range(len(rows))] == list(range(1, len(rows) + 1))
    assert sheet.cell(first, 1).number_format == "0"
    # No id anywhere a person sees: the only numbers are 序号 and what the clerk entered;
    # no hidden column or row; the ids are in the signed mark on the hidden sheet.
    visible = [s for s in workbook.worksheets if s.sheet_state == "visible"]
    assert visible == [sheet]
    assert not any(d.hidden for d in sheet.column_dimensions.values())
    assert not any(d.hidden for d in sheet.row_dimensions.values())
    numbers = [(c.row, c.column) for row in sheet.iter_rows(min_row=first) for c in row
               if isinstance(c.value, int) and c.column != 1]
    assert numbers == []
    assert "编号" not in [c.value for c in sheet[progress_workbook.HEADER_ROW]]
    marked = signing.loads(workbook[META_SHEET]["A1"].value, salt=progress_workbook.SIGNING_SALT)
    assert marked["items"] == [row.item.pk for row in rows]


def test_the_offline_template_round_trips_by_its_numbers(clerk, client_for):  # noqa: F811
    client = client_for(clerk)
    data = client.get(f"{reverse('tasks:progress_template')}?quarter=2019Q3").content
    rows = todo_for(clerk.department, Q3, today=date(2019, 9, 1))
    third = progress_workbook.FIRST_ROW + 2  # 序号 3
    response, preview = upload(client, filled(data, {(third, "F"): "推进中", (third, "G"): 35, (third, "I"): "第三项"}))
    assert "第三项" in preview.content.decode()
    client.post(response.url)
    (saved,) = ProgressReport.objects.all()
    assert (saved.item, saved.percent, saved.work_done) == (rows[2].item, 35, "第三项")


def test_a_template_whose_numbers_were_swapped_or_forged_is_caught(clerk, client_for):  # noqa: F811
    first = progress_workbook.FIRST_ROW
    _, page = upload(client_for(clerk), filled(template(clerk.department), {(first, "A"): 0, (first, "G"): 10}))
    assert f"第{first}行A列（序号）：序号“0”不是本表的序号" in page.content.decode()
    _, page = upload(client_for(clerk), filled(template(clerk.department), {(first + 1, "A"): 1, (first, "G"): 10}))
    assert f"第{first + 1}行A列（序号）：序号1出现了不止一次" in page.content.decode()
    assert not ProgressReport.objects.exists()


# --- the other workbooks ------------------------------------------------------------------------------


def _opened(data_or_workbook):
    if not isinstance(data_or_workbook, bytes):
        buffer = io.BytesIO()
        data_or_workbook.save(buffer)
        data_or_workbook = buffer.getvalue()
    return openpyxl.load_workbook(io.BytesIO(data_or_workbook))


def test_the_task_tables_print_without_a_line_added_to_the_plans_annex(regions):
    annex, _ = import_table(regions["wulong"], table_data.WULONG_ANNEX2)
    official = _opened(exports.build_workbook(annex, plan_tree(annex))).active
    assert_print_ready(official, 3, landscape=True)
    assert official["A3"].value == "重点任务"  # an 附件 of a 工作方案 has no 填报单位 line
    source = _opened(exports.build_source_workbook(annex, plan_tree(annex))).active
    assert_print_ready(source, annex.source_layout["header_row"], landscape=True)
    dated = _opened(exports.build_workbook(annex, plan_tree(annex), unit=("武隆区", date(2024, 4, 2)),
                                           streaming=False)).active
    assert unit_line(dated, 3) == ["填报单位：武隆区", "填报日期：2024年4月2日"]
    assert dated["A4"].value == "重点任务" and dated.print_title_rows == "$4:$4" and dated.freeze_panes == "A5"
    key_tasks = [r for r in dated.merged_cells.ranges if r.min_col == r.max_col == 1]
    assert key_tasks and all(r.min_row >= 5 for r in key_tasks)  # merged below the moved header


def test_the_registry_files_have_the_unit_line_formats_and_print_set_up():
    region = SimpleNamespace(name="测试区")
    for data, columns in ((registry_export.build_users(region, []), registry_layout.USER_COLUMNS),
                          (registry_export.build_carriers(region, []), registry_layout.CARRIER_COLUMNS),
                          (registry_export.build_leak_repairs(region, []), registry_layout.LEAK_COLUMNS)):
        sheet = _opened(data).active
        assert unit_line(sheet)[0] == "填报单位：测试区" and unit_line(sheet)[1].startswith("填报日期：20")
        assert [c.value for c in sheet[registry_layout.HEADER_ROW]] == [c.header for c in columns]
        assert_print_ready(sheet, registry_layout.HEADER_ROW)


def test_a_leak_ledgers_figures_are_formatted_by_kind():
    record = SimpleNamespace(utility="自来水公司", year=2024, quarter=1, month=None, inspected_km=12.5, leaks_found=3,
                             leaks_repaired=2, repair_hours=4.5, volume_lost=12345.6, notes="")
    sheet = _opened(registry_export.build_leak_repairs(SimpleNamespace(name="测试区"), [record])).active
    row = {c.header: cell for c, cell in zip(registry_layout.LEAK_COLUMNS, sheet[registry_layout.FIRST_DATA_ROW],
                                              strict=True)}
    assert (row["估算漏失水量（m³）"].value, row["估算漏失水量（m³）"].number_format) == (12345.6, "#,##0.00")
    assert row["发现漏点数"].number_format == "0" and row["平均修复时间（小时）"].number_format == "0.0"


def test_the_statistics_templates_print_and_say_whose_they_are():
    department = SimpleNamespace(pk=7, name="测试区城市管理局")
    report = SimpleNamespace(period=Quarter(2024, 1), department_id=7, department=department)
    element = SimpleNamespace(code="SUPPLY", name="供水总量", unit="万m³", cumulative=True)
    share = SimpleNamespace(code="SHARE", name="占比", unit="%", cumulative=False)
    indicator = SimpleNamespace(number=1, name="指标")
    groups = [(indicator, [SimpleNamespace(element=element, previous=None, last_year=None,
                                           value=SimpleNamespace(value=12345.5, comment="")),
                           SimpleNamespace(element=share, previous=SimpleNamespace(value=82.333), last_year=None,
                                           value=None)])]
    workbook = _opened(data_workbook.build(report, groups, utilities=[]))
    sheet = workbook[data_workbook.SHEET]
    assert unit_line(sheet) == ["填报单位：测试区城市管理局", "填报日期：　　　　年　　月　　日"]
    assert sheet.cell(data_workbook.HEADER_ROW, 1).value == "代码"
    assert_print_ready(sheet, data_workbook.HEADER_ROW, landscape=True)
    first = data_workbook.HEADER_ROW + 1
    assert (sheet[f"H{first}"].value, sheet[f"H{first}"].number_format) == (12345.5, "#,##0.00")
    assert (sheet[f"F{first + 1}"].value, sheet[f"F{first + 1}"].number_format) == (82.333, "0.00")
    assert_print_ready(workbook[data_workbook.UTILITY_SHEET], 2, landscape=True)
    bulk = _opened(bulk_workbook.build([], quarter=Quarter(2024, 1), scope_name="全国"))[bulk_workbook.SHEET]
    assert_print_ready(bulk, bulk_workbook.HEADER_ROW, landscape=True)
    for sheet in _opened(standard_workbook.build({})).worksheets:
        assert_print_ready(sheet, None if sheet.title == standard_workbook.HELP_SHEET else 1)


def test_a_statistics_template_handed_out_before_the_unit_line_still_reads():
    """Its mark says nothing of a header row: the header is where it was, on row 3."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = data_workbook.SHEET
    for values in ([data_workbook.TITLE], [data_workbook.INSTRUCTIONS],
                   [header for _key, header, *_rest in data_workbook.COLUMNS],
                   ["SUPPLY", "指标", "供水总量", "万m³", "累计", None, None, 480, ""]):
        sheet.append(values)
    stamp(workbook, salt=data_workbook.SIGNING_SALT, department=7, quarter="2024Q1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = SimpleNamespace(department_id=7, period=Quarter(2024, 1))
    parsed = data_workbook.read(buffer.getvalue(), report=report, codes={"SUPPLY"}, department_names={},
                                with_utilities=False)
    assert not parsed.problems and [(e.code, e.raw) for e in parsed.entries] == [("SUPPLY", "480")]
    assert parsed.locations["SUPPLY"] == "第4行H列（本期数值）"
