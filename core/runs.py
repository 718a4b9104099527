"""Recording background job runs, for the administrators' jobs page: every app's jobs
record their runs here (``recorded``), and each app registers the kinds of runs it makes
(``register``): how the page names them and how a failed one is run again."""

import traceback
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError

from .models import JobRun

# The extra tag of a "being built; this page shows its progress" message: the page drops the
# message once the build's polled row is no longer building (partials/messages.html, portal.js).
WHILE_BUILDING = "while-building"

# Said on a page (and kept as a failed build's reason) when a job cannot be handed to the
# broker: nothing was started, the user tries again later.
BROKER_DOWN = gettext_lazy("The background job service is unavailable; try again later.")


class CannotRetry(ValueError):
    """The failed run cannot be run again: what it was about no longer exists, or the
    broker refused the job."""


@dataclass(frozen=True)
class Kind:
    label: str  # lazily translated
    # retry(run, user) queues the run again, with the arguments it had; raises CannotRetry.
    retry: Callable | None = None


KINDS = {}


def register(name, *, label, retry=None):
    """Runs recorded as ``name`` are shown as ``label`` and, when they fail, offered a retry
    that calls ``retry(run, user)``."""
    KINDS[name] = Kind(label, retry)


@contextmanager
def recorded(name, **arguments):
    """Record a run of job ``name``: running, then done with its result (what the block
    puts in ``outcome["result"]``) or failed with the error (re-raised, so Celery sees the
    failure too)."""
    run = JobRun.objects.create(name=name, arguments=arguments)
    outcome = {"result": ""}
    try:
        yield outcome
    except Exception:
        run.state, run.error = JobRun.State.FAILED, traceback.format_exc()[-4000:]
        run.finished_at = timezone.now()
        run.save(update_fields=["state", "error", "finished_at"])
        raise
    run.state, run.result, run.finished_at = JobRun.State.DONE, str(outcome["result"])[:300], timezone.now()
    run.save(update_fields=["state", "result", "finished_at"])


def retry(run, *, user=None):
    """Run a failed job again with the arguments it had; the new run is recorded as its own."""
    if not run.can_retry:
        raise CannotRetry(_("Only a failed run can be retried."))
    KINDS[run.name].retry(run, user)


def queue(job, *args):
    """Queue ``job`` for a retry; nothing was written, so there is no commit to wait for."""
    try:
        job.delay(*args)
    except OperationalError:
        raise CannotRetry(str(BROKER_DOWN)) from None


def regions_of(run):
    """The ids of the regions a run was about (its ``regions`` argument) that still exist."""
    from org.models import Region

    asked = run.arguments.get("regions", [])
    found = sorted(Region.objects.filter(pk__in=asked).values_list("pk", flat=True))
    if not found:
        raise CannotRetry(_("The region of this run no longer exists.") if len(asked) == 1
                          else _("The regions of this run no longer exist."))
    return found
