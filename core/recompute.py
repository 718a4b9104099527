"""One way to recompute what is derived from records: a change marks the region × quarters
it affects stale, the marks of one transaction are queued together once it commits, a
region × quarter waiting for its job is not queued again, every run is recorded for the
jobs page, and a catch-up sweep takes the marks no queued job will (the broker refused the
job, or lost it).

Each app registers what it recomputes in its ``AppConfig.ready``::

    recompute.register("scores", compute=services.scores_recompute, label=_("Recompute scores"),
                       countdown=lambda: settings.SCORES_COALESCE_SECONDS, after=("indicator_values",))

and says when it is needed with ``recompute.mark_stale("scores", region_ids=[...], quarters=[...])``.
"""

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from . import runs
from .models import StaleMark
from .periods import Quarter

logger = logging.getLogger(__name__)

# A mark older than this, whose job has not taken it, belongs to a job the broker lost.
SWEEP_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class Recompute:
    name: str
    # compute(region ids, quarters) computes and stores every region × quarter of the two
    # lists (it may run twice) and returns what it did, in words, for the jobs page.
    compute: Callable
    label: str
    countdown: Callable  # () -> seconds a queued job waits, so that the rest of a burst joins it
    after: tuple  # the recomputes whose results this one reads: the sweep runs those first


RECOMPUTES = {}


def register(name, *, compute, label, countdown=lambda: 0, after=()):
    RECOMPUTES[name] = Recompute(name, compute, label, countdown, tuple(after))
    runs.register(run_name(name), label=label, retry=_retry)


def run_name(name):
    """What the runs of recompute ``name`` are recorded as."""
    return f"recompute_{name}"


def mark_stale(name, *, region_ids, quarters):
    """What recompute ``name`` computes for ``region_ids`` × ``quarters`` changed: once the
    change commits, mark them stale and queue a job for those no job is waiting for. Within
    one transaction a region × quarter is queued once however often it changes, and the
    marks of one call, or of a ``together`` block, are queued together (one job for a bulk
    import of many regions)."""
    if name not in RECOMPUTES:  # here, not in a callback after the commit
        raise KeyError(f"no recompute is registered as {name!r}")
    keys = {(region_id, quarter) for region_id in region_ids for quarter in quarters}
    gathered = getattr(_together, "marks", None)
    if gathered is not None:
        gathered[name] |= keys
        return
    _mark(name, keys)


@contextmanager
def together():
    """Within the block, the marks of every call are gathered and queued as one, when it ends:
    one job per recompute, where each call would queue its own (a values recompute says its
    regions' scores changed once for every standard and quarter it computed)."""
    if getattr(_together, "marks", None) is not None:  # within another: that one queues
        yield
        return
    _together.marks = defaultdict(set)
    try:
        yield
        gathered = _together.marks
    finally:
        _together.marks = None
    for name, keys in gathered.items():
        _mark(name, keys)


_together = threading.local()


def _mark(name, keys):
    if connection.in_atomic_block:
        for _savepoints, callback, _robust in connection.run_on_commit:
            if isinstance(callback, _Marks) and callback.name == name:
                keys -= callback.keys
        if not keys:
            return
    transaction.on_commit(_Marks(name, keys))  # outside a transaction: at once


class _Marks:
    """Marks waiting for their transaction to commit."""

    def __init__(self, name, keys):
        self.name, self.keys = name, keys

    def __call__(self):
        _queue(RECOMPUTES[self.name], self.keys)


def _queue(recompute, keys):
    """Mark ``keys`` (region id, quarter) stale and queue jobs for those no job waits for; with
    the broker down the marks stay, flagged, for the sweep. The change is committed either way."""
    from . import jobs  # the job module imports this one

    stored = StaleMark.objects.filter(recompute=recompute.name, region__in={region_id for region_id, _q in keys},
                                      year__in={quarter.year for _r, quarter in keys})
    rows = stored.values_list("region_id", "year", "quarter", "queue_failed")
    flagged = {(region_id, Quarter(year, number)): failed for region_id, year, number, failed in rows}
    todo = {key for key in keys if flagged.get(key, True)}  # no mark, or its job never left
    StaleMark.objects.bulk_create(
        [StaleMark(recompute=recompute.name, region_id=region_id, year=quarter.year, quarter=quarter.number)
         for region_id, quarter in todo if (region_id, quarter) not in flagged],
        ignore_conflicts=True,  # another transaction marked it meanwhile
    )
    for region_ids, quarters in batches(todo):
        try:
            jobs.recompute.apply_async((recompute.name, region_ids, [str(q) for q in quarters]),
                                       countdown=recompute.countdown())
        except OperationalError:
            logger.warning("%s of %d region-quarters not queued (broker unavailable): left marked",
                           recompute.name, len(region_ids) * len(quarters))
            _flag(recompute.name, region_ids, quarters, failed=True)
        else:
            if any(flagged.get((region_id, quarter)) for region_id in region_ids for quarter in quarters):
                _flag(recompute.name, region_ids, quarters, failed=False)


def _flag(name, region_ids, quarters, *, failed):
    _marks(name, region_ids, quarters).update(queue_failed=failed)


def _marks(name, region_ids, quarters):
    of_quarters = Q()
    for quarter in quarters:
        of_quarters |= Q(year=quarter.year, quarter=quarter.number)
    return StaleMark.objects.filter(of_quarters, recompute=name, region__in=region_ids)


def batches(keys):
    """(region ids, quarters) whose products are exactly ``keys``: the regions grouped by the
    quarters they need, so a change to many regions, or to many quarters, is one job."""
    by_region = defaultdict(set)
    for region_id, quarter in keys:
        by_region[region_id].add(quarter)
    groups = defaultdict(list)
    for region_id, quarters in by_region.items():
        groups[tuple(sorted(quarters))].append(region_id)
    return sorted((sorted(region_ids), list(quarters)) for quarters, region_ids in groups.items())


def run(name, region_ids, quarters):
    """The job: claim the marks (changes made while it runs mark them again), compute, and
    record the run. ``quarters`` as text, e.g. "2026Q4"."""
    with runs.recorded(run_name(name), regions=region_ids, quarters=quarters) as outcome:
        outcome["result"] = compute_now(name, region_ids, [Quarter.parse(text) for text in quarters])
    return outcome["result"]


def compute_now(name, region_ids, quarters):
    """Claim the marks of ``region_ids`` × ``quarters`` and compute them here; returns what
    the recompute says it did."""
    _marks(name, region_ids, quarters).delete()
    return RECOMPUTES[name].compute(region_ids, quarters)


def orphaned(name):
    """The (region id, quarter) marked for ``name`` that no queued job will take: the broker
    refused their job, or they were marked long enough ago that their job must be lost."""
    marks = StaleMark.objects.filter(Q(queue_failed=True) | Q(since__lt=timezone.now() - SWEEP_AFTER),
                                     recompute=name)
    return {(region_id, Quarter(year, number)) for region_id, year, number in
            marks.values_list("region_id", "year", "quarter")}


def catch_up():
    """The sweep: every orphaned mark recomputed here, what others read first (a run of its
    own for each batch, recorded like a queued one); returns how many region-quarters."""
    done = 0
    for recompute in _in_order(RECOMPUTES):
        keys = orphaned(recompute.name)
        for region_ids, quarters in batches(keys):
            run(recompute.name, region_ids, [str(quarter) for quarter in quarters])
        done += len(keys)
    return done


def _in_order(names):
    """The registered recomputes of ``names``, each after those it reads."""
    ordered = []

    def visit(name):
        recompute = RECOMPUTES[name]
        if recompute not in ordered:
            for earlier in recompute.after:
                if earlier in names and earlier in RECOMPUTES:
                    visit(earlier)
            ordered.append(recompute)

    for name in names:
        visit(name)
    return ordered


def _retry(run, user):
    """Queue a failed recompute run again with its regions (those still there) and quarters."""
    from . import jobs

    runs.queue(jobs.recompute, run.name.removeprefix("recompute_"), runs.regions_of(run), run.arguments["quarters"])
