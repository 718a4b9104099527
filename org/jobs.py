"""Background jobs of ``org``: thin wrappers around services so the same code runs inline."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(name="org.jobs.purge_old_access_logs")
def purge_old_access_logs():
    """Nightly: keep sign-in records only as long as AXES_LOG_RETENTION_DAYS says."""
    return services.access_logs_purge(older_than_days=settings.AXES_LOG_RETENTION_DAYS)
