"""Background jobs of ``tasks``: thin wrappers around services."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services

# An upload waits this long for its preview to be confirmed before it is thrown away.
PENDING_IMPORT_HOURS = 24


@shared_task(name="tasks.jobs.purge_stale_import_uploads")
def purge_stale_import_uploads():
    return services.stale_import_uploads_purge(older_than_hours=PENDING_IMPORT_HOURS)


@shared_task(name="tasks.jobs.send_progress_reminders")
def send_progress_reminders():
    """Every few hours: remind reporters of entries due soon or overdue (each once)."""
    return services.progress_reminders_send(today=timezone.localdate(), days_ahead=settings.REMINDER_DAYS_AHEAD)
