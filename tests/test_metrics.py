"""/metrics (core/metrics.py): only for the monitoring host, request latency by route name,
jobs from JobRun, the queue's length in Redis and the pending uploads as they are."""

import os
import socket
import time
from datetime import timedelta

import pytest
import redis
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from core.models import JobRun
from tests.test_audit import proxy_settings

# A Redis database of these tests' own on the machine's Redis (CI's suite uses 15, the bench 14).
QUEUE_REDIS = os.environ.get("METRICS_TEST_REDIS", "redis://127.0.0.1:6379/13")


def scrape(client=None, **headers):
    response = (client or Client()).get(reverse("metrics"), **headers)
    assert response.status_code == 200, response.status_code
    return {sample.name: sample for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples if not sample.labels}, [
        sample for family in text_string_to_metric_families(response.content.decode()) for sample in family.samples]


def samples(name, **labels):
    _plain, every = scrape()
    return [sample for sample in every if sample.name == name and labels.items() <= sample.labels.items()]


def value(name, **labels):
    found = samples(name, **labels)
    assert len(found) == 1, (name, labels, found)
    return found[0].value


@pytest.fixture
def embedded(settings):
    settings.REDIS_URL = ""


def test_only_the_monitoring_host_reads_them(db, settings):
    assert Client().get(reverse("metrics")).status_code == 200  # the test client is 127.0.0.1
    stranger = Client().get(reverse("metrics"), REMOTE_ADDR="203.0.113.5")
    assert stranger.status_code == 404
    assert "页面不存在" in stranger.content.decode()  # the portal's own 404, nothing about metrics
    assert Client().post(reverse("metrics"), REMOTE_ADDR="203.0.113.5").status_code == 404
    assert Client().post(reverse("metrics")).status_code == 405
    settings.METRICS_ALLOWED_IPS = ["10.1.2.0/24"]
    assert Client().get(reverse("metrics"), REMOTE_ADDR="10.1.2.9").status_code == 200
    assert Client().get(reverse("metrics")).status_code == 404


def test_behind_nginx_a_client_cannot_claim_the_monitoring_host(db):
    # Reached directly (no proxy counted), X-Forwarded-For is anybody's to write and ignored.
    assert Client().get(reverse("metrics"), REMOTE_ADDR="203.0.113.5",
                        HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 404
    # Behind nginx (AXES_PROXY_COUNT=1) the client is the address nginx appended, as in the audit log.
    with override_settings(**proxy_settings(1)):
        claimed = Client().get(reverse("metrics"), REMOTE_ADDR="127.0.0.1",
                               HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.5")
        assert claimed.status_code == 404
        assert Client().get(reverse("metrics"), REMOTE_ADDR="127.0.0.1",
                            HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200


def test_latency_by_route_name_not_path(world, reviewer, client_for):
    from tests.test_route_matrix import a_plan

    plan = a_plan(world.district)
    path = reverse("tasks:plan_detail", args=[plan.pk])
    before = samples("jieshui_http_request_duration_seconds_count", route="tasks:plan_detail", method="GET",
                     status="2xx")
    assert client_for(reviewer).get(path).status_code == 200
    assert client_for(reviewer).get("/no-such-page/").status_code == 404
    count = value("jieshui_http_request_duration_seconds_count", route="tasks:plan_detail", method="GET",
                  status="2xx")
    assert count == (before[0].value if before else 0) + 1
    assert value("jieshui_http_request_duration_seconds_count", route="unresolved", method="GET", status="4xx") >= 1
    _plain, every = scrape()
    labels = {value for sample in every for value in sample.labels.values()}
    assert not [label for label in labels if "/" in label]  # no path became a label


def test_jobs_from_their_runs(db):
    now = timezone.now()

    def run(name, state, seconds=None):
        job = JobRun.objects.create(name=name, state=state)
        finished = now if seconds is not None else None
        JobRun.objects.filter(pk=job.pk).update(started_at=now - timedelta(seconds=seconds or 0), finished_at=finished)

    run("reports.build", JobRun.State.DONE, 3)
    run("reports.build", JobRun.State.DONE, 200)
    run("reports.build", JobRun.State.FAILED, 10)
    run("core.recompute", JobRun.State.RUNNING)
    assert value("jieshui_job_runs_total", job="reports.build", state="done") == 2
    assert value("jieshui_job_runs_total", job="reports.build", state="failed") == 1
    assert value("jieshui_jobs_running", job="core.recompute") == 1
    assert value("jieshui_job_duration_seconds_count", job="reports.build") == 3
    assert value("jieshui_job_duration_seconds_sum", job="reports.build") == pytest.approx(213)
    assert value("jieshui_job_duration_seconds_bucket", job="reports.build", le="5.0") == 1
    assert value("jieshui_job_duration_seconds_bucket", job="reports.build", le="15.0") == 2
    assert value("jieshui_job_duration_seconds_bucket", job="reports.build", le="300.0") == 3
    assert not samples("jieshui_job_duration_seconds_count", job="core.recompute")  # not finished


def test_pending_uploads_as_stored(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert value("jieshui_pending_uploads") == 0
    default_storage.save("imports/7/a", ContentFile(b"x" * 1000))
    default_storage.save("imports/8/b", ContentFile(b"y" * 24))
    old = default_storage.save("imports/8/c", ContentFile(b"z" * 6))
    a_day_ago = time.time() - 25 * 3600
    os.utime(default_storage.path(old), (a_day_ago, a_day_ago))
    default_storage.save("evidence/2026/01/not-an-upload.pdf", ContentFile(b"%PDF"))
    assert value("jieshui_pending_uploads") == 3
    assert value("jieshui_pending_upload_bytes") == 1030
    assert value("jieshui_pending_uploads_expired") == 1


def test_no_queue_when_jobs_run_inline(embedded, db):
    assert not samples("jieshui_celery_queue_length")
    assert not samples("jieshui_broker_up")


def test_a_stopped_broker_is_reported_quickly(db, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.REDIS_URL = f"redis://:secret-pw@127.0.0.1:{port}/0"
    started = time.monotonic()
    assert value("jieshui_broker_up") == 0
    assert time.monotonic() - started < 5
    assert not samples("jieshui_celery_queue_length")
    assert "secret-pw" not in Client().get(reverse("metrics")).content.decode()


@pytest.fixture
def queue_redis(settings):
    client = redis.Redis.from_url(QUEUE_REDIS, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("REQUIRE_INTEGRATION"):
            pytest.fail(f"no Redis at {QUEUE_REDIS}")
        pytest.skip(f"no Redis at {QUEUE_REDIS}")
    client.delete("celery")
    settings.REDIS_URL = QUEUE_REDIS
    yield client
    client.delete("celery")


def test_queue_length_as_in_redis(db, queue_redis):
    assert value("jieshui_broker_up") == 1
    assert value("jieshui_celery_queue_length", queue="celery") == 0
    queue_redis.rpush("celery", "job-1", "job-2", "job-3")
    assert value("jieshui_celery_queue_length", queue="celery") == 3
    queue_redis.lpop("celery")
    assert value("jieshui_celery_queue_length", queue="celery") == 2


def test_several_processes_are_added_up(tmp_path):
    """gunicorn's workers each time their own requests; with PROMETHEUS_MULTIPROC_DIR a scrape
    in any of them reports the sum (deploy/jieshui-web.service sets it)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    setup = "import django; django.setup(); from core import metrics; "
    for _worker in range(2):
        subprocess.run([sys.executable, "-c", setup + "metrics.REQUEST_LATENCY.labels(route='home', method='GET', "
                        "status='2xx').observe(0.2)"], cwd=root, env=env, check=True, timeout=120)
    scraped = subprocess.run(
        [sys.executable, "-c", setup + "from prometheus_client import generate_latest; "
         # The figures read from the database are another test's; this process has no test database.
         "metrics.PortalCollector.collect = lambda self: iter(()); "
         "print(generate_latest(metrics.scrape_registry()).decode())"],
        cwd=root, env=env, check=True, timeout=120, capture_output=True, text=True).stdout
    assert 'jieshui_http_request_duration_seconds_count{method="GET",route="home",status="2xx"} 2.0' in scraped
