"""Background jobs of ``core``."""

from celery import shared_task

from . import pending_uploads

# An upload waits this long for its preview to be confirmed before it is thrown away.
PENDING_UPLOAD_HOURS = 24


@shared_task(name="core.jobs.purge_stale_uploads")
def purge_stale_uploads():
    return pending_uploads.purge_stale(older_than_hours=PENDING_UPLOAD_HOURS)
