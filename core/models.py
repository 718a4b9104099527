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

    @property
    def who(self):
        """The name the log shows: the user's display name, else the username (a refused
        sign-in has only the one typed), else the command line it came from."""
        if self.user is not None and self.user.display_name:
            return self.user.display_name
        return self.username or self.origin

    @property
    def outcome_words(self):
        """How it ended, as the log says it: 成功, 未保存 (the form was shown again), 被拒绝
        (out of scope, a rule refused, not signed in), 出错 (a server error; a command that failed)."""
        if self.outcome == self.Outcome.FAILED:
            return _("Error") if self.status is None or self.status >= 500 else _("Refused")
        return self.get_outcome_display()


class StaleMark(models.Model):
    """A region × quarter whose ``recompute`` (a name registered in ``core.recompute``) is
    waiting to run: one row however often it is marked. While the row is there and
    ``queue_failed`` is not set, a job is queued for it and further changes do not queue
    another; the job deletes the row when it starts. ``queue_failed`` says the broker
    refused the job: the next change tries again, and the catch-up sweep takes the row
    meanwhile."""

    recompute = models.CharField(max_length=40)
    region = models.ForeignKey("org.Region", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    since = models.DateTimeField(auto_now_add=True)
    queue_failed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recompute", "region", "year", "quarter"], name="stale_mark_once")
        ]

    def __str__(self):
        return f"{self.recompute} {self.region_id} {self.year}Q{self.quarter}"


class JobRun(models.Model):
    """One run of a background job: what it was asked, how it went. Written by
    ``core.runs.recorded``; the kinds of runs (their labels, how to retry them) are
    registered in ``core.runs`` by the apps that run them."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("job"), max_length=100)
    arguments = models.JSONField(_("arguments"), default=dict)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["-started_at"], name="job_run_started")]

    def __str__(self):
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M} {self.get_state_display()}"

    @property
    def label(self):
        from .runs import KINDS

        kind = KINDS.get(self.name)
        return kind.label if kind else self.name

    @property
    def error_line(self):
        """The last line of the traceback: the error itself."""
        lines = [line for line in self.error.splitlines() if line.strip()]
        return lines[-1] if lines else ""

    @property
    def can_retry(self):
        from .runs import KINDS

        kind = KINDS.get(self.name)
        return self.state == self.State.FAILED and kind is not None and kind.retry is not None


class ScheduledRun(models.Model):
    """When ``run_schedule`` (the embedded default's beat) last started one entry of
    CELERY_BEAT_SCHEDULE, so a restart does not run every job again at once; and, in every
    set-up, when beat's heartbeat job last ran (``core.schedule.HEARTBEAT``)."""

    name = models.CharField(_("schedule entry"), max_length=100, unique=True)
    last_run_at = models.DateTimeField(_("last run"))

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")

    def __str__(self):
        return f"{self.name} {self.last_run_at:%Y-%m-%d %H:%M}"
