"""Background jobs of ``core``."""

from celery import shared_task

from . import pending_uploads


@shared_task(name="core.jobs.purge_stale_uploads")
def purge_stale_uploads():
    """Remove the files of pending uploads past their expiry (``pending_uploads.EXPIRY_HOURS``)."""
    return pending_uploads.purge_stale()
