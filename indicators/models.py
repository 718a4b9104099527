"""The indicator catalogue: raw statistics (data elements), reference values, indicator sets
(a versioned standard) and their indicators with formulas and target rules."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.links import object_url
from core.models import EvidenceFile
from core.numbers import plain
from core.periods import Quarter
from core.workflow import Reviewed, ReviewState
from org.models import Region

from .formulas import FormulaError, parse
from .scoring_rules import validate_scoring
from .targets import RuleError, validate_rule

code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9_]*$", _("A code is written in capitals, digits and underscores, e.g. IND_NEW_WATER.")
)


class DataElement(models.Model):
    """A raw statistic (数据项) that formulas use."""

    class Source(models.TextChoices):
        ENTERED = "entered", _("Entered by the reporting department")
        REGISTRY = "registry", _("Computed from the carrier registry")

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    # Year-to-date (累计) figures grow through the year and Q4 is the annual value; others
    # are the state at the end of the quarter.
    cumulative = models.BooleanField(_("year-to-date cumulative"), default=True)
    min_value = models.DecimalField(
        _("smallest plausible value"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("largest plausible value"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    # Registry figures are never typed in: ``indicators.providers`` computes them.
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ENTERED)
    # A part can never be more than its whole (注册用户用水量 ≤ 供水总量): a value above the
    # element named here is entered with a warning.
    not_above = models.ForeignKey(
        "self", verbose_name=_("cannot exceed"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("data element")
        verbose_name_plural = _("data elements")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class ReferenceValue(models.Model):
    """A value formulas and targets compare against: a national average of a year (no
    region), or a figure assigned to one region (a water-use quota)."""

    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    # A national figure of year N is published during year N+1 (中国水资源公报): a quarter is
    # judged against the latest figure out by its last day. Blank: out from 1 January of N+1.
    published_on = models.DateField(_("published on"), null=True, blank=True)

    class Meta:
        verbose_name = _("reference value")
        verbose_name_plural = _("reference values")
        ordering = ["code", "region__code", "year"]
        constraints = [
            models.UniqueConstraint(fields=["code", "region", "year"], name="reference_unique_per_region_year"),
            models.UniqueConstraint(
                fields=["code", "year"], condition=Q(region__isnull=True), name="reference_unique_national_year"
            ),
        ]

    def __str__(self):
        where = self.region.name if self.region_id else "全国"
        return f"{self.name} {where} {self.year}"

    @property
    def available_from(self):
        """The first day the value can be used: a region's own figure (a quota assigned for
        the year) from the start of its year, a national one once published."""
        if self.region_id:
            return date(self.year, 1, 1)
        return self.published_on or date(self.year + 1, 1, 1)


class IndicatorSet(models.Model):
    """A versioned standard grouping indicators, with the rule that decides a pass."""

    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    version = models.CharField(_("version"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source document"), max_length=200, blank=True)
    # Where the items were taken from and what could not be checked against the published
    # text: shown with the standard so nobody mistakes a reconstruction for the original.
    source_note = models.TextField(_("notes on the source"), blank=True)
    # The pass rule. Every bottom-line indicator must be met, always; then each of these
    # that is set must hold too. None set: the bottom line alone decides.
    guiding_share = models.PositiveSmallIntegerField(
        _("guiding indicators met, at least (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    min_guiding = models.PositiveSmallIntegerField(_("guiding indicators met, at least (count)"), null=True, blank=True)
    min_points = models.DecimalField(
        _("points, at least"), max_digits=6, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The pass score: the points awarded to the items, added up (each item's full points and "
                    "scoring rule are set on it)."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator set")
        verbose_name_plural = _("indicator sets")
        ordering = ["code", "version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="indicator_set_unique_version")]

    def __str__(self):
        return f"{self.name}（{self.version}）"

    def clean(self):
        if self.min_points is not None and self.pk:
            possible = self.indicators.aggregate(total=models.Sum("points"))["total"] or Decimal("0")
            if self.min_points > possible:
                raise ValidationError({"min_points": _("The items of this standard carry %(possible)s points "
                                                       "in all: a pass score of %(needed)s cannot be reached.")
                                       % {"possible": plain(possible), "needed": plain(self.min_points)}})
        if self.min_guiding is not None and self.pk:
            guiding = self.indicators.filter(kind=Indicator.Kind.GUIDING).count()
            if self.min_guiding > guiding:
                raise ValidationError({"min_guiding": _("The set has only %(count)d guiding indicators.")
                                       % {"count": guiding}})

    @property
    def pass_rule_text(self):
        """The rule as the standard would state it."""
        parts = [_("all bottom-line indicators met")]
        if self.guiding_share is not None:
            parts.append(_("at least %(share)d%% of the guiding indicators met") % {"share": self.guiding_share})
        if self.min_guiding is not None:
            parts.append(_("at least %(count)d guiding indicators met") % {"count": self.min_guiding})
        if self.min_points is not None:
            parts.append(_("at least %(points)s points") % {"points": plain(self.min_points)})
        # "，" between the parts in Chinese, ", " in English.
        return str(pgettext_lazy("list separator", ", ")).join(str(part) for part in parts)

    @property
    def is_scored(self):
        """A standard judged on points (县域节水型社会评价标准) rather than on indicators met."""
        return self.min_points is not None

    @property
    def full_points(self):
        return sum((i.points for i in self.indicators.all()), Decimal("0"))


class Indicator(models.Model):
    class Kind(models.TextChoices):
        BOTTOM_LINE = "bottom_line", _("Bottom-line")
        GUIDING = "guiding", _("Guiding")

    class Method(models.TextChoices):
        FORMULA = "formula", _("Formula over data elements")
        LEAKAGE = "leakage", _("Leakage after CJJ 92-2016")
        CHECKLIST = "checklist", _("Checklist with evidence")
        JUDGED = "judged", _("Judged by experts")

    indicator_set = models.ForeignKey(
        IndicatorSet, verbose_name=_("indicator set"), on_delete=models.CASCADE, related_name="indicators"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=40)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    definition = models.TextField(_("definition"), blank=True)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.FORMULA)
    formula = models.TextField(_("formula"), blank=True)
    formula_version = models.PositiveIntegerField(_("formula version"), default=1)
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    target = models.JSONField(_("target rule"), default=dict, blank=True)
    target_text = models.CharField(_("requirement as written"), max_length=200, blank=True)
    points = models.DecimalField(
        _("full points"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The most the item can earn, for a standard judged on points."),
    )
    # How the points are awarded (``indicators.scoring_rules``); empty: all or nothing.
    scoring = models.JSONField(_("scoring rule"), default=dict, blank=True)
    scoring_text = models.TextField(_("scoring rule as written"), blank=True)
    # Judged on the whole year's figure: the fourth quarter's value decides; the quarters
    # before it show the year-to-date value as progress and keep last year's judgement.
    annual = models.BooleanField(_("judged on the annual figure"), default=False)
    lead_text = models.CharField(_("lead units as written"), max_length=200, blank=True)
    responsible_text = models.CharField(_("responsible units as written"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["indicator_set", "number"]
        constraints = [
            models.UniqueConstraint(fields=["indicator_set", "code"], name="indicator_unique_code"),
            models.UniqueConstraint(fields=["indicator_set", "number"], name="indicator_unique_number"),
        ]

    def __str__(self):
        return f"{self.number}. {self.name}"

    def clean(self):
        errors = {}
        if self.method == self.Method.FORMULA:
            known = set(DataElement.objects.values_list("code", flat=True))
            known |= set(ReferenceValue.objects.values_list("code", flat=True))
            try:
                parse(self.formula, known_names=known)
            except FormulaError as error:
                errors["formula"] = str(error)
        elif self.method == self.Method.CHECKLIST and not self.checklist:
            errors["checklist"] = _("A checklist indicator needs at least one item to answer.")
        if self.method in (self.Method.FORMULA, self.Method.LEAKAGE):
            try:
                validate_rule(self.target)
            except RuleError as error:
                errors["target"] = str(error)
        try:
            validate_scoring(self.scoring, full=self.points, method=self.method)
        except RuleError as error:
            errors["scoring"] = str(error)
        if errors:
            raise ValidationError(errors)


class Adoption(models.Model):
    """A standard a region is evaluated against; a region may answer to several at once
    (the county standard and a city's 节水型城市 list), each with its own board and verdict."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="+")
    indicator_set = models.ForeignKey(
        IndicatorSet, verbose_name=_("indicator set"), on_delete=models.PROTECT, related_name="adoptions"
    )
    since_year = models.PositiveSmallIntegerField(_("since year"))

    class Meta:
        verbose_name = _("adopted indicator set")
        verbose_name_plural = _("adopted indicator sets")
        ordering = ["region__code", "indicator_set__code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "indicator_set"], name="adoption_one_per_set"),
        ]

    def __str__(self):
        return f"{self.region}：{self.indicator_set}"


class DataReport(Reviewed):
    """A department's raw statistics for its region and a quarter (数据填报), reviewed like
    a progress entry. Only submitted and approved reports feed the indicators."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="data_reports"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    COUNTED_STATES = (ReviewState.SUBMITTED, ReviewState.APPROVED)

    class Meta:
        verbose_name = _("data report")
        verbose_name_plural = _("data reports")
        ordering = ["-year", "-quarter", "department__short_name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "year", "quarter"], name="data_report_one_per_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="data_report_quarter_range"),
        ]
        indexes = [models.Index(fields=["region", "year", "quarter"], name="data_report_region_quarter")]

    def __str__(self):
        return f"{self.department} {self.period.label}"

    def get_absolute_url(self):
        return object_url("indicators:data_report", self.pk)

    @property
    def period(self):
        return Quarter(self.year, self.quarter)

    @property
    def counts(self):
        return self.state in self.COUNTED_STATES


class DataValue(models.Model):
    """One raw statistic of a region for a quarter (year-to-date where the element is)."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    element = models.ForeignKey(
        DataElement, verbose_name=_("data element"), on_delete=models.PROTECT, related_name="values"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    report = models.ForeignKey(
        DataReport, verbose_name=_("data report"), on_delete=models.CASCADE, related_name="values"
    )
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    # Warnings the clerk saw and confirmed when entering the value (change > 50 %, …).
    warnings = models.JSONField(_("confirmed warnings"), default=list, blank=True)
    source_sha256 = models.CharField(_("SHA-256 of the uploaded file"), max_length=64, blank=True)
    entered_by = models.ForeignKey("org.User", verbose_name=_("entered by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField(_("entered"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords(excluded_fields=["version", "entered_at"])

    class Meta:
        verbose_name = _("data value")
        verbose_name_plural = _("data values")
        ordering = ["region__code", "year", "quarter", "element__code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "element", "year", "quarter"], name="data_value_one_per_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="data_value_quarter_range"),
        ]
        indexes = [models.Index(fields=["region", "year", "quarter"], name="data_value_region_quarter")]

    def __str__(self):
        return f"{self.region} {self.year}Q{self.quarter} {self.element.code}={self.value}"


class UtilityFigures(models.Model):
    """One water utility's figures for the leakage indicator (CJJ 92-2016), for a quarter."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    utility = models.CharField(_("water utility"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    supply = models.DecimalField(_("total supply (10⁴ m³)"), max_digits=14, decimal_places=4)
    registered = models.DecimalField(_("registered consumption (10⁴ m³)"), max_digits=14, decimal_places=4)
    resident_metered = models.DecimalField(_("household-metered volume (10⁴ m³)"), max_digits=14, decimal_places=4)
    pipe_km = models.DecimalField(_("DN75+ pipe length (km)"), max_digits=12, decimal_places=3)
    pressure = models.DecimalField(_("mean outlet pressure (MPa)"), max_digits=6, decimal_places=3)
    frost_depth = models.DecimalField(_("largest frost depth (m)"), max_digits=6, decimal_places=2, default=0)
    report = models.ForeignKey(
        DataReport, verbose_name=_("data report"), on_delete=models.CASCADE, related_name="utilities"
    )
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    warnings = models.JSONField(_("confirmed warnings"), default=list, blank=True)
    source_sha256 = models.CharField(_("SHA-256 of the uploaded file"), max_length=64, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("utility figures")
        verbose_name_plural = _("utility figures")
        ordering = ["region__code", "year", "quarter", "utility"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "utility", "year", "quarter"], name="utility_figures_one_per_quarter"
            )
        ]

    def __str__(self):
        return f"{self.utility} {self.year}Q{self.quarter}"


class ChecklistAnswer(models.Model):
    """The answer to one item of a qualitative indicator's checklist for a quarter. A “yes”
    needs evidence before the report can be submitted."""

    report = models.ForeignKey(
        DataReport, verbose_name=_("data report"), on_delete=models.CASCADE, related_name="answers"
    )
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="+")
    item = models.PositiveSmallIntegerField(_("checklist item"))
    answer = models.BooleanField(_("answer"), null=True, blank=True)
    note = models.TextField(_("explanation"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        ordering = ["indicator__number", "item"]
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator", "item"], name="checklist_answer_one_per_item")
        ]

    def __str__(self):
        return f"{self.indicator.name} {self.item + 1}"

    @property
    def question(self):
        return self.indicator.checklist[self.item] if self.item < len(self.indicator.checklist) else ""


class ChecklistEvidence(EvidenceFile):
    answer = models.ForeignKey(
        ChecklistAnswer, verbose_name=_("checklist answer"), on_delete=models.CASCADE, related_name="evidence"
    )

    class Meta(EvidenceFile.Meta):
        verbose_name = _("checklist evidence")
        verbose_name_plural = _("checklist evidence")
        constraints = [models.UniqueConstraint(fields=["answer", "sha256"], name="checklist_evidence_unique_file")]


class ComputedValue(models.Model):
    """An indicator's value and status for a region and quarter, rebuilt from what was
    entered; never edited by hand. ``lineage`` records every input it came from."""

    class Status(models.TextChoices):
        MET = "met", _("Met")
        NOT_MET = "not_met", _("Not met")
        INCOMPLETE = "incomplete", _("Data incomplete")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    # Derived rows, written by the hundred thousand: no foreign key constraint in the database,
    # whose per-row check cost a national recompute as much again as copying the rows in.
    # Django still deletes them with their region or indicator (CASCADE); a row a recompute
    # wrote while its parent was being deleted is swept (``reports.services.sweep_orphans``).
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="+",
                               db_constraint=False)
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="values", db_constraint=False
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=6, null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    explanation = models.CharField(_("explanation"), max_length=300, blank=True)
    # For a standard judged on points: what the item earned and why, in words
    # ("再生水利用率19.0%，达到15%以上，得3分"). None: not scored, or not yet (data incomplete).
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=1, null=True, blank=True)
    award = models.CharField(_("points awarded because"), max_length=300, blank=True)
    # The lineage as stored: its input rows named by reference (``indicators.lineage``).
    trace = models.JSONField(_("lineage"), default=dict)
    # What the computation last wrote, fingerprinted (core.bulk.row_digest): a recompute
    # arriving at the same leaves the row alone.
    digest = models.BigIntegerField(null=True, editable=False)

    class Meta:
        verbose_name = _("computed value")
        verbose_name_plural = _("computed values")
        ordering = ["region__code", "year", "quarter", "indicator__number"]
        constraints = [
            models.UniqueConstraint(fields=["region", "indicator", "year", "quarter"], name="computed_one_per_quarter")
        ]

    def __str__(self):
        return f"{self.region} {self.year}Q{self.quarter} {self.indicator.name}: {self.get_status_display()}"

    STYLES = {Status.MET: "success", Status.NOT_MET: "danger", Status.INCOMPLETE: "secondary"}

    @property
    def style(self):
        """The Bootstrap colour of the status badge."""
        return self.STYLES.get(self.status, "light")

    @property
    def period(self):
        return Quarter(self.year, self.quarter)

    @property
    def lineage(self):
        """Every input the value came from, as the computation described it; read with the
        rows it names (``indicators.lineage.expanded`` does it for many values at once)."""
        cached = getattr(self, "_lineage", None)
        if cached is None or cached[0] is not self.trace:
            from .lineage import expanded

            expanded([self])
        return self._lineage[1]

    @lineage.setter
    def lineage(self, described):
        """Store ``described`` as given; the computation stores its packed form in ``trace``."""
        self.trace = described
        self._lineage = (described, described)


class Judgement(models.Model):
    """The points experts gave an item judged by experts (制度建设, 宣传教育 …) for a region,
    with the written reason. It holds from its quarter until a later judgement replaces it."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("item"), on_delete=models.CASCADE, related_name="judgements"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=1,
                                 validators=[MinValueValidator(Decimal("0"))])
    reason = models.TextField(_("reason"))
    judged_by = models.ForeignKey("org.User", verbose_name=_("judged by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    judged_at = models.DateTimeField(_("judged"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords(excluded_fields=["version", "judged_at"])

    class Meta:
        verbose_name = _("expert judgement")
        verbose_name_plural = _("expert judgements")
        ordering = ["region__code", "indicator__number", "-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["region", "indicator", "year", "quarter"],
                                    name="judgement_one_per_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="judgement_quarter_range"),
        ]

    def __str__(self):
        return f"{self.region} {self.year}Q{self.quarter} {self.indicator.name}: {self.points}"

    @property
    def period(self):
        return Quarter(self.year, self.quarter)

    def clean(self):
        if self.indicator_id and self.points is not None and self.points > self.indicator.points:
            raise ValidationError({"points": _("The item carries %(full)s points at most.")
                                   % {"full": plain(self.indicator.points)}})
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("Say why the item earns these points.")})
