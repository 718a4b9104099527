"""Water users (用水单位) of a region with their yearly figures, the per-region rules that
put users on the key-monitoring and planned-use lists, water audits, carrier
certifications (节水载体) and the yearly carrier targets of a region."""

from decimal import Decimal
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.links import object_url
from core.models import EvidenceFile
from org.models import Region

from .credit_code import InvalidCreditCode, validate

VOLUME = {"max_digits": 16, "decimal_places": 2}


class UserKind(models.TextChoices):
    INDUSTRY = "industry", _("Industrial enterprise")
    SERVICES = "services", _("Service business")
    PUBLIC = "public", _("Public institution")
    SCHOOL = "school", _("School")
    COMMUNITY = "community", _("Residential community")
    IRRIGATION = "irrigation", _("Irrigation district")
    OTHER = "other", _("Other")


# Kinds that may have no credit code: a residential community or an irrigation district
# is often not a registered legal person.
CODE_OPTIONAL_KINDS = {UserKind.COMMUNITY, UserKind.IRRIGATION}


class Figure(models.TextChoices):
    """Which of a user's yearly figures a threshold is read against, as the documents name
    them: 用水总量 counts reused water, 新水量 does not, 取水量 is what the unit draws itself."""

    TOTAL_USE = "total_use", _("Total use (new water + reused)")
    NEW_WATER = "new_water", _("New water")
    WITHDRAWAL = "withdrawal", _("Withdrawal (surface + groundwater)")


class WaterUser(models.Model):
    """A unit that uses water (用水单位), registered in one region."""

    Kind = UserKind

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="water_users")
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=UserKind.choices)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    uses_surface = models.BooleanField(_("surface water"), default=False)
    uses_ground = models.BooleanField(_("groundwater"), default=False)
    uses_public = models.BooleanField(_("public supply"), default=False)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("water user")
        verbose_name_plural = _("water users")
        ordering = ["region", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "credit_code"], condition=~Q(credit_code=""), name="water_user_code_unique_in_region"
            ),
            models.UniqueConstraint(fields=["region", "name"], name="water_user_name_unique_in_region"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_url("carriers:user_detail", self.pk)

    def clean(self):
        if self.credit_code:
            try:
                self.credit_code = validate(self.credit_code)
            except InvalidCreditCode as error:
                raise ValidationError({"credit_code": str(error)}) from None
        elif self.kind and self.kind not in CODE_OPTIONAL_KINDS:
            raise ValidationError({"credit_code": _("Enter the unit's unified social credit code.")})

    @property
    def sources_text(self):
        names = [
            label
            for used, label in (
                (self.uses_surface, "地表水"),
                (self.uses_ground, "地下水"),
                (self.uses_public, "公共供水"),
            )
            if used
        ]
        return "、".join(names)


class UserYear(models.Model):
    """One year of a water user's figures, in m³ (the lists' thresholds are in m³)."""

    user = models.ForeignKey(WaterUser, verbose_name=_("water user"), on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"))
    surface_withdrawal = models.DecimalField(_("surface withdrawal (m³)"), default=0, **VOLUME)
    ground_withdrawal = models.DecimalField(_("groundwater withdrawal (m³)"), default=0, **VOLUME)
    public_supply = models.DecimalField(_("public supply used (m³)"), default=0, **VOLUME)
    # 用水总量 counts reused water; 新水量 (total − reused) is what coverage and plans use.
    total_use = models.DecimalField(_("total use (m³)"), **VOLUME)
    reused_water = models.DecimalField(_("reused water (m³)"), default=0, **VOLUME)
    planned_quota = models.DecimalField(_("planned quota (m³)"), null=True, blank=True, **VOLUME)
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    irrigated_area_mu = models.DecimalField(
        _("irrigated area (mu)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("water user's year")
        verbose_name_plural = _("water users' years")
        ordering = ["user", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["user", "year"], name="user_year_unique"),
            models.CheckConstraint(
                condition=Q(reused_water__lte=models.F("total_use")), name="user_year_reuse_le_total"
            ),
            models.CheckConstraint(
                condition=Q(
                    surface_withdrawal__gte=0,
                    ground_withdrawal__gte=0,
                    public_supply__gte=0,
                    total_use__gte=0,
                    reused_water__gte=0,
                ),
                name="user_year_volumes_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.year}"

    @property
    def new_water(self):
        return self.total_use - self.reused_water

    @property
    def withdrawal(self):
        return self.surface_withdrawal + self.ground_withdrawal

    def figure(self, name):
        """The figure a threshold names (a ``Figure`` value or another field of the year)."""
        return getattr(self, name)

    def over_plan_percent(self, figure=Figure.NEW_WATER):
        """How far ``figure`` exceeds the planned quota, in %, or None without a quota."""
        if not self.planned_quota:
            return None
        return (self.figure(figure) - self.planned_quota) / self.planned_quota * 100

    def over_plan_by_at_least(self, percent, figure=Figure.NEW_WATER):
        """Whether ``figure`` is ``percent`` % or more over the quota (“超计划30%以上” counts
        exactly 30 %), compared without dividing so no rounding decides a unit on the line."""
        if not self.planned_quota:
            return False
        return self.figure(figure) * 100 >= self.planned_quota * (100 + percent)


class WaterRules(models.Model):
    """A region's planned-use threshold and the overuse that orders a water audit."""

    region = models.OneToOneField(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="water_rules"
    )
    planned_use_from = models.DecimalField(
        _("planned use required from (m³/yr)"),
        null=True,
        blank=True,
        **VOLUME,
        help_text=_("Units using at least this much a year must be under planned use. Empty: no rule."),
    )
    # 武隆's 工作方案 draws the planned-use line on total use; another district may use new water.
    planned_use_figure = models.CharField(
        _("planned-use threshold applies to"), max_length=12, choices=Figure.choices, default=Figure.TOTAL_USE
    )
    audit_over_percent = models.DecimalField(
        _("audit when over plan by at least (%)"), max_digits=5, decimal_places=2, default=Decimal("30")
    )
    plan_figure = models.CharField(
        _("figure compared with the planned quota"), max_length=12, choices=Figure.choices,
        default=Figure.NEW_WATER,
    )

    class Meta:
        verbose_name = _("planned-use and audit rules")
        verbose_name_plural = _("planned-use and audit rules")

    def __str__(self):
        return str(self.region)


class MonitoringRule(models.Model):
    """One threshold of a region's key-monitoring list (重点监控用水单位名录)."""

    class Measure(models.TextChoices):
        SURFACE = "surface_withdrawal", _("Surface withdrawal (m³/yr)")
        GROUND = "ground_withdrawal", _("Groundwater withdrawal (m³/yr)")
        WITHDRAWAL = "withdrawal", _("Withdrawal, surface + groundwater (m³/yr)")
        TOTAL_USE = "total_use", _("Total use, new water + reused (m³/yr)")
        NEW_WATER = "new_water", _("New-water use (m³/yr)")
        IRRIGATED_AREA = "irrigated_area_mu", _("Irrigated area (mu)")

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="monitoring_rules"
    )
    name = models.CharField(_("rule as written"), max_length=200)
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    threshold = models.DecimalField(_("threshold (at least)"), **VOLUME)
    # Kinds of user the rule applies to, e.g. ["industry", "services", "public"]; empty: all.
    kinds = models.JSONField(_("kinds of user"), default=list, blank=True)

    class Meta:
        verbose_name = _("key-monitoring rule")
        verbose_name_plural = _("key-monitoring rules")
        ordering = ["region", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        unknown = [kind for kind in self.kinds if kind not in UserKind.values]
        if unknown:
            raise ValidationError({"kinds": _("Unknown kinds: %(kinds)s") % {"kinds": "、".join(map(str, unknown))}})

    def matches(self, user, year_figures):
        """Whether ``user`` with ``year_figures`` (a UserYear) is caught by this rule."""
        if self.kinds and user.kind not in self.kinds:
            return False
        value = year_figures.figure(self.measure)
        return value is not None and value >= self.threshold


class WaterAudit(models.Model):
    """A 用水审计 ordered for a unit that used more than its plan allows."""

    user = models.ForeignKey(WaterUser, verbose_name=_("water user"), on_delete=models.PROTECT, related_name="audits")
    year = models.PositiveSmallIntegerField(_("year of the overuse"))
    over_percent = models.DecimalField(_("over plan (%)"), max_digits=8, decimal_places=2)
    ordered_on = models.DateField(_("ordered on"))
    due_on = models.DateField(_("report due"))
    auditor = models.CharField(_("auditor"), max_length=200, blank=True)
    reported_on = models.DateField(_("report received"), null=True, blank=True)
    rectified_on = models.DateField(_("rectification done"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("water audit")
        verbose_name_plural = _("water audits")
        ordering = ["-year", "user__name"]
        constraints = [models.UniqueConstraint(fields=["user", "year"], name="water_audit_one_per_user_year")]

    def __str__(self):
        return f"{self.user} {self.year}"

    def clean(self):
        errors = {}
        if self.ordered_on and self.due_on and self.due_on < self.ordered_on:
            errors["due_on"] = _("The report cannot be due before the audit is ordered.")
        if self.reported_on and self.ordered_on and self.reported_on < self.ordered_on:
            errors["reported_on"] = _("The report cannot arrive before the audit is ordered.")
        if self.rectified_on and not self.reported_on:
            errors["rectified_on"] = _("Record the audit report before the rectification.")
        if errors:
            raise ValidationError(errors)

    @property
    def stage(self):
        if self.rectified_on:
            return _("Rectified")
        if self.reported_on:
            return _("Report received, rectifying")
        return _("Ordered")

    def is_overdue(self, today):
        return self.reported_on is None and self.due_on < today

    def files_kept_reason(self):
        """Why the audit's files may no longer be removed (None while they may): once the
        rectification is done the audit is closed, and its report is the record of it."""
        if self.rectified_on:
            return _("This water audit was closed on %(date)s; its files are kept.") % {"date": self.rectified_on}
        return None


class AuditReport(EvidenceFile):
    """The audit report (and any rectification record) filed for a water audit."""

    audit = models.ForeignKey(WaterAudit, verbose_name=_("water audit"), on_delete=models.CASCADE, related_name="files")

    class Meta(EvidenceFile.Meta):
        verbose_name = _("audit report file")
        verbose_name_plural = _("audit report files")
        constraints = [models.UniqueConstraint(fields=["audit", "sha256"], name="audit_report_unique_file")]


class CarrierType(models.TextChoices):
    ENTERPRISE = "enterprise", _("Water-saving enterprise")
    UNIT = "unit", _("Water-saving unit")
    COMMUNITY = "community", _("Water-saving residential community")
    IRRIGATION = "irrigation", _("Water-saving irrigation district")
    SCHOOL = "school", _("Water-saving school")
    AGENCY = "agency", _("Water-saving government agency")
    LEADER = "leader", _("Water-efficiency leader")
    EDUCATION_BASE = "education_base", _("Water-saving education base")
    CONTRACT = "contract", _("Contract water-saving project")


# Carriers that need not be a registered water user: a named entity is enough.
NAMED_ENTITY_TYPES = {CarrierType.EDUCATION_BASE, CarrierType.CONTRACT}
# The users a type's 建成率 is counted against (certified ÷ users of these kinds).
RATE_BASE_KINDS = {
    CarrierType.ENTERPRISE: [UserKind.INDUSTRY, UserKind.SERVICES],
    CarrierType.UNIT: [UserKind.PUBLIC, UserKind.SCHOOL],
    CarrierType.AGENCY: [UserKind.PUBLIC],
    CarrierType.SCHOOL: [UserKind.SCHOOL],
    CarrierType.COMMUNITY: [UserKind.COMMUNITY],
    CarrierType.IRRIGATION: [UserKind.IRRIGATION],
}


class Carrier(models.Model):
    """A carrier certification (节水载体): a unit recognised at a level, with its stage."""

    Type = CarrierType

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCE = "province", _("Provincial")
        CITY = "city", _("City")
        COUNTY = "county", _("District / county")

    class Status(models.TextChoices):
        CREATING = "creating", _("Being created")
        ACCEPTED = "accepted", _("Accepted")
        PUBLISHED = "published", _("Published")
        FAILED_RECHECK = "failed_recheck", _("Failed re-check")
        REVOKED = "revoked", _("Revoked")

    # A carrier counts as built (建成) once accepted, until it fails a re-check or is revoked.
    BUILT = (Status.ACCEPTED, Status.PUBLISHED)
    ENDED = (Status.FAILED_RECHECK, Status.REVOKED)

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="carriers")
    carrier_type = models.CharField(_("carrier type"), max_length=16, choices=CarrierType.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    user = models.ForeignKey(
        WaterUser,
        verbose_name=_("water user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carriers",
    )
    entity_name = models.CharField(_("name (when not a registered water user)"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CREATING)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    recheck_due = models.DateField(_("re-check due"), null=True, blank=True)
    ended_on = models.DateField(_("failed re-check / revoked on"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["region", "carrier_type", "-accepted_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(entity_name=""), name="carrier_names_someone"),
            models.UniqueConstraint(
                fields=["carrier_type", "level", "user"],
                condition=Q(user__isnull=False),
                name="carrier_unique_per_user",
            ),
            models.UniqueConstraint(
                fields=["region", "carrier_type", "level", "entity_name"],
                condition=Q(user__isnull=True),
                name="carrier_unique_per_entity",
            ),
        ]
        indexes = [models.Index(fields=["region", "carrier_type", "status"], name="carrier_region_type_status")]

    def __str__(self):
        return f"{self.name}（{self.get_carrier_type_display()}）"

    def get_absolute_url(self):
        return object_url("carriers:carrier_detail", self.pk)

    @property
    def name(self):
        return self.user.name if self.user_id else self.entity_name

    def clean(self):
        errors = {}
        if self.user_id is None and not self.entity_name.strip():
            errors["user"] = _("Choose the water user, or name the entity.")
        if self.user_id is None and self.carrier_type and self.carrier_type not in NAMED_ENTITY_TYPES:
            errors["user"] = _("This kind of carrier must be a registered water user.")
        order = [
            ("applied_on", self.applied_on),
            ("accepted_on", self.accepted_on),
            ("published_on", self.published_on),
        ]
        dated = [(name, day) for name, day in order if day]
        for (earlier, first), (later, second) in pairwise(dated):
            if second < first:
                errors[later] = _("%(later)s cannot be before %(earlier)s.") % {
                    "later": self._meta.get_field(later).verbose_name,
                    "earlier": self._meta.get_field(earlier).verbose_name,
                }
        if self.status in self.BUILT and not self.accepted_on:
            errors["accepted_on"] = _("An accepted carrier needs its acceptance date.")
        if self.status == self.Status.PUBLISHED and not self.published_on:
            errors["published_on"] = _("A published carrier needs its publication date.")
        if self.status in self.ENDED and not self.ended_on:
            errors["ended_on"] = _("Give the date of the failed re-check or revocation.")
        if self.ended_on and self.accepted_on and self.ended_on < self.accepted_on:
            errors["ended_on"] = _("A carrier cannot end before it was accepted.")
        if self.recheck_due and self.accepted_on and self.recheck_due < self.accepted_on:
            errors["recheck_due"] = _("The re-check cannot be due before acceptance.")
        if errors:
            raise ValidationError(errors)

    def files_kept_reason(self):
        """Why the carrier's evidence may no longer be removed (None while it may): once the
        carrier is accepted (or later ended), its evidence is what the recognition rests on."""
        if self.status != self.Status.CREATING:
            return _("This carrier is %(status)s; its evidence is kept.") % {"status": self.get_status_display()}
        return None

    def built_on(self, day):
        """Whether the carrier counted as built on ``day``."""
        if self.accepted_on is None or self.accepted_on > day:
            return False
        if self.status in self.ENDED:
            return self.ended_on is not None and self.ended_on > day
        return self.status in self.BUILT


def built_on_q(day, prefix=""):
    """The filter for carriers built on ``day`` (``Carrier.built_on`` in the database)."""
    p = prefix
    accepted = Q(**{f"{p}accepted_on__lte": day})
    live = Q(**{f"{p}status__in": Carrier.BUILT})
    ended_later = Q(**{f"{p}status__in": Carrier.ENDED, f"{p}ended_on__gt": day})
    return accepted & (live | ended_later)


class CarrierEvidence(EvidenceFile):
    carrier = models.ForeignKey(Carrier, verbose_name=_("carrier"), on_delete=models.CASCADE, related_name="evidence")

    class Meta(EvidenceFile.Meta):
        verbose_name = _("carrier evidence")
        verbose_name_plural = _("carrier evidence")
        constraints = [models.UniqueConstraint(fields=["carrier", "sha256"], name="carrier_evidence_unique_file")]


class CarrierTarget(models.Model):
    """What a region's plan asks of one carrier type in a year: a count (不得少于2个), a
    rate (建成率不低于10%), or both, optionally by a date (11月底完成3家)."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="carrier_targets"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    carrier_type = models.CharField(_("carrier type"), max_length=16, choices=CarrierType.choices)
    min_count = models.PositiveIntegerField(_("at least (count)"), null=True, blank=True)
    min_rate = models.DecimalField(_("built rate at least (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True, help_text=_("Empty: by the end of the year."))
    department = models.ForeignKey(
        "org.Department", verbose_name=_("responsible department"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="carrier_targets",
    )
    # “完成3家” counts carriers accepted in the target's year; “不得少于2个” counts all built.
    new_in_year = models.BooleanField(_("only carriers accepted in that year"), default=False)
    text = models.CharField(_("target as written"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("carrier target")
        verbose_name_plural = _("carrier targets")
        ordering = ["region", "-year", "carrier_type", "due_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_count__isnull=False) | Q(min_rate__isnull=False), name="carrier_target_says_something"
            ),
        ]

    def __str__(self):
        return f"{self.region} {self.year} {self.get_carrier_type_display()}"

    def clean(self):
        if self.min_count is None and self.min_rate is None:
            raise ValidationError(_("Give a count, a rate or both."))
        if self.min_rate is not None and not (0 < self.min_rate <= 100):
            raise ValidationError({"min_rate": _("A rate is between 0 and 100 %.")})
        if self.due_on and self.year and self.due_on.year != self.year:
            raise ValidationError({"due_on": _("The due date must fall in the target's year.")})
        if self.min_rate is not None and self.carrier_type and self.carrier_type not in RATE_BASE_KINDS:
            raise ValidationError({"min_rate": _("A built rate cannot be counted for this carrier type.")})
