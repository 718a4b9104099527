"""Importing the source documents' task tables: through the command and through the page,
with the trees asserted in detail."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from demo import table_data
from demo.tables import build_bytes
from org.models import Department, DepartmentAlias, User
from tasks.imports import preview_task_table
from tasks.models import Assignment, Plan, TaskNode
from tasks.services import ALIAS, plan_import
from tests.helpers import import_table, item, level_counts, new_plan, parties


def test_wulong_annex1_tree(regions):
    plan, result = import_table(regions["wulong"], table_data.WULONG_ANNEX1)
    assert level_counts(plan) == [4, 29, 41]
    key_tasks = TaskNode.objects.filter(plan=plan, level=1).order_by("position")
    assert [k.number for k in key_tasks] == ["（一）", "（二）", "（三）", "（四）"]
    assert [k.children.count() for k in key_tasks] == [8, 14, 5, 2]
    first = item(plan, "按照“节水优先”")
    assert first.parent.label == "1. 制定和落实节约用水规划"  # as printed, the space kept
    assert parties(first) == (
        ["区水利局"],
        ["区发展改革委", "区经济信息委", "区规划自然资源局", "区住房城乡建委", "区城管局"],
    )
    # 区城管局 and 区住房城乡建委 are merged over the three items of sub-task 13.
    for start in ("加大污水处理力度", "以城镇污水处理厂为中心", "鼓励城镇大型公共建筑"):
        node = item(plan, start)
        assert node.parent.number == "13. "
        assert parties(node) == (["区城管局"], ["区住房城乡建委"])
    # A group name leads: every bureau of the district.
    procurement = item(plan, "在政府采购中")
    leads, cooperators = parties(procurement)
    assert len(leads) > 15 and "区财政局" not in leads and cooperators == ["区财政局", "区市场监管局"]
    assert parties(item(plan, "在规划编制")) == (["区规划自然资源局", "区水利局"], [])
    assert result.created == 74


def test_wulong_annex2_tree_and_targets(regions):
    plan, _ = import_table(regions["wulong"], table_data.WULONG_ANNEX2)
    assert level_counts(plan) == [10, 16, 19]
    carriers = TaskNode.objects.get(plan=plan, level=2, number="15. ")
    assert carriers.children.count() == 4
    enterprises = item(plan, "2019年度，节水型企业建成率")
    assert (enterprises.target_value, enterprises.target_unit, enterprises.target_comparator) == (10, "%", "ge")
    assert parties(enterprises) == (["区经济信息委"], [])
    assert item(plan, "公共机构节水型单位建成率").target_value == 15
    assert parties(item(plan, "所有应纳入计划用水管理"))[0] == [
        "区经济信息委", "区农业农村委", "区城管局", "区水利局", "区住房城乡建委",
    ]


def test_qianjiang_tasks_with_inline_units(regions):
    plan, _ = import_table(regions["qianjiang"], table_data.QIANJIANG_TASKS)
    assert level_counts(plan) == [4, 0, 28]
    one = item(plan, "编制城市节水相关规划")
    assert one.number == "1"  # the 序号 column's number as written
    assert "牵头单位" not in one.text
    assert parties(one) == (["区住房城乡建委", "区城市管理局"], ["区经济信息委", "区规划自然资源局", "区水利局"])
    leaks = item(plan, "加大城市供水管网漏损率控制")
    assert parties(leaks) == (["区城市管理局"], ["区供水企业"])
    assert (leaks.target_value, leaks.target_comparator, leaks.target_unit) == (8.5, "le", "%")
    # Task 8 names only 责任单位: they lead.
    assert len(parties(item(plan, "杜绝重大负面事件发生"))[0]) == 9
    streets = parties(item(plan, "提升城市可渗透地面面积占比"))[1]
    assert streets[:2] == ["区规划自然资源局", "区城市管理局"] and len(streets) == 8  # + the six 街道


def test_qianjiang_indicator_table(regions):
    plan, _ = import_table(regions["qianjiang"], table_data.QIANJIANG_INDICATORS)
    assert level_counts(plan) == [3, 0, 20]
    assert [k.children.count() for k in TaskNode.objects.filter(plan=plan, level=1).order_by("position")] == [6, 10, 4]
    leakage = item(plan, "城市公共供水管网漏损率")
    assert parties(leakage) == (["区城市管理局"], ["区供水企业"])
    assert leakage.target_text == "不高于8.5%" and leakage.target_comparator == "le"
    assert parties(item(plan, "非居民单位计划用水率"))[0] == ["区城市管理局", "区水利局"]


def test_importing_the_same_table_again_changes_nothing(regions):
    plan, _ = import_table(regions["wulong"], table_data.WULONG_ANNEX1)
    before = list(TaskNode.objects.filter(plan=plan).values_list("pk", "position", "text"))
    assignments = list(Assignment.objects.filter(node__plan=plan).values_list("pk", "department", "role"))
    _, again = import_table(regions["wulong"], table_data.WULONG_ANNEX1, plan=plan)
    assert not again.changed and again.unchanged == 74
    assert list(TaskNode.objects.filter(plan=plan).values_list("pk", "position", "text")) == before
    assert list(Assignment.objects.filter(node__plan=plan).values_list("pk", "department", "role")) == assignments


def test_changed_table_updates_in_place(regions):
    plan, _ = import_table(regions["wulong"], table_data.WULONG_ANNEX2)
    kept = item(plan, "继续深入学习贯彻").pk
    changed = {**table_data.WULONG_ANNEX2, "rows": [list(row) for row in table_data.WULONG_ANNEX2["rows"][:-1]]}
    changed["rows"][0][3] = "区水利局、区发展改革委"
    _, result = import_table(regions["wulong"], changed, plan=plan)
    assert result.deleted == 3  # the last 事项, its 主要内容 and its item
    assert item(plan, "继续深入学习贯彻").pk == kept
    assert parties(item(plan, "继续深入学习贯彻"))[0] == ["区水利局", "区发展改革委"]


def test_command_imports_and_reports(regions, tmp_path):
    path = tmp_path / "annex1.xlsx"
    path.write_bytes(build_bytes(table_data.WULONG_ANNEX1))
    out = io.StringIO()
    call_command("import_tasks", str(path), region="500156", plan="命令导入", year="2019-2022", stdout=out)
    assert "工作事项 41 项" in out.getvalue()
    plan = Plan.objects.get(title="命令导入")
    assert (plan.start_year, plan.end_year) == (2019, 2022)
    assert level_counts(plan) == [4, 29, 41]
    call_command("import_tasks", str(path), region="500156", plan="命令导入", stdout=out)
    assert "新增 0，更新 0，删除 0，归档（保留记录） 0，恢复 0，未变 74" in out.getvalue()


def test_command_creates_the_unknown_names_it_is_told_to(regions, tmp_path):
    table = {**table_data.WULONG_ANNEX2, "rows": [list(row) for row in table_data.WULONG_ANNEX2["rows"]]}
    table["rows"][0][3] = "区河长制办公室"
    table["rows"][1][3] = "仙女山街道"
    path = tmp_path / "annex2.xlsx"
    path.write_bytes(build_bytes(table))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_tasks", str(path), region="500156", plan="新单位", year="2019", stderr=err,
                     stdout=io.StringIO())
    assert "区河长制办公室" in err.getvalue() and "--new" in err.getvalue()
    with pytest.raises(CommandError, match="--new 应写作"):
        call_command("import_tasks", str(path), region="500156", plan="新单位", year="2019",
                     new=["区河长制办公室=水厂"], stdout=io.StringIO(), stderr=io.StringIO())
    assert not Plan.objects.filter(title="新单位").exists()
    call_command("import_tasks", str(path), region="500156", plan="新单位", year="2019",
                 new=["区河长制办公室=其他", "仙女山街道="], stdout=io.StringIO(), stderr=io.StringIO())
    office = Department.objects.get(region=regions["wulong"], name="区河长制办公室")
    town = Department.objects.get(region=regions["wulong"], name="仙女山街道")
    assert (office.kind, town.kind) == ("other", "subdistrict")  # a name ending in 街道 is a town


def test_command_dry_run_writes_nothing(regions, tmp_path):
    path = tmp_path / "annex1.xlsx"
    path.write_bytes(build_bytes(table_data.WULONG_ANNEX1))
    call_command(
        "import_tasks", str(path), region="500156", plan="试运行", year="2019", dry_run=True, stdout=io.StringIO()
    )
    assert not Plan.objects.filter(title="试运行").exists()
    assert not TaskNode.objects.exists()


def test_unknown_department_is_listed_with_suggestions_and_mapped_to_an_alias(regions):
    table = {**table_data.WULONG_ANNEX2, "rows": [list(row) for row in table_data.WULONG_ANNEX2["rows"]]}
    table["rows"][0][3] = "区水利部门"
    preview = preview_task_table(region=regions["wulong"], data=build_bytes(table))
    assert list(preview.unknown) == ["区水利部门"]
    unknown = preview.unknown["区水利部门"]
    assert unknown.rows == [4]
    assert "区水利局" in [department.short_name for _, department in unknown.suggestions]
    water = next(d for _, d in unknown.suggestions if d.short_name == "区水利局")
    plan = new_plan(regions["wulong"])
    plan_import(plan=plan, preview=preview, mapping={"区水利部门": (ALIAS, water)})
    assert DepartmentAlias.objects.filter(name="区水利部门", department=water).exists()
    assert parties(item(plan, "继续深入学习贯彻"))[0] == ["区水利局"]


def test_page_upload_preview_confirm(regions, client_for):
    reviewer = User.objects.get(username="wulong_reviewer")
    client = client_for(reviewer)
    upload = io.BytesIO(build_bytes(table_data.WULONG_ANNEX1))
    upload.name = "附件1.xlsx"
    response = client.post(
        reverse("tasks:import_upload"),
        {"file": upload, "region": regions["wulong"].pk, "title": "页面导入", "kind": "annual", "start_year": 2019},
    )
    assert response.status_code == 302
    preview = client.get(response.url)
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "确认导入" in text and "加大污水处理力度" in text
    assert not Plan.objects.filter(title="页面导入").exists()  # nothing before confirming
    done = client.post(response.url)
    plan = Plan.objects.get(title="页面导入")
    assert done.status_code == 302 and done.url == plan.get_absolute_url()
    assert level_counts(plan) == [4, 29, 41]
    assert client.get(response.url).status_code == 404  # the pending import is gone


def upload_with_unknown_name(regions, client_for, title):
    """Upload 附件2 with its first lead written "区水利部门"; returns (client, preview url)."""
    table = {**table_data.WULONG_ANNEX2, "rows": [list(row) for row in table_data.WULONG_ANNEX2["rows"]]}
    table["rows"][0][3] = "区水利部门"
    client = client_for(User.objects.get(username="wulong_reviewer"))
    upload = io.BytesIO(build_bytes(table))
    upload.name = "附件2.xlsx"
    url = client.post(
        reverse("tasks:import_upload"),
        {"file": upload, "region": regions["wulong"].pk, "title": title, "kind": "annual", "start_year": 2019},
    ).url
    return client, url


def test_page_asks_for_unknown_names_before_confirming(regions, client_for):
    client, url = upload_with_unknown_name(regions, client_for, "别名导入")
    page = client.get(url).content.decode()
    assert "区水利部门" in page and "本区尚未登记的单位名称" in page
    refused = client.post(url, {})
    assert refused.status_code == 200 and not Plan.objects.filter(title="别名导入").exists()
    water = regions["wulong"].departments.get(short_name="区水利局")
    client.post(url, {"name_0": str(water.pk), "remember": "on"})
    assert Plan.objects.filter(title="别名导入").exists()
    assert DepartmentAlias.objects.filter(name="区水利部门", department=water).exists()


def test_split_circled_items(regions):
    table = {
        **table_data.WULONG_ANNEX2,
        "rows": [["一、试点", "1. 分项", "①建成节水型机关10家；②完成水平衡测试；③开展宣传", "区水利局"]],
    }
    preview = preview_task_table(region=regions["wulong"], data=build_bytes(table), split_circled=True)
    items = preview.table.work_items()
    assert [(i.number, i.text) for i in items] == [
        ("①", "建成节水型机关10家"),
        ("②", "完成水平衡测试"),
        ("③", "开展宣传"),
    ]
    assert all(i.leads == "区水利局" for i in items)
    plan = new_plan(regions["wulong"])
    plan_import(plan=plan, preview=preview)
    assert item(plan, "建成节水型机关").target_value == 10


TABLES = [
    ("wulong", table_data.WULONG_ANNEX1, [4, 29, 41]),
    ("wulong", table_data.WULONG_ANNEX2, [10, 16, 19]),
    ("qianjiang", table_data.QIANJIANG_TASKS, [4, 0, 28]),
    ("qianjiang", table_data.QIANJIANG_INDICATORS, [3, 0, 20]),
]


@pytest.mark.parametrize(("region", "table", "counts"), TABLES)
def test_every_table_imports_through_the_page(regions, client_for, region, table, counts):
    reviewer = User.objects.get(username=f"{'wulong' if region == 'wulong' else 'qianjiang'}_reviewer")
    client = client_for(reviewer)
    upload = io.BytesIO(build_bytes(table))
    upload.name = "表.xlsx"
    url = client.post(
        reverse("tasks:import_upload"),
        {"file": upload, "region": regions[region].pk, "title": "页面", "kind": "annual", "start_year": 2023},
    ).url
    client.post(url)
    assert level_counts(Plan.objects.get(title="页面")) == counts


@pytest.mark.parametrize(("region", "table", "counts"), TABLES)
def test_every_table_imports_through_the_command(regions, tmp_path, region, table, counts):
    path = tmp_path / "t.xlsx"
    path.write_bytes(build_bytes(table))
    call_command("import_tasks", str(path), region=regions[region].code, plan="命令", year="2023", stdout=io.StringIO())
    assert level_counts(Plan.objects.get(title="命令")) == counts


def _statements(queries):
    """The queries, a bulk insert split by SQLite's limit of 999 parameters counted once."""
    statements = []
    for query in queries:
        sql = query["sql"]
        table = sql.split("(")[0] if sql.startswith("INSERT") else None
        if not (table and statements and statements[-1] == table):
            statements.append(table or sql)
    return len(statements)


def test_import_query_count_does_not_grow_with_the_table(regions, django_assert_max_num_queries):
    small = preview_task_table(region=regions["wulong"], data=build_bytes(table_data.WULONG_ANNEX2))
    large = preview_task_table(region=regions["wulong"], data=build_bytes(table_data.WULONG_ANNEX1))
    with django_assert_max_num_queries(30) as counted:
        plan_import(plan=new_plan(regions["wulong"], title="小"), preview=small)
    with django_assert_max_num_queries(60) as counted_large:
        plan_import(plan=new_plan(regions["wulong"], title="大"), preview=large)
    assert _statements(counted_large.captured_queries) <= _statements(counted.captured_queries)


FIXTURES = Path(__file__).parent / "fixtures" / "xlsx"
FILES = {"wulong_annex1": TABLES[0], "wulong_annex2": TABLES[1], "qianjiang_tasks": TABLES[2],
         "qianjiang_indicators": TABLES[3]}


@pytest.mark.parametrize("name", sorted(FILES))
def test_committed_fixture_files_import_from_disk(regions, name):
    region, _, counts = FILES[name]
    path = FIXTURES / f"{name}.xlsx"
    call_command("import_tasks", str(path), region=regions[region].code, plan=name, year="2023", stdout=io.StringIO())
    assert level_counts(Plan.objects.get(title=name)) == counts


@pytest.mark.parametrize("name", sorted(FILES))
def test_committed_fixture_files_match_the_data(name):
    """The files on disk hold the same cells and merges as the data module builds."""
    committed = openpyxl.load_workbook(FIXTURES / f"{name}.xlsx").active
    built = openpyxl.load_workbook(io.BytesIO(build_bytes(FILES[name][1]))).active
    assert [[c.value for c in row] for row in committed.iter_rows()] == [
        [c.value for c in row] for row in built.iter_rows()
    ]
    assert sorted(map(str, committed.merged_cells.ranges)) == sorted(map(str, built.merged_cells.ranges))


def test_page_can_map_a_name_for_this_import_only(regions, client_for):
    client, url = upload_with_unknown_name(regions, client_for, "只此一次")
    water = regions["wulong"].departments.get(short_name="区水利局")
    client.post(url, {"name_0": str(water.pk)})  # "remember" left unticked
    plan = Plan.objects.get(title="只此一次")
    assert parties(item(plan, "继续深入学习贯彻"))[0] == ["区水利局"]
    assert not DepartmentAlias.objects.filter(name="区水利部门").exists()
