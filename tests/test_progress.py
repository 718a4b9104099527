"""The quarterly ledger: draft, submit, return, resubmit, approve, reopen; history; no lost
updates; deadlines; who may do what."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.periods import Quarter
from demo import table_data
from org.models import User
from tasks.models import Plan, ProgressReport, TaskNode
from tasks.selectors import todo_for
from tasks.services import (
    EditConflict,
    TransitionRefused,
    progress_approve,
    progress_open,
    progress_reopen,
    progress_return,
    progress_save,
)
from tests.helpers import import_table

Q3 = Quarter(2019, 3)


@pytest.fixture
def plan(regions):
    plan = Plan.objects.create(region=regions["wulong"], title="2019", start_year=2019, end_year=2019)
    import_table(regions["wulong"], table_data.WULONG_ANNEX1, plan=plan)
    return plan


@pytest.fixture
def urban(regions):
    return regions["wulong"].departments.get(short_name="区城管局")


@pytest.fixture
def item(plan, urban):
    return TaskNode.objects.filter(plan=plan, assignments__department=urban, assignments__role="lead").first()


def user(name):
    return User.objects.get(username=name)


def fill(report, **values):
    defaults = {"status": "in_progress", "percent": 60, "work_done": "完成管网改造2.3公里。"}
    for name, value in {**defaults, **values}.items():
        setattr(report, name, value)
    return report


def test_draft_submit_return_resubmit_approve(item, urban):
    clerk, reviewer = user("wulong_cgj"), user("wulong_reviewer")
    report = progress_open(item=item, department=urban, quarter=Q3)
    assert report.state == "draft"
    progress_save(report=fill(report, work_done=""), version=report.version, user=clerk)  # a draft keeps anything
    with pytest.raises(ValidationError) as error:
        progress_save(report=fill(report, work_done=""), version=report.version, user=clerk, submit=True)
    assert "work_done" in error.value.message_dict
    progress_save(report=fill(report), version=report.version, user=clerk, submit=True)
    assert report.state == "submitted" and report.submitted_by == clerk
    with pytest.raises(TransitionRefused):
        progress_return(report=report, user=reviewer, comment="  ", version=report.version)
    progress_return(report=report, user=reviewer, comment="请补充改造长度的佐证", version=report.version)
    report.refresh_from_db()
    assert report.state == "returned" and report.review_comment == "请补充改造长度的佐证"
    progress_save(report=fill(report, work_done="完成管网改造2.3公里，附验收单。"), version=report.version, user=clerk,
                  submit=True)
    progress_approve(report=report, user=reviewer, version=report.version)
    report.refresh_from_db()
    assert report.state == "approved" and report.reviewed_by == reviewer
    # Approved means locked.
    with pytest.raises(TransitionRefused):
        progress_save(report=fill(report, percent=70), version=report.version, user=clerk)
    history = list(report.history.order_by("history_date").values_list("state", "history_user__username"))
    assert [state for state, _ in history] == ["draft", "draft", "submitted", "returned", "submitted", "approved"]
    assert history[-1][1] == "wulong_reviewer" and history[2][1] == "wulong_cgj"


def test_reopen_needs_a_reason_and_is_recorded(item, urban):
    clerk, reviewer = user("wulong_cgj"), user("wulong_reviewer")
    report = progress_open(item=item, department=urban, quarter=Q3)
    progress_save(report=fill(report), version=report.version, user=clerk, submit=True)
    progress_approve(report=report, user=reviewer, version=report.version)
    with pytest.raises(TransitionRefused):
        progress_reopen(report=report, user=reviewer, reason="")
    progress_reopen(report=report, user=reviewer, reason="数据口径有误")
    report.refresh_from_db()
    assert report.state == "returned" and "数据口径有误" in report.review_comment
    assert report.history.latest().history_user == reviewer


@pytest.mark.parametrize(
    ("values", "field"),
    [({"status": "done", "percent": 80}, "percent"), ({"status": "in_progress", "percent": 100}, "status"),
     ({"status": "behind", "problems": ""}, "problems")],
)
def test_submission_rules(item, urban, values, field):
    report = progress_open(item=item, department=urban, quarter=Q3)
    with pytest.raises(ValidationError) as error:
        progress_save(report=fill(report, **values), version=report.version, user=user("wulong_cgj"), submit=True)
    assert field in error.value.message_dict


def test_quantity_against_target(regions, plan):
    item = TaskNode.objects.filter(plan=plan, level=3).first()
    item.target_value, item.target_unit, item.target_comparator = 10, "家", "ge"
    item.save()
    lead = item.assignments.filter(role="lead").first().department
    report = progress_open(item=item, department=lead, quarter=Q3)
    with pytest.raises(ValidationError) as error:
        progress_save(report=fill(report, quantity=250), version=report.version, user=user("wulong_reviewer"),
                      submit=True)
    assert "远超目标" in error.value.message_dict["quantity"][0]


def test_second_save_from_a_stale_form_is_refused(item, urban):
    report = progress_open(item=item, department=urban, quarter=Q3)
    opened = report.version
    progress_save(report=fill(report, work_done="甲写的"), version=opened, user=user("wulong_cgj"))
    stale = ProgressReport.objects.get(pk=report.pk)
    with pytest.raises(EditConflict) as conflict:
        progress_save(report=fill(stale, work_done="乙写的"), version=opened, user=user("wulong_cgj"))
    assert conflict.value.current.work_done == "甲写的"
    assert ProgressReport.objects.get(pk=report.pk).work_done == "甲写的"


def test_only_a_lead_department_has_an_entry(plan, regions, item):
    economy = regions["wulong"].departments.get(short_name="区财政局")
    if item.assignments.filter(department=economy, role="lead").exists():
        pytest.skip("the sample item happens to be led by 区财政局")
    with pytest.raises(TransitionRefused):
        progress_open(item=item, department=economy, quarter=Q3)


def test_todo_groups_and_deadlines(plan, urban, item):
    rows = todo_for(urban, Q3, today=date(2019, 9, 28))
    assert len(rows) == TaskNode.objects.filter(plan=plan, assignments__department=urban,
                                                assignments__role="lead").count()
    assert all(row.deadline.state == "open" and row.deadline.days_left == 2 for row in rows)
    report = progress_open(item=item, department=urban, quarter=Q3)
    with time_machine.travel("2019-10-03 10:00 +0800", tick=False):
        progress_save(report=fill(report), version=report.version, user=user("wulong_cgj"), submit=True)
    late = {row.item.pk: row for row in todo_for(urban, Q3, today=date(2019, 10, 5))}
    assert (late[item.pk].deadline.state, late[item.pk].deadline.days_late) == ("late", 3)
    others = [row for row in late.values() if row.item.pk != item.pk]
    assert all(row.deadline.state == "missing" and row.deadline.days_late == 5 for row in others)


def test_an_entry_only_opened_is_still_to_report(plan, urban, item):
    """Opening an item creates its entry (evidence can be attached before anything is
    typed); until something is entered it stays under 未填报, not 草稿."""
    state = {row.item.pk: row.state for row in todo_for(urban, Q3, today=date(2019, 9, 28))}
    assert state[item.pk] == "unreported"
    report = progress_open(item=item, department=urban, quarter=Q3)
    assert {row.item.pk: row.state for row in todo_for(urban, Q3, today=date(2019, 9, 28))}[item.pk] == "unreported"
    progress_save(report=fill(report, work_done="", percent=10), version=report.version, user=user("wulong_cgj"))
    assert {row.item.pk: row.state for row in todo_for(urban, Q3, today=date(2019, 9, 28))}[item.pk] == "draft"


# --- pages ----------------------------------------------------------------------------------


def test_todo_page_and_entry_form(plan, item, client_for):
    client = client_for(user("wulong_cgj"))
    page = client.get(reverse("tasks:progress_todo"), {"quarter": "2019Q3"})
    assert page.status_code == 200 and item.text[:20] in page.content.decode()
    url = reverse("tasks:progress_entry", args=[item.pk, "2019Q3"])
    page = client.get(url)
    assert page.status_code == 200 and not ProgressReport.objects.filter(item=item).exists()  # showing writes nothing
    data = {"status": "in_progress", "percent": 40, "work_done": "推进中", "problems": "", "next_plan": "",
            "version": page.context["form"]["version"].value()}
    assert client.post(url, {**data, "save": "1"}).status_code == 302
    report = ProgressReport.objects.get(item=item)
    assert report.state == "draft" and report.percent == 40
    bad = client.post(url, {**data, "percent": 140, "version": report.version, "submit": "1"})
    assert bad.status_code == 200 and ProgressReport.objects.get(pk=report.pk).percent == 40
    assert client.post(url, {**data, "version": report.version, "submit": "1"}).status_code == 302
    assert ProgressReport.objects.get(pk=report.pk).state == "submitted"


def test_review_pages(plan, item, urban, client_for):
    report = progress_open(item=item, department=urban, quarter=Q3)
    progress_save(report=fill(report), version=report.version, user=user("wulong_cgj"), submit=True)
    reviewer = client_for(user("wulong_reviewer"))
    inbox = reviewer.get(reverse("tasks:review_inbox"), {"quarter": "2019Q3"}).content.decode()
    assert item.text[:20] in inbox
    shown = {"version": report.version}
    refused = reviewer.post(reverse("tasks:progress_review", args=[report.pk]),
                            {"action": "return", "comment": "", **shown})
    assert refused.status_code == 302 and ProgressReport.objects.get(pk=report.pk).state == "submitted"
    reviewer.post(reverse("tasks:progress_review", args=[report.pk]),
                  {"action": "return", "comment": "缺佐证", **shown})
    assert ProgressReport.objects.get(pk=report.pk).state == "returned"
    clerk = client_for(user("wulong_cgj"))
    assert "缺佐证" in clerk.get(reverse("tasks:progress_todo"), {"quarter": "2019Q3"}).content.decode()
    report.refresh_from_db()
    progress_save(report=fill(report), version=report.version, user=user("wulong_cgj"), submit=True)
    response = reviewer.post(
        reverse("tasks:progress_bulk_approve"), {"report": [f"{report.pk}:{report.version}"],
                                                 "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and not response.url.startswith("https://evil")
    assert ProgressReport.objects.get(pk=report.pk).state == "approved"
    detail = reviewer.get(report.get_absolute_url()).content.decode()
    assert "已通过" in detail and "缺佐证" in detail


def test_an_administrator_reviews_one_district_at_a_time(plan, item, urban, client_for):
    report = progress_open(item=item, department=urban, quarter=Q3)
    progress_save(report=fill(report), version=report.version, user=user("wulong_cgj"), submit=True)
    admin = client_for(user("admin"))
    wulong = admin.get(reverse("tasks:review_inbox"), {"quarter": "2019Q3", "region": "500156"}).content.decode()
    assert item.text[:20] in wulong and 'name="region"' in wulong and "黔江区" in wulong  # the district picker
    qianjiang = admin.get(reverse("tasks:review_inbox"), {"quarter": "2019Q3", "region": "500114"}).content.decode()
    assert item.text[:20] not in qianjiang
    assert admin.get(reverse("tasks:review_inbox"), {"region": "999999"}).status_code == 404


def test_forbidden_transitions_change_nothing(plan, item, urban, client_for):
    report = progress_open(item=item, department=urban, quarter=Q3)
    progress_save(report=fill(report), version=report.version, user=user("wulong_cgj"), submit=True)
    for name in ("wulong_cgj", "cq_city", "qianjiang_reviewer"):
        response = client_for(user(name)).post(
            reverse("tasks:progress_review", args=[report.pk]), {"action": "approve", "version": report.version}
        )
        assert response.status_code == 404, name
    assert client_for(user("wulong_cgj")).post(reverse("tasks:progress_bulk_approve"),
                                               {"report": [f"{report.pk}:{report.version}"]})
    assert ProgressReport.objects.get(pk=report.pk).state == "submitted"
    # A supervisor reports nothing.
    assert client_for(user("cq_city")).get(reverse("tasks:progress_todo")).status_code == 404


def test_completeness_figures(plan, urban, item, django_assert_num_queries):
    from tasks.selectors import completeness

    report = progress_open(item=item, department=urban, quarter=Q3)
    with time_machine.travel("2019-09-29 10:00 +0800", tick=False):
        progress_save(report=fill(report), version=report.version, user=user("wulong_cgj"), submit=True)
    progress_return(report=report, user=user("wulong_reviewer"), comment="补充", version=report.version)
    with django_assert_num_queries(2):
        figures = {row.department.short_name: row for row in completeness(plan.region, Q3)}
    row = figures["区城管局"]
    expected = TaskNode.objects.filter(plan=plan, assignments__department=urban, assignments__role="lead").count()
    assert (row.expected, row.submitted, row.on_time, row.approved, row.returned) == (expected, 1, 1, 0, 1)
    assert row.missing == expected - 1
    assert figures["区水利局"].submitted == 0 and figures["区水利局"].expected > 0


def batch_data(page, overrides):
    """The POST data of the fill-many page as rendered, with per-row overrides."""
    data = {"item": []}
    for index, form in enumerate(page.context["forms"]):
        instance = form.instance
        data["item"].append(instance.item_id)
        row = {"version": instance.version, "status": instance.status, "percent": instance.percent}
        row |= {"work_done": instance.work_done, "problems": instance.problems, "next_plan": instance.next_plan}
        row.update(overrides.get(index, {}))
        data.update({form.add_prefix(key): value for key, value in row.items()})
    return data


def test_fill_many_at_once(plan, urban, client_for):
    client = client_for(user("wulong_cgj"))
    url = reverse("tasks:progress_batch") + "?quarter=2019Q3"
    page = client.get(url)
    count = len(page.context["forms"])
    assert not ProgressReport.objects.exists()  # showing the page writes nothing
    assert count == TaskNode.objects.filter(plan=plan, assignments__department=urban, assignments__role="lead").count()
    edits = {
        0: {"status": "in_progress", "percent": 30, "work_done": "第一项"},
        1: {"percent": 10, "work_done": "第二项"},
    }
    assert client.post(url, {**batch_data(page, edits), "save": "1"}).status_code == 302
    assert ProgressReport.objects.filter(state="draft", work_done__in=["第一项", "第二项"]).count() == 2
    # Submitting all validates every row; one bad row keeps everything as it was.
    page = client.get(url)
    good = {i: {"status": "in_progress", "percent": 40, "work_done": f"第{i}项进展"} for i in range(count)}
    bad = {**good, 1: {"status": "done", "percent": 50, "work_done": "不一致"}}
    refused = client.post(url, {**batch_data(page, bad), "submit": "1"})
    assert refused.status_code == 200 and "未保存任何内容" in refused.content.decode()
    assert not ProgressReport.objects.filter(state="submitted").exists()
    assert client.post(url, {**batch_data(page, good), "submit": "1"}).status_code == 302
    assert ProgressReport.objects.filter(state="submitted").count() == count
    assert len(client.get(url).context["forms"]) == 0  # nothing left to fill


def test_a_draft_keeps_inconsistent_input(item, urban):
    report = progress_open(item=item, department=urban, quarter=Q3)
    progress_save(
        report=fill(report, status="done", percent=50, work_done=""), version=report.version, user=user("wulong_cgj")
    )
    report.refresh_from_db()
    assert (report.status, report.percent, report.state) == ("done", 50, "draft")
