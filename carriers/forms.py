"""Forms of the registry. The rules about one row live on the models' ``clean()``; these
forms only collect and show them."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.forms import VersionedForm

from .models import (
    Carrier,
    CarrierKind,
    CarrierTarget,
    EvaluationStandard,
    LeakRepair,
    UserKind,
    UserYear,
    WaterAudit,
    WaterUser,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RegistryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or credit code"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *UserKind.choices])


class WaterUserForm(VersionedForm):
    class Meta:
        model = WaterUser
        fields = ["name", "credit_code", "kind", "industry", "uses_surface", "uses_ground", "uses_public", "notes"]
        help_texts = {"credit_code": _("18 characters; may be left empty for residential communities and "
                                       "irrigation districts.")}


class UserYearForm(forms.ModelForm):
    class Meta:
        model = UserYear
        fields = ["year", "surface_withdrawal", "ground_withdrawal", "public_supply", "total_use", "reused_water",
                  "planned_quota", "households", "irrigated_area_mu"]
        help_texts = {
            "total_use": _("Including reused water; new water = total use − reused water."),
            "planned_quota": _("Empty when the unit is not under planned use."),
        }

    def clean(self):
        cleaned = super().clean()
        for name in ("surface_withdrawal", "ground_withdrawal", "public_supply", "total_use", "reused_water",
                     "planned_quota", "irrigated_area_mu"):
            value = cleaned.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("A volume cannot be negative."))
        total, reused = cleaned.get("total_use"), cleaned.get("reused_water")
        if total is not None and reused is not None and reused > total:
            self.add_error("reused_water", _("Reused water cannot be more than the total use."))
        return cleaned


class CarrierForm(VersionedForm):
    class Meta:
        model = Carrier
        fields = ["carrier_type", "level", "user", "entity_name", "holder", "standard", "status", "applied_on",
                  "accepted_on", "published_on", "recheck_due", "ended_on", "notes"]
        widgets = dict.fromkeys(("applied_on", "accepted_on", "published_on", "recheck_due", "ended_on"), DATE)

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.region = region
        self.fields["user"].queryset = WaterUser.objects.filter(region=region).order_by("name")
        _offer_in_use(self, "carrier_type", CarrierKind)
        _offer_in_use(self, "standard", EvaluationStandard)


def _offer_in_use(form, name, model):
    """Offer the rows still in use, and the one the record already has even when retired."""
    current = getattr(form.instance, f"{name}_id", None)
    form.fields[name].queryset = model.objects.filter(Q(is_active=True) | Q(pk=current))


class CarrierTargetForm(forms.ModelForm):
    class Meta:
        model = CarrierTarget
        fields = ["year", "carrier_type", "min_count", "min_rate", "rate_base", "due_on", "new_in_year", "department",
                  "text"]
        widgets = {"due_on": DATE}

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.region = region
        _offer_in_use(self, "carrier_type", CarrierKind)
        self.fields["department"].queryset = region.departments.filter(is_active=True).order_by("short_name")


class WaterAuditForm(VersionedForm):
    class Meta:
        model = WaterAudit
        fields = ["auditor", "ordered_on", "due_on", "reported_on", "rectified_on", "notes"]
        widgets = dict.fromkeys(("ordered_on", "due_on", "reported_on", "rectified_on"), DATE)




class LeakRepairForm(VersionedForm):
    class Meta:
        model = LeakRepair
        fields = ["utility", "year", "quarter", "month", "inspected_km", "leaks_found", "leaks_repaired",
                  "repair_hours", "volume_lost", "notes"]
        help_texts = {"utility": _("As the utility is named in the leakage figures (供水企业).")}

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.region = region
