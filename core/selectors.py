"""Reads of ``core``: the audit log as a user may read it."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from org.models import User

from .audit import SIGN_IN_ROUTES
from .models import AuditEntry

ENTRIES_PER_PAGE = 50


def audit_readable(scope):
    """Administrators read the whole log; a district reviewer the entries of their district."""
    return scope.is_admin or scope.role == User.Role.REVIEWER


def audit_entries(scope):
    """The entries ``scope`` may read: an administrator every one; a district reviewer those
    of users of their district (the region stored with each entry: the user's department's
    when they acted); anyone else none."""
    return scope.filter(AuditEntry.objects.select_related("region", "user"), region="region", change=True)


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_filtered(entries, *, username="", region=None, route="", since=None, until=None, outcome="",
                   sign_ins=True):
    """``entries`` of one username, of ``region`` and the regions below it, of one route (or,
    given "admin:" or "command:", of every route that starts so), from ``since`` to
    ``until`` inclusive (local dates), with one outcome; an empty filter keeps everything.
    ``sign_ins`` False leaves out signing in and out, unless ``route`` names one of them."""
    if not sign_ins and route not in SIGN_IN_ROUTES:
        entries = entries.exclude(route__in=SIGN_IN_ROUTES)
    if username:
        entries = entries.filter(username=username)
    if region is not None:
        entries = entries.filter(region.subtree_q("region__"))
    if route:
        entries = entries.filter(route__startswith=route) if route.endswith(":") else entries.filter(route=route)
    if since:
        entries = entries.filter(at__gte=_start_of(since))
    if until:
        entries = entries.filter(at__lt=_start_of(until + timedelta(days=1)))
    if outcome:
        entries = entries.filter(outcome=outcome)
    return entries


def audit_page(entries, *, before=None, after=None, size=ENTRIES_PER_PAGE):
    """One page of ``entries``, newest first: those older than entry ``before``, or the
    page just newer than entry ``after``, or the newest. Returns (rows, newer, older):
    ``newer``/``older`` are the cursors of the neighbouring pages (None at either end).
    A cursor, not a page number, so no page counts the whole log: it grows with every
    change in the country, and COUNT(*) over it would slow the page down as it does."""
    if after is not None:
        rows = list(entries.filter(pk__gt=after).order_by("pk")[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return rows, (rows[0].pk if more_newer else None), (rows[-1].pk if rows else None)
    if before is not None:
        entries = entries.filter(pk__lt=before)
    rows = list(entries.order_by("-pk")[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    newer = rows[0].pk if rows and before is not None else None
    return rows, newer, (rows[-1].pk if more_older else None)
