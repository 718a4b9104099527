"""The recompute pipeline of ``core.recompute``: what an app registers, the coalescing of
marks, the record of every run (a failure with its error, and its retry), the catch-up
sweep after the broker refused a job, and the jobs page listing indicator recomputes."""

from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from kombu.exceptions import OperationalError

from core import jobs, recompute, runs
from core.models import JobRun, StaleMark
from core.periods import Quarter
from indicators.models import ComputedValue
from indicators.services import recompute_after_commit
from reports.models import RegionVerdict
from tests.helpers import enter_figures
from tests.test_bulk_statistics import AREA, WATER, standard  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

Q = Quarter(2024, 1)


@pytest.fixture
def counted():
    """A recompute of this test's own, registered as an app would, that records what it is
    asked and fails while ``failing`` holds an error."""
    asked, failing = [], []

    def compute(region_ids, quarters):
        if failing:
            raise failing[0]
        asked.append((region_ids, [str(quarter) for quarter in quarters]))
        return f"{len(region_ids) * len(quarters)} 个测试值"

    recompute.register("test_counts", compute=compute, label="重新计算测试值", countdown=lambda: 7)
    yield asked, failing
    del recompute.RECOMPUTES["test_counts"], runs.KINDS["recompute_test_counts"]


@pytest.fixture
def queued(monkeypatch):
    """What the pipeline hands to the broker, instead of handing it."""
    sent = []
    monkeypatch.setattr(jobs.recompute, "apply_async", lambda args, countdown: sent.append((args, countdown)))
    return sent


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(jobs.recompute, "apply_async", refuse)
    monkeypatch.setattr(jobs.recompute, "delay", refuse)


def test_a_registered_recompute_runs_once_committed_and_is_recorded(counted, world, jobs_inline):
    asked, _failing = counted
    with jobs_inline(), transaction.atomic():
        recompute.mark_stale("test_counts", region_ids=[world.district.pk, world.other_district.pk],
                             quarters=[Q, Q.shift(4)])
        assert asked == []  # not before the commit
    assert asked == [(sorted([world.district.pk, world.other_district.pk]), ["2024Q1", "2025Q1"])]
    run = JobRun.objects.get()
    assert (run.name, run.label, run.state) == ("recompute_test_counts", "重新计算测试值", "done")
    assert run.result == "4 个测试值"
    assert run.arguments == {"regions": asked[0][0], "quarters": ["2024Q1", "2025Q1"]}
    assert not StaleMark.objects.exists()  # the job claimed its marks


def test_marks_of_both_kinds_coalesce(world, standard, queued, django_capture_on_commit_callbacks):  # noqa: F811
    from reports.services import scores_stale

    district, other = world.district.pk, world.other_district.pk
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for _ in range(3):  # a burst of changes in one transaction
            recompute_after_commit(world.district, Q)
            scores_stale(region=world.district, quarter=Q)
        recompute.mark_stale("indicator_values", region_ids=[district, other], quarters=[Q])  # only 黔江 is new
    assert len(callbacks) == 3
    for callback in callbacks:
        callback()
    assert sorted(queued) == sorted([
        (("indicator_values", [district], ["2024Q1", "2025Q1"]), 0),
        (("indicator_values", [other], ["2024Q1"]), 0),
        (("scores", [district], ["2024Q1"]), settings.SCORES_COALESCE_SECONDS),
    ])
    marks = StaleMark.objects.values_list("recompute", "region", "year", "quarter", "queue_failed")
    assert sorted(marks) == sorted([("indicator_values", district, 2024, 1, False),
                                    ("indicator_values", district, 2025, 1, False),
                                    ("indicator_values", other, 2024, 1, False), ("scores", district, 2024, 1, False)])
    queued.clear()
    for callback in callbacks:  # later transactions, while the jobs wait: nothing more is queued
        callback()
    assert queued == []
    StaleMark.objects.filter(recompute="scores").update(queue_failed=True)  # that job never left
    callbacks[1]()
    assert queued == [(("scores", [district], ["2024Q1"]), settings.SCORES_COALESCE_SECONDS)]
    assert not StaleMark.objects.filter(queue_failed=True).exists()


def test_a_failure_is_recorded_with_its_last_error_line_and_retried(counted, world, administrator, client_for,
                                                                      jobs_inline):
    asked, failing = counted
    failing.append(ZeroDivisionError("黔江区 2024年第一季度：分母为零"))
    with pytest.raises(ZeroDivisionError):
        jobs.recompute("test_counts", [world.other_district.pk], ["2024Q1"])
    failed = JobRun.objects.get()
    assert failed.state == "failed" and failed.finished_at is not None
    assert failed.error.startswith("Traceback")
    assert failed.error_line == "ZeroDivisionError: 黔江区 2024年第一季度：分母为零"
    page = client_for(administrator).get(reverse("reports:jobs")).content.decode()
    assert "重新计算测试值" in page and "黔江区 2024年第一季度" in page
    assert "ZeroDivisionError: 黔江区 2024年第一季度：分母为零" in page and "重试" in page
    failing.clear()
    with jobs_inline():
        response = client_for(administrator).post(reverse("reports:job_retry"), {"run": failed.pk}, follow=True)
    assert "已重新排队：重新计算测试值。" in response.content.decode()
    again = JobRun.objects.exclude(pk=failed.pk).get()
    assert (again.state, again.arguments, again.result) == ("done", failed.arguments, "1 个测试值")
    assert asked == [([world.other_district.pk], ["2024Q1"])]


def test_a_retry_with_the_broker_down_says_so(counted, world, broker_down):
    failed = JobRun.objects.create(name="recompute_test_counts", state="failed",
                                   arguments={"regions": [world.district.pk, 999999], "quarters": ["2024Q1"]})
    with pytest.raises(runs.CannotRetry, match="后台任务服务不可用"):
        runs.retry(failed)
    gone = JobRun.objects.create(name="recompute_test_counts", state="failed",
                                 arguments={"regions": [999998, 999999], "quarters": ["2024Q1"]})
    with pytest.raises(runs.CannotRetry, match="该任务涉及的区县已不存在"):
        runs.retry(gone)


@pytest.mark.django_db(transaction=True)  # as on a worker: what a job marks is queued at once
def test_the_sweep_catches_up_with_what_the_broker_refused(world, standard, broker_down):  # noqa: F811
    enter_figures(world.district, Q, **{WATER: 3300, AREA: "42.5"})
    recompute_after_commit(world.district, Q)  # committed; its job refused
    marks = StaleMark.objects.values_list("recompute", "year", "quarter", "queue_failed")
    assert sorted(marks) == [("indicator_values", 2024, 1, True), ("indicator_values", 2025, 1, True)]
    assert not ComputedValue.objects.exists()
    # The values of 2024Q1 and 2025Q1; then the scores they change, whose job is refused too.
    assert jobs.recompute_stale() == 4
    value = ComputedValue.objects.get(region=world.district, indicator__code="BULK_1", year=2024, quarter=1)
    assert value.value == Decimal("77.647059")
    assert RegionVerdict.objects.filter(region=world.district, year=2024, quarter=1).exists()
    quarters = {"regions": [world.district.pk], "quarters": ["2024Q1", "2025Q1"]}
    assert list(JobRun.objects.order_by("pk").values_list("name", "state", "arguments")) == [
        ("recompute_indicator_values", "done", quarters), ("recompute_scores", "done", quarters)]
    assert not StaleMark.objects.exists()
    assert jobs.recompute_stale() == 0 and JobRun.objects.count() == 2  # nothing to do: nothing recorded


def test_values_of_many_regions_and_quarters_queue_one_scores_job(world, queued, django_capture_on_commit_callbacks):
    from indicators.services.compute import scores_changed

    # As a values recompute says it once for every standard the regions adopt.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        scores_changed([world.district, world.other_district], [Q, Q.shift(4)])
    assert len(callbacks) == 1
    assert queued == [(("scores", sorted([world.district.pk, world.other_district.pk]), ["2024Q1", "2025Q1"]),
                       settings.SCORES_COALESCE_SECONDS)]


def test_the_sweep_leaves_marks_whose_job_waits_and_takes_lost_ones(counted, world, queued,
                                                                    django_capture_on_commit_callbacks):
    asked, _failing = counted
    with time_machine.travel("2024-05-01 09:00 +0800", tick=False), django_capture_on_commit_callbacks(execute=True):
        recompute.mark_stale("test_counts", region_ids=[world.district.pk], quarters=[Q])  # its job was lost
    with time_machine.travel("2024-05-01 09:45 +0800", tick=False), django_capture_on_commit_callbacks(execute=True):
        recompute.mark_stale("test_counts", region_ids=[world.other_district.pk], quarters=[Q])  # its job waits
    assert len(queued) == 2
    with time_machine.travel("2024-05-01 09:45 +0800", tick=False):
        assert jobs.recompute_stale() == 1
    assert asked == [([world.district.pk], ["2024Q1"])]
    assert list(StaleMark.objects.values_list("region", flat=True)) == [world.other_district.pk]


def test_the_jobs_page_shows_indicator_recomputes(world, standard, administrator, client_for, jobs_inline):  # noqa: F811
    enter_figures(world.district, Quarter(2026, 4), **{WATER: 3300, AREA: "42.5"})
    with jobs_inline():
        recompute_after_commit(world.district, Quarter(2026, 4))
    # 2026Q4, the same quarter next year and, as a fourth quarter decides the annual items
    # of the next year's first three, 2027Q1–Q3: five quarters of two indicators.
    page = client_for(administrator).get(reverse("reports:jobs")).content.decode()
    assert "重新计算指标值" in page and "武隆区 2026年第四季度—2027年第四季度" in page and "10 个指标值" in page
    assert "重新计算评分" in page and "武隆区 2026年第四季度" in page  # the scores the new values changed
    many = JobRun.objects.create(name="recompute_indicator_values", state="done", result="0 个指标值",
                                 arguments={"regions": list(range(1, 13)), "quarters": ["2026Q4"]})
    page = client_for(administrator).get(reverse("reports:jobs")).content.decode()
    assert "12 个区县，2026年第四季度" in page and many.result in page
