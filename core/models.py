"""Abstract models every app's records share, and the audit log (``AuditEntry``), the one
table core keeps itself."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EvidenceFile(models.Model):
    """A file that supports a record, kept with its SHA-256 so the same file is never
    stored twice for one record and a copy can be checked later. Subclasses add the
    foreign key to their record and a unique constraint on (record, sha256)."""

    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        "org.User", verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.name


class AuditEntry(models.Model):
    """One data-changing action: who, when, what, from where, and how it ended. Written by
    ``core.audit`` for every non-safe request and every data-changing management command;
    never changed afterwards. Who and where are copied in (username, region) so the record
    still reads the same after the user is deleted or moves to another department."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Succeeded")
        FAILED = "failed", _("Failed")
        UNSAVED = "unsaved", _("Not saved")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        "org.User", verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    # The user's department's region when the action was taken: what a district reviewer's log shows.
    region = models.ForeignKey(
        "org.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    origin = models.CharField(_("origin"), max_length=100, blank=True, help_text=_("Where a command was run."))
    method = models.CharField(_("HTTP method"), max_length=10, blank=True)
    path = models.CharField(_("path"), max_length=500)
    route = models.CharField(_("route"), max_length=120)
    action = models.CharField(_("action"), max_length=200)
    target = models.JSONField(_("target"), default=dict, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    files = models.JSONField(_("files"), default=list, blank=True)
    status = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-pk"]
        # The log page filters on these, newest first (see core.selectors.audit_entries).
        indexes = [
            models.Index(fields=["region", "-id"], name="audit_region_newest"),
            models.Index(fields=["username", "-id"], name="audit_username_newest"),
            models.Index(fields=["route", "-id"], name="audit_route_newest"),
            models.Index(fields=["outcome", "-id"], name="audit_outcome_newest"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or '—'} {self.action}"


class RegionQuarterMark(models.Model):
    """A region × quarter marked as waiting for a recompute; one row however often it is
    marked. Subclasses name the unique constraint (``region``, ``year``, ``quarter``)."""

    region = models.ForeignKey("org.Region", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    since = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.region_id} {self.year}Q{self.quarter}"
