"""Water users (用水单位) of a region with their yearly figures, the per-region rules that
put users on the key-monitoring and planned-use lists, water audits, carrier
certifications (节水载体) and the yearly carrier targets of a region."""

from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.fields.related_descriptors import ForwardManyToOneDescriptor
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
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

    @property
    def sources_display(self):
        """The sources in the words of the page (sources_text is the registry file's Chinese)."""
        sources = ((self.uses_surface, _("surface water")), (self.uses_ground, _("groundwater")),
                   (self.uses_public, _("public supply")))
        names = [label for used, label in sources if used]
        return str(pgettext_lazy("enumeration", ", ")).join(str(name) for name in names)


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
    """The codes of the kinds the portal started with. Kinds are data (``CarrierKind``); these
    name the ones the code itself refers to (the coverage indicators, plans' wording)."""

    ENTERPRISE = "enterprise", _("Water-saving enterprise")
    UNIT = "unit", _("Water-saving unit")
    COMMUNITY = "community", _("Water-saving residential community")
    IRRIGATION = "irrigation", _("Water-saving irrigation district")
    SCHOOL = "school", _("Water-saving school")
    AGENCY = "agency", _("Water-saving government agency")
    LEADER = "leader", _("Water-efficiency leader")
    EDUCATION_BASE = "education_base", _("Water-saving education base")
    CONTRACT = "contract", _("Contract water-saving project")
    RETROFIT = "retrofit", _("Water-saving retrofit project")
    LEADER_PRODUCT = "leader_product", _("Water-efficiency leader product")


class CarrierKind(models.Model):
    """A kind of carrier plans set targets for (节水型企业, 节水教育基地, 节水技改项目…),
    kept by administrators. ``name`` is the kind as documents and registry files write it."""

    code = models.SlugField(_("code"), max_length=16, primary_key=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    tied_to_user = models.BooleanField(
        _("held by a registered water user"), default=True,
        help_text=_("Off for a product, an education base or a project: the carrier then records its own name "
                    "and holder."),
    )
    # Kinds of water user that may hold it, and the users its built rate is counted against.
    user_kinds = models.JSONField(_("kinds of water user"), default=list, blank=True)
    counts_toward_rate = models.BooleanField(
        _("has a built rate against registered users"), default=False,
        help_text=_("建成率: certified ÷ registered users of the kinds above."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("carrier kind")
        verbose_name_plural = _("carrier kinds")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name

    def clean(self):
        unknown = [kind for kind in self.user_kinds if kind not in UserKind.values]
        if unknown:
            message = _("Unknown kinds: %(kinds)s") % {"kinds": "、".join(map(str, unknown))}
            raise ValidationError({"user_kinds": message})
        if self.counts_toward_rate and not self.user_kinds:
            raise ValidationError({"user_kinds": _("A built rate needs the kinds of user it is counted against.")})
        if self.counts_toward_rate and not self.tied_to_user:
            raise ValidationError({"counts_toward_rate": _("Only a kind held by water users has a built rate.")})


@dataclass(frozen=True)
class KindTable:
    """The carrier kinds a registry file may name: {code: name as written}, in order, and the
    codes a carrier may hold without being a registered water user."""

    labels: dict
    named: frozenset


def carrier_kinds():
    """The kinds administrators keep, for reading and writing registry files."""
    kinds = list(CarrierKind.objects.all())
    return KindTable({kind.code: kind.name for kind in kinds}, frozenset(k.code for k in kinds if not k.tied_to_user))


def named_entity_kinds():
    """Codes of the kinds a carrier may hold without being a registered water user."""
    return set(CarrierKind.objects.filter(tied_to_user=False).values_list("code", flat=True))


def rate_base_kinds():
    """{kind code: the user kinds its 建成率 is counted against (certified ÷ users of these kinds)}."""
    return dict(CarrierKind.objects.filter(counts_toward_rate=True).values_list("code", "user_kinds"))


class CarrierKindField(models.ForeignKey):
    """The kind of a carrier or target. Its column holds the kind's code, as it did when the
    kinds were fixed choices, and it may be given the code as well as the kind."""

    class Accessor(ForwardManyToOneDescriptor):
        def __set__(self, instance, value):
            if isinstance(value, str):
                instance.__dict__[self.field.attname] = value
                if self.field.is_cached(instance) and self.field.get_cached_value(instance).pk != value:
                    self.field.delete_cached_value(instance)
                return
            super().__set__(instance, value)

    forward_related_accessor_class = Accessor


class EvaluationStandard(models.Model):
    """A standard carriers are evaluated under: GB/T 7119-2018《节水型企业评价导则》, a
    provincial DB standard, a ministry's 节水型单位 criteria. Kept as the document writes it."""

    code = models.CharField(_("standard number"), max_length=60, blank=True,
                            help_text=_("E.g. GB/T 7119-2018; empty for a document without a number."))
    title = models.CharField(_("title"), max_length=200)
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("evaluation standard")
        verbose_name_plural = _("evaluation standards")
        ordering = ["code", "title"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="evaluation_standard_code_unique"),
            models.UniqueConstraint(fields=["title"], name="evaluation_standard_title_unique"),
        ]

    def __str__(self):
        return f"{self.code}《{self.title}》" if self.code else f"《{self.title}》"


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
    carrier_type = CarrierKindField(CarrierKind, verbose_name=_("carrier type"), on_delete=models.PROTECT,
                                    db_column="carrier_type", related_name="carriers")
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
    holder = models.CharField(_("holder (when not a registered water user)"), max_length=200, blank=True,
                              help_text=_("Who owns the product, runs the base or carries out the project."))
    standard = models.ForeignKey(EvaluationStandard, verbose_name=_("evaluated under"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="carriers")
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

    def get_carrier_type_display(self):
        return self.carrier_type.name

    @property
    def name(self):
        return self.user.name if self.user_id else self.entity_name

    def clean(self):
        errors = {}
        if self.user_id is None and not self.entity_name.strip():
            errors["user"] = _("Choose the water user, or name the entity.")
        kind = CarrierKind.objects.filter(code=self.carrier_type_id).first() if self.carrier_type_id else None
        if self.user_id is None and kind is not None and kind.tied_to_user:
            errors["user"] = _("This kind of carrier must be a registered water user.")
        # The user kinds that may hold a kind are the base of its built rate too.
        if self.user_id is not None and kind is not None and kind.user_kinds and self.user.kind not in kind.user_kinds:
            message = _("A %(kind)s is held by a unit of these kinds: %(kinds)s; %(name)s is a %(user_kind)s.")
            errors["user"] = message % {
                "kind": kind.name, "kinds": "、".join(str(UserKind(k).label) for k in kind.user_kinds),
                "name": self.user.name, "user_kind": self.user.get_kind_display()}
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
    carrier_type = CarrierKindField(CarrierKind, verbose_name=_("carrier type"), on_delete=models.PROTECT,
                                    db_column="carrier_type", related_name="targets")
    min_count = models.PositiveIntegerField(_("at least (count)"), null=True, blank=True)
    min_rate = models.DecimalField(_("built rate at least (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    # “节水教育基地100%全覆盖”: the kind has no registered users to count against, so the
    # target says what the rate is of (every 乡镇, every school…) and how many there are.
    rate_base = models.PositiveIntegerField(
        _("rate counted against (number)"), null=True, blank=True,
        help_text=_("For a kind without registered users to count against, e.g. the number of towns to cover."),
    )
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

    def get_carrier_type_display(self):
        return self.carrier_type.name

    def clean(self):
        if self.min_count is None and self.min_rate is None:
            raise ValidationError(_("Give a count, a rate or both."))
        if self.min_rate is not None and not (0 < self.min_rate <= 100):
            raise ValidationError({"min_rate": _("A rate is between 0 and 100 %.")})
        if self.due_on and self.year and self.due_on.year != self.year:
            raise ValidationError({"due_on": _("The due date must fall in the target's year.")})
        if (self.min_rate is not None and self.carrier_type_id and not self.rate_base
                and self.carrier_type_id not in rate_base_kinds()):
            raise ValidationError({"rate_base": _("Give the number the rate is counted against: this carrier type "
                                                  "has no registered users to count.")})


class LeakRepair(models.Model):
    """One period of a water utility's leak-repair ledger (漏损记录台账, kept beside the
    CJJ 92-2016 leakage figures): pipe inspected, leaks found and repaired, how long repairs
    took and the water estimated lost. A utility is named as in its leakage figures."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="leak_repairs")
    utility = models.CharField(_("water utility"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), choices=[(q, f"Q{q}") for q in range(1, 5)])
    # Empty: the row covers the whole quarter; else the month of the quarter it covers.
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True,
                                             help_text=_("Empty for a row covering the whole quarter."))
    inspected_km = models.DecimalField(_("pipe inspected (km)"), max_digits=10, decimal_places=2, default=0)
    leaks_found = models.PositiveIntegerField(_("leaks found"), default=0)
    leaks_repaired = models.PositiveIntegerField(_("leaks repaired"), default=0)
    repair_hours = models.DecimalField(
        _("mean repair time (hours)"), max_digits=8, decimal_places=1, null=True, blank=True,
        help_text=_("From the leak being found to the repair, averaged over the leaks repaired."),
    )
    volume_lost = models.DecimalField(_("estimated volume lost (m³)"), max_digits=14, decimal_places=2, default=0)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("leak-repair record")
        verbose_name_plural = _("leak-repair records")
        ordering = ["region", "-year", "-quarter", "utility", "month"]
        constraints = [
            models.UniqueConstraint(fields=["region", "utility", "year", "quarter", "month"],
                                    condition=Q(month__isnull=False), name="leak_repair_one_per_month"),
            models.UniqueConstraint(fields=["region", "utility", "year", "quarter"],
                                    condition=Q(month__isnull=True), name="leak_repair_one_per_quarter"),
            models.CheckConstraint(condition=Q(inspected_km__gte=0, volume_lost__gte=0),
                                   name="leak_repair_not_negative"),
        ]

    def __str__(self):
        return f"{self.utility} {self.period_label}"

    def get_absolute_url(self):
        return f"{reverse('carriers:leak_repairs')}?region={self.region.code}&year={self.year}"

    @property
    def period_label(self):
        return f"{self.year}年{self.month}月" if self.month else f"{self.year}年第{self.quarter}季度"

    def clean(self):
        errors = {}
        if self.month is not None and self.quarter and not (1 <= self.month <= 12
                                                             and (self.month - 1) // 3 + 1 == self.quarter):
            errors["month"] = _("Month %(month)s is not in quarter %(quarter)s.") % {
                "month": self.month, "quarter": self.quarter}
        for name in ("inspected_km", "volume_lost", "repair_hours"):
            value = getattr(self, name)
            if value is not None and value < 0:
                errors[name] = _("This cannot be negative.")
        if self.repair_hours is not None and not self.leaks_repaired:
            errors["repair_hours"] = _("A repair time needs leaks repaired.")
        if errors:
            raise ValidationError(errors)
        # A whole-quarter row beside monthly rows would count the same leaks twice.
        others = LeakRepair.objects.filter(region_id=self.region_id, utility=self.utility, year=self.year,
                                           quarter=self.quarter).exclude(pk=self.pk)
        if self.month is None and others.filter(month__isnull=False).exists():
            raise ValidationError(_("This utility has monthly rows for the quarter; enter the month instead."))
        if self.month is not None and others.filter(month__isnull=True).exists():
            raise ValidationError(_("This utility has a row for the whole quarter; change that row instead."))
