"""A tiny beat for the embedded default (``make run``: SQLite, jobs run inline, no broker and
so no Celery beat): ``run_schedule`` runs each entry of CELERY_BEAT_SCHEDULE in its own
process at the entry's interval. When each entry last ran is kept in the database
(``ScheduledRun``), so a restart runs only what has come due meanwhile. Every job is written
to be safe to run twice, so this beat and a real one overlapping for a while do no harm.
"""

import logging
import time
from datetime import timedelta

from django.utils import timezone

from .models import ScheduledRun

log = logging.getLogger(__name__)

# The entry of CELERY_BEAT_SCHEDULE whose job only records that it ran, under this same name
# in ScheduledRun: run_schedule writes the row before running any entry, and the job writes
# it when a worker runs what Celery beat queued, so /health/ reads beat's last sign of life
# from one row in both set-ups (core.health.BeatCheck).
HEARTBEAT = "beat-heartbeat"


def record_heartbeat(now=None):
    ScheduledRun.objects.update_or_create(name=HEARTBEAT, defaults={"last_run_at": now or timezone.now()})


def last_heartbeat():
    """When beat's heartbeat last ran; None when it never has."""
    return ScheduledRun.objects.filter(name=HEARTBEAT).values_list("last_run_at", flat=True).first()


def interval(entry):
    """The entry's period; this beat runs fixed intervals only (all the schedule has)."""
    every = entry["schedule"]
    if isinstance(every, timedelta):
        return every
    if isinstance(every, (int, float)) and not isinstance(every, bool) and every > 0:
        return timedelta(seconds=every)
    raise ValueError(f"run_schedule runs fixed intervals only, not {every!r}")


def apply(entry):
    """Run the entry's job here, in this process, whatever broker is configured."""
    from config.celery import app

    app.loader.import_default_modules()
    return app.tasks[entry["task"]].apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), throw=True).get()


def run_due(schedule, *, now, run=apply):
    """Run every entry of ``schedule`` that has not run within its interval before ``now``;
    returns the names run. The time is recorded before the job runs: one that fails is tried
    again after its interval, not on every tick; its error is logged and the others still run."""
    last = dict(ScheduledRun.objects.filter(name__in=list(schedule)).values_list("name", "last_run_at"))
    ran = []
    for name, entry in schedule.items():
        if name in last and now - last[name] < interval(entry):
            continue
        ScheduledRun.objects.update_or_create(name=name, defaults={"last_run_at": now})
        ran.append(name)
        try:
            log.info("run_schedule: %s (%s) → %s", name, entry["task"], run(entry))
        except Exception:
            log.exception("run_schedule: %s (%s) failed", name, entry["task"])
    return ran


def loop(schedule, *, tick=60, clock=timezone.now, sleep=time.sleep, run=apply, rounds=None):
    """Run what is due every ``tick`` seconds, ``rounds`` times (for ever when None)."""
    for entry in schedule.values():
        interval(entry)  # refuse a schedule this beat cannot keep before running anything
    done = 0
    while rounds is None or done < rounds:
        run_due(schedule, now=clock(), run=run)
        done += 1
        sleep(tick)
