"""Reminders: due soon and overdue, each once per entry, kind and person, however often the job runs."""

from datetime import date

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from core.periods import Quarter
from demo import table_data
from org.models import Notification, User
from tasks import jobs
from tasks.models import Assignment, Plan, TaskNode
from tasks.services import progress_open, progress_reminders_send, progress_save
from tests.helpers import import_table


@pytest.fixture
def clerk(regions):
    plan = Plan.objects.create(region=regions["wulong"], title="2019年度", start_year=2019, end_year=2019)
    import_table(regions["wulong"], table_data.WULONG_ANNEX2, plan=plan)
    economy = regions["wulong"].departments.get(short_name="区经济信息委")
    return User.objects.create(username="jxw", department=economy, role="reporter", email="jxw@example.gov.cn")


def led_items(clerk):
    return list(TaskNode.objects.filter(assignments__department=clerk.department, assignments__role="lead").distinct())


def reminded(clerk, kind=None):
    notes = Notification.objects.filter(user=clerk)
    return notes.filter(key__startswith=f"progress:{kind}:").count() if kind else notes.count()


def test_due_soon_then_overdue_each_once(clerk):
    items = led_items(clerk)
    progress_reminders_send(today=date(2019, 3, 20), days_ahead=3)
    assert reminded(clerk) == 0  # not yet due
    first = progress_reminders_send(today=date(2019, 3, 28), days_ahead=3)
    assert reminded(clerk, "due_soon") == len(items) and first >= len(items)
    assert progress_reminders_send(today=date(2019, 3, 28), days_ahead=3) == 0  # the job ran twice
    assert progress_reminders_send(today=date(2019, 3, 29), days_ahead=3) == 0  # and again the next day
    assert len([m for m in mail.outbox if m.to == ["jxw@example.gov.cn"]]) == len(items)
    # One entry is submitted; the others become overdue after the quarter ends.
    report = progress_open(item=items[0], department=clerk.department, quarter=Quarter(2019, 1))
    report.status, report.percent, report.work_done = "in_progress", 50, "推进中"
    progress_save(report=report, version=report.version, user=clerk, submit=True)
    # The job did not run on 3 and 4 April; on the 5th each overdue entry is reminded once.
    progress_reminders_send(today=date(2019, 4, 5), days_ahead=3)
    assert reminded(clerk, "overdue") == len(items) - 1
    assert progress_reminders_send(today=date(2019, 4, 6), days_ahead=3) == 0


def test_only_reporters_of_the_lead_department_are_reminded(clerk, regions):
    progress_reminders_send(today=date(2019, 3, 28), days_ahead=3)
    notified = User.objects.filter(pk__in=Notification.objects.values("user"))
    assert {"jxw", "wulong_cgj"} <= set(notified.values_list("username", flat=True))
    # The demo gives every department its reporter: all reminded are reporters of a lead department.
    leads = set(Assignment.objects.filter(role="lead").values_list("department", flat=True))
    assert all(user.role == "reporter" and user.department_id in leads for user in notified)
    cooperating_only = User.objects.get(username="wulong_gyyq")  # 区工业园区 leads nothing in 附件2
    assert cooperating_only.department_id not in leads and cooperating_only not in notified
    assert not Notification.objects.filter(user__username="wulong_reviewer").exists()


def test_the_job_uses_today_and_the_setting(clerk, settings):
    settings.REMINDER_DAYS_AHEAD = 1
    with time_machine.travel("2019-03-28 09:00 +0800", tick=False):
        assert jobs.send_progress_reminders() == 0  # three days ahead is beyond one (run in-process)
    with time_machine.travel("2019-03-30 09:00 +0800", tick=False):
        jobs.send_progress_reminders()
    assert reminded(clerk, "due_soon") == len(led_items(clerk))


def test_bell_and_notification_page(clerk, client_for):
    progress_reminders_send(today=date(2019, 3, 28), days_ahead=3)
    client = client_for(clerk)
    home = client.get(reverse("home")).content.decode()
    assert f'data-testid="unread-count">{len(led_items(clerk))}<' in home
    page = client.get(reverse("org:notifications")).content.decode()
    assert "2019年第一季度" in page and "2019年3月31日" in page
    client.post(reverse("org:notifications"))
    assert not Notification.objects.filter(user=clerk, read_at__isnull=True).exists()
    assert 'data-testid="unread-count"' not in client.get(reverse("home")).content.decode()
