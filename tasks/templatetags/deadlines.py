"""A report's deadline badge (core.periods.DeadlineStatus), built in Python.

The to-do lists one per work item, the review inbox one per entry. As an included template
with its translated sentences each badge took about a quarter of a millisecond, a quarter
of the to-do page's rendering (bench/bench_page_cpu.py); here it is a few microseconds.
"""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()

BADGE = '<span class="badge {}">{}</span>'


@register.simple_tag
def deadline_badge(deadline):
    state = deadline.state
    if state == "on_time":
        return format_html(BADGE, "text-bg-success", gettext("On time"))
    if state == "late":
        return format_html(BADGE, "text-bg-warning", gettext("Late by %(days)s days") % {"days": deadline.days_late})
    if state == "missing":
        return format_html(BADGE, "text-bg-danger", gettext("Overdue by %(days)s days") % {"days": deadline.days_late})
    if state == "open":
        if deadline.days_left == 0:
            return format_html(BADGE, "text-bg-primary", gettext("Due today"))
        return format_html(BADGE, "text-bg-primary", gettext("%(days)s days left") % {"days": deadline.days_left})
    return format_html(BADGE, "text-bg-light border", gettext("Due in %(days)s days") % {"days": deadline.days_left})
