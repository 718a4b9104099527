"""Template filters shared by every app."""

from django import template

register = template.Library()


@register.filter
def minutes(duration):
    """Whole minutes of a timedelta, rounded up, so "wait 30 minutes" reads naturally."""
    if duration is None:
        return ""
    seconds = int(duration.total_seconds())
    return max(1, -(-seconds // 60))
