"""Celery wiring and the sign-in record purge job (run eagerly here; on a worker in integration)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.utils import timezone

from config.celery import app
from org import jobs, services


def test_jobs_are_discovered_from_jobs_modules():
    app.loader.import_default_modules()
    assert "org.jobs.purge_old_access_logs" in app.tasks


def test_every_beat_entry_names_a_registered_job():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


def make_sign_in_records(now):
    old, recent = now - timedelta(days=120), now - timedelta(days=5)
    for when in (old, recent):
        log = AccessLog.objects.create(user_agent="ua", ip_address="10.0.0.1", username="u", path_info="/")
        failure = AccessFailureLog.objects.create(user_agent="ua", ip_address="10.0.0.1", username="u", path_info="/")
        AccessLog.objects.filter(pk=log.pk).update(attempt_time=when)
        AccessFailureLog.objects.filter(pk=failure.pk).update(attempt_time=when)
    attempt = AccessAttempt.objects.create(
        user_agent="ua",
        ip_address="10.0.0.1",
        username="u",
        path_info="/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=old)


@pytest.mark.django_db
def test_purge_removes_only_old_records_and_keeps_lockouts():
    now = timezone.now()
    make_sign_in_records(now)
    assert services.access_logs_purge(older_than_days=90, now=now) == 2
    assert AccessLog.objects.count() == 1 and AccessFailureLog.objects.count() == 1
    assert AccessAttempt.objects.count() == 1
    assert services.access_logs_purge(older_than_days=90, now=now) == 0  # safe to run twice


@pytest.mark.django_db
def test_purge_job_uses_the_retention_setting(settings):
    # apply() runs the job here whether or not a broker is configured; a real worker runs
    # it in tests/integration/test_worker.py.
    settings.AXES_LOG_RETENTION_DAYS = 3
    make_sign_in_records(timezone.now())
    assert jobs.purge_old_access_logs.apply().get() == 4


def test_stale_import_uploads_are_purged(settings, tmp_path):
    import os

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from core import jobs as core_jobs
    from core.pending_uploads import purge_stale

    settings.MEDIA_ROOT = tmp_path
    old = default_storage.save("imports/old.xlsx", ContentFile(b"x"))
    new = default_storage.save("imports/new.xlsx", ContentFile(b"y"))
    two_days_ago = timezone.now().timestamp() - 48 * 3600
    os.utime(default_storage.path(old), (two_days_ago, two_days_ago))
    assert purge_stale(older_than_hours=24) == 1
    assert not default_storage.exists(old) and default_storage.exists(new)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        assert core_jobs.purge_stale_uploads.delay().get() == 0
