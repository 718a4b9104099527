"""The demo's clock: everything the demo loads is dated relative to the day it runs, so
the current and previous quarters are alive on any day (DESIGN.md, "The demo lives today").

The source documents fix where the history starts (武隆's plan of 2019, 黔江's of 2023 with
2022 as its base year); the history then runs up to today."""

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
