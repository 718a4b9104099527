"""Changing the registry. Every change that can move a coverage figure enqueues, after the
commit, a recompute of the region's indicators from the first quarter it touches."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core import events
from core.periods import Quarter
from core.workflow import save_versioned
from indicators.services import quarters_since, recompute_since_after_commit

from .models import Carrier, WaterAudit

AUDIT_REPORT_DAYS = 90


def registry_changed(region, *years):
    """The registry of ``region`` changed for ``years`` (any that are None are ignored):
    recompute its indicators from the earliest of them on."""
    known = [year for year in years if year]
    if known:
        first = Quarter(min(known), 1)
        recompute_since_after_commit(region, first)
        # Carrier targets are scored too: mark every quarter since as changed.
        for quarter in quarters_since(first, today=timezone.localdate()):
            events.publish(events.SCORES_CHANGED, region=region, quarter=quarter)


def record_save(record, *, version=None, fields=None, user=None, affects=()):
    """Create ``record`` (``version`` None) or save ``fields`` of it if nobody changed it
    since ``version`` (EditConflict otherwise). ``affects`` are the years whose coverage
    figures the change can move."""
    record._history_user = user
    with transaction.atomic():
        if version is None:
            record.full_clean()
            record.save()
        else:
            record.full_clean()
            save_versioned(record, version=version, fields=fields)
        region = record.region if hasattr(record, "region_id") else record.user.region
        registry_changed(region, *affects)
    return record


def carrier_years(carrier, before=None):
    """The years a carrier's change touches: from the earliest of its old and new
    acceptance and end dates on."""
    days = [carrier.accepted_on, carrier.ended_on]
    if before is not None:
        days += [before.accepted_on, before.ended_on]
    return [day.year for day in days if day]


def carrier_save(carrier, *, version=None, fields=None, user=None):
    before = Carrier.objects.filter(pk=carrier.pk).first() if carrier.pk else None
    return record_save(carrier, version=version, fields=fields, user=user, affects=carrier_years(carrier, before))


def audit_order(*, figures, over_percent, user, today):
    """Order the water audit a unit's overuse requires (once per unit and year); returns
    (audit, whether it was ordered now)."""
    existing = WaterAudit.objects.filter(user=figures.user, year=figures.year).first()
    if existing is not None:
        return existing, False
    audit = WaterAudit(
        user=figures.user, year=figures.year, over_percent=round(over_percent, 2), ordered_on=today,
        due_on=today + timedelta(days=AUDIT_REPORT_DAYS),
    )
    audit._history_user = user
    audit.save()
    return audit, True
