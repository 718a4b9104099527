"""Tasks are never deleted with records under them: a re-import matches a reworded item to
the node it was, an item that leaves the table with records is archived (out of new
quarters, restorable), the delete page lists every record it touches, every structural
change marks the affected quarters' scores stale, and nodes and assignments keep history."""

import io
from datetime import datetime

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core import events, jobs
from core.periods import Quarter
from demo import table_data
from demo.tables import build_bytes
from org.models import User
from reports import scoring
from tasks.exports import build_workbook
from tasks.imports import check_task_table, describe_plan_import, read_task_table
from tasks.models import Assignment, Contribution, ProgressReport, TaskNode
from tasks.selectors import completeness, lead_items, plan_tree
from tasks.services import (
    contribution_save,
    node_delete,
    node_restore,
    node_update,
    plan_import,
    plan_import_diff,
    progress_approve,
    progress_open,
    progress_save,
)
from tasks.services.plans import _Desired, _pair
from tests.helpers import import_table

pytestmark = pytest.mark.django_db

# The plan runs through 2019; "now" is in its third quarter.
NOW = datetime(2019, 8, 15, 10, 0, tzinfo=timezone.get_default_timezone())
QUARTERS = [Quarter(2019, 1), Quarter(2019, 2), Quarter(2019, 3)]


@pytest.fixture(autouse=True)
def in_2019():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def plan(regions):
    plan, _result = import_table(regions["wulong"], table_data.WULONG_ANNEX1)
    return plan


@pytest.fixture
def urban(regions):
    return regions["wulong"].departments.get(short_name="区城管局")


def user(name):
    return User.objects.get(username=name)


def record(item, department, quarter, *, approve=True):
    report = progress_open(item=item, department=department, quarter=quarter)
    report.status, report.percent, report.work_done = "in_progress", 50, f"{quarter}已推进。"
    progress_save(report=report, version=report.version, user=user("wulong_cgj"), submit=True)
    if approve:
        progress_approve(report=report, user=user("wulong_reviewer"), version=report.version)
    return report


def led_by(plan, department):
    return list(TaskNode.objects.filter(plan=plan, assignments__department=department, assignments__role="lead")
                .order_by("position"))


@pytest.fixture
def ledger(plan, urban):
    """区城管局's first item with entries in three quarters (two approved), its second with one."""
    first, second = led_by(plan, urban)[:2]
    for quarter in QUARTERS[:2]:
        record(first, urban, quarter)
    record(first, urban, QUARTERS[2], approve=False)
    record(second, urban, QUARTERS[0])
    return first, second


def exported(plan):
    buffer = io.BytesIO()
    build_workbook(plan, plan_tree(plan)).save(buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def edited(workbook, old, new):
    """The workbook's bytes with the one cell reading ``old`` changed to ``new``."""
    cells = [cell for row in workbook.active.iter_rows() for cell in row if cell.value == old]
    assert len(cells) == 1, (old, len(cells))
    cells[0].value = new
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def without(*texts):
    """附件1's bytes without the work items reading ``texts`` (a key task or sub-task written on
    a removed row moves down to the next row of its group)."""
    rows, carry = [], [None, None]
    for row in table_data.WULONG_ANNEX1["rows"]:
        row = list(row)
        if row[0] or row[1]:
            carry = [None, None]
        row[0], row[1] = row[0] or carry[0], row[1] or (carry[1] if not row[0] else None)
        if row[2] in texts:
            carry = [row[0], row[1]]
            continue
        carry = [None, None]
        rows.append(row)
    return build_bytes({**table_data.WULONG_ANNEX1, "rows": rows})


def preview_of(plan, data):
    return check_task_table(read_task_table(data), region=plan.region)


def counts():
    return ProgressReport.objects.count(), ProgressReport.objects.filter(state="approved").count()


def test_reimporting_an_exported_table_with_one_character_changed_keeps_every_entry(plan, ledger):
    first, _second = ledger
    before = counts()
    assert before == (4, 3)
    new_text = first.text[:-1] + "！"  # one character
    preview = preview_of(plan, edited(exported(plan), first.text, new_text))
    changes, removals = describe_plan_import(plan_import_diff(plan=plan, preview=preview))
    assert removals == []
    (change,) = changes
    assert ("改写", first.text, new_text) in change.fields
    result = plan_import(plan=plan, preview=preview)
    assert (result.created, result.deleted, result.archived, result.updated) == (0, 0, 0, 1)
    assert counts() == before
    first.refresh_from_db()
    assert first.text == new_text and first.archived_at is None
    assert first.reports.count() == 3


def test_another_districts_numbering_and_wording_is_the_same_sub_task(plan, urban):
    sub_task = TaskNode.objects.get(plan=plan, level=2, text="制定和落实节约用水规划")
    item = sub_task.children.order_by("position").first()
    lead = item.assignments.get(role="lead").department
    record(item, lead, QUARTERS[0])
    old_cell = sub_task.label  # "1. 制定和…", as the table printed it
    preview = preview_of(plan, edited(exported(plan), old_cell, "（1）制定并落实节约用水规划"))
    assert not preview.problems
    changes, removals = describe_plan_import(plan_import_diff(plan=plan, preview=preview))
    assert removals == []
    fields = {str(label): (old, new) for change in changes for label, old, new in change.fields}
    assert fields["序号"] == ("1. ", "（1）")
    assert fields["改写"] == ("制定和落实节约用水规划", "制定并落实节约用水规划")
    plan_import(plan=plan, preview=preview)
    sub_task.refresh_from_db()
    assert (sub_task.number, sub_task.text) == ("（1）", "制定并落实节约用水规划")
    assert item.reports.count() == 1 and TaskNode.objects.filter(pk=item.pk, parent=sub_task).exists()


def _desired(number, text, index):
    return _Desired(key=((3, number, text),), parent_key=None, level=3, position=index,
                    fields={"number": number, "text": text}, assignments=[])


def _node(pk, number, text):
    return TaskNode(pk=pk, level=3, number=number, text=text, position=pk)


@pytest.mark.parametrize(("old", "new", "paired"), [
    ("节水规划甲", "节水规乙丙", True),  # ratio exactly 0.6: the same item reworded
    ("节水规划甲", "节水乙丙丁", False),  # 0.4, and not in its place: another item
])
def test_a_reworded_item_elsewhere_is_matched_from_the_likeness_threshold(old, new, paired):
    nodes = [_node(1, "", "完全无关的一项"), _node(2, "", old)]
    items = [_desired("", "另一项新增的工作", 1), _desired("", new, 2), _desired("", "第三项", 3)]
    pairs = _pair(items, nodes)
    assert (pairs.get(items[1].key) == nodes[1]) is paired
    assert items[0].key not in pairs  # unnumbered and unlike: not taken for the item in its place


def test_the_one_unnumbered_item_of_a_group_replaced_in_its_place_is_the_same_item():
    nodes = [_node(1, "", "协调、配合相关事宜。")]
    items = [_desired("", "协调市级修订用水定额。", 1)]
    assert _pair(items, nodes) == {items[0].key: nodes[0]}


def test_a_renumbered_item_in_its_place_is_matched_whatever_its_wording():
    nodes = [_node(1, "1.", "制定节水规划"), _node(2, "2.", "推进节水载体建设")]
    items = [_desired("（1）", "编制区级节水专项规划并报批", 1), _desired("2.", "推进节水载体建设", 2)]
    assert _pair(items, nodes) == {items[0].key: nodes[0], items[1].key: nodes[1]}
    # Not the same number in that place: a new item, and the old one leaves.
    items[0] = _desired("（3）", "编制区级节水专项规划并报批", 1)
    assert _pair(items, nodes) == {items[1].key: nodes[1]}


def test_an_item_that_leaves_the_table_with_records_is_archived_and_restorable(plan, ledger, urban, regions):
    first, second = ledger
    leader = urban
    contribution_target = next(n for n in TaskNode.objects.filter(plan=plan, level=3, assignments__role="cooperating")
                               .exclude(pk__in=[first.pk, second.pk]).order_by("position")
                               if TaskNode.objects.filter(plan=plan, text=n.text).count() == 1)
    cooperator = contribution_target.assignments.filter(role="cooperating").first().department
    contribution_save(item=contribution_target, department=cooperator, quarter=QUARTERS[1], note="已配合。",
                      user=None)
    plain = next(n for n in TaskNode.objects.filter(plan=plan, level=3).order_by("-position")
                 if not n.reports.exists() and not n.contributions.exists() and n.parent.children.count() > 1)
    preview = preview_of(plan, without(second.text, contribution_target.text, plain.text))
    assert not preview.problems, preview.problems
    _changes, removals = describe_plan_import(plan_import_diff(plan=plan, preview=preview))
    by_label = {change.label: {label: old for label, old, _new in change.fields} for change in removals}
    archived = next(fields for label, fields in by_label.items() if label.endswith(second.label[:40]) or
                    second.text in label)
    assert archived["归档，记录保留"] == "1条记录"
    assert archived[leader.short_name] == "2019Q1 已通过"
    contributed = next(fields for label, fields in by_label.items() if contribution_target.text in label)
    assert contributed[cooperator.short_name] == "2019Q2 配合情况"
    deleted = next(fields for label, fields in by_label.items() if plain.text in label)
    assert deleted == {"删除": "无记录"}

    before = counts()
    result = plan_import(plan=plan, preview=preview)
    assert (result.archived, result.deleted) == (2, 1)
    assert counts() == before and Contribution.objects.count() == 1
    assert not TaskNode.objects.filter(pk=plain.pk).exists()
    second.refresh_from_db()
    assert second.is_archived and second.archive_reason
    # Out of the quarter it left in and every later one; in the ones before.
    assert second not in lead_items(leader, Quarter(2019, 4))
    assert second not in lead_items(leader, Quarter(2019, 3))
    assert second in lead_items(leader, Quarter(2019, 1))
    assert second.pk not in {row.node.pk for root in plan_tree(plan) for row in _walk(root)}
    expected = {row.department.pk: row.expected for row in completeness(plan.region, Quarter(2019, 4))}
    expected_before = {row.department.pk: row.expected for row in completeness(plan.region, Quarter(2019, 1))}
    assert expected[leader.pk] == expected_before[leader.pk] - 1
    facts_q4 = scoring.plan_facts(plan, Quarter(2019, 4))
    facts_q1 = scoring.plan_facts(plan, Quarter(2019, 1))
    assert second.pk in {item.pk for item in facts_q1.leads[leader.pk]}
    assert second.pk not in {item.pk for item in facts_q4.leads.get(leader.pk, [])}
    # The same table imported again changes nothing: the archived nodes stay archived.
    again = plan_import(plan=plan, preview=preview)
    assert not again.changed

    node_restore(node=second, user=user("wulong_reviewer"))
    second.refresh_from_db()
    assert not second.is_archived
    assert second in lead_items(leader, Quarter(2019, 4))
    assert second.pk in {row.node.pk for root in plan_tree(plan) for row in _walk(root)}


def _walk(row):
    yield row
    for child in row.children:
        yield from _walk(child)


def test_an_item_back_in_the_table_is_restored_by_the_import(plan, ledger):
    _first, second = ledger
    plan_import(plan=plan, preview=preview_of(plan, without(second.text)))
    second.refresh_from_db()
    assert second.is_archived
    preview = preview_of(plan, build_bytes(table_data.WULONG_ANNEX1))
    changes, _removals = describe_plan_import(plan_import_diff(plan=plan, preview=preview))
    assert any(field == ("已归档", "已归档", "恢复") for change in changes for field in change.fields)
    result = plan_import(plan=plan, preview=preview)
    assert (result.restored, result.created) == (1, 0)
    second.refresh_from_db()
    assert not second.is_archived and second.reports.count() == 1


@pytest.fixture
def scores_marked(monkeypatch):
    """The (region id, quarter) whose scores are marked stale (``reports.services.scores_stale``
    listens to the event and marks them: tests/test_recompute.py follows it to the job)."""
    marked = []
    monkeypatch.setitem(events._LISTENERS, events.SCORES_CHANGED,
                        [*events._LISTENERS[events.SCORES_CHANGED],
                         lambda region, quarter: marked.append((region.pk, str(quarter)))])
    return marked


def test_structural_changes_mark_the_affected_quarters_stale(plan, ledger, urban, regions, scores_marked):
    first, second = ledger
    region = plan.region.pk
    plan_import(plan=plan, preview=preview_of(plan, without(second.text)))
    assert sorted(set(scores_marked)) == [(region, "2019Q1"), (region, "2019Q3")]  # its entry's, and now
    scores_marked.clear()
    node_restore(node=TaskNode.objects.get(pk=second.pk))
    assert sorted(set(scores_marked)) == [(region, "2019Q1"), (region, "2019Q3")]
    scores_marked.clear()
    node_delete(node=first)  # entries in three quarters
    assert sorted(set(scores_marked)) == [(region, "2019Q1"), (region, "2019Q2"), (region, "2019Q3")]
    scores_marked.clear()
    water = regions["wulong"].departments.get(short_name="区水利局")
    node_update(node=second, version=second.version, leads=[water], cooperators=[])
    assert sorted(set(scores_marked)) == [(region, "2019Q1"), (region, "2019Q3")]
    scores_marked.clear()
    second.refresh_from_db()
    node_update(node=second, version=second.version, leads=[water], cooperators=[])  # nothing changes
    assert scores_marked == []


def test_a_structural_change_queues_the_scores_recompute(plan, urban, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(jobs.recompute, "apply_async", lambda args, countdown: sent.append(args))
    second = led_by(plan, urban)[1]
    ProgressReport.objects.create(item=second, department=urban, year=2019, quarter=2, state="approved")
    connection.run_on_commit.clear()  # what setting up left waiting has committed (the test holds one transaction)
    with django_capture_on_commit_callbacks(execute=True):
        node_delete(node=second)
    queued = {quarter for name, region_ids, quarters in sent if name == "scores" and region_ids == [plan.region.pk]
              for quarter in quarters}
    assert queued == {"2019Q2", "2019Q3"}


def test_the_delete_page_lists_every_record_and_archives_instead(plan, ledger, urban, client_for):
    first, _second = ledger
    sub_task = first.parent
    client = client_for(user("wulong_reviewer"))
    page = client.get(reverse("tasks:node_delete", args=[sub_task.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "已通过" in html and "已报送" in html and "2019Q1" in html and "2019Q3" in html
    lines = [line for _node, found in page.context["lines"] for line in found]
    assert sorted(str(line) for line in lines if line.item_id == first.pk) == [
        "区城管局 2019Q1 已通过", "区城管局 2019Q2 已通过", "区城管局 2019Q3 已报送"]
    assert "归档" in html
    before = counts()
    response = client.post(reverse("tasks:node_delete", args=[sub_task.pk]))
    assert response.status_code == 302
    assert counts() == before
    sub_task.refresh_from_db()
    first.refresh_from_db()
    assert sub_task.is_archived and first.is_archived and first.archived_by == user("wulong_reviewer")
    # Items of the sub-task without records are deleted.
    assert not TaskNode.objects.filter(parent=sub_task, reports__isnull=True, contributions__isnull=True).exists()
    plan_page = client.get(plan.get_absolute_url())
    assert "已归档" in plan_page.content.decode()
    assert first.pk in {row.node.pk for row in plan_page.context["archived"]}
    entry = first.reports.get(year=2019, quarter=1)
    assert 'data-testid="item-archived"' in client.get(entry.get_absolute_url()).content.decode()
    restored = client.post(reverse("tasks:node_restore", args=[first.pk]))
    assert restored.status_code == 302
    first.refresh_from_db()
    sub_task.refresh_from_db()
    assert not first.is_archived and not sub_task.is_archived  # its archived parent comes back with it


def test_a_task_without_records_is_still_deleted(plan, client_for):
    node = TaskNode.objects.filter(plan=plan, level=3).order_by("-position").first()
    client = client_for(user("wulong_reviewer"))
    page = client.get(reverse("tasks:node_delete", args=[node.pk]))
    assert page.context["lines"] == [] and "归档" not in page.content.decode().split("<form")[-1]
    client.post(reverse("tasks:node_delete", args=[node.pk]))
    assert not TaskNode.objects.filter(pk=node.pk).exists()


def test_node_delete_service_archives_only_what_holds_records(plan, ledger):
    first, _second = ledger
    key_task = first.parent.parent
    outcome = node_delete(node=key_task)
    assert outcome == "archived"
    left = TaskNode.objects.filter(plan=plan, pk__in=[n.pk for n in [key_task, first.parent, first]])
    assert all(node.is_archived for node in left) and left.count() == 3
    assert not TaskNode.objects.current().filter(plan=plan, parent=key_task).exists()


def test_nodes_and_assignments_keep_history(plan, regions):
    node = TaskNode.objects.filter(plan=plan, level=3).first()
    assert node.history.count() == 1  # created by the import
    assert Assignment.history.filter(node_id=node.pk).exists()
    water = regions["wulong"].departments.get(short_name="区水利局")
    node.text = node.text + "（修订）"
    node_update(node=node, version=node.version, leads=[water], cooperators=[])
    assert node.history.count() == 2
    assert node.history.first().text.endswith("（修订）")
    assert Assignment.history.filter(node_id=node.pk, history_type="-").exists()
    assert Assignment.history.filter(node_id=node.pk, history_type="+", department_id=water.pk).exists()


def test_the_edit_page_shows_the_nodes_history(plan, client_for):
    node = TaskNode.objects.filter(plan=plan, level=3).first()
    node.text = "改过的工作内容"
    node_update(node=node, version=node.version)
    page = client_for(user("wulong_reviewer")).get(reverse("tasks:node_edit", args=[node.pk]))
    html = page.content.decode()
    assert 'data-testid="node-history"' in html and "改过的工作内容" in html.split('data-testid="node-history"')[1]


def test_reimporting_through_the_upload_page_shows_the_rewording_and_keeps_the_entries(plan, ledger, client_for):
    first, _second = ledger
    before = counts()
    new_text = "（修订）" + first.text
    upload = io.BytesIO(edited(exported(plan), first.text, new_text))
    upload.name = "导出后修改.xlsx"
    client = client_for(user("wulong_reviewer"))
    response = client.post(reverse("tasks:import_upload"), {"file": upload, "region": plan.region.pk,
                                                            "plan": plan.pk, "kind": "annual", "start_year": 2019})
    page = client.get(response.url)
    html = page.content.decode()
    assert "改写" in html and new_text[:30] in html and page.context["removals"] == []
    confirmed = client.post(response.url)
    assert confirmed.status_code == 302
    assert counts() == before
    first.refresh_from_db()
    assert first.text == new_text and first.reports.filter(state="approved").count() == 2
