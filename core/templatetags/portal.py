"""Template filters shared by every app."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

from core.evidence import EvidenceForm
from core.links import object_url
from core.numbers import plain
from core.workflow import self_review_allowed

register = template.Library()


@register.simple_tag(name="object_url")
def object_url_tag(name, pk):
    """``{% url name pk %}`` for the rows of a long page (see core.links)."""
    return object_url(name, pk)


@register.filter
def minutes(duration):
    """Whole minutes of a timedelta, rounded up, so "wait 30 minutes" reads naturally."""
    if duration is None:
        return ""
    seconds = int(duration.total_seconds())
    return max(1, -(-seconds // 60))


@register.simple_tag
def sparkline(values, width=120, height=28):
    """A small inline SVG line of ``values`` (None leaves a gap), for trends in tables;
    no script needed. Values are numbers the server computed, never user text."""
    points = [(index, float(value)) for index, value in enumerate(values) if value is not None]
    if len(points) < 2:
        return ""
    low, high = min(v for _, v in points), max(v for _, v in points)
    span = (high - low) or 1.0
    step = (width - 4) / max(len(values) - 1, 1)

    def xy(index, value):
        return f"{2 + index * step:.1f},{height - 3 - (value - low) / span * (height - 6):.1f}"

    line = " ".join(xy(i, v) for i, v in points)
    last_x, last_y = xy(*points[-1]).split(",")
    return format_html(
        '<svg class="sparkline" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-hidden="true">'
        '<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{}"/>'
        '<circle cx="{}" cy="{}" r="2.2" fill="currentColor"/></svg>',
        width, height, width, height, line, last_x, last_y,
    )


@register.filter
def get(mapping, key):
    """``mapping[key]`` in a template, or None."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter(name="plain")
def plain_filter(value):
    """A figure as a clerk writes it (803 for 803.0000, 12.5 for 12.50); anything that is
    not a number shown as it is."""
    try:
        return plain(value, empty="—")
    except (ArithmeticError, ValueError):
        return value


@register.filter
def volume(value, places=0):
    """A quantity with thousands separators, as statistical tables print them: 3,300,000.
    None (nothing entered) shows as a dash."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.{int(places)}f}"


@register.inclusion_tag("partials/evidence.html", takes_context=True)
def evidence_files(context, files, download, *, remove="", upload="", can_change=False, required=False, kept="",
                   within="", live=""):
    """The evidence ``files`` of a record, each downloaded through route ``download``; for a
    user who ``can_change`` them, removed through route ``remove`` and added by posting to
    the address ``upload``. ``required``: their absence is a fault to show. ``kept``: why the
    record keeps its files (no remove button, the reason said instead).

    ``within``: the id of a form being typed into that the list belongs to. Its remove
    buttons then post the ``remove`` route in place (htmx), swapping the element ``live``
    (a selector) with the answer; without script they post that form instead, with
    ``remove_evidence`` = the file's id, so what was typed goes along."""
    return {
        "files": files, "download": download, "remove": "" if kept else remove, "upload": upload,
        "can_change": can_change, "required": required, "kept": kept, "form": EvidenceForm(),
        "csrf_token": context.get("csrf_token"), "within": within, "live": live,
    }


@register.simple_tag
def evidence_form():
    """An empty ``EvidenceForm``, for a page laying out its own file field (its label, the
    types it accepts)."""
    return EvidenceForm()


@register.simple_tag(takes_context=True)
def own_submission(context, record):
    """Tells a reviewer, before they decide, that they submitted ``record`` themselves: ``""``
    when they did not, ``"allowed"`` when their district lets its single reviewer approve it
    (本人审核), ``"refused"`` when only another reviewer may approve it."""
    user = context["request"].user
    if record.submitted_by_id is None or record.submitted_by_id != user.pk:
        return ""
    return "allowed" if self_review_allowed(record.department.region, user) else "refused"
