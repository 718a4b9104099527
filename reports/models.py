"""What the scoring and the reports store: the weights of a plan's department scorecard,
the scorecards and region verdicts computed from the records (never edited by hand), and the
quarterly reports."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from indicators.models import IndicatorSet
from org.models import Department, Region
from tasks.models import Plan

# The scorecard's parts, in the order the page shows them, with their default weights.
COMPONENTS = [
    ("completeness", _("Reporting completeness"), 25),
    ("on_time", _("On-time rate"), 15),
    ("progress", _("Task progress"), 25),
    ("indicators", _("Indicators led"), 15),
    ("carriers", _("Carrier targets"), 10),
    ("returns", _("Reports not returned"), 5),
    ("cooperation", _("Support to cooperated items"), 5),
]
DEFAULT_WEIGHTS = {key: weight for key, _label, weight in COMPONENTS}


class ScoreWeights(models.Model):
    """How a plan weighs the parts of a department's scorecard (they sum to 100), and
    where its bands start: good (stored as ``green_from``), fair (``amber_from``), poor below."""

    plan = models.OneToOneField(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="score_weights")
    completeness = models.PositiveSmallIntegerField(_("reporting completeness"), default=25)
    on_time = models.PositiveSmallIntegerField(_("on-time rate"), default=15)
    progress = models.PositiveSmallIntegerField(_("task progress"), default=25)
    indicators = models.PositiveSmallIntegerField(_("indicators led"), default=15)
    carriers = models.PositiveSmallIntegerField(_("carrier targets"), default=10)
    returns = models.PositiveSmallIntegerField(_("reports not returned"), default=5)
    cooperation = models.PositiveSmallIntegerField(_("support to cooperated items"), default=5)
    green_from = models.PositiveSmallIntegerField(_("green from"), default=85)
    amber_from = models.PositiveSmallIntegerField(_("amber from"), default=60)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("scorecard weights")
        verbose_name_plural = _("scorecard weights")

    def __str__(self):
        return str(self.plan)

    def as_dict(self):
        return {key: getattr(self, key) for key, _label, _weight in COMPONENTS}

    def clean(self):
        # Each band message is keyed to the field it is about, so the form shows it there.
        errors = {}
        if self.green_from > 100:
            errors["green_from"] = _("“Good” cannot start above 100 points.")
        elif self.green_from <= self.amber_from:
            errors["green_from"] = _("“Good” must start higher than “fair” (%(amber)s points).") % {
                "amber": self.amber_from}
        if self.amber_from < 1:
            errors["amber_from"] = _("“Fair” must start at 1 point or more.")
        total = sum(self.as_dict().values())
        if total != 100:
            errors[NON_FIELD_ERRORS] = _("The weights sum to %(total)s; they must sum to 100.") % {"total": total}
        if errors:
            raise ValidationError(errors)

    def band(self, composite):
        if composite is None:
            return ""
        if composite >= self.green_from:
            return "green"
        return "amber" if composite >= self.amber_from else "red"


class Scorecard(models.Model):
    """A department's score in a plan for a quarter. ``parts`` stores each part's numerator,
    denominator and weight (``reports.parts``); ``components`` gives, per part, the value
    (0–100, or None when the part does not apply), numerator, denominator and weight, so the
    page can show how the composite came about."""

    # Derived rows without a foreign key constraint in the database, as ComputedValue's.
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="scorecards",
                             db_constraint=False)
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.CASCADE,
                                   related_name="scorecards", db_constraint=False)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    composite = models.DecimalField(_("composite score"), max_digits=5, decimal_places=1, null=True)
    band = models.CharField(_("band"), max_length=5, blank=True)
    parts = models.JSONField(_("parts"), default=dict)
    # Computed before the quarter's reports were due: what is in so far, without a composite
    # or a band, as nothing not yet due is late or missing.
    running = models.BooleanField(_("quarter still running"), default=False)
    # Work items the department leads this quarter: one leading none only cooperates, and is
    # ranked apart from those that lead.
    leads = models.PositiveSmallIntegerField(_("items led"), default=0)
    computed_at = models.DateTimeField(_("computed"), auto_now=True)
    # What the recompute last wrote, fingerprinted (core.bulk.row_digest): a recompute
    # arriving at the same leaves the row alone.
    digest = models.BigIntegerField(null=True, editable=False)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["plan", "-year", "-quarter", "-composite"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "department", "year", "quarter"], name="scorecard_one_per_quarter")
        ]
        indexes = [models.Index(fields=["plan", "year", "quarter"], name="scorecard_plan_quarter")]

    def __str__(self):
        return f"{self.department} {self.year}Q{self.quarter}: {self.composite}"

    @property
    def is_lead(self):
        return self.leads > 0

    @cached_property
    def components(self):
        from .parts import unpacked  # reports.parts names its parts by this module's COMPONENTS

        return unpacked(self.parts)

    @property
    def reported(self):
        """Entries in so far (submitted or approved) of the items led."""
        return self.components.get("completeness", {}).get("numerator", 0)


class RecomputedInputs(models.Model):
    """The fingerprint of what a region's values, verdicts and scorecards of a quarter were
    last computed from by a bulk recompute (``reports.recompute_inputs``): the next one
    leaves the region × quarter alone while its fingerprint is the same."""

    # Derived rows, as ComputedValue's: no foreign key constraint in the database.
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="+",
                               db_constraint=False)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    fingerprint = models.CharField(_("fingerprint"), max_length=32)
    computed_at = models.DateTimeField(_("computed"), auto_now=True)

    class Meta:
        verbose_name = _("recomputed inputs")
        verbose_name_plural = _("recomputed inputs")
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "quarter"], name="recomputed_inputs_one_per_quarter")
        ]

    def __str__(self):
        return f"{self.region_id} {self.year}Q{self.quarter}: {self.fingerprint}"


class RegionVerdict(models.Model):
    """A region's compliance in a quarter under one of the standards it adopted."""

    class Verdict(models.TextChoices):
        MET = "met", _("Compliant")
        NOT_MET = "not_met", _("Not compliant")
        INCOMPLETE = "incomplete", _("Data incomplete")

    # Derived rows without a foreign key constraint in the database, as ComputedValue's.
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="verdicts",
                               db_constraint=False)
    indicator_set = models.ForeignKey(IndicatorSet, verbose_name=_("indicator set"), on_delete=models.CASCADE,
                                      related_name="+", db_constraint=False)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    reason = models.CharField(_("reason"), max_length=300)
    # Under a standard judged on points: the points awarded, added up.
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=1, null=True, blank=True)
    # Figures of the summary: bottom-line and guiding indicators met / not met / incomplete
    # (lists of indicator codes), work items on track, carrier targets met.
    figures = models.JSONField(_("figures"), default=dict)
    computed_at = models.DateTimeField(_("computed"), auto_now=True)
    digest = models.BigIntegerField(null=True, editable=False)  # as Scorecard.digest

    class Meta:
        verbose_name = _("region verdict")
        verbose_name_plural = _("region verdicts")
        ordering = ["region", "-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["region", "indicator_set", "year", "quarter"],
                                    name="verdict_one_per_set_quarter"),
        ]

    def __str__(self):
        return f"{self.region} {self.year}Q{self.quarter}: {self.get_verdict_display()}"

    @property
    def period(self):
        from core.periods import Quarter

        return Quarter(self.year, self.quarter)


class QuarterlyReport(models.Model):
    """One build of a region's quarterly progress report. Building again makes a new row
    that becomes current once it is complete; older builds stay listed."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Building")
        DONE = "done", _("Complete")
        FAILED = "failed", _("Failed")

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    reason = models.CharField(_("reason of failure"), max_length=500, blank=True)
    is_current = models.BooleanField(_("current"), default=False)
    requested_by = models.ForeignKey("org.User", verbose_name=_("requested by"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The Celery task that claimed the build. A job is acknowledged only when it ends, so a
    # worker killed mid-build has the same task delivered again, and it takes its row back.
    build_task = models.CharField(_("build task"), max_length=64, blank=True)
    workbook = models.FileField(_("Excel report"), upload_to="reports/%Y/", blank=True)
    document = models.FileField(_("Word draft"), upload_to="reports/%Y/", blank=True)
    html = models.FileField(_("printable page"), upload_to="reports/%Y/", blank=True)
    # The print page as a PDF, printed by Chromium (core/pdf.py); when it could not be made,
    # pdf_note says why and the other files are the report.
    pdf = models.FileField(_("PDF"), upload_to="reports/%Y/", blank=True)
    pdf_note = models.CharField(_("PDF note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("quarterly report")
        verbose_name_plural = _("quarterly reports")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "quarter"],
                condition=models.Q(is_current=True),
                name="quarterly_report_one_current",
            ),
        ]

    def __str__(self):
        return f"{self.region} {self.year}Q{self.quarter} {self.get_state_display()}"

    @property
    def is_working(self):
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    FILES = {"xlsx": "workbook", "docx": "document", "html": "html", "pdf": "pdf"}

    def download_name(self, kind):
        """The name a downloaded file gets, whatever the storage called it."""
        from core.periods import Quarter

        name = f"{self.region.name}{Quarter(self.year, self.quarter).chinese_label}节水工作进展情况"
        return f"{name}（草稿）.docx" if kind == "docx" else f"{name}.{kind}"
