"""Scores and the quarterly report on a real Celery worker through Redis, against PostgreSQL:
the recompute enqueued by approvals, then a report requested on the page and built by the
worker, its progress polled and its files downloaded."""

import io
import time

import openpyxl
import pytest
from django.urls import reverse

from core.models import JobRun, StaleMark
from reports.models import QuarterlyReport, Scorecard
from tests.test_scorecards import Q2, plan, quarter_of_work  # noqa: F401 - fixtures

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def wait_for(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not finish in {timeout} s: {what}")
        time.sleep(0.2)


def worker_idle():
    return not StaleMark.objects.exists() and not JobRun.objects.filter(state=JobRun.State.RUNNING).exists()


def test_the_worker_recomputes_scores_and_builds_the_report(celery_worker_process, quarter_of_work, world,  # noqa: F811
                                                            reviewer, client_for):
    # The fixture's approvals and returns were committed with their recompute enqueued.
    wait_for(worker_idle, "score recompute")
    assert JobRun.objects.filter(name="recompute_scores", state=JobRun.State.DONE).exists()
    assert not JobRun.objects.filter(state=JobRun.State.FAILED).exists()
    water = Scorecard.objects.get(department=world.water_bureau, year=Q2.year, quarter=Q2.number)
    assert str(water.composite) == "62.8"

    client = client_for(reviewer)
    response = client.post(reverse("reports:quarterly_build"), {"region": world.district.code, "quarter": str(Q2)})
    assert response.status_code == 302
    report = QuarterlyReport.objects.get(region=world.district)
    status_url = reverse("reports:quarterly_status", args=[report.pk])

    def finished():
        report.refresh_from_db()
        return report.state in (QuarterlyReport.State.DONE, QuarterlyReport.State.FAILED)

    wait_for(finished, "report build")
    assert report.state == QuarterlyReport.State.DONE, report.reason
    assert report.is_current and report.progress == 100
    row = client.get(status_url).content.decode()
    assert "hx-trigger" not in row and reverse("reports:quarterly_file", args=[report.pk, "docx"]) in row
    download = client.get(reverse("reports:quarterly_file", args=[report.pk, "xlsx"]))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    scores = {row[0]: row[1] for row in workbook["部门评分"].iter_rows(min_row=4, values_only=True)}
    assert scores == {"区城管局": 100.0, "区水利局": 62.8}
    assert JobRun.objects.get(name="build_report").state == JobRun.State.DONE
    assert celery_worker_process.poll() is None
