"""Background jobs of ``core``."""

from celery import shared_task

from . import pending_uploads, schedule
from .recompute import catch_up, run


@shared_task(name="core.jobs.purge_stale_uploads")
def purge_stale_uploads():
    """Remove the files of pending uploads past their expiry (``pending_uploads.EXPIRY_HOURS``)."""
    return pending_uploads.purge_stale()


@shared_task(name="core.jobs.recompute")
def recompute(name, region_ids, quarters):
    """Recompute ``name`` (registered in ``core.recompute``) for the regions × quarters; it
    upserts, so it may run twice."""
    return run(name, region_ids, quarters)


@shared_task(name="core.jobs.recompute_stale")
def recompute_stale():
    """Every few minutes: the region × quarters whose recompute the broker could not take,
    or lost, recomputed here (indicator values before the scores that read them)."""
    return catch_up()


@shared_task(name="core.jobs.beat_heartbeat")
def beat_heartbeat():
    """Beat's sign of life, read by /health/. Not a JobRun: one row a minute would bury the
    jobs page; its one ScheduledRun row is overwritten instead."""
    schedule.record_heartbeat()
