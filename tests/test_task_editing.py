"""Creating and editing plans and tasks by hand, reordering, copying to a new year."""

from datetime import date

import pytest
from django.urls import reverse

from demo import table_data
from org.models import User
from tasks.models import Plan, PlanPhase, TaskNode
from tasks.services import EditConflict, node_move, node_update, plan_copy
from tests.helpers import import_table, parties

from .test_task_export import canonical


@pytest.fixture
def annex2(regions):
    plan, _ = import_table(regions["wulong"], table_data.WULONG_ANNEX2)
    return plan


@pytest.fixture
def reviewer(regions, client_for):
    return client_for(User.objects.get(username="wulong_reviewer"))


def positions_are_depth_first(plan):
    nodes = list(TaskNode.objects.filter(plan=plan).order_by("position"))
    assert [n.position for n in nodes] == list(range(1, len(nodes) + 1))
    seen = set()
    for node in nodes:
        assert node.parent_id is None or node.parent_id in seen  # every parent comes before its children
        seen.add(node.pk)


def test_create_plan(regions, reviewer):
    response = reviewer.post(
        reverse("tasks:plan_create"),
        {"region": regions["wulong"].pk, "title": "2024年节水工作", "kind": "annual", "start_year": 2024,
         "end_year": 2024, "report_window_days": 5, "report_due_offset_days": 0},
    )
    plan = Plan.objects.get(title="2024年节水工作")
    assert response.status_code == 302 and response.url == plan.get_absolute_url()


def test_create_plan_refuses_bad_years(regions, reviewer):
    response = reviewer.post(
        reverse("tasks:plan_create"),
        {"region": regions["wulong"].pk, "title": "坏年份", "kind": "annual", "start_year": 2024, "end_year": 2020,
         "report_window_days": 5, "report_due_offset_days": 0},
    )
    assert response.status_code == 200 and "结束年份不能早于起始年份" in response.content.decode()
    assert not Plan.objects.filter(title="坏年份").exists()


def plan_form_data(plan, **changes):
    data = {"title": plan.title, "kind": plan.kind, "document_number": plan.document_number,
            "start_year": plan.start_year, "end_year": plan.end_year, "report_window_days": plan.report_window_days,
            "report_due_offset_days": plan.report_due_offset_days, "version": plan.version}
    return {**data, **changes}


def test_second_editor_gets_a_conflict_not_a_silent_overwrite(annex2, reviewer):
    url = reverse("tasks:plan_edit", args=[annex2.pk])
    first = plan_form_data(annex2, title="第一人的标题")
    second = plan_form_data(annex2, title="第二人的标题")  # opened at the same version
    assert reviewer.post(url, first).status_code == 302
    refused = reviewer.post(url, second)
    page = refused.content.decode()
    assert refused.status_code == 200 and "他人" in page and "第一人的标题" in page
    annex2.refresh_from_db()
    assert annex2.title == "第一人的标题" and annex2.version == 2
    # Submitting the form again, now knowing, replaces the values.
    again = reviewer.post(url, plan_form_data(annex2, title="第二人的标题"))
    assert again.status_code == 302
    annex2.refresh_from_db()
    assert annex2.title == "第二人的标题"


def test_node_update_service_refuses_a_stale_version(annex2):
    node = TaskNode.objects.filter(plan=annex2, level=3).first()
    node.text = "新的内容"
    with pytest.raises(EditConflict) as conflict:
        node_update(node=node, version=node.version + 5)
    assert conflict.value.current.text != "新的内容"


def test_edit_work_item_departments(annex2, regions, reviewer):
    node = TaskNode.objects.filter(plan=annex2, level=3).order_by("position").first()
    water = regions["wulong"].departments.get(short_name="区水利局")
    economy = regions["wulong"].departments.get(short_name="区经济信息委")
    url = reverse("tasks:node_edit", args=[node.pk])
    data = {"number": node.number, "text": "改过的工作内容", "version": node.version, "leads": [economy.pk],
            "cooperators": [water.pk, economy.pk], "target_comparator": "", "target_value": ""}
    assert reviewer.post(url, data).status_code == 302
    node.refresh_from_db()
    assert node.text == "改过的工作内容"
    assert parties(node) == (["区经济信息委"], ["区水利局"])  # a lead is not also cooperating
    no_lead = reviewer.post(url, {**data, "leads": [], "version": node.version})
    assert "至少需要一个牵头单位" in no_lead.content.decode()


def test_add_nodes_keeps_print_order(annex2, regions, reviewer):
    first_key = TaskNode.objects.filter(plan=annex2, level=1).order_by("position").first()
    water = regions["wulong"].departments.get(short_name="区水利局")
    url = reverse("tasks:node_create", args=[annex2.pk]) + f"?parent={first_key.pk}&level=item"
    response = reviewer.post(url, {"number": "", "text": "新增的工作事项", "version": 1, "leads": [water.pk]})
    assert response.status_code == 302
    added = TaskNode.objects.get(plan=annex2, text="新增的工作事项")
    assert added.parent == first_key and added.level == 3
    assert list(first_key.children.order_by("position"))[-1] == added
    reviewer.post(
        reverse("tasks:node_create", args=[annex2.pk]), {"number": "十一、", "text": "新的事项", "version": 1}
    )
    assert TaskNode.objects.filter(plan=annex2).order_by("position").last().text == "新的事项"
    positions_are_depth_first(annex2)


def test_move_key_task_moves_its_subtree(annex2, reviewer):
    keys = list(TaskNode.objects.filter(plan=annex2, level=1).order_by("position"))
    response = reviewer.post(reverse("tasks:node_move", args=[keys[1].pk]), {"direction": "up"})
    assert response.status_code == 302
    assert list(TaskNode.objects.filter(plan=annex2, level=1).order_by("position"))[:2] == [keys[1], keys[0]]
    positions_are_depth_first(annex2)
    assert node_move(node=keys[1], offset=-1) is False  # already first


def test_delete_removes_the_subtree(annex2, reviewer):
    key = TaskNode.objects.get(plan=annex2, level=1, number="九、")
    confirm = reviewer.get(reverse("tasks:node_delete", args=[key.pk]))
    assert "下方的 7 项任务也会一并删除" in confirm.content.decode()
    reviewer.post(reverse("tasks:node_delete", args=[key.pk]))
    assert not TaskNode.objects.filter(plan=annex2, text__contains="节水载体").exists()
    positions_are_depth_first(annex2)


def test_copy_plan_to_a_new_year(regions):
    plan, _ = import_table(regions["qianjiang"], table_data.QIANJIANG_TASKS)
    PlanPhase.objects.create(
        plan=plan, position=1, name="第一阶段", starts_on=date(2024, 2, 29), ends_on=date(2024, 4, 30)
    )
    node = TaskNode.objects.filter(plan=plan, level=3).first()
    node.due_on = date(2019, 12, 31)
    node.save()
    copy = plan_copy(plan=plan, title="下一年", years_later=1)
    assert (copy.start_year, copy.end_year) == (plan.start_year + 1, plan.end_year + 1)
    assert canonical(copy) == canonical(plan)
    assert copy.phases.get().starts_on == date(2025, 2, 28)
    assert TaskNode.objects.get(plan=copy, text=node.text).due_on == date(2020, 12, 31)


def test_copy_page_refuses_a_title_in_use(annex2, reviewer):
    response = reviewer.post(reverse("tasks:plan_copy", args=[annex2.pk]), {"title": annex2.title, "years_later": 1})
    assert "已有同名方案" in response.content.decode()
    done = reviewer.post(
        reverse("tasks:plan_copy", args=[annex2.pk]), {"title": "2020年节约用水工作任务", "years_later": 1}
    )
    assert done.status_code == 302 and Plan.objects.filter(title="2020年节约用水工作任务", start_year=2020).exists()
