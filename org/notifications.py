"""Telling people about a record's review: the bell in the navigation bar and an e-mail.

Every review step of a reported record (a progress entry, a data report) calls
``review_step_notify`` from its service: a submission tells whoever reviews the
department's district, a decision (approved, returned, reopened) tells who submitted it and
the department's reporters. Nothing is sent before the step's transaction commits, so a
step that is rolled back tells nobody.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from core.workflow import ReviewState

from .models import User
from .scoping import reporters_of, reviewers_of
from .services import notification_send


def notify(users, *, key, title, body="", url=""):
    """Give each of ``users`` (a queryset or list, read only then) a notification — once per
    user and ``key`` — and an e-mail where they have an address, once the current transaction
    commits (at once outside one). The message goes out in the language active now."""

    def send():
        for user in users:
            notification_send(user=user, key=key, title=title, body=body, url=url)

    transaction.on_commit(send)


def review_step_notify(record, *, subject, actor):
    """Tell who must know that ``record`` (a ``core.workflow.Reviewed`` with a department)
    has just been submitted, approved or returned by ``actor``. ``subject`` names the record
    (“2026年第四季度进度“…””). The record's version, bumped by every step, is in
    the key: a second return after a resubmission is a new message."""
    department = record.department
    # No actor: a step taken by a command or an import, not through a page.
    values = {"subject": subject, "department": department.short_name or department.name, "user": actor or "—"}
    if record.state == ReviewState.SUBMITTED:
        users = reviewers_of(department.region)
        title = _("To review: %(subject)s") % values
        body = _("%(department)s submitted it (%(user)s).") % values
    elif record.state in (ReviewState.APPROVED, ReviewState.RETURNED):
        users = reporters_of(department) | User.objects.filter(pk=record.submitted_by_id, is_active=True,
                                                                              is_system=False)
        if record.state == ReviewState.APPROVED:
            title, body = _("Approved: %(subject)s") % values, _("Approved by %(user)s.") % values
        else:
            title = _("Returned: %(subject)s") % values
            body = _("%(user)s returned it: %(comment)s") % {**values, "comment": record.review_comment}
    else:
        return
    if actor is not None:
        users = users.exclude(pk=actor.pk)
    notify(
        users.distinct(),
        key=f"{record._meta.label_lower}:{record.pk}:{record.state}:v{record.version}",
        title=title[:200], body=body, url=record.get_absolute_url(),
    )
