"""A task table imported and exported again is the same table: every cell's text, the label,
title, headers, 序号 at every level, department cells with their group names, the columns
the portal does not use, and the body's merged cells (DESIGN.md "Keep the source's words")."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook

from core import events
from core.docx_reader import load_document
from core.periods import Quarter
from demo import table_data
from demo.tables import build_bytes
from org.models import Department, DepartmentGroup, Region, User
from tasks.exports import build_source_workbook
from tasks.forms import NodeForm
from tasks.imports import preview_task_table
from tasks.models import Assignment, Plan, ProgressReport, TaskNode
from tasks.selectors import plan_tree
from tasks.services import GROUP, node_update, plan_import
from tasks.word_plans import WordChoice
from tests.source_tables import grid_of, import_and_export, table_differences, workbook_bytes

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE_TABLES = [
    FIXTURES / "xlsx" / f"{name}.xlsx" for name in ("qianjiang_tasks", "wulong_annex1", "wulong_annex2")
] + [FIXTURES / "source_tables" / f"{name}.{suffix}" for name in ("qianjiang_tasks", "wulong_annex1", "wulong_annex2")
     for suffix in ("xls", "ods")]


@pytest.mark.parametrize("path", SOURCE_TABLES, ids=lambda path: path.name)
def test_every_source_table_comes_back_as_written(regions, path):
    data = path.read_bytes()
    region = regions["qianjiang" if path.name.startswith("qianjiang") else "wulong"]
    _plan, exported = import_and_export(region, data)
    assert table_differences(grid_of(data), grid_of(exported)) == []


@pytest.mark.parametrize("number", [1, 2])
def test_a_word_documents_task_tables_come_back_as_written(regions, number):
    data = (FIXTURES / "docx" / "task_tables.docx").read_bytes()
    _plan, exported = import_and_export(regions["wulong"], data, word=WordChoice(table=number))
    assert table_differences(load_document(data).grid(number), grid_of(exported)) == []


def test_the_comparison_sees_a_changed_cell_and_a_lost_merge(regions):
    data = (FIXTURES / "xlsx" / "wulong_annex2.xlsx").read_bytes()
    source = grid_of(data)
    changed = grid_of(data)
    changed.rows[0][0] = "附件"
    changed.merges = changed.merges[1:]
    found = table_differences(source, changed)
    assert found[0] == "A1: '附件2' ≠ '附件'"
    assert found[1].startswith("merge ") and found[1].endswith("only in the source")


# --- another district's wording ---------------------------------------------------------------

HEADER = ["序号", "重点任务", "工作措施", "责任单位", "完成时限", "备注"]
# (序号, 重点任务, 工作措施, 责任单位, 完成时限, 备注); None continues the cell above (merged).
BODY = [
    ["1", "强化用水总量控制", "1. 严格取水许可管理", "县水利局", "2024年6月底前", ""],
    [None, None, "2. 推进计划用水管理", "县水利局、县发展改革委", "2024年12月底", "重点"],
    ["2", "推进农业节水增效", "（1）推广高效节水灌溉", "各乡镇人民政府", "长期", ""],
    [None, None, "（2）实施灌区节水改造", "县财政局、各乡镇人民政府", "2025年底", "与灌区改造同步"],
    [None, None, "（3）开展农业水价综合改革", None, "2025年底", ""],
    ["3", "加强节水宣传", "1. 开展节水宣传周活动", "县级有关部门", "每年5月", ""],
]


def pengshui_table():
    """A county's table the demo has not got: 序号 numbering the key tasks (merged over their
    rows), 工作措施 numbered "1. " and "（1）", one 责任单位 column with a department cell
    merged over two items, 完成时限, and a 备注 column the portal does not use."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "附件3"
    sheet["A1"] = "附件3"
    sheet["A2"] = "彭水县2024年节约用水重点工作任务分解表"
    sheet.merge_cells("A2:F2")
    for column, text in enumerate(HEADER, start=1):
        sheet.cell(row=3, column=column, value=text)
    for offset, values in enumerate(BODY):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=4 + offset, column=column, value=value or None)
    for merge in ("A4:A5", "B4:B5", "A6:A8", "B6:B8", "D7:D8"):
        sheet.merge_cells(merge)
    return workbook_bytes(workbook)


@pytest.fixture
def pengshui(db):
    county = Region.objects.create(code="500243", name="彭水县", level=Region.Level.COUNTY)
    for short_name in ("县水利局", "县发展改革委", "县财政局"):
        Department.objects.create(region=county, short_name=short_name, name=f"彭水县{short_name[1:]}")
    # Its towns are not entered yet: the group is there, with no members.
    DepartmentGroup.objects.create(region=county, name="各乡镇人民政府", kinds=[Department.Kind.SUBDISTRICT])
    return county


def imported(county, *, single_role=None):
    data = pengshui_table()
    preview = preview_task_table(region=county, data=data)
    assert not preview.problems
    unknown = {key: name.name for key, name in preview.unknown.items()}
    assert list(unknown.values()) == ["县级有关部门"]
    assert preview.unknown[next(iter(unknown))].looks_like_group
    assert preview.warnings == ["第6、7、8行：“各乡镇人民政府”目前没有成员单位，成员加入后自动承担"]
    assert preview.table.single_department_column == 4
    plan = Plan.objects.create(region=county, title="彭水县2024年节约用水工作", start_year=2024, end_year=2024)
    mapping = {key: (GROUP, [Department.Kind.BUREAU]) for key in unknown}
    plan_import(plan=plan, preview=preview, mapping=mapping, single_role=single_role)
    plan.refresh_from_db()
    return plan, data


def exported_grid(plan):
    return grid_of(workbook_bytes(build_source_workbook(plan, plan_tree(plan))))


def node(plan, text):
    return TaskNode.objects.get(plan=plan, text=text)


def test_another_countys_table_comes_back_as_written(pengshui):
    plan, data = imported(pengshui)
    assert table_differences(grid_of(data), exported_grid(plan)) == []
    assert plan.source_layout["label"] == "附件3"
    assert plan.source_layout["title"] == "彭水县2024年节约用水重点工作任务分解表"
    assert [column["role"] for column in plan.source_layout["columns"]] == [
        "number", "level1", "item", "lead", "due", "kept"]


def test_numbers_are_kept_as_written_at_every_level(pengshui):
    plan, _data = imported(pengshui)
    key_tasks = TaskNode.objects.filter(plan=plan, level=1).order_by("position")
    # The 序号 column numbers the key tasks: it is theirs, not glued into a work item's text.
    assert [(n.number, n.text) for n in key_tasks] == [
        ("1", "强化用水总量控制"), ("2", "推进农业节水增效"), ("3", "加强节水宣传")]
    items = TaskNode.objects.filter(plan=plan, level=3).order_by("position")
    assert [n.number for n in items] == ["1. ", "2. ", "（1）", "（2）", "（3）", "1. "]
    assert items[0].label == "1. 严格取水许可管理"
    assert key_tasks[0].label == "1 强化用水总量控制"
    assert node(plan, "实施灌区节水改造").source_cells["6"] == "与灌区改造同步"


def test_group_names_stay_written_and_their_members_are_resolved(pengshui):
    plan, _data = imported(pengshui)
    irrigation = node(plan, "推广高效节水灌溉")
    assert irrigation.lead_text == "各乡镇人民政府"
    assert not irrigation.assignments.exists()  # no town entered yet: kept, not dropped
    publicity = node(plan, "开展节水宣传周活动")
    assert publicity.lead_text == "县级有关部门"
    group = DepartmentGroup.objects.get(region=pengshui, name="县级有关部门")
    assert group.kinds == [Department.Kind.BUREAU]
    assert sorted(a.department.short_name for a in publicity.assignments.all()) == ["县发展改革委", "县水利局",
                                                                                     "县财政局"]
    assert {a.group_id for a in publicity.assignments.all()} == {group.pk}
    renovation = node(plan, "实施灌区节水改造")
    assert renovation.lead_text == "县财政局、各乡镇人民政府"
    finance = renovation.assignments.get()
    assert (finance.department.short_name, finance.role, finance.group_id) == ("县财政局", "lead", None)


def test_a_town_entered_later_joins_the_items_its_group_name_is_written_on(pengshui, monkeypatch):
    plan, data = imported(pengshui)
    town = Department.objects.create(region=pengshui, short_name="保家镇", name="彭水县保家镇",
                                     kind=Department.Kind.SUBDISTRICT)
    finance = Department.objects.get(region=pengshui, short_name="县财政局")
    ProgressReport.objects.create(item=node(plan, "实施灌区节水改造"), department=finance, year=2024, quarter=1)
    seen = []
    monkeypatch.setitem(events._LISTENERS, events.SCORES_CHANGED,
                        [*events._LISTENERS[events.SCORES_CHANGED], lambda **kwargs: seen.append(kwargs)])
    events.publish(events.DEPARTMENTS_CHANGED, region=pengshui)
    group = DepartmentGroup.objects.get(region=pengshui, name="各乡镇人民政府")
    joined = Assignment.objects.filter(department=town).order_by("node__position")
    assert [(a.node.text, a.role, a.group_id) for a in joined] == [
        ("推广高效节水灌溉", "lead", group.pk), ("实施灌区节水改造", "lead", group.pk),
        ("开展农业水价综合改革", "lead", group.pk)]
    assert joined[0].history.count() == 1  # kept in the history
    # The scores of the quarter with records on a changed item are recomputed.
    assert [(kwargs["region"], str(kwargs["quarter"])) for kwargs in seen] == [(pengshui, str(Quarter(2024, 1)))]
    # The export still says what the table said.
    assert table_differences(grid_of(data), exported_grid(plan)) == []

    # The town leaves (made inactive): it goes, except where a progress entry is kept on it.
    ProgressReport.objects.create(item=node(plan, "推广高效节水灌溉"), department=town, year=2024, quarter=1)
    town.is_active = False
    town.save()
    events.publish(events.DEPARTMENTS_CHANGED, region=pengshui)
    assert [a.node.text for a in Assignment.objects.filter(department=town)] == ["推广高效节水灌溉"]


def test_the_single_department_column_takes_the_role_the_preview_was_given(pengshui):
    plan, data = imported(pengshui, single_role=Assignment.Role.COOPERATING)
    item = node(plan, "严格取水许可管理")
    assert (item.lead_text, item.cooperating_text) == ("", "县水利局")
    assert list(item.assignments.values_list("role", flat=True)) == ["cooperating"]
    assert plan.source_layout["columns"][3] == {"header": "责任单位", "role": "cooperating"}
    assert table_differences(grid_of(data), exported_grid(plan)) == []


def test_by_default_the_single_department_column_leads(pengshui):
    plan, _data = imported(pengshui)
    item = node(plan, "推进计划用水管理")
    assert item.lead_text == "县水利局、县发展改革委"
    assert set(item.assignments.values_list("role", flat=True)) == {"lead"}
    assert plan.source_layout["columns"][3] == {"header": "责任单位", "role": "lead"}


def test_editing_the_departments_writes_the_cell_again_from_them(pengshui):
    plan, _data = imported(pengshui)
    town = Department.objects.create(region=pengshui, short_name="保家镇", name="彭水县保家镇",
                                     kind=Department.Kind.SUBDISTRICT)
    events.publish(events.DEPARTMENTS_CHANGED, region=pengshui)
    item = node(plan, "实施灌区节水改造")
    water = Department.objects.get(region=pengshui, short_name="县水利局")
    finance = Department.objects.get(region=pengshui, short_name="县财政局")
    node_update(node=item, version=item.version, leads=[finance, town, water], cooperators=[])
    item.refresh_from_db()
    # The group still written by its name while all its members are chosen; the new one short.
    assert item.lead_text == "县财政局、各乡镇人民政府、县水利局"
    node_update(node=item, version=item.version, leads=[water], cooperators=[finance])
    item.refresh_from_db()
    assert (item.lead_text, item.cooperating_text) == ("县水利局", "县财政局")


def test_the_commands_create_a_group_take_the_column_role_and_export_either_layout(pengshui, tmp_path):
    source = tmp_path / "彭水.xlsx"
    source.write_bytes(pengshui_table())
    err = io.StringIO()
    call_command("import_tasks", str(source), region="500243", plan="彭水县2024年节约用水工作", year="2024",
                 group=["县级有关部门=bureau"], single_role="cooperating", stdout=io.StringIO(), stderr=err)
    assert "“各乡镇人民政府”目前没有成员单位，成员加入后自动承担" in err.getvalue()
    plan = Plan.objects.get(region=pengshui)
    assert DepartmentGroup.objects.get(region=pengshui, name="县级有关部门").kinds == ["bureau"]
    assert node(plan, "严格取水许可管理").cooperating_text == "县水利局"
    out = tmp_path / "out.xlsx"
    call_command("export_tasks", plan=plan.pk, output=str(out), stdout=io.StringIO())
    assert table_differences(grid_of(source.read_bytes()), grid_of(out.read_bytes())) == []
    call_command("export_tasks", plan=plan.pk, output=str(out), layout="official", stdout=io.StringIO())
    assert grid_of(out.read_bytes()).rows[2][:4] == ["重点任务", "工作内容", "牵头单位", "配合单位"]


def test_the_preview_page_creates_a_group_a_department_of_the_kind_asked_and_records_the_column_role(
        regions, client_for):
    """附件2 has one 责任单位 column: answered "cooperating". Two names 武隆 does not know:
    "各乡镇人民政府" made a group of its towns, "区河长办" a new department of kind 其他."""
    table = {**table_data.WULONG_ANNEX2, "rows": [list(row) for row in table_data.WULONG_ANNEX2["rows"]]}
    table["rows"][0][3] = "各乡镇人民政府"
    table["rows"][1][3] = "区河长办"
    client = client_for(User.objects.get(username="wulong_reviewer"))
    upload = io.BytesIO(build_bytes(table))
    upload.name = "附件2.xlsx"
    url = client.post(reverse("tasks:import_upload"), {
        "file": upload, "region": regions["wulong"].pk, "title": "问答导入", "kind": "annual", "start_year": 2019,
    }).url
    page = client.get(url).content.decode()
    assert "新建为单位组" in page and "单位列的角色" in page and "责任单位" in page
    assert page.count('name="name_') == 2
    client.post(url, {"single_role": "cooperating", "name_0": "group", "group_kinds_0": ["subdistrict"],
                      "name_1": "new", "kind_1": "other"})
    plan = Plan.objects.get(title="问答导入")
    group = DepartmentGroup.objects.get(region=regions["wulong"], name="各乡镇人民政府")
    assert group.kinds == ["subdistrict"]
    river = Department.objects.get(region=regions["wulong"], short_name="区河长办")
    assert (river.name, river.kind) == ("区河长办", "other")
    first = TaskNode.objects.get(plan=plan, text__startswith="继续深入学习贯彻")
    assert first.cooperating_text == "各乡镇人民政府" and first.lead_text == ""
    towns = first.assignments.all()
    assert towns and all((a.role, a.group_id, a.department.kind) == ("cooperating", group.pk, "subdistrict")
                         for a in towns)
    assert plan.source_layout["columns"][3] == {"header": "责任单位", "role": "cooperating"}


def test_the_task_form_keeps_a_numbers_space_and_shows_the_cell_as_written(pengshui):
    plan, _data = imported(pengshui)
    item = node(plan, "推广高效节水灌溉")
    departments = Department.objects.filter(region=pengshui)
    form = NodeForm(instance=item, departments=departments, level=item.level)
    assert "各乡镇人民政府" in str(form.fields["leads"].help_text)
    water = departments.get(short_name="县水利局")
    data = {"number": "1. ", "text": item.text, "due_text": item.due_text, "leads": [water.pk],
            "version": item.version}
    form = NodeForm(data, instance=item, departments=departments, level=item.level)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["number"] == "1. "
