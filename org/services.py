"""Changes that span models in ``org``."""

from datetime import timedelta

from axes.models import AccessFailureLog, AccessLog
from django.db import transaction
from django.utils import timezone


def access_logs_purge(*, older_than_days, now=None):
    """Delete sign-in records older than the retention period; returns how many went.

    Lockouts themselves (AccessAttempt) expire through django-axes' cool-off and are
    left alone, so a purge never unlocks anyone early.
    """
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    with transaction.atomic():
        logs, _ = AccessLog.objects.filter(attempt_time__lt=cutoff).delete()
        failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()
    return logs + failures
