"""The review workflow every reported record shares: 草稿 → 已报送 → 已通过, or 已退回 →
已报送 again, and an approved record reopened only with a reason.

A model takes part by inheriting ``Reviewed``; the transitions below lock the row, check
the state and record who did what, whichever kind of record it is. Optimistic locking
(``version``) refuses a stale form instead of saving over someone else's change.
"""

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class ReviewState(models.TextChoices):
    DRAFT = "draft", gettext_lazy("Draft")
    SUBMITTED = "submitted", gettext_lazy("Submitted")
    APPROVED = "approved", gettext_lazy("Approved")
    RETURNED = "returned", gettext_lazy("Returned")


class TransitionRefused(ValueError):
    """The record's state does not allow this step; nothing was written."""


class EditConflict(ValueError):
    """Someone saved the record after this form was opened; nothing was written."""

    def __init__(self, current):
        super().__init__(_("Someone else saved this record after you opened it."))
        self.current = current


class Reviewed(models.Model):
    State = ReviewState
    # States in which the reporting department may still change the record.
    EDITABLE_STATES = (ReviewState.DRAFT, ReviewState.RETURNED)

    state = models.CharField(
        gettext_lazy("state"), max_length=10, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    submitted_at = models.DateTimeField(gettext_lazy("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        "org.User", verbose_name=gettext_lazy("submitted by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(gettext_lazy("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "org.User", verbose_name=gettext_lazy("reviewed by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.TextField(gettext_lazy("reviewer's comment"), blank=True)
    # Approved by the account that submitted it (本人审核): allowed only where the district's
    # setting says so, and said wherever the approval is shown.
    self_reviewed = models.BooleanField(gettext_lazy("approved by its submitter"), default=False)
    # Bumped on every change through the pages, so a stale form is refused, not saved over.
    version = models.PositiveIntegerField(gettext_lazy("version"), default=1)

    class Meta:
        abstract = True

    @property
    def is_editable(self):
        return self.state in self.EDITABLE_STATES


def save_versioned(instance, *, version, fields):
    """Save ``fields`` only if the row still has ``version``; otherwise raise EditConflict
    carrying the row as it is now, so the page can show the newer values. Saving through
    the model (not ``.update()``) keeps auto-now dates and the change history."""
    model = type(instance)
    with transaction.atomic():
        current = model.objects.select_for_update().get(pk=instance.pk)
        if current.version != version:
            raise EditConflict(current)
        instance.version = version + 1
        extra = [f.name for f in model._meta.fields if getattr(f, "auto_now", False)]
        instance.save(update_fields=[*fields, "version", *extra])
    return instance


def require_editable(record):
    if not record.is_editable:
        raise TransitionRefused(
            _("This entry is %(state)s and cannot be changed.") % {"state": record.get_state_display()}
        )


def lock(record):
    """The stored row of ``record``, locked until the transaction ends."""
    return type(record).objects.select_for_update().get(pk=record.pk)


def mark_submitted(record, user):
    """Set the submission fields on ``record``; returns the names of the fields set."""
    record.state = ReviewState.SUBMITTED
    record.submitted_at = timezone.now()
    record.submitted_by = user
    return ["state", "submitted_at", "submitted_by"]


def _decided_on(record, version):
    """The stored row of ``record``, locked, if it is still the ``version`` the reviewer
    was shown; otherwise EditConflict carrying the row as it is now, so a decision is never
    taken on content the reviewer did not see."""
    stored = lock(record)
    if stored.version != version:
        raise EditConflict(stored)
    return stored


def approve(record, *, user, version, region):
    """Approve ``record`` as it was when shown at ``version`` (call inside a transaction).
    ``region`` is the district whose setting decides whether a submitter may approve it."""
    stored = _decided_on(record, version)
    if stored.state != ReviewState.SUBMITTED:
        raise TransitionRefused(_("Only a submitted entry can be approved."))
    own = stored.submitted_by_id is not None and stored.submitted_by_id == user.pk
    if own and not self_review_allowed(region, user):
        raise TransitionRefused(
            _("You submitted this entry, so another reviewer must approve it. A district with a single reviewer "
              "may allow its reviewer to approve their own entries (本人审核) on the district's page.")
        )
    stored.self_reviewed = own
    return _review(stored, user, ReviewState.APPROVED, comment="", extra=["self_reviewed"])


def self_review_allowed(region, user):
    """Whether ``user`` may approve what they submitted in ``region``: only where the
    district allows it and has no other active reviewer who could approve it instead."""
    if not region.allow_self_review:
        return False
    User = get_user_model()
    # A district's system account (is_system) approves nothing by hand: it is no other reviewer.
    others = User.objects.filter(role=User.Role.REVIEWER, department__region=region, is_active=True, is_system=False)
    return not others.exclude(pk=user.pk).exists()


def send_back(record, *, user, comment, version):
    """Return a submitted record, as it was when shown at ``version``, to its department
    (call inside a transaction). Returning one's own submission is allowed: it approves
    nothing and leaves the entry with the department."""
    if not comment.strip():
        raise TransitionRefused(_("Say why the entry is returned, so the department knows what to fix."))
    stored = _decided_on(record, version)
    if stored.state != ReviewState.SUBMITTED:
        raise TransitionRefused(_("Only a submitted entry can be returned."))
    return _review(stored, user, ReviewState.RETURNED, comment=comment.strip())


def reopen(record, *, user, reason):
    """Unlock an approved record: it goes back to the department as returned, with the
    reviewer and the reason recorded (call inside a transaction)."""
    if not reason.strip():
        raise TransitionRefused(_("Give the reason for reopening an approved entry."))
    stored = lock(record)
    if stored.state != ReviewState.APPROVED:
        raise TransitionRefused(_("Only an approved entry can be reopened."))
    stored.self_reviewed = False
    return _review(stored, user, ReviewState.RETURNED, comment=_("Reopened: %(reason)s") % {
        "reason": reason.strip()}, extra=["self_reviewed"])


def _review(record, user, state, *, comment, extra=()):
    record.state = state
    record.reviewed_at = timezone.now()
    record.reviewed_by = user
    record.review_comment = comment
    record.version += 1
    record._history_user = user
    record.save(update_fields=["state", "reviewed_at", "reviewed_by", "review_comment", "version", *extra])
    return record
