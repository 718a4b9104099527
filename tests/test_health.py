"""/health/ (core/health.py): every check healthy and each one failing, what anybody and what an
administrator is told, no secret in either, and a stopped Redis reported while pages serve."""

import json
import socket
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from core import health, schedule

CHECKS = ["database", "redis", "worker", "beat", "disk"]
REDIS_PASSWORD = "redis-pw-Zq81"
DATABASE_PASSWORD = "db-pw-Kx42"


def closed_port():
    """A loopback port nothing listens on: a stopped Redis."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stopped_redis():
    return f"redis://:{REDIS_PASSWORD}@127.0.0.1:{closed_port()}/0"


def ask(client=None, **headers):
    response = (client or Client()).get(reverse("health"), **headers)
    assert response["Content-Type"] == "application/json"
    return response, json.loads(response.content)


@pytest.fixture
def beat_alive(db):
    schedule.record_heartbeat()


@pytest.fixture
def embedded(settings):
    """The embedded default: no broker, jobs inline."""
    settings.REDIS_URL = ""


class FakeBroker:
    """A Redis that answers, for the worker check without a real broker."""

    def ping(self):
        return True

    def close(self):
        pass


@pytest.fixture
def broker_answers(settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:6379/13"
    monkeypatch.setattr(health, "broker_client", FakeBroker)


def test_healthy_embedded_default(embedded, beat_alive, administrator, client_for):
    response, body = ask()
    assert response.status_code == 200
    assert body == {"status": "ok", "checks": dict.fromkeys(CHECKS, "ok")}
    response, body = ask(client_for(administrator))
    assert response.status_code == 200
    assert set(body["checks"]) == set(CHECKS)
    for name in ("redis", "worker"):  # no broker: not used, and healthy
        assert body["checks"][name]["status"] == "ok"
        assert "未使用" in body["checks"][name]["message"]
    assert "MB" in body["checks"]["disk"]["message"]
    assert "秒前" in body["checks"]["beat"]["message"]
    assert all(0 <= check["seconds"] < 3 for check in body["checks"].values())


def test_anonymous_and_other_users_get_names_and_ok_only(embedded, reviewer, client_for):
    for client in (Client(), client_for(reviewer)):
        response, body = ask(client)
        assert response.status_code == 503  # beat never ran
        assert body == {"status": "failed", "checks": {**dict.fromkeys(CHECKS, "ok"), "beat": "failed"}}


def test_details_in_english_for_an_administrator_who_chose_it(embedded, administrator, client_for):
    client = client_for(administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    _response, body = ask(client)
    assert body["checks"]["beat"]["message"].startswith("Beat's heartbeat has never run")
    assert body["checks"]["redis"]["message"].startswith("not used")


def test_beat_too_long_ago_fails_and_run_schedule_keeps_it_alive(embedded, administrator, client_for, settings):
    schedule.record_heartbeat(timezone.now() - timedelta(seconds=settings.HEALTH_BEAT_MAX_AGE_SECONDS + 30))
    response, body = ask(client_for(administrator))
    assert response.status_code == 503 and body["checks"]["beat"]["status"] == "failed"
    assert "run_schedule" in body["checks"]["beat"]["message"]
    # The embedded default's beat runs the heartbeat entry like any other.
    schedule.run_due({schedule.HEARTBEAT: settings.CELERY_BEAT_SCHEDULE[schedule.HEARTBEAT]}, now=timezone.now())
    response, body = ask()
    assert response.status_code == 200 and body["checks"]["beat"] == "ok"


def test_the_heartbeat_job_records_its_run(db):
    from core.jobs import beat_heartbeat

    assert schedule.last_heartbeat() is None
    beat_heartbeat.apply()
    assert timezone.now() - schedule.last_heartbeat() < timedelta(seconds=5)
    entry = settings.CELERY_BEAT_SCHEDULE[schedule.HEARTBEAT]
    assert entry["task"] == "core.jobs.beat_heartbeat"
    assert entry["schedule"] < settings.HEALTH_BEAT_MAX_AGE_SECONDS  # several chances before it counts as stopped


def test_database_failure(embedded, beat_alive, administrator, client_for, monkeypatch):
    @contextmanager
    def refused(self):
        raise OperationalError(f'connection to server at "db.internal", port 5432 failed: "{DATABASE_PASSWORD}"')
        yield

    monkeypatch.setitem(settings.DATABASES["default"], "PASSWORD", DATABASE_PASSWORD)
    monkeypatch.setattr(BaseDatabaseWrapper, "temporary_connection", refused)
    response, body = ask(client_for(administrator))
    assert response.status_code == 503
    assert body["checks"]["database"]["status"] == "failed"
    assert body["checks"]["database"]["message"].startswith("数据库无响应")
    assert DATABASE_PASSWORD not in response.content.decode()
    assert ask()[1]["checks"]["database"] == "failed"


def test_stopped_redis_is_unhealthy_while_pages_serve(beat_alive, reviewer, administrator, client_for):
    with override_settings(REDIS_URL=stopped_redis()):
        started = time.monotonic()
        response, body = ask()
        assert time.monotonic() - started < 5
        assert response.status_code == 503
        assert body["status"] == "failed"
        assert body["checks"]["redis"] == "failed" and body["checks"]["worker"] == "failed"
        assert body["checks"]["database"] == "ok"
        # The pages do not need Redis to be read.
        assert client_for(reviewer).get(reverse("home")).status_code == 200
        response, body = ask(client_for(administrator))
        assert body["checks"]["redis"]["message"].startswith("Redis 无响应")
        assert body["checks"]["worker"]["status"] == "failed"


def test_no_secret_in_any_answer(beat_alive, administrator, client_for, monkeypatch):
    monkeypatch.setitem(settings.DATABASES["default"], "PASSWORD", DATABASE_PASSWORD)
    with override_settings(REDIS_URL=stopped_redis(), EMAIL_HOST_PASSWORD="mail-pw-Jj77"):
        for client in (Client(), client_for(administrator)):
            text = client.get(reverse("health")).content.decode()
            for secret in (REDIS_PASSWORD, DATABASE_PASSWORD, "mail-pw-Jj77", "redis://", "postgres://",
                           settings.SECRET_KEY, str(settings.BASE_DIR), str(settings.MEDIA_ROOT)):
                assert secret not in text


def test_worker_answers(broker_answers, beat_alive, administrator, client_for, monkeypatch):
    monkeypatch.setattr(app.control, "ping", lambda **options: [{"celery@host": {"ok": "pong"}}])

    class Inspect:
        def active_queues(self):
            return {"celery@host": [{"name": "celery"}]}

    monkeypatch.setattr(app.control, "inspect", lambda *workers, **options: Inspect())
    response, body = ask(client_for(administrator))
    assert body["checks"]["worker"] == {"status": "ok", "message": "", "seconds": body["checks"]["worker"]["seconds"]}
    assert body["checks"]["redis"]["status"] == "ok"
    assert response.status_code == 200


def test_no_worker_answers(broker_answers, beat_alive, administrator, client_for, monkeypatch):
    asked = {}

    def ping(timeout, limit):
        asked.update(timeout=timeout, limit=limit)
        return []

    monkeypatch.setattr(app.control, "ping", ping)
    response, body = ask(client_for(administrator))
    assert response.status_code == 503
    assert body["checks"]["worker"]["status"] == "failed"
    assert body["checks"]["worker"]["message"].startswith("没有 Celery 任务进程")
    assert asked == {"timeout": settings.HEALTH_CHECK_TIMEOUT, "limit": 1}  # short, and done at the first answer


def test_disk_nearly_full(embedded, beat_alive, administrator, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "not-made-yet" / "media"
    settings.HEALTH_MIN_FREE_DISK_MB = 10**9
    response, body = ask(client_for(administrator))
    assert response.status_code == 503
    assert body["checks"]["disk"]["status"] == "failed"
    assert "MB" in body["checks"]["disk"]["message"]
    assert str(tmp_path) not in response.content.decode()


def test_health_takes_no_post(db):
    assert Client().post(reverse("health")).status_code == 405
