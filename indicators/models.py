"""The indicator catalogue: raw statistics (data elements), reference values, indicator sets
(a versioned standard) and their indicators with formulas and target rules."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.models import Region

from .formulas import FormulaError, parse
from .targets import RuleError, validate_rule

code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9_]*$", _("A code is written in capitals, digits and underscores, e.g. IND_NEW_WATER.")
)


class DataElement(models.Model):
    """A raw statistic (数据项) that formulas use."""

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


class IndicatorSet(models.Model):
    """A versioned standard grouping indicators, with the rule that decides a pass."""

    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    version = models.CharField(_("version"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source document"), max_length=200, blank=True)
    # e.g. {"bottom_line": "all", "guiding_share": "0.8"}; checked by reports when it lands.
    pass_rule = models.JSONField(_("pass rule"), default=dict, blank=True)

    class Meta:
        verbose_name = _("indicator set")
        verbose_name_plural = _("indicator sets")
        ordering = ["code", "version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="indicator_set_unique_version")]

    def __str__(self):
        return f"{self.name}（{self.version}）"


class Indicator(models.Model):
    class Kind(models.TextChoices):
        BOTTOM_LINE = "bottom_line", _("Bottom-line")
        GUIDING = "guiding", _("Guiding")

    class Method(models.TextChoices):
        FORMULA = "formula", _("Formula over data elements")
        LEAKAGE = "leakage", _("Leakage after CJJ 92-2016")
        CHECKLIST = "checklist", _("Checklist with evidence")

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
    lead_text = models.CharField(_("lead units as written"), max_length=200, blank=True)
    responsible_text = models.CharField(_("responsible units as written"), max_length=300, blank=True)

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
        if self.method != self.Method.CHECKLIST:
            try:
                validate_rule(self.target)
            except RuleError as error:
                errors["target"] = str(error)
        if errors:
            raise ValidationError(errors)
