"""The official-layout export: checked cell by cell against the document's layout."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from demo import table_data
from demo.tables import build_bytes
from org.models import Department, Region, User
from org.selectors import DepartmentResolver
from tasks.exports import build_workbook
from tasks.imports import preview_task_table
from tasks.models import Assignment, TaskNode
from tasks.selectors import plan_tree
from tests.helpers import import_table, new_plan


def named(region, text):
    """The departments a department cell stands for, group names resolved."""
    return DepartmentResolver.for_region(region).resolve_cell(text)


def exported(plan, **filters):
    buffer = io.BytesIO()
    build_workbook(plan, plan_tree(plan, **filters)).save(buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active


def merges(sheet):
    return sorted(str(r) for r in sheet.merged_cells.ranges)


def canonical(plan):
    """The tree as comparable data: (level, number, text, leads, cooperators) in order."""
    rows = []
    for node in TaskNode.objects.filter(plan=plan).order_by("position").prefetch_related("assignments__department"):
        assignments = sorted(node.assignments.all(), key=lambda a: (a.role != "lead", a.position))
        rows.append((
            node.level, node.number, node.text,
            [a.department.short_name for a in assignments if a.role == Assignment.Role.LEAD],
            [a.department.short_name for a in assignments if a.role == Assignment.Role.COOPERATING],
        ))
    return rows


def test_annex1_export_matches_the_document_layout(regions):
    plan, _ = import_table(regions["wulong"], table_data.WULONG_ANNEX1)
    sheet = exported(plan)
    assert sheet["A1"].value == "附件"
    assert sheet["A2"].value == "测试方案任务分解表"
    # 目标要求 (issue 22): the targets as the portal understood them, after the departments.
    assert [sheet.cell(3, c).value for c in range(1, 7)] == ["重点任务", "工作内容", None, "牵头单位", "配合单位",
                                                            "目标要求"]
    assert sheet.max_row == 3 + 41
    found = merges(sheet)
    assert "A2:F2" in found and "B3:C3" in found
    # Each key task merged over its rows, as in the document: 12 + 20 + 7 + 2 work items.
    key_merges = [m for m in found if m.startswith("A") and m != "A2:F2"]
    assert sorted(key_merges, key=lambda m: int(m.split(":")[0][1:])) == ["A4:A15", "A16:A35", "A36:A42", "A43:A44"]
    assert sheet["A4"].value == "（一）健全节水制度，落实水资源消耗总量和强度双控行动"
    assert sheet["B4"].value == "1. 制定和落实节约用水规划" and "B4:B6" in found
    row = next(r for r in range(4, sheet.max_row + 1) if (sheet.cell(r, 3).value or "").startswith("加大污水处理力度"))
    assert sheet.cell(row, 4).value == "区城管局" and sheet.cell(row, 5).value == "区住房城乡建委"
    assert sheet.cell(4, 5).value == "区发展改革委、区经济信息委、区规划自然资源局、区住房城乡建委、区城管局"
    # Print set-up and presentation.
    assert sheet.freeze_panes == "A4"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet["C4"].alignment.wrap_text and sheet["C4"].border.left.style == "thin"
    assert sheet["C4"].font.name == "仿宋_GB2312" and sheet["A3"].font.bold
    assert sheet.column_dimensions["C"].width == 60


@pytest.mark.parametrize(
    ("region", "table"),
    [
        ("wulong", table_data.WULONG_ANNEX1),
        ("wulong", table_data.WULONG_ANNEX2),
        ("qianjiang", table_data.QIANJIANG_TASKS),
        ("qianjiang", table_data.QIANJIANG_INDICATORS),
    ],
)
def test_export_then_import_gives_the_same_tree(regions, region, table):
    plan, _ = import_table(regions[region], table)
    buffer = io.BytesIO()
    build_workbook(plan, plan_tree(plan)).save(buffer)
    copy = new_plan(regions[region], title="往返")
    preview = preview_task_table(region=regions[region], data=buffer.getvalue())
    assert not preview.problems and not preview.unknown
    from tasks.services import plan_import

    plan_import(plan=copy, preview=preview)
    # The official layout has no 序号 column: a bare 序号 ("1") comes back as "1." before the text.
    assert bare_numbers(canonical(copy)) == bare_numbers(canonical(plan))


def bare_numbers(rows):
    return [(level, number.rstrip(". "), *rest) for level, number, *rest in rows]


def test_export_of_one_department(regions):
    plan, _ = import_table(regions["wulong"], table_data.WULONG_ANNEX1)
    economy = regions["wulong"].departments.get(short_name="区经济信息委")
    sheet = exported(plan, department=economy)
    texts = [sheet.cell(r, 4).value + "、" + (sheet.cell(r, 5).value or "") for r in range(4, sheet.max_row + 1)]
    # Each row names it, or a group it is a member of (written as the table wrote it).
    assert texts and all(economy in named(regions["wulong"], text) for text in texts)
    assert any("区级有关单位" in text for text in texts)
    expected = Assignment.objects.filter(node__plan=plan, department=economy).count()
    assert sheet.max_row - 3 == expected


def test_export_of_one_key_task(regions):
    plan, _ = import_table(regions["wulong"], table_data.WULONG_ANNEX1)
    fourth = TaskNode.objects.get(plan=plan, level=1, number="（四）")
    sheet = exported(plan, key_task=fourth)
    assert sheet.max_row == 3 + 2 and sheet["A4"].value.startswith("（四）")


def test_formula_like_text_is_written_as_text(regions):
    table = {**table_data.WULONG_ANNEX2, "rows": [["一、注入", "1. 测试", '=HYPERLINK("http://x","点我")', "区水利局"]]}
    plan = new_plan(regions["wulong"])
    preview = preview_task_table(region=regions["wulong"], data=build_bytes(table))
    from tasks.services import plan_import

    plan_import(plan=plan, preview=preview)
    buffer = io.BytesIO()
    build_workbook(plan, plan_tree(plan)).save(buffer)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    cell = next(sheet.cell(r, 3) for r in range(4, sheet.max_row + 1) if sheet.cell(r, 3).value)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_export_command(regions, tmp_path):
    plan, _ = import_table(regions["wulong"], table_data.WULONG_ANNEX1)
    out = tmp_path / "out.xlsx"
    call_command("export_tasks", plan=plan.pk, output=str(out), department="区城市管理局", layout="official",
                 stdout=io.StringIO())
    sheet = openpyxl.load_workbook(out).active
    urban = regions["wulong"].departments.get(short_name="区城管局")
    assert sheet.max_row > 3 and all(
        urban in named(regions["wulong"], f"{sheet.cell(r, 4).value or ''}、{sheet.cell(r, 5).value or ''}")
        for r in range(4, sheet.max_row + 1)
    )


def test_export_page_downloads_xlsx(regions, client_for):
    plan, _ = import_table(regions["wulong"], table_data.WULONG_ANNEX1)
    client = client_for(User.objects.get(username="wulong_cgj"))
    response = client.get(reverse("tasks:plan_export", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 3 + 41
    outsider = client_for(User.objects.get(username="qianjiang_reviewer"))
    assert outsider.get(reverse("tasks:plan_export", args=[plan.pk])).status_code == 404
    assert Region.objects.count() == 3


def test_one_departments_rows_are_not_downloaded_under_the_whole_tables_name(regions, client_for):
    plan, _ = import_table(regions["wulong"], table_data.WULONG_ANNEX1)
    urban = Department.objects.get(region=regions["wulong"], short_name="区城管局")
    client = client_for(User.objects.get(username="wulong_reviewer"))
    whole = client.get(reverse("tasks:plan_export", args=[plan.pk]))["Content-Disposition"]
    mine = client.get(reverse("tasks:plan_export", args=[plan.pk]), {"department": urban.pk})["Content-Disposition"]
    assert whole != mine and "%EF%BC%88%E5%8C%BA%E5%9F%8E%E7%AE%A1%E5%B1%80%EF%BC%89" in mine  # （区城管局）


def layout(sheet):
    """Everything a reader of the table sees: values, fonts, alignment, borders, row
    heights, column widths, merges."""
    cells = [
        (c.coordinate, c.value, c.data_type, c.font.name, c.font.sz, c.font.b, c.alignment.horizontal,
         c.alignment.vertical, c.alignment.wrap_text, c.border.left.style, c.border.bottom.style)
        for row in sheet.iter_rows() for c in row
    ]
    heights = {index: d.height for index, d in sheet.row_dimensions.items() if d.height}
    widths = {key: d.width for key, d in sheet.column_dimensions.items()}
    return cells, heights, widths, merges(sheet)


@pytest.mark.parametrize("table", [table_data.WULONG_ANNEX1, table_data.WULONG_ANNEX2])
def test_streamed_export_equals_the_in_memory_build(regions, table):
    plan, _ = import_table(regions["wulong"], table)
    streamed, in_memory = io.BytesIO(), io.BytesIO()
    build_workbook(plan, plan_tree(plan)).save(streamed)
    build_workbook(plan, plan_tree(plan), streaming=False).save(in_memory)
    first, second = (openpyxl.load_workbook(io.BytesIO(b.getvalue())).active for b in (streamed, in_memory))
    assert layout(first) == layout(second)
    assert len(layout(first)[0]) > 100


@pytest.mark.parametrize("streaming", [True, False])
def test_control_characters_are_dropped_and_spaces_kept(regions, streaming):
    plan, _ = import_table(regions["wulong"], table_data.WULONG_ANNEX1)
    item = TaskNode.objects.filter(plan=plan, level=TaskNode.Level.WORK_ITEM).order_by("position").first()
    item.text = "  前导空格\x0b与\x1f控制符 "
    item.save()
    buffer = io.BytesIO()
    build_workbook(plan, plan_tree(plan), streaming=streaming).save(buffer)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    texts = [c.value for row in sheet.iter_rows(min_row=4) for c in row if c.value and "控制符" in c.value]
    assert len(texts) == 1 and texts[0].endswith("  前导空格与控制符 ")


def test_the_page_exports_the_source_layout_and_the_official_one_on_request(regions, client_for):
    plan, _ = import_table(regions["wulong"], table_data.WULONG_ANNEX2)
    client = client_for(User.objects.get(username="wulong_cgj"))
    url = reverse("tasks:plan_export", args=[plan.pk])
    source = openpyxl.load_workbook(io.BytesIO(client.get(url).content)).active
    assert (source.title, source["A1"].value) == ("附件2", "附件2")
    assert source["A2"].value == "武隆2019年节约用水工作方案任务分解表"
    assert [source.cell(3, c).value for c in range(1, 5)] == ["事项", "主要内容", "主要任务", "责任单位"]
    official = openpyxl.load_workbook(io.BytesIO(client.get(url + "?layout=official").content)).active
    assert (official.title, official["A1"].value, official["A2"].value) == ("任务分解表", "附件", "测试方案任务分解表")
    assert [official.cell(3, c).value for c in range(1, 6)] == ["重点任务", "工作内容", None, "牵头单位", "配合单位"]


def test_a_plan_made_by_hand_exports_officially_and_its_title_is_not_doubled(regions, tmp_path):
    plan = new_plan(regions["wulong"], title="武隆区节水工作任务分解表")
    key = TaskNode.objects.create(plan=plan, level=1, position=1, number="一、", text="手工任务")
    TaskNode.objects.create(plan=plan, parent=key, level=3, position=2, text="手工事项")
    out = tmp_path / "out.xlsx"
    call_command("export_tasks", plan=plan.pk, output=str(out), stdout=io.StringIO())
    sheet = openpyxl.load_workbook(out).active
    assert (sheet.title, sheet["A2"].value) == ("任务分解表", "武隆区节水工作任务分解表")
    assert sheet["A4"].value == "一、手工任务"


def test_export_command_gives_the_source_layout_by_default(regions, tmp_path):
    plan, _ = import_table(regions["wulong"], table_data.WULONG_ANNEX1)
    out = tmp_path / "out.xlsx"
    call_command("export_tasks", plan=plan.pk, output=str(out), stdout=io.StringIO())
    sheet = openpyxl.load_workbook(out).active
    assert (sheet.title, sheet["A1"].value, sheet["D3"].value) == ("附件1", "附件1", "牵头\n\n单位")
