"""Background jobs of ``tasks``: thin wrappers around services."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services


@shared_task(name="tasks.jobs.send_progress_reminders")
def send_progress_reminders():
    """Every few hours: remind reporters of entries due soon or overdue (each once)."""
    return services.progress_reminders_send(today=timezone.localdate(), days_ahead=settings.REMINDER_DAYS_AHEAD)
