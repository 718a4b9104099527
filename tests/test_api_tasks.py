"""/api/v1/ plans and progress: the tree as the source wrote it, the entries a token sees."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from org.models import DepartmentGroup, User
from tasks.models import Assignment, Evidence, Plan, PlanPhase, ProgressReport, ProgressTarget, TaskNode, TaskTarget
from tests.api_support import api_for
from tests.conftest import make_user

PLANS = "/api/v1/plans"
PROGRESS = "/api/v1/progress"


def _plan(region, title="2025年节水工作方案", **extra):
    return Plan.objects.create(region=region, title=title, start_year=2025, end_year=2026, **extra)


@pytest.fixture
def plan(world):
    """A plan numbered （一）/1./（1）, with a group name, a dated target and an archived item."""
    plan = _plan(world.district, document_number="武隆府办〔2025〕12号", report_due_offset_days=10)
    PlanPhase.objects.create(plan=plan, position=1, name="组织实施", starts_on=datetime.date(2025, 1, 1),
                             ends_on=datetime.date(2025, 12, 31))
    key = TaskNode.objects.create(plan=plan, level=1, position=1, number="（一）", text="强化节水载体建设")
    sub = TaskNode.objects.create(plan=plan, parent=key, level=2, position=2, number="1.", text="公共机构节水")
    item = TaskNode.objects.create(
        plan=plan, parent=sub, level=3, position=3, number="（1）", text="2025年底前完成2家节水型单位建设",
        target_value=Decimal("2"), target_unit="家", target_comparator="ge", target_text="2025年底前完成2家",
        due_text="2025年底前", lead_text="区水利局", cooperating_text="各街道办事处",
        source_cells={"备注": "按季度报送"},
    )
    Assignment.objects.create(node=item, department=world.water_bureau, role="lead")
    group = DepartmentGroup.objects.get(region=world.district, name="各街道办事处")
    Assignment.objects.create(node=item, department=world.street, role="cooperating", group=group)
    TaskTarget.objects.create(node=item, position=0, kind="count", comparator="ge", value=Decimal("2"), unit="家",
                              due_on=datetime.date(2025, 12, 31), due_text="2025年底前",
                              wording="2025年底前完成2家")
    TaskTarget.objects.create(node=item, position=1, kind="change_vs_base", comparator="le", value=Decimal("-23"),
                              unit="%", base_year=2015, wording="较2015年下降23%")
    TaskNode.objects.create(plan=plan, parent=sub, level=3, position=4, number="（2）", text="已撤销的事项",
                            archived_at=timezone.now(), archive_reason="方案修订")
    return plan


def _nodes(answer):
    return {node["number"]: node for node in answer["nodes"]}


def test_a_plan_comes_with_its_tree_as_the_source_wrote_it(world, plan):
    api = api_for(world.urban_bureau)  # a reporter of the district reads the district's plans
    answer = api.get(f"{PLANS}/{plan.pk}")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["title"] == "2025年节水工作方案" and body["document_number"] == "武隆府办〔2025〕12号"
    assert body["region"] == "500156" and body["report_due_offset_days"] == 10 and body["report_rule"]
    assert body["work_item_count"] == 1
    assert body["phases"] == [{"position": 1, "name": "组织实施", "starts_on": "2025-01-01",
                               "ends_on": "2025-12-31", "description": ""}]
    assert [node["number"] for node in body["nodes"]] == ["（一）", "1.", "（1）", "（2）"]
    nodes = _nodes(body)
    assert nodes["（一）"]["parent_id"] is None and nodes["1."]["parent_id"] == nodes["（一）"]["id"]
    item = nodes["（1）"]
    assert item["parent_id"] == nodes["1."]["id"] and item["level"] == 3
    assert item["text"] == "2025年底前完成2家节水型单位建设"
    assert item["target_text"] == "2025年底前完成2家" and item["target_value"] == "2.0000"
    assert item["due_text"] == "2025年底前" and item["source_cells"] == {"备注": "按季度报送"}
    assert item["cooperating_text"] == "各街道办事处"
    assert item["assignments"] == [
        {"department_id": world.water_bureau.pk, "department": "重庆市武隆区水利局", "short_name": "区水利局",
         "role": "lead", "group": None},
        {"department_id": world.street.pk, "department": "重庆市武隆区凤山街道办事处", "short_name": "凤山街道",
         "role": "cooperating", "group": "各街道办事处"},
    ]
    dated, change = item["targets"]
    assert dated["wording"] == "2025年底前完成2家" and dated["due_on"] == "2025-12-31"
    assert dated["due_text"] == "2025年底前" and dated["value"] == "2.0000" and dated["unit"] == "家"
    assert change["base_year"] == 2015 and change["value"] == "-23.0000" and change["wording"] == "较2015年下降23%"
    assert change["label"] == "较2015年下降≥23%"
    archived = nodes["（2）"]
    assert archived["archived_at"] and archived["archive_reason"] == "方案修订"
    assert item["archived_at"] is None


def test_the_plan_list_filters_by_region_and_pages_stably(world, plan):
    for n in range(4):
        _plan(world.district, title=f"方案{n}")
    _plan(world.other_district, title="黔江方案")
    api = api_for(world.water_bureau, User.Role.REVIEWER)
    seen = []
    page = 1
    while page:
        body = api.get(PLANS, {"region": "500156", "page": page, "page_size": 2}).json()
        assert body["count"] == 5
        seen += [row["id"] for row in body["results"]]
        page = body["next_page"]
    assert len(seen) == len(set(seen)) == 5
    assert "黔江方案" not in {row["title"] for row in api.get(PLANS).json()["results"]}
    assert api.get(PLANS, {"region": "500114"}).status_code == 404


def test_the_tree_is_read_in_the_same_number_of_queries_whatever_its_size(world):
    def plan_of(size, title):
        plan = _plan(world.district, title=title)
        key = TaskNode.objects.create(plan=plan, level=1, position=0, number="一、", text="重点任务")
        for n in range(1, size):
            item = TaskNode.objects.create(plan=plan, parent=key, level=3, position=n, number=f"{n}.",
                                           text=f"事项{n}", archived_at=timezone.now() if n % 7 == 0 else None)
            Assignment.objects.create(node=item, department=world.water_bureau, role="lead")
            Assignment.objects.create(node=item, department=world.street, role="cooperating",
                                      group=DepartmentGroup.objects.get(name="各街道办事处"))
            TaskTarget.objects.create(node=item, value=n, unit="个", wording=f"不少于{n}个")
        return plan

    small, large = plan_of(3, "小方案"), plan_of(50, "大方案")
    api = api_for(world.water_bureau, User.Role.REVIEWER)
    api.get(f"{PLANS}/{small.pk}")  # the token's first use is recorded once

    def queries(plan):
        with CaptureQueriesContext(connection) as captured:
            answer = api.get(f"{PLANS}/{plan.pk}")
        assert answer.status_code == 200
        return len(captured), answer.json()

    few, _ = queries(small)
    many, body = queries(large)
    assert len(body["nodes"]) == 50 and all(len(node["targets"]) == 1 for node in body["nodes"][1:])
    assert many == few, f"{many} queries for 50 nodes, {few} for 3"
    assert many <= 12


@pytest.fixture
def entries(world, plan):
    """Entries of the 区水利局 and the 区城管局 in two quarters and several states."""
    item = TaskNode.objects.get(plan=plan, number="（1）")
    other = TaskNode.objects.create(plan=plan, parent=item.parent, level=3, position=5, number="（3）", text="城管事项")
    Assignment.objects.create(node=other, department=world.urban_bureau, role="lead")
    clerk = make_user("clerk", world.water_bureau, User.Role.REPORTER, display_name="张三")
    boss = make_user("boss", world.water_bureau, User.Role.REVIEWER, display_name="李四")
    now = timezone.now()
    returned = ProgressReport.objects.create(
        item=item, department=world.water_bureau, year=2026, quarter=4, status="in_progress", percent=60,
        quantity=Decimal("1.5"), work_done="完成1家，另1家推进中", problems="资金未到位", next_plan="年底前完成",
        state="returned", submitted_at=now, submitted_by=clerk, reviewed_at=now, reviewed_by=boss,
        review_comment="请补充证明材料", version=3,
    )
    ProgressTarget.objects.create(report=returned, target=item.targets.first(), target_label="2025年底前≥2家",
                                  quantity=Decimal("1"))
    evidence = Evidence(report=returned, name="验收单.pdf", size=8, sha256="a" * 64)
    evidence.file.save("api-test.pdf", ContentFile(b"%PDF-1.4"), save=True)
    approved = ProgressReport.objects.create(item=item, department=world.water_bureau, year=2026, quarter=3,
                                             state="approved", percent=40)
    urban = ProgressReport.objects.create(item=other, department=world.urban_bureau, year=2026, quarter=4,
                                          state="submitted", percent=10)
    return {"returned": returned, "approved": approved, "urban": urban}


def test_an_entry_as_written_with_its_review_and_files(world, entries):
    api = api_for(world.water_bureau)
    answer = api.get(f"{PROGRESS}/{entries['returned'].pk}")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["item_number"] == "（1）" and body["item_text"] == "2025年底前完成2家节水型单位建设"
    assert body["department"] == "区水利局" and body["period"] == "2026Q4" and body["quarter"] == 4
    assert body["quantity"] == "1.5000" and body["percent"] == 60 and body["status"] == "in_progress"
    assert body["work_done"] == "完成1家，另1家推进中" and body["problems"] == "资金未到位"
    assert body["state"] == "returned" and body["review_comment"] == "请补充证明材料"
    assert body["submitted_by"] == "张三" and body["reviewed_by"] == "李四" and body["version"] == 3
    assert body["targets"] == [{"target_id": entries["returned"].target_quantities.get().target_id,
                                "target_label": "2025年底前≥2家", "quantity": "1.0000"}]
    [file] = body["evidence"]
    assert file["name"] == "验收单.pdf" and file["size"] == 8 and file["sha256"] == "a" * 64
    assert "file" not in file and "media" not in answer.content.decode()


def test_a_department_token_sees_only_its_own_entries(world, entries):
    own = api_for(world.water_bureau).get(PROGRESS).json()
    assert {row["id"] for row in own["results"]} == {entries["returned"].pk, entries["approved"].pk}
    urban = api_for(world.urban_bureau).get(PROGRESS).json()
    assert [row["id"] for row in urban["results"]] == [entries["urban"].pk]
    assert api_for(world.urban_bureau).get(f"{PROGRESS}/{entries['returned'].pk}").status_code == 404
    assert api_for(world.urban_bureau).get(PROGRESS, {"department": world.water_bureau.pk}).status_code == 404
    district = api_for(world.water_bureau, User.Role.REVIEWER).get(PROGRESS).json()
    assert district["count"] == 3
    assert api_for(world.other_water_bureau, User.Role.REVIEWER).get(PROGRESS).json()["count"] == 0


def test_entries_filter_by_quarter_state_department_and_item(world, entries):
    api = api_for(world.water_bureau, User.Role.REVIEWER)

    def ids(**query):
        answer = api.get(PROGRESS, query)
        assert answer.status_code == 200, answer.content
        return {row["id"] for row in answer.json()["results"]}

    assert ids(quarter="2026Q4") == {entries["returned"].pk, entries["urban"].pk}
    assert ids(quarter="2026年第三季度") == {entries["approved"].pk}
    assert ids(state="submitted") == {entries["urban"].pk}
    assert ids(quarter="2026Q4", state="returned") == {entries["returned"].pk}
    assert ids(department=world.urban_bureau.pk) == {entries["urban"].pk}
    assert ids(item=entries["approved"].item_id) == {entries["returned"].pk, entries["approved"].pk}
    assert ids(region="500156") == {entry.pk for entry in entries.values()}


def test_a_bad_quarter_or_state_is_a_422_naming_it(world, entries):
    api = api_for(world.water_bureau, User.Role.REVIEWER)
    answer = api.get(PROGRESS, {"quarter": "2026Q5"})
    assert answer.status_code == 422
    body = answer.json()
    assert "季度" in body["detail"] and body["errors"][0]["field"] == "quarter"
    assert "2026Q5" in body["errors"][0]["message"]
    answer = api.get(PROGRESS, {"state": "done"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "state"


def test_entries_page_stably_and_answer_304_when_unchanged(world, plan):
    item = TaskNode.objects.get(plan=plan, number="（1）")
    for year in (2025, 2026):
        for quarter in (1, 2, 3, 4):
            ProgressReport.objects.create(item=item, department=world.water_bureau, year=year, quarter=quarter)
    api = api_for(world.water_bureau)
    seen, page = [], 1
    while page:
        body = api.get(PROGRESS, {"page": page, "page_size": 3}).json()
        seen += [row["period"] for row in body["results"]]
        page = body["next_page"]
    assert seen == [f"{y}Q{q}" for y in (2026, 2025) for q in (4, 3, 2, 1)]
    first = api.get(PROGRESS, {"page": 1, "page_size": 3})
    again = api.get(PROGRESS, {"page": 1, "page_size": 3}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and not again.content
    ProgressReport.objects.filter(year=2026, quarter=4).update(percent=50, version=2)
    assert api.get(PROGRESS, {"page": 1, "page_size": 3}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_plan_answers_304_when_unchanged(world, plan):
    api = api_for(world.water_bureau)
    first = api.get(f"{PLANS}/{plan.pk}")
    assert api.get(f"{PLANS}/{plan.pk}", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
