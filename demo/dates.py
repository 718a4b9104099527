"""The demo's clock: everything the demo loads is dated relative to the day it runs, so
the current and previous quarters are alive on any day (DESIGN.md, "The demo lives today").

The source documents fix where the history starts (武隆's plan of 2019, 黔江's of 2023 with
2022 as its base year); the history then runs up to today."""

from contextlib import contextmanager
from datetime import datetime, time
from unittest import mock

from django.utils import timezone

from core.periods import Quarter


def today():
    return timezone.localdate()


def current_quarter(day=None):
    return Quarter.containing(day or today())


def last_finished_quarter(day=None):
    return current_quarter(day).previous()


def quarters_from(first_year, day=None):
    """Every quarter from the first of ``first_year`` up to the current one, both included."""
    return Quarter.range(Quarter(first_year, 1), current_quarter(day))


def years_from(first_year, day=None):
    return list(range(first_year, current_quarter(day).year + 1))


def now():
    """The moment the demo is loaded at: now, or midday of the demo's day when ``today``
    has been set to another day."""
    moment = timezone.now()
    day = today()
    if timezone.localdate(moment) == day:
        return moment
    return timezone.make_aware(datetime.combine(day, time(12)))


def moment(day, hour=10, minute=0):
    """``day`` at ``hour``:``minute``, never later than ``now()``: a record dated by the
    calendar of a quarter that is still running is dated now instead."""
    return min(timezone.make_aware(datetime.combine(day, time(hour, minute))), now())


@contextmanager
def at(when):
    """Everything written inside happens at ``when``: timestamps, auto-now fields and the
    history rows' dates, as if the clerk had saved it that day. Demo loading only."""
    with mock.patch.object(timezone, "now", lambda: when):
        yield


@contextmanager
def pretend(day):
    """The clock moved to ``day`` (same time of day) while inside, for the whole portal:
    ``load_demo --today`` loads the demo as it would be loaded that day."""
    real_now = timezone.now
    offset = datetime.combine(day, time()) - datetime.combine(timezone.localdate(), time())
    with mock.patch.object(timezone, "now", lambda: real_now() + offset):
        yield
