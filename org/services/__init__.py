"""Changes that span models in ``org``."""

from datetime import timedelta

from axes.models import AccessFailureLog, AccessLog
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ..models import Notification


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


def notification_send(*, user, key, title, body="", url=""):
    """Record a notification and e-mail it, once per user and key; returns whether it was new.

    The row is claimed first (the unique key) and the e-mail sent after, so a sender that
    runs twice, or two at once, notifies once.
    """
    with transaction.atomic():
        _notification, created = Notification.objects.get_or_create(
            user=user, key=key, defaults={"title": title, "body": body, "url": url}
        )
    if created and user.email:
        send_mail(title, f"{body}\n\n{url}".strip(), None, [user.email], fail_silently=True)
    return created


def notifications_mark_read(*, user, now=None):
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now or timezone.now())
