"""Plan list, plan tree with filters, and a department's own work."""

import pytest
from django.urls import reverse

from demo import table_data
from org.models import User
from tasks.models import Assignment, Plan, TaskNode
from tests.helpers import import_table


@pytest.fixture
def annex1(regions):
    plan, _ = import_table(regions["wulong"], table_data.WULONG_ANNEX1)
    return plan


def user(name):
    return User.objects.get(username=name)


def test_plan_list_shows_the_districts_plans_only(annex1, regions, client_for):
    import_table(regions["qianjiang"], table_data.QIANJIANG_TASKS, plan=Plan.objects.create(
        region=regions["qianjiang"], title="黔江方案", start_year=2023, end_year=2025))
    page = client_for(user("wulong_cgj")).get(reverse("tasks:plan_list")).content.decode()
    assert "测试方案" in page and "黔江方案" not in page
    city = client_for(user("cq_city")).get(reverse("tasks:plan_list")).content.decode()
    assert "测试方案" in city and "黔江方案" in city
    assert "导入任务分解表" not in city  # the supervisor changes nothing
    assert "导入任务分解表" in client_for(user("wulong_reviewer")).get(reverse("tasks:plan_list")).content.decode()


def test_plan_detail_shows_the_tree_with_badges(annex1, client_for):
    page = client_for(user("wulong_reviewer")).get(annex1.get_absolute_url()).content.decode()
    assert "（一）健全节水制度，落实水资源消耗总量和强度双控行动" in page
    assert "加大污水处理力度" in page and "共 41 个工作事项" in page
    assert "每季度结束前5日内报送" in page


def test_filter_by_department_and_role(annex1, regions, client_for):
    economy = regions["wulong"].departments.get(short_name="区经济信息委")
    client = client_for(user("wulong_reviewer"))
    leads = client.get(annex1.get_absolute_url(), {"department": economy.pk, "role": "lead"})
    expected = Assignment.objects.filter(node__plan=annex1, department=economy, role="lead").count()
    assert len([r for r in leads.context["rows"] if r.node.is_work_item]) == expected
    both = client.get(annex1.get_absolute_url(), {"department": economy.pk})
    assert (
        len([r for r in both.context["rows"] if r.node.is_work_item])
        == Assignment.objects.filter(node__plan=annex1, department=economy).count()
    )


def test_search_and_key_task_filter(annex1, client_for):
    client = client_for(user("wulong_reviewer"))
    found = client.get(annex1.get_absolute_url(), {"q": "雨水"}).context["rows"]
    items = [r.node for r in found if r.node.is_work_item]
    assert items and all("雨水" in node.text for node in items)
    fourth = TaskNode.objects.get(plan=annex1, level=1, number="（四）")
    rows = client.get(annex1.get_absolute_url(), {"key_task": fourth.pk}).context["rows"]
    assert rows[0].node == fourth and len([r for r in rows if r.node.is_work_item]) == 2
    empty = client.get(annex1.get_absolute_url(), {"q": "不存在的内容"})
    assert "没有符合筛选条件的工作事项" in empty.content.decode()


def test_bad_filter_values_are_ignored(annex1, client_for):
    response = client_for(user("wulong_reviewer")).get(
        annex1.get_absolute_url(), {"department": "abc", "key_task": "x"}
    )
    assert response.status_code == 200


def test_reporter_sees_exactly_the_items_their_department_leads_or_supports(annex1, regions, client_for):
    response = client_for(user("wulong_cgj")).get(reverse("tasks:my_work"))
    assert response.status_code == 200
    urban = regions["wulong"].departments.get(short_name="区城管局")
    shown = {r.node.pk for section in response.context["sections"] for r in section["rows"] if r.node.is_work_item}
    expected = set(Assignment.objects.filter(node__plan=annex1, department=urban).values_list("node", flat=True))
    assert shown == expected and len(expected) > 20


def test_my_work_empty_state(regions, client_for):
    page = client_for(user("wulong_cgj")).get(reverse("tasks:my_work")).content.decode()
    assert "本区方案中暂未给本部门分配工作" in page


def test_outsider_cannot_see_the_plan(annex1, client_for):
    assert client_for(user("qianjiang_reviewer")).get(annex1.get_absolute_url()).status_code == 404


def test_pages_refuse_post(annex1, client_for):
    client = client_for(user("wulong_reviewer"))
    assert client.post(annex1.get_absolute_url()).status_code == 405
    assert client.post(reverse("tasks:plan_list")).status_code == 405


def test_plan_detail_query_count_does_not_grow_with_the_plan(regions, client_for, django_assert_max_num_queries):
    small = Plan.objects.create(region=regions["wulong"], title="小", start_year=2019, end_year=2019)
    import_table(regions["wulong"], table_data.WULONG_ANNEX2, plan=small)
    large = Plan.objects.create(region=regions["wulong"], title="大", start_year=2019, end_year=2019)
    import_table(regions["wulong"], table_data.WULONG_ANNEX1, plan=large)
    client = client_for(user("wulong_reviewer"))
    client.get(small.get_absolute_url())
    with django_assert_max_num_queries(20) as counted:
        client.get(small.get_absolute_url())
    with django_assert_max_num_queries(len(counted.captured_queries)):
        client.get(large.get_absolute_url())


def test_reviewer_sees_each_nodes_edit_buttons_and_reporter_none(annex1, client_for):
    """The buttons are built once per language and filled in per node: each must point at
    its own node, and only the levels that can have children offer to add them."""
    from lxml import html

    page = html.fromstring(client_for(user("wulong_reviewer")).get(annex1.get_absolute_url()).content)
    nodes = TaskNode.objects.filter(plan=annex1)
    actions_xpath = ".//span[contains(@class, 'node-actions')]"
    assert len(page.xpath(actions_xpath)) == nodes.count()
    for node in nodes:
        (actions,) = page.get_element_by_id(f"node-{node.pk}").xpath(actions_xpath)
        # Each link says what it does in words on the page, not only in an aria-label.
        links = {a.text_content().strip(): a.get("href") for a in actions.findall(".//a")}
        moves = {b.get("value"): b.get("formaction") for b in actions.findall(".//button[@form='node-moves']")}
        assert links["编辑"] == reverse("tasks:node_edit", args=[node.pk])
        assert links["删除"] == reverse("tasks:node_delete", args=[node.pk])
        assert {b.get("aria-label") for b in actions.findall(".//button")} == {"上移", "下移"}
        assert moves == {direction: reverse("tasks:node_move", args=[node.pk]) for direction in ("up", "down")}
        create = f"{reverse('tasks:node_create', args=[annex1.pk])}?parent={node.pk}"
        expected = {1: {"添加子任务": create, "添加工作事项": f"{create}&level=item"}, 2: {"添加工作事项": create},
                    3: {}}[node.level]
        assert {label: links[label] for label in ("添加子任务", "添加工作事项") if label in links} == expected
    assert page.get_element_by_id("node-moves") is not None
    reporter_page = client_for(user("wulong_cgj")).get(annex1.get_absolute_url()).content.decode()
    assert "node-actions" not in reporter_page and "node-moves" not in reporter_page
