"""The embedded default's beat (``run_schedule``): each entry of CELERY_BEAT_SCHEDULE runs at
its interval in-process, what last ran is kept across restarts, a failing job neither stops
the others nor is retried on every tick — and the reminder job really runs through it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from core import schedule
from core.models import ScheduledRun
from org.models import Notification
from tests.test_reminders import clerk, led_items  # noqa: F401  (fixture)

START = datetime(2019, 3, 28, 1, 0, tzinfo=UTC)
HOUR = 60 * 60
ENTRIES = {
    "often": {"task": "x.often", "schedule": 2 * HOUR},
    "daily": {"task": "x.daily", "schedule": timedelta(days=1)},
}


class FakeClock:
    """A clock that only moves when the beat sleeps."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += timedelta(seconds=seconds)


def beat(entries, hours, clock, run):
    schedule.loop(entries, tick=HOUR, clock=clock, sleep=clock.sleep, run=run, rounds=hours)


@pytest.mark.django_db
def test_each_entry_runs_at_its_interval_and_a_restart_remembers():
    clock, runs = FakeClock(START), []
    beat(ENTRIES, 25, clock, lambda entry: runs.append((entry["task"], clock())))
    often = [when for task, when in runs if task == "x.often"]
    assert [when - START for when in often] == [timedelta(hours=h) for h in range(0, 25, 2)]
    assert [when - START for task, when in runs if task == "x.daily"] == [timedelta(0), timedelta(days=1)]
    # Restarted 30 minutes later: nothing has come due, so nothing runs again at once.
    runs.clear()
    clock.now += timedelta(minutes=30)
    assert schedule.run_due(ENTRIES, now=clock(), run=lambda entry: runs.append(entry)) == [] and runs == []
    assert ScheduledRun.objects.get(name="often").last_run_at == START + timedelta(hours=24)


@pytest.mark.django_db
def test_a_failing_job_does_not_stop_the_others_nor_run_every_tick():
    clock, runs = FakeClock(START), []

    def run(entry):
        runs.append(entry["task"])
        if entry["task"] == "x.daily":
            raise RuntimeError("the job failed")

    beat(ENTRIES, 5, clock, run)
    assert runs.count("x.daily") == 1 and runs.count("x.often") == 3


def test_a_schedule_it_cannot_keep_is_refused_before_anything_runs():
    with pytest.raises(ValueError, match="fixed intervals"):
        schedule.loop({"cron": {"task": "x", "schedule": "0 3 * * *"}}, run=pytest.fail, rounds=1)


def test_every_entry_of_the_settings_is_an_interval_it_keeps():
    assert all(schedule.interval(entry) > timedelta(0) for entry in settings.CELERY_BEAT_SCHEDULE.values())


def test_the_embedded_beat_sends_the_reminders(clerk):  # noqa: F811
    with time_machine.travel("2019-03-28 09:00 +0800", tick=False):
        call_command("run_schedule", "--once")
    reminded = Notification.objects.filter(user=clerk, key__startswith="progress:due_soon:")
    assert reminded.count() == len(led_items(clerk))
    assert ScheduledRun.objects.filter(name="remind-reporters-of-due-and-overdue-entries").exists()
    # Run again straight away: nothing is due, no job runs twice.
    with time_machine.travel("2019-03-28 09:05 +0800", tick=False):
        call_command("run_schedule", "--once")
    assert ScheduledRun.objects.get(name="remind-reporters-of-due-and-overdue-entries").last_run_at.minute == 0
