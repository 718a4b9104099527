"""A district the demo does not have, from nothing to a working plan through pages alone
(issue 22's "done when"): activated from the national division list, given departments
from its own list, a group with its rule, accounts, then its plan imported from .xlsx and
from .docx, exported back cell for cell as written, its prose plan read into a tree, and
the targets with dates its cells write shown in the preview and on the progress form.

Everything is 昆明市五华区's, in its own wording: not a word of it is in the demo."""

import io
from datetime import date

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from core.docx_reader import load_document
from demo.tables import build_bytes
from org.models import Department, DepartmentGroup, Region, User
from tasks.models import Plan, TaskNode
from tests.docx_builders import prose_docx, table_docx
from tests.source_tables import grid_of, table_differences

DEPARTMENTS = [
    ["五华区节水型社会达标建设成员单位"],
    ["单位名称", "简称", "类别", "别称"],
    ["昆明市五华区水务局", "区水务局", "部门", "五华区水务局"],
    ["昆明市五华区住房和城乡建设局", "区住建局", "部门", ""],
    ["昆明市五华区教育体育局", "区教体局", "部门", ""],
    ["昆明市五华区机关事务服务中心", "区机关事务中心", "部门", ""],
    ["五华区华山街道办事处", "华山街道", "街道", ""],
    ["五华区护国街道办事处", "护国街道", "街道", ""],
    ["昆明自来水集团五华分公司", "五华供水分公司", "供水企业", ""],
]

# 附件3 of a 五华 plan: a 序号 column numbering the key tasks, one 责任单位 column, a
# 完成时限 and a 备注 column, a group name, a department by its alias, and targets with
# their own dates inside the text.
TABLE = {
    "label": "附件3",
    "title": "五华区县域节水型社会达标建设重点任务清单",
    "sheet": "附件3",
    "header": ["序号", "重点任务", "工作措施", "责任单位", "完成时限", "备注"],
    "header_merges": [],
    "rows": [
        ["1", "一、严格用水总量控制", "1. 将用水总量控制指标分解到各街道，按年度考核。", "五华区水务局",
         "2024年6月底前", ""],
        [None, None, "2. 开展供水管网漏损排查，漏损率较2020年下降2个百分点以上。", "五华供水分公司",
         "2024年12月底前", "按CJJ 92核算"],
        ["2", "二、建设节水载体", "（1）12月底前建成节水型机关不少于3家，其中6月底前完成1家。", "区机关事务中心",
         "2024年12月底前", ""],
        [None, None, "（2）创建节水型居民小区1～2个。", "各街道办事处", "2024年", "街道自报"],
        ["3", "三、加强节水宣传", "组织“世界水日”“中国水周”宣传，中小学节水教育100%全覆盖。", "区教体局",
         "全年", ""],
    ],
}

PROSE = [
    "五华区县域节水型社会达标建设实施方案",
    "为全面推进县域节水型社会达标建设，结合我区实际，制定本方案。",
    "一、工作目标",
    "到2024年底，全区用水效率达到县域节水型社会评价标准要求。",
    "二、重点任务",
    "（一）强化计划用水管理",
    "1、对年用水量1万立方米以上的非居民用水单位实行计划用水管理。",
    "2、开展重点用水单位水平衡测试。",
    "（二）推进城镇节水降损",
    "1、实施老旧供水管网改造，年内改造15公里。",
    "三、保障措施",
    "（一）加强组织领导",
]


def workbook(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def named(data, name):
    file = io.BytesIO(data)
    file.name = name
    return file


@pytest.fixture
def administrator_client(world, administrator, client_for, django_capture_on_commit_callbacks):
    call_command("load_divisions", stdout=io.StringIO())
    return client_for(administrator)


def set_up_wuhua(client, capture):
    """The administrator's part: activate 五华区, give it departments from its list, a
    group for its 街道, and a reviewer and a reporter account."""
    page = client.get(reverse("org:divisions"), {"q": "五华"}).content.decode()
    assert "530102" in page and "昆明市" in page
    response = client.post(reverse("org:division_activate"), {"code": "530102"})
    wuhua = Region.objects.get(code="530102")
    assert response.url == wuhua.get_absolute_url()
    assert (wuhua.parent.name, wuhua.parent.parent.name) == ("昆明市", "云南省")

    preview = client.post(reverse("org:department_upload", args=["530102"]),
                          {"file": named(workbook(DEPARTMENTS), "成员单位.xlsx")}).url
    assert "区机关事务中心" in client.get(preview).content.decode()
    with capture(execute=True):
        client.post(preview)
    assert wuhua.departments.count() == 7

    with capture(execute=True):
        client.post(reverse("org:group_create", args=["530102"]),
                    {"name": "各街道办事处", "kinds": ["subdistrict"], "aliases_text": "各街道"})
    assert DepartmentGroup.objects.get(region=wuhua).member_departments().count() == 2

    water = Department.objects.get(region=wuhua, short_name="区水务局")
    offices = Department.objects.get(region=wuhua, short_name="区机关事务中心")
    for username, role, department in (("wuhua_reviewer", "reviewer", water),
                                       ("wuhua_offices", "reporter", offices)):
        client.post(reverse("org:user_create", args=["530102"]), {
            "username": username, "display name": username, "display_name": username, "role": role,
            "department": department.pk, "password": "Wuhua-2024-jieshui",
        })
    assert User.objects.filter(username__startswith="wuhua_").count() == 2
    return wuhua


def import_through_the_page(client, wuhua, data, filename, title, capture, **choices):
    url = client.post(reverse("tasks:import_upload"), {
        "file": named(data, filename), "region": wuhua.pk, "title": title, "kind": "county_standard",
        "start_year": 2024, "end_year": 2024, **choices,
    }).url
    page = client.get(url).content.decode()
    with capture(execute=True):
        done = client.post(url, {"single_role": "lead", "confirm_warnings": "on", "confirm": "on"})
    assert done.status_code == 302, done.content.decode()[:2000]
    return Plan.objects.get(region=wuhua, title=title), page


def test_a_new_district_from_the_division_list_to_its_plan_through_pages(
        administrator_client, client_for, django_capture_on_commit_callbacks):
    client, capture = administrator_client, django_capture_on_commit_callbacks
    wuhua = set_up_wuhua(client, capture)
    reviewer = client_for(User.objects.get(username="wuhua_reviewer"))

    # The plan from its workbook: previewed with its targets and their dates, kept as written.
    source = build_bytes(TABLE)
    plan, preview = import_through_the_page(reviewer, wuhua, source, "附件3.xlsx", "五华区达标建设任务", capture)
    assert "6月30日" in preview or "2024-06-30" in preview
    items = TaskNode.objects.filter(plan=plan, level=TaskNode.Level.WORK_ITEM)
    assert items.count() == 5
    streets = items.get(text__contains="节水型居民小区")
    assert streets.lead_text == "各街道办事处"
    assert sorted(a.department.short_name for a in streets.assignments.all()) == ["华山街道", "护国街道"]
    exported = reviewer.get(reverse("tasks:plan_export", args=[plan.pk]))
    assert table_differences(grid_of(source), grid_of(b"".join(exported.streaming_content)
                                                      if exported.streaming else exported.content)) == []

    # A 街道 entered later joins the item its group name is written on.
    with capture(execute=True):
        client.post(reverse("org:department_add", args=["530102"]), {
            "one-name": "五华区龙翔街道办事处", "one-short_name": "龙翔街道", "one-kind": "subdistrict",
            "one-aliases": "",
        })
    assert "龙翔街道" in {a.department.short_name for a in streets.assignments.all()}

    # The same table from Word: the same tree, and the table given back as Word had it.
    word = table_docx(TABLE, preamble=["五华区县域节水型社会达标建设实施方案"])
    word_plan, _ = import_through_the_page(reviewer, wuhua, word, "实施方案.docx", "五华区达标建设任务（Word）",
                                           capture, table=1)
    assert [n.label for n in TaskNode.objects.filter(plan=word_plan).order_by("position")] == \
        [n.label for n in TaskNode.objects.filter(plan=plan).order_by("position")]
    exported = reviewer.get(reverse("tasks:plan_export", args=[word_plan.pk]))
    body = b"".join(exported.streaming_content) if exported.streaming else exported.content
    assert table_differences(load_document(word).grid(1), grid_of(body)) == []

    # The prose plan: its 重点任务 section into a task tree, items without a lead assigned on a page.
    prose_plan, _ = import_through_the_page(reviewer, wuhua, prose_docx(PROSE), "实施方案正文.docx",
                                            "五华区实施方案", capture, prose="on", section="重点任务")
    tree = [(n.level, n.number, n.text[:12]) for n in TaskNode.objects.filter(plan=prose_plan).order_by("position")]
    assert tree[0][:2] == (1, "（一）") and (3, "1、", "对年用水量1万立方米以上") in tree
    unassigned = reviewer.get(reverse("tasks:plan_unassigned", args=[prose_plan.pk])).content.decode()
    assert "开展重点用水单位水平衡测试" in unassigned

    # The reporter sees the dated targets of their item on the progress form.
    offices_item = items.get(text__contains="节水型机关")
    reporter = client_for(User.objects.get(username="wuhua_offices"))
    form = reporter.get(reverse("tasks:progress_entry", args=[offices_item.pk, "2024Q2"])).content.decode()
    assert "不少于3家" in form and "6月" in form
    assert date(2024, 6, 30) in set(offices_item.targets.values_list("due_on", flat=True))
