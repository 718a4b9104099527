"""Jobs run on a real worker through Redis, against PostgreSQL."""

import pytest
from axes.models import AccessLog

from org import jobs
from tests.test_jobs import make_sign_in_records

pytestmark = [pytest.mark.integration]


@pytest.mark.django_db(transaction=True)
def test_purge_job_runs_on_the_worker(celery_worker_process, settings):
    from django.utils import timezone

    make_sign_in_records(timezone.now())
    # The worker reads AXES_LOG_RETENTION_DAYS from its own settings: the default 90 days.
    result = jobs.purge_old_access_logs.apply_async(ignore_result=False)  # results are off by default
    assert result.get(timeout=60) == 2
    assert AccessLog.objects.count() == 1
    assert celery_worker_process.poll() is None


def test_settings_are_not_eager(settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
