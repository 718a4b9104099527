"""Plans issued in Word: a task table read like a worksheet (merged cells and all), a plan
written as numbered prose, the refusals, and the 待分配 page for work items without a lead."""

import io
from datetime import date
from pathlib import Path

import docx
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.docx_reader import load_document, table_grid
from core.errors import FileUnreadable
from core.periods import Quarter
from core.workbook_reader import load_workbook, read_grid
from demo import table_data
from demo.tables import build_bytes
from org.models import Department, User
from reports.models import Scorecard
from reports.services import scores_compute
from tasks.imports import preview_task_table, read_task_table
from tasks.models import Assignment, Plan, TaskNode
from tasks.prose_parsing import parse_prose
from tasks.services import plan_import
from tasks.word_plans import WordChoice
from tests.docx_builders import FIXTURES, SHIZHU_PLAN, document_bytes, prose_docx, table_docx
from tests.helpers import new_plan, snapshot

SOURCE_TABLES = [table_data.WULONG_ANNEX1, table_data.WULONG_ANNEX2, table_data.QIANJIANG_TASKS,
                 table_data.QIANJIANG_INDICATORS]
TABLE_IDS = ["wulong_annex1", "wulong_annex2", "qianjiang_tasks", "qianjiang_indicators"]


def tree(read):
    return [(n.level, n.number, n.text, n.leads, n.cooperators, n.due_text, n.target_text) for n in read.table.nodes()]


# --- the reader ---------------------------------------------------------------------------------


@pytest.mark.parametrize("table", SOURCE_TABLES, ids=TABLE_IDS)
def test_a_word_table_is_the_grid_its_workbook_is(table):
    grid = load_document(table_docx(table)).grid(1)
    sheet = read_grid(load_workbook(build_bytes(table)).worksheets[0])
    assert grid.rows == sheet.rows
    # The same merges (the key tasks down their rows, 工作内容 over two columns, a department
    # over three items); the Word grid also spans its label row across the table.
    assert set(grid.merges) - set(sheet.merges) == {(1, 1, 1, len(table["header"]))}
    assert set(sheet.merges) <= set(grid.merges)


def test_the_tables_are_listed_in_order_with_their_captions_and_labels():
    document = load_document(table_docx(table_data.WULONG_ANNEX1, table_data.WULONG_ANNEX2,
                                        preamble=["武隆区人民政府办公室关于印发工作方案的通知"]))
    first, second = document.tables
    assert (first.number, second.number) == (1, 2)
    assert first.labels == ["附件1", "贯彻落实《节约用水管理办法（试行）》总体任务分解表"]
    assert second.labels == ["附件2", "武隆2019年节约用水工作方案任务分解表"]
    assert second.before == "武隆2019年节约用水工作方案任务分解表"
    assert second.caption == "事项 | 主要内容 | 主要任务 | 责任单位"
    assert second.describe() == "表格2（武隆2019年节约用水工作方案任务分解表）"
    assert document.paragraphs[0].text == "武隆区人民政府办公室关于印发工作方案的通知"


def test_a_long_paragraph_above_a_table_is_prose_not_its_title():
    document = docx.Document()
    document.add_paragraph("为推进节水工作，" + "现将有关事项通知如下，" * 10)
    document.add_paragraph("附表")
    document.add_table(rows=1, cols=2)
    assert load_document(document_bytes(document)).tables[0].labels == ["附表"]


def test_merges_across_and_down_and_a_row_starting_late():
    """gridSpan, vMerge restart/continue and gridBefore as Word writes them by hand."""
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).text, table.cell(0, 1).text = "甲", "乙"
    table.cell(0, 1).merge(table.cell(0, 2))
    table.cell(1, 0).text = "丙\n丁"
    table.cell(1, 0).merge(table.cell(2, 0))
    table.cell(1, 1).text, table.cell(2, 2).text = "戊", "己"
    grid = table_grid(table._tbl, ["标题"], name="表格1")
    assert grid.rows == [["标题", "", ""], ["甲", "乙", ""], ["丙\n丁", "戊", ""], ["", "", "己"]]
    assert grid.merges == [(1, 1, 1, 3), (2, 2, 2, 3), (3, 1, 4, 1)]


# --- a Word table imports as its workbook does --------------------------------------------------


@pytest.mark.parametrize("table", SOURCE_TABLES, ids=TABLE_IDS)
def test_a_word_table_gives_the_tree_its_workbook_gives(table):
    word, workbook = read_task_table(table_docx(table)), read_task_table(build_bytes(table))
    assert tree(word) == tree(workbook) and len(tree(word)) > 20
    # Rows are counted from the Word table's own first row (its header), not the title above.
    assert [node.row for node in word.table.nodes()] == [node.row - 2 for node in workbook.table.nodes()]


def test_the_second_table_of_a_document_is_chosen_by_its_number():
    data = table_docx(table_data.WULONG_ANNEX1, table_data.WULONG_ANNEX2)
    read = read_task_table(data, word=WordChoice(table=2))
    assert tree(read) == tree(read_task_table(build_bytes(table_data.WULONG_ANNEX2)))
    assert read.sheet == "表格2" and read.word.table == 2 and [n for n, _ in read.word.tables] == [1, 2]
    assert tree(read_task_table(data)) == tree(read_task_table(build_bytes(table_data.WULONG_ANNEX1)))


def test_a_word_table_imports_with_its_departments(regions):
    region = regions["wulong"]
    preview = preview_task_table(region=region, data=table_docx(table_data.WULONG_ANNEX2))
    assert not preview.problems and not preview.unknown
    plan = new_plan(region)
    plan_import(plan=plan, preview=preview)
    item = TaskNode.objects.get(plan=plan, level=3, text__startswith="继续深入学习贯彻习近平生态文明思想")
    assert item.assignments.filter(role=Assignment.Role.LEAD).exists()


# --- prose ----------------------------------------------------------------------------------------


def shape(table):
    return [(n.level, n.number, n.text, n.row) for n in table.nodes()]


def test_the_tasks_section_of_a_prose_plan():
    read = read_task_table(prose_docx(SHIZHU_PLAN), word=WordChoice(section="重点任务"))
    assert read.sheet == "二、重点任务" and read.word.table is None
    assert shape(read.table) == [
        (1, "（一）", "强化用水总量刚性约束", 6),
        (3, "1、", "核定乡镇用水总量控制指标。将县级用水总量指标分解到各乡镇（街道），按年度考核。\n"
                   "由县水利局牵头，各乡镇（街道）配合落实。", 7),
        (3, "2、", "规范取水许可审批。新建、改建、扩建项目一律开展水资源论证。", 9),
        (1, "（二）", "推进农业节水增效", 10),
        (2, "1.", "实施高效节水灌溉工程。在黄水、冷水等乡镇新增高效节水灌溉面积0.5万亩。", 11),
        (3, "（1）", "完成灌区续建配套与节水改造。", 12),
        (3, "2.", "推广水肥一体化技术。", 13),
        (1, "（三）", "开展节水宣传教育", 14),
        (3, "", "组织“世界水日”“中国水周”主题宣传，进机关、进学校、进社区。", 15),
    ]
    # Prose names no department: every item is imported without a lead.
    assert all(node.without_lead for node in read.table.work_items())
    assert not read.table.problems


def test_a_whole_prose_plan_below_the_third_level_keeps_the_text_in_its_item():
    table = read_task_table(prose_docx(SHIZHU_PLAN)).table
    assert [(n.level, n.number) for n in table.roots] == [(1, "一、"), (1, "二、"), (1, "三、")]
    item = next(n for n in table.nodes() if n.text.startswith("实施高效节水灌溉工程"))
    assert item.level == 3 and item.text.endswith("\n（1）完成灌区续建配套与节水改造。")


def test_numbering_styles_are_levels_by_the_order_they_open():
    """Another county's wording: 1. under 一、 directly, ① under 1., a style met again closes
    what was opened below it."""
    paragraphs = list(enumerate([
        "彭水县节约用水行动方案", "一、抓好重点领域节水", "1. 开展工业节水改造", "①推广循环冷却水技术；",
        "②淘汰高耗水工艺。", "2．建设节水型机关", "二、强化监督考核", "1、开展用水审计",
    ], start=1))
    table = parse_prose(paragraphs)
    assert shape(table) == [
        # Numbers as printed: the space after "1. " and the full-width "2．" kept.
        (1, "一、", "抓好重点领域节水", 2), (2, "1. ", "开展工业节水改造", 3), (3, "①", "推广循环冷却水技术；", 4),
        (3, "②", "淘汰高耗水工艺。", 5), (3, "2．", "建设节水型机关", 6),
        (1, "二、", "强化监督考核", 7), (3, "1、", "开展用水审计", 8),
    ]


def test_a_section_that_does_not_exist_names_the_headings():
    with pytest.raises(FileUnreadable) as refused:
        read_task_table(prose_docx(SHIZHU_PLAN), word=WordChoice(section="考核办法"))
    message = str(refused.value)
    assert "没有标题含“考核办法”的部分" in message
    assert "二、重点任务（第5段）" in message and "三、保障措施（第16段）" in message
    # A work item mentioning the word is not a heading.
    with pytest.raises(FileUnreadable, match="没有标题含“取水许可”"):
        read_task_table(prose_docx(SHIZHU_PLAN), word=WordChoice(section="取水许可"))


# --- refusals -----------------------------------------------------------------------------------


NO_HEADER = docx.Document()
NO_HEADER.add_paragraph("附件")
_names = NO_HEADER.add_table(rows=2, cols=2)
_names.cell(0, 0).text, _names.cell(0, 1).text = "户名", "地址"
WORD_REFUSALS = {
    "not_a_zip": ("序号,重点任务\n1,节水\n".encode(), "文本文件"),
    "zip_not_word": (b"PK\x03\x04" + b"\x00" * 200, "损坏"),
    "truncated": (prose_docx(SHIZHU_PLAN)[:3000], "Word文档已损坏：文件不完整"),
    "no_table_no_numbers": (prose_docx(["关于节水宣传的通知", "请各单位做好宣传。"]), "既没有表格，也没有编号的段落"),
    "empty_document": (prose_docx([]), "文档是空的"),
    "table_5_of_2": (table_docx(table_data.WULONG_ANNEX1, table_data.WULONG_ANNEX2), "没有表格5（该文档只有2个表格）"),
    "no_header": (document_bytes(NO_HEADER), "Word文档的表格1（附件）：没有找到表头"),
    "no_section": (prose_docx(SHIZHU_PLAN), "没有标题含“附则”的部分"),
}
CHOICES = {"table_5_of_2": WordChoice(table=5), "no_section": WordChoice(section="附则")}


@pytest.mark.parametrize("case", sorted(WORD_REFUSALS))
def test_a_bad_word_plan_is_refused_with_the_reason(regions, case):
    data, message = WORD_REFUSALS[case]
    before = snapshot()
    with pytest.raises(FileUnreadable, match=message):
        preview_task_table(region=regions["wulong"], data=data, word=CHOICES.get(case))
    assert snapshot() == before


def test_word_list_numbering_is_named_as_the_reason():
    """Numbers Word's list numbering draws are not in the text: the refusal says what to do."""
    document = docx.Document()
    for text in ("重点任务", "推进农业节水"):
        document.add_paragraph(text, style="List Number")
    with pytest.raises(FileUnreadable, match="自动编号"):
        read_task_table(document_bytes(document))


def test_a_word_choice_asked_of_a_workbook_is_refused():
    with pytest.raises(FileUnreadable, match="只用于Word文档"):
        read_task_table(build_bytes(table_data.WULONG_ANNEX2), word=WordChoice(table=2))
    assert tree(read_task_table(build_bytes(table_data.WULONG_ANNEX2), word=WordChoice()))


def test_a_table_and_the_prose_at_once_is_refused():
    with pytest.raises(FileUnreadable, match="不能同时选择"):
        read_task_table(prose_docx(SHIZHU_PLAN), word=WordChoice(table=1, prose=True))


def test_a_grid_span_that_is_not_a_number_is_a_damaged_document():
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0)._tc.get_or_add_tcPr().get_or_add_gridSpan().set(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val", "many")
    with pytest.raises(FileUnreadable, match="Word文档已损坏"):
        load_document(document_bytes(document)).grid(1)


# --- the command ----------------------------------------------------------------------------------


def test_the_command_imports_a_prose_plan_without_leads(regions, tmp_path, capsys):
    path = tmp_path / "方案.docx"
    path.write_bytes(prose_docx(SHIZHU_PLAN))
    call_command("import_tasks", str(path), region="500156", plan="石柱方案", year="2024", section="重点任务")
    plan = Plan.objects.get(title="石柱方案")
    assert [n.label for n in TaskNode.objects.filter(plan=plan, level=1).order_by("position")] == [
        "（一）强化用水总量刚性约束", "（二）推进农业节水增效", "（三）开展节水宣传教育"]
    assert TaskNode.objects.filter(plan=plan, level=3).count() == 5
    assert not Assignment.objects.filter(node__plan=plan).exists()
    assert "5项工作没有牵头单位" in capsys.readouterr().err


def test_the_command_reads_the_chosen_table_and_refuses_one_that_is_not_there(regions, tmp_path, capsys):
    path = tmp_path / "附件.docx"
    path.write_bytes(table_docx(table_data.WULONG_ANNEX1, table_data.WULONG_ANNEX2))
    before = snapshot()
    with pytest.raises(CommandError, match="没有表格3"):
        call_command("import_tasks", str(path), region="500156", plan="附件2", year="2019", table=3)
    assert snapshot() == before
    call_command("import_tasks", str(path), region="500156", plan="附件2", year="2019", table=2)
    out = capsys.readouterr().out
    assert "* 表格2（武隆2019年节约用水工作方案任务分解表）" in out
    expected = read_task_table(build_bytes(table_data.WULONG_ANNEX2)).table.count(3)
    assert TaskNode.objects.filter(plan__title="附件2", level=3).count() == expected


# --- the page -------------------------------------------------------------------------------------


def upload(client, region, data, name="方案.docx", **fields):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("tasks:import_upload"), {
        "file": file, "region": region.pk, "title": "石柱方案", "kind": "annual", "start_year": 2024, **fields})


def test_the_page_lists_the_tables_and_reads_the_one_chosen(regions, client_for):
    client = client_for(User.objects.get(username="wulong_reviewer"))
    response = upload(client, regions["wulong"], table_docx(table_data.WULONG_ANNEX1, table_data.WULONG_ANNEX2))
    preview_url = response["Location"]
    page = client.get(preview_url).content.decode()
    assert "表格1（贯彻落实《节约用水管理办法（试行）》总体任务分解表）" in page
    assert "表格2（武隆2019年节约用水工作方案任务分解表）" in page
    assert "读取：“表格1”" in page
    page = client.get(preview_url + "?read=2").content.decode()
    assert "读取：“表格2”" in page and "继续深入学习贯彻习近平生态文明思想" in page
    # A choice that cannot be read keeps the upload: the preview says why and cannot be confirmed.
    before = snapshot()
    page = client.get(preview_url + "?read=prose&section=附则").content.decode()
    assert "所选内容无法读取：Word文档中没有编号的段落" in page and "读取：“表格1”" in page
    client.post(preview_url + "?read=prose&section=附则")
    assert snapshot() == before
    response = client.post(preview_url + "?read=2")
    plan = Plan.objects.get(title="石柱方案")
    assert response["Location"] == plan.get_absolute_url()
    assert TaskNode.objects.filter(plan=plan, text__startswith="继续深入学习贯彻习近平生态文明思想").exists()


def test_a_prose_plan_through_the_page_then_its_leads_chosen(regions, client_for):
    region = regions["wulong"]
    client = client_for(User.objects.get(username="wulong_reviewer"))
    before = snapshot()
    preview_url = upload(client, region, prose_docx(SHIZHU_PLAN), section="重点任务")["Location"]
    page = client.get(preview_url).content.decode()
    assert "5项工作没有牵头单位，导入后请在“待分配”页指定" in page and "读取：“二、重点任务”" in page
    client.post(preview_url)  # the warning not ticked: nothing written
    assert snapshot() == before
    client.post(preview_url, {"confirm_warnings": "on"})
    plan = Plan.objects.get(title="石柱方案")
    detail = client.get(plan.get_absolute_url()).content.decode()
    assert "5项工作还没有牵头单位" in detail and reverse("tasks:plan_unassigned", args=[plan.pk]) in detail

    assert client.get(reverse("tasks:plan_export", args=[plan.pk])).status_code == 200
    url = reverse("tasks:plan_unassigned", args=[plan.pk])
    page = client.get(url).content.decode()
    assert "推广水肥一体化技术" in page
    item = TaskNode.objects.get(plan=plan, text="推广水肥一体化技术。")
    water = Department.objects.get(region=region, short_name="区水利局")
    farming = Department.objects.get(region=region, short_name="区农业农村委")
    prefix = f"item-{item.pk}"
    response = client.post(url, {"item": item.pk, f"{prefix}-version": item.version, f"{prefix}-leads": [farming.pk],
                                 f"{prefix}-cooperators": [water.pk]})
    assert response.status_code == 302
    assert sorted(item.assignments.values_list("department__short_name", "role")) == [
        ("区农业农村委", "lead"), ("区水利局", "cooperating")]
    page = client.get(url).content.decode()
    assert f'id="item-{item.pk}"' not in page and "核定乡镇用水总量控制指标" in page
    # A lead must be chosen; the form says so and nothing changes.
    other = TaskNode.objects.get(plan=plan, text__startswith="规范取水许可审批")
    response = client.post(url, {"item": other.pk, f"item-{other.pk}-version": other.version})
    assert response.status_code == 200 and not other.assignments.exists()


def test_a_stale_form_on_the_unassigned_page_is_refused(regions, client_for):
    plan = Plan.objects.create(region=regions["wulong"], title="旧表单", start_year=2024, end_year=2024)
    key = TaskNode.objects.create(plan=plan, level=1, position=1, number="（一）", text="节水宣传")
    item = TaskNode.objects.create(plan=plan, parent=key, level=3, position=2, number="1.", text="开展宣传")
    water = Department.objects.get(region=regions["wulong"], short_name="区水利局")
    client = client_for(User.objects.get(username="wulong_reviewer"))
    url = reverse("tasks:plan_unassigned", args=[plan.pk])
    prefix = f"item-{item.pk}"
    client.post(url, {"item": item.pk, f"{prefix}-version": item.version - 1, f"{prefix}-leads": [water.pk]})
    assert not item.assignments.exists()


def test_a_table_with_an_empty_lead_cell_is_imported_and_flagged(regions):
    table = {**table_data.WULONG_ANNEX2, "rows": [list(row) for row in table_data.WULONG_ANNEX2["rows"]]}
    table["rows"][2][3] = ""
    preview = preview_task_table(region=regions["wulong"], data=build_bytes(table))
    assert not preview.problems
    assert [node.row for node in preview.without_lead()] == [6]


def test_scorecards_leave_out_items_no_department_leads(world):
    plan = Plan.objects.create(region=world.district, title="待分配评分", start_year=2023, end_year=2023)
    key = TaskNode.objects.create(plan=plan, level=1, position=1, number="一、", text="重点任务")
    led = TaskNode.objects.create(plan=plan, parent=key, level=3, position=2, text="有牵头", due_on=date(2023, 12, 31))
    Assignment.objects.create(node=led, department=world.water_bureau, role="lead")
    TaskNode.objects.create(plan=plan, parent=key, level=3, position=3, text="待分配", due_on=date(2023, 12, 31))
    only_cooperating = TaskNode.objects.create(plan=plan, parent=key, level=3, position=4, text="只有配合",
                                               due_on=date(2023, 12, 31))
    Assignment.objects.create(node=only_cooperating, department=world.urban_bureau, role="cooperating")
    scores_compute(world.district, Quarter(2023, 2))
    water = Scorecard.objects.get(department=world.water_bureau, year=2023, quarter=2)
    assert water.components["completeness"]["denominator"] == 1


# --- the fixtures for the lead's end-to-end test --------------------------------------------------


def test_the_committed_word_fixtures_read_as_built():
    prose = read_task_table((FIXTURES / "prose_plan.docx").read_bytes(), word=WordChoice(section="重点任务"))
    assert shape(prose.table) == shape(read_task_table(prose_docx(SHIZHU_PLAN),
                                                       word=WordChoice(section="重点任务")).table)
    tables = read_task_table((FIXTURES / "task_tables.docx").read_bytes(), word=WordChoice(table=2))
    assert tree(tables) == tree(read_task_table(build_bytes(table_data.WULONG_ANNEX2)))
    assert Path(FIXTURES / "task_tables.docx").stat().st_size < 100_000


# --- whatever the clerk types or the file holds ---------------------------------------------------


def test_a_hostile_section_is_shown_as_text(regions, client_for):
    client = client_for(User.objects.get(username="wulong_reviewer"))
    payload = "<script>alert('节水')</script>"
    preview_url = upload(client, regions["wulong"], prose_docx(SHIZHU_PLAN), section=payload)["Location"]
    page = client.get(preview_url, follow=True).content.decode()
    assert "没有标题含" in page and payload not in page and "&lt;script&gt;" in page


def test_the_unassigned_page_prints_hostile_text_as_text(regions, client_for):
    payload = "<img src=x onerror=alert('节水')>"
    plan = Plan.objects.create(region=regions["wulong"], title=payload, start_year=2024, end_year=2024)
    key = TaskNode.objects.create(plan=plan, level=1, position=1, number="（一）", text=payload)
    TaskNode.objects.create(plan=plan, parent=key, level=3, position=2, number="1.", text=payload)
    client = client_for(User.objects.get(username="wulong_reviewer"))
    page = client.get(reverse("tasks:plan_unassigned", args=[plan.pk])).content.decode()
    assert payload not in page and page.count("&lt;img src=x onerror=alert(&#x27;节水&#x27;)&gt;") >= 3


PARAGRAPH = st.lists(st.sampled_from([*"一二十（）()1２3.．、①②甲乙 \n\t\u200b", "（一）", "1.", "一、"]),
                     max_size=8).map("".join)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(PARAGRAPH, max_size=25), section=st.sampled_from(["", "一", "甲", "（"]))
def test_prose_gives_a_tree_or_refuses_in_words(texts, section):
    paragraphs = [(number, text.strip()) for number, text in enumerate(texts, start=1) if text.strip()]
    try:
        table = parse_prose(paragraphs, section=section)
    except FileUnreadable as error:
        assert str(error)
        return
    assert all(node.level in (1, 2, 3) for node in table.nodes())
    assert all(child.level > node.level for node in table.nodes() for child in node.children)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(min_value=0, max_value=40_000), garbage=st.binary(min_size=1, max_size=64))
def test_a_damaged_word_plan_is_refused_in_words(position, garbage):
    data = bytearray(_FUZZ_BASE)
    position %= len(data)
    data[position:position + len(garbage)] = garbage
    try:
        read_task_table(bytes(data))
    except FileUnreadable as error:
        assert str(error)


_FUZZ_BASE = table_docx(table_data.WULONG_ANNEX2)
