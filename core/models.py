"""Abstract models every app's records share; core itself stores nothing."""

from django.db import models
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
