"""Faults, on PostgreSQL with real workers: a worker killed with SIGKILL in the middle of a
report build, Redis stopped while people work, and a database error in the middle of every
import. Each test that needs a broker starts a redis-server of its own, so it can stop it
without disturbing anyone else."""

import os
import signal
import time
from contextlib import contextmanager
from urllib.parse import urlencode

import openpyxl
import psycopg2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from carriers.imports import CARRIERS, USERS
from carriers.models import Carrier, UserYear
from core import jobs as core_jobs
from core.models import JobRun, StaleMark
from demo import catalogue as indicator_demo
from demo import table_data
from demo.tables import build_bytes
from indicators.models import Adoption, ComputedValue, DataReport, DataValue, Indicator
from org.models import User
from reports.models import QuarterlyReport, RegionVerdict, Scorecard
from reports.services import scores_compute
from tasks.models import Plan, ProgressReport
from tests.helpers import enter_figures, import_table, level_counts, new_plan, said, snapshot
from tests.integration.conftest import start_worker, stop_worker
from tests.test_bulk_statistics import file_of, good_rows, standard  # noqa: F401 - fixture
from tests.test_carrier_import import (
    GOOD_USERS,
    carrier_row,
    carriers_book,
    code,
    registered,  # noqa: F401 - fixture
    users_book,
    wulong,  # noqa: F401 - fixture
)
from tests.test_carrier_import import preview_url as carriers_preview_url
from tests.test_indicator_upload import FIGURES, fill
from tests.test_indicator_upload import template as statistics_template
from tests.test_indicator_upload import upload as statistics_upload
from tests.test_progress_template import filled
from tests.test_progress_template import template as progress_template
from tests.test_scorecards import Q2, plan, quarter_of_work  # noqa: F401 - fixtures

pytestmark = [pytest.mark.integration]

VISIBILITY = 2  # seconds before Redis hands a job taken by a dead worker to another one


def wait_for(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what}")
        time.sleep(0.1)


def within(seconds, call, *args, **kwargs):
    """``call(*args, **kwargs)``, which must answer within ``seconds``: with the broker down
    nobody waits for it."""
    started = time.monotonic()
    result = call(*args, **kwargs)
    assert time.monotonic() - started < seconds, f"{call.__name__} {args[0]} took {time.monotonic() - started:.1f} s"
    return result


@contextmanager
def table_locked(table):
    """``table`` locked against every reader, from another connection, until the block
    ends: whoever reads it meanwhile waits, in the middle of what it was doing."""
    settings = connection.settings_dict
    other = psycopg2.connect(dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"] or "",
                             host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432)
    try:
        with other.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            yield lambda: _waiting_on(cursor, table)
        other.rollback()
    finally:
        other.close()


def _waiting_on(cursor, table):
    cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass", [table])
    return cursor.fetchone()[0]


def report_of(region):
    return QuarterlyReport.objects.get(region=region)


# --- a worker killed in the middle of a build --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_report_whose_worker_is_killed_mid_build_completes_once_after_a_restart(
    own_broker, database_url, quarter_of_work, world, reviewer, client_for  # noqa: F811
):
    from config.celery import app

    app.control.purge()  # the fixture's score recomputes: this test is about the report
    env = {"REDIS_URL": own_broker.url, "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY)}
    first = start_worker("killed@faults", database_url=database_url, **env)
    try:
        # The build claims its row, then reads the plans: with their table locked it stops there.
        with table_locked("tasks_plan") as waiting:
            response = client_for(reviewer).post(reverse("reports:quarterly_build"),
                                                 {"region": world.district.code, "quarter": str(Q2)})
            assert response.status_code == 302
            wait_for(lambda: report_of(world.district).state == QuarterlyReport.State.RUNNING and waiting(),
                     "the build claimed its row and waits in the middle")
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        killed = report_of(world.district)
        assert killed.state == QuarterlyReport.State.RUNNING and killed.progress == 5 and killed.build_task
        time.sleep(VISIBILITY + 1)  # the job it had taken is now handed to the next worker that asks
    finally:
        if first.poll() is None:
            stop_worker(first)
    second = start_worker("restarted@faults", database_url=database_url, **env)
    try:
        wait_for(lambda: not report_of(world.district).is_working, "the build after the restart")
    finally:
        stop_worker(second)

    report = report_of(world.district)  # still the one row: the same job took its build back
    assert report.state == QuarterlyReport.State.DONE, report.reason
    assert report.is_current and report.progress == 100 and report.build_task == killed.build_task
    workbook = openpyxl.load_workbook(report.workbook.open("rb"))
    assert workbook.sheetnames[0] == "概况" and report.document.size and report.html.size
    # One run was killed (closed as failed, not left running), one built it.
    runs = list(JobRun.objects.filter(name="build_report").order_by("pk").values_list("state", "error"))
    assert [state for state, _error in runs] == [JobRun.State.FAILED, JobRun.State.DONE]
    assert "重新派发" in runs[0][1]


# --- Redis stopped while people work ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_pages_serve_changes_are_kept_and_jobs_resume_when_it_is_back(
    own_broker, database_url, quarter_of_work, world, reviewer, reporter, administrator, client_for  # noqa: F811
):
    from config.celery import app

    app.control.purge()  # the fixture's own recomputes: the scores are computed below
    Adoption.objects.create(region=world.district, indicator_set=indicator_demo.load_catalogue(), since_year=2023)
    figures = enter_figures(world.district, Q2, department=world.urban_bureau, state=DataReport.State.SUBMITTED,
                            RES_WATER="200")
    scores_compute(world.district, Q2)
    StaleMark.objects.all().delete()
    worker = start_worker("survivor@faults", database_url=database_url, REDIS_URL=own_broker.url,
                          SCORES_COALESCE_SECONDS="0")
    try:
        own_broker.stop()
        clerk, water = client_for(reporter), client_for(reviewer)
        district = {"region": world.district.code, "quarter": str(Q2)}
        for client, url in [
            (water, reverse("home")), (clerk, reverse("tasks:progress_todo")), (water, reverse("tasks:review_inbox")),
            (water, f"{reverse('reports:summary')}?{urlencode(district)}"),
            (water, f"{reverse('reports:quarterly')}?{urlencode(district)}"),
        ]:
            assert within(5, client.get, url).status_code == 200, url

        # A report cannot start without the broker: the page says so, the build is listed as failed.
        page = within(5, water.post, reverse("reports:quarterly_build"), district, follow=True).content.decode()
        assert page.count("后台任务服务不可用，请稍后重试") == 2  # the message, and the reason on the build's row
        assert report_of(world.district).state == QuarterlyReport.State.FAILED
        earlier = JobRun.objects.create(name="recompute_scores", state="failed",
                                        arguments={"regions": [world.district.pk], "quarters": [str(Q2)]})
        retried = within(5, client_for(administrator).post, reverse("reports:job_retry"), {"run": earlier.pk},
                         follow=True)
        assert "后台任务服务不可用，请稍后重试" in retried.content.decode()

        # Approvals are saved; what they change is marked to be recomputed once the broker is back.
        entry = ProgressReport.objects.get(item=quarter_of_work.items["C"])
        assert within(5, water.post, reverse("tasks:progress_review", args=[entry.pk]),
                      {"version": entry.version}).status_code == 302
        assert within(5, water.post, reverse("indicators:data_review", args=[figures.pk]),
                      {"version": figures.version}).status_code == 302
        entry.refresh_from_db()
        figures.refresh_from_db()
        assert entry.state == figures.state == "approved"
        marks = StaleMark.objects.values_list("recompute", "year", "quarter", "queue_failed")
        assert sorted(marks) == [("indicator_values", 2023, 2, True), ("indicator_values", 2024, 2, True),
                                 ("scores", 2023, 2, True)]
        assert not ComputedValue.objects.exists()

        own_broker.start()  # empty: what it held before it stopped is gone too
        wait_for(lambda: app.control.ping(timeout=1, destination=["survivor@faults"]), "the worker reconnects")
        # What beat sends every ten minutes: the values first, then the scores (which the new
        # values mark again, so a job is queued for them).
        core_jobs.recompute_stale.delay()
        wait_for(lambda: JobRun.objects.filter(name="recompute_indicator_values", state="done").exists(),
                 "the values marked while Redis was down")
        wait_for(lambda: RegionVerdict.objects.filter(region=world.district, year=2023, quarter=2).exists(),
                 "the verdict the values change")
        wait_for(lambda: not StaleMark.objects.exists() and not JobRun.objects.filter(state="running").exists(),
                 "the recompute the values asked for")
        assert JobRun.objects.filter(name="recompute_scores", state="done").exists()
        indicators = Indicator.objects.filter(indicator_set__adoptions__region=world.district).count()
        assert ComputedValue.objects.filter(region=world.district, year=2023, quarter=2).count() == indicators
        stored = sorted(Scorecard.objects.values_list("department", "composite", "parts"))
        scores_compute(world.district, Q2)  # the worker's scores are those of the records as they are now
        assert sorted(Scorecard.objects.values_list("department", "composite", "parts")) == stored
        assert not JobRun.objects.filter(state="failed").exclude(pk=earlier.pk).exists()

        # The user asks for the report again: it is built.
        water.post(reverse("reports:quarterly_build"), district)
        latest = QuarterlyReport.objects.filter(region=world.district).latest("pk")
        wait_for(lambda: QuarterlyReport.objects.get(pk=latest.pk).state == "done", "the report asked for again")
        assert worker.poll() is None  # the worker lived through the outage
    finally:
        stop_worker(worker)


# --- a database error in the middle of an import ------------------------------------------------

DATABASE_REFUSED = "数据库未能保存这次导入，因此什么也没有保存。请稍后重试；如果再次出现，请告知管理员。"


@contextmanager
def failing_write(table, nth):
    """A trigger that makes PostgreSQL refuse the ``nth`` row written to ``table`` (inserted
    or updated) with an error, as a full disk or a broken constraint would, in the middle of
    whatever is writing; yields a function telling how many rows were tried."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE faults_writes")
        cursor.execute(f"""
            CREATE FUNCTION faults_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF nextval('faults_writes') >= {int(nth)} THEN
                    RAISE EXCEPTION 'write % of {table} refused (fault injected)', currval('faults_writes');
                END IF;
                RETURN NEW;
            END $$""")
        cursor.execute(f"CREATE TRIGGER faults_refuse BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW "
                       "EXECUTE FUNCTION faults_refuse()")

    def tried():
        with connection.cursor() as cursor:
            cursor.execute("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM faults_writes")
            return cursor.fetchone()[0]

    try:
        yield tried
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER faults_refuse ON {table}")
            cursor.execute("DROP FUNCTION faults_refuse()")
            cursor.execute("DROP SEQUENCE faults_writes")


def confirm_fails_midway(client, url, *, table, nth, data=None):
    """Confirm the import previewed at ``url`` with the ``nth`` write to ``table`` refused:
    the user is told in Chinese, and every table of the portal is as it was. Confirmed
    again, without the fault, it is imported."""
    before = snapshot()
    with failing_write(table, nth) as tried:
        response = client.post(url, data or {})
        assert tried() == nth  # the import got as far as the refused write, and no further
    assert response.status_code == 200
    assert DATABASE_REFUSED in said(response)
    assert snapshot() == before
    assert client.post(url, data or {}).status_code == 302  # the upload was kept: a retry imports it
    assert snapshot() != before


@pytest.mark.django_db
def test_a_task_table_import_refused_in_the_middle_writes_nothing(regions, client_for):
    client = client_for(User.objects.get(username="wulong_reviewer"))
    upload = SimpleUploadedFile("附件1.xlsx", build_bytes(table_data.WULONG_ANNEX1))
    response = client.post(reverse("tasks:import_upload"), {"file": upload, "region": regions["wulong"].pk,
                                                            "title": "故障导入", "kind": "annual", "start_year": 2019})
    assert response.status_code == 302
    confirm_fails_midway(client, response.url, table="tasks_tasknode", nth=40)  # of 74 nodes
    assert level_counts(Plan.objects.get(title="故障导入")) == [4, 29, 41]


@pytest.mark.django_db
def test_a_progress_template_refused_in_the_middle_writes_nothing(regions, client_for):
    import_table(regions["wulong"], table_data.WULONG_ANNEX1, plan=new_plan(regions["wulong"], title="2019"))
    clerk = User.objects.get(username="wulong_cgj")
    edits = {(5, "F"): "推进中", (5, "G"): 60, (5, "I"): "完成管网排查", (6, "F"): "推进中", (6, "G"): 30,
             (6, "I"): "开始排查", (7, "F"): "推进中", (7, "G"): 10, (7, "I"): "起步"}  # under the 填报单位 line
    client = client_for(clerk)
    file = SimpleUploadedFile("填报表.xlsx", filled(progress_template(clerk.department), edits))
    response = client.post(f"{reverse('tasks:progress_template_upload')}?quarter=2019Q3", {"file": file})
    assert response.status_code == 302
    confirm_fails_midway(client, response.url, table="tasks_progressreport", nth=5)  # the third entry's creation
    assert ProgressReport.objects.filter(department=clerk.department, work_done="起步").exists()


@pytest.mark.django_db
def test_a_statistics_template_refused_in_the_middle_writes_nothing(regions, client_for):
    Adoption.objects.create(region=regions["qianjiang"], indicator_set=indicator_demo.load_catalogue(),
                            since_year=2022)
    client = client_for(User.objects.get(username="qianjiang_cgj"))
    workbook = statistics_template(client)
    fill(workbook)
    response, _data = statistics_upload(client, workbook)
    assert response.status_code == 302
    confirm_fails_midway(client, response.url, table="indicators_datavalue", nth=4)  # of 7 figures
    assert DataValue.objects.filter(region=regions["qianjiang"]).count() == len(FIGURES)


@pytest.mark.django_db
# The figures go in with COPY (psycopg2's own cursor); their history is written last of all.
@pytest.mark.parametrize("table", ["indicators_datavalue", "indicators_historicaldatavalue"])
def test_a_bulk_statistics_import_refused_in_the_middle_writes_nothing(world, standard, administrator,  # noqa: F811
                                                                       client_for, table):
    client = client_for(administrator)
    file = SimpleUploadedFile("批量.xlsx", file_of(good_rows(world)))
    response = client.post(reverse("indicators:bulk_statistics"), {"year": 2024, "quarter": 1, "file": file})
    assert response.status_code == 302
    confirm_fails_midway(client, response.url, table=table, nth=3, data={"confirm_warnings": "on"})
    assert DataValue.history.count() == DataValue.objects.count() == len(good_rows(world))


@pytest.mark.django_db
def test_a_water_users_import_refused_in_the_middle_writes_nothing(wulong, client_for):  # noqa: F811
    client = client_for(User.objects.get(username="wulong_reviewer"))
    url = carriers_preview_url(client, USERS, users_book(GOOD_USERS))
    confirm_fails_midway(client, url, table="carriers_useryear", nth=2)  # the users are written; their years not
    assert UserYear.objects.filter(user__region=wulong).count() == 3


@pytest.mark.django_db
def test_a_carriers_import_refused_in_the_middle_writes_nothing(wulong, registered, client_for):  # noqa: F811
    client = client_for(User.objects.get(username="wulong_reviewer"))
    rows = [
        carrier_row(user="", credit_code=code(1)),
        carrier_row("节水型居民小区", "市级", "已公布", user="凤山小区", published="2023-07-01"),
        carrier_row("节水型学校", "区县级", "创建中", user="区实验小学", accepted=None),
    ]
    url = carriers_preview_url(client, CARRIERS, carriers_book(rows))
    confirm_fails_midway(client, url, table="carriers_carrier", nth=3)
    assert Carrier.objects.filter(region=wulong).count() == 3
