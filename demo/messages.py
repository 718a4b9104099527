"""The demo's people have read their older messages: the demo takes each department's entries
and data reports through years of review in one load, and every step tells someone (after
the load commits). A message stays unread only while it still asks something of its reader
— a submission not yet decided, a return not yet corrected (its record has not changed
since) — or is an approval of the running quarter; the rest are marked read."""

from django.utils import timezone

from core.periods import Quarter
from core.workflow import ReviewState
from indicators.models import DataReport
from org.models import Notification
from tasks.models import ProgressReport

from . import dates

MODELS = {model._meta.label_lower: model for model in (ProgressReport, DataReport)}
KEYS = r"^(tasks\.progressreport|indicators\.datareport):"


def settle():
    """Mark read the review messages nobody need act on any more; returns how many."""
    notes = list(Notification.objects.filter(read_at__isnull=True, key__regex=KEYS).values_list("pk", "key"))
    records = {}
    for label, model in MODELS.items():
        pks = {int(key.split(":")[1]) for _pk, key in notes if key.startswith(label + ":")}
        records[label] = {pk: rest for pk, *rest in model.objects.filter(pk__in=pks).values_list(
            "pk", "version", "year", "quarter")}
    running = Quarter.containing(dates.today())
    read = []
    for pk, key in notes:
        label, record, state, version = key.split(":")
        current, year, quarter = records[label].get(int(record), (None, None, None))
        if state == ReviewState.APPROVED:
            still_news = year is not None and Quarter(year, quarter) == running
        else:
            still_news = f"v{current}" == version
        if not still_news:
            read.append(pk)
    return Notification.objects.filter(pk__in=read).update(read_at=timezone.now())
