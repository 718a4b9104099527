"""Everyone is told: a submission tells the district's reviewers, a decision (returned with
the reviewer's comment, approved, reopened) tells who submitted it and the department's
reporters — under the bell and by e-mail, once per step, after the step commits."""

# ruff: noqa: F811  (fixtures of other test modules are imported and named as parameters)

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from indicators.models import DataReport
from indicators.services import data_report_approve, data_report_open, data_report_return
from org.models import Notification, User
from tasks.services import progress_approve, progress_reopen, progress_return
from tests.test_indicator_entry import Q1_2024, clerk, entry_url, form_data, qianjiang, reviewer  # noqa: F401
from tests.test_progress import item, plan, urban, user  # noqa: F401
from tests.test_review_decisions import submitted


@pytest.fixture
def told(django_capture_on_commit_callbacks):
    """A context manager in which what is committed is also sent (as outside a test)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def notes(username):
    return list(Notification.objects.filter(user__username=username).order_by("pk"))


def mails_to(address):
    return [message for message in mail.outbox if address in message.to]


@pytest.fixture
def addressed(regions):
    for name in ("wulong_cgj", "wulong_reviewer", "qianjiang_cgj", "qianjiang_reviewer"):
        User.objects.filter(username=name).update(email=f"{name}@example.gov.cn")


def test_a_submission_tells_the_districts_reviewers_and_no_outsider(item, urban, told, addressed):
    User.objects.create(username="wl_rev2", role="reviewer", department=user("wulong_reviewer").department)
    with told():
        report = submitted(item, urban)
    for name in ("wulong_reviewer", "wl_rev2"):
        [note] = notes(name)
        assert note.url == report.get_absolute_url() and "区城管局" in note.body
    assert len(mails_to("wulong_reviewer@example.gov.cn")) == 1
    # Not the submitter, another district's reviewer, nor a colleague of another department.
    assert notes("wulong_cgj") == [] and notes("qianjiang_reviewer") == [] and notes("wulong_slj") == []


def test_a_return_tells_the_reporter_with_the_comment_and_a_re_return_is_new(item, urban, told, addressed):
    reviewer = user("wulong_reviewer")
    report = submitted(item, urban)
    with told():
        progress_return(report=report, user=reviewer, comment="请补充管网改造的验收单", version=report.version)
    [note] = notes("wulong_cgj")
    assert "请补充管网改造的验收单" in note.body and note.url == report.get_absolute_url()
    [message] = mails_to("wulong_cgj@example.gov.cn")
    assert "请补充管网改造的验收单" in message.body and report.get_absolute_url() in message.body
    assert notes("wulong_reviewer") == []  # the one who acted is not told of their own step
    # Resubmitted and returned again, with other words: a second message, not swallowed.
    report.refresh_from_db()
    report = submitted(item, urban)
    with told():
        progress_return(report=report, user=reviewer, comment="照片不清晰", version=report.version)
    assert "照片不清晰" in notes("wulong_cgj")[-1].body
    assert len(notes("wulong_cgj")) == 2 and len(mails_to("wulong_cgj@example.gov.cn")) == 2


def test_approval_and_reopening_tell_the_department(item, urban, told, addressed):
    reviewer = user("wulong_reviewer")
    report = submitted(item, urban)
    with told():
        progress_approve(report=report, user=reviewer, version=report.version)
    [approved] = notes("wulong_cgj")
    assert "通过" in approved.title and approved.url == report.get_absolute_url()
    with told():
        progress_reopen(report=report, user=reviewer, reason="数量填错")
    assert "数量填错" in notes("wulong_cgj")[-1].body and len(notes("wulong_cgj")) == 2


def test_a_rolled_back_step_tells_nobody(item, urban, told, addressed):
    report = submitted(item, urban)
    with told(), pytest.raises(RuntimeError), transaction.atomic():
        progress_return(report=report, user=user("wulong_reviewer"), comment="缺佐证", version=report.version)
        raise RuntimeError("a later step of the same request failed")
    assert notes("wulong_cgj") == [] and mails_to("wulong_cgj@example.gov.cn") == []
    report.refresh_from_db()
    assert report.state == "submitted"


def test_data_report_submission_and_decisions(qianjiang, clerk, reviewer, client_for, told, addressed):
    report = data_report_open(department=qianjiang.departments.get(short_name="区城市管理局"), quarter=Q1_2024)
    with told():
        assert client_for(clerk).post(entry_url(), form_data(report, submit="1")).status_code == 302
    report.refresh_from_db()
    [to_review] = notes("qianjiang_reviewer")
    assert to_review.url == report.get_absolute_url() and "统计" in to_review.title
    assert notes("wulong_reviewer") == [] and notes("qianjiang_cgj") == []
    with told():
        data_report_return(report=report, user=reviewer, comment="用水户数偏少，请核对", version=report.version)
    [returned] = notes("qianjiang_cgj")
    assert "用水户数偏少，请核对" in returned.body and returned.url == report.get_absolute_url()
    assert "用水户数偏少" in mails_to("qianjiang_cgj@example.gov.cn")[0].body
    # Resubmitted and approved: told again, under a new key.
    report.refresh_from_db()
    with told():
        client_for(clerk).post(entry_url(), form_data(report, submit="1"))
    report.refresh_from_db()
    assert report.state == DataReport.State.SUBMITTED and len(notes("qianjiang_reviewer")) == 2
    with told():
        data_report_approve(report=report, user=reviewer, version=report.version)
    assert "通过" in notes("qianjiang_cgj")[-1].title and len(notes("qianjiang_cgj")) == 2


def test_the_bell_lists_the_message_with_its_link(item, urban, told, client_for):
    report = submitted(item, urban)
    with told():
        progress_return(report=report, user=user("wulong_reviewer"), comment="<b>缺</b>佐证", version=report.version)
    page = client_for(user("wulong_cgj")).get(reverse("org:notifications")).content.decode()
    assert f'href="{report.get_absolute_url()}"' in page and "&lt;b&gt;缺&lt;/b&gt;佐证" in page


def test_the_bell_opens_the_latest_own_messages_and_reading_them_writes_nothing(regions, client_for):
    clerk, other = user("wulong_cgj"), user("qianjiang_cgj")
    for index in range(10):
        Notification.objects.create(user=clerk, key=f"t:{index}", title=f"消息{index}", url="/")
    Notification.objects.create(user=other, key="t:other", title="别人的消息", url="javascript:alert(1)")
    client = client_for(clerk)
    page = client.get(reverse("home")).content.decode()
    # The menu's messages are read only when it is opened: the page carries a placeholder.
    assert 'data-menu-url="/org/notifications/?menu=1"' in page and 'bell-menu"><div class="p-3 small' in page
    menu = client.get(reverse("org:notifications"), {"menu": "1"}).content.decode()
    assert "<html" not in menu and menu.count('class="list-group-item') == 8
    assert "消息9" in menu and "消息1<" not in menu and "别人的消息" not in menu
    assert Notification.objects.filter(user=clerk, read_at__isnull=True).count() == 10
    assert "javascript:" not in client_for(other).get(reverse("org:notifications"), {"menu": "1"}).content.decode()


def test_the_demo_marks_read_what_later_steps_overtook(item, urban, told):
    from demo import messages

    reviewer = user("wulong_reviewer")
    with told():
        first = submitted(item, urban)
        progress_return(report=first, user=reviewer, comment="补充", version=first.version)
    with told():
        again = submitted(item, urban)
    unread = Notification.objects.filter(read_at__isnull=True)
    assert unread.filter(user=reviewer).count() == 2 and unread.filter(user__username="wulong_cgj").count() == 1
    assert messages.settle() == 2  # the first submission and the return: the entry has moved on
    assert [note.key.rsplit(":", 1)[-1] for note in unread.filter(user=reviewer)] == [f"v{again.version}"]
    with told():
        progress_approve(report=again, user=reviewer, version=again.version)
    assert messages.settle() == 2  # the decided submission, and an approval of 2019 (not the running quarter)
    assert not unread.exists() and messages.settle() == 0
