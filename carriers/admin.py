from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Carrier,
    CarrierKind,
    CarrierTarget,
    EvaluationStandard,
    MonitoringRule,
    UserKind,
    UserYear,
    WaterAudit,
    WaterRules,
    WaterUser,
)


class CarrierKindForm(forms.ModelForm):
    # Ticked from the user kinds instead of typed as a JSON list.
    user_kinds = forms.MultipleChoiceField(label=CarrierKind._meta.get_field("user_kinds").verbose_name,
                                           choices=UserKind.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = CarrierKind
        fields = ["code", "name", "tied_to_user", "user_kinds", "counts_toward_rate", "order", "is_active"]


@admin.register(CarrierKind)
class CarrierKindAdmin(admin.ModelAdmin):
    """Kinds are retired (``is_active``), not deleted: carriers and targets keep theirs."""

    form = CarrierKindForm
    list_display = ["name", "code", "tied_to_user", "user_kinds", "counts_toward_rate", "order", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["name", "code"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []  # the code is what carriers store

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EvaluationStandard)
class EvaluationStandardAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "issuer", "year", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "title", "issuer"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MonitoringRule)
class MonitoringRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "measure", "threshold", "kinds"]
    list_filter = ["region", "measure"]


@admin.register(WaterRules)
class WaterRulesAdmin(admin.ModelAdmin):
    list_display = ["region", "planned_use_from", "planned_use_figure", "audit_over_percent", "plan_figure"]


class UserYearInline(admin.TabularInline):
    model = UserYear
    extra = 0


@admin.register(WaterUser)
class WaterUserAdmin(SimpleHistoryAdmin):
    list_display = ["name", "region", "credit_code", "kind", "industry"]
    list_filter = ["region", "kind"]
    search_fields = ["name", "credit_code"]
    inlines = [UserYearInline]


@admin.register(Carrier)
class CarrierAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "region", "level", "status", "standard", "accepted_on"]
    list_filter = ["region", "carrier_type", "status", "level", "standard"]


@admin.register(CarrierTarget)
class CarrierTargetAdmin(admin.ModelAdmin):
    list_display = ["region", "year", "carrier_type", "min_count", "min_rate", "rate_base", "due_on"]
    list_filter = ["region", "year"]


@admin.register(WaterAudit)
class WaterAuditAdmin(SimpleHistoryAdmin):
    list_display = ["user", "year", "over_percent", "ordered_on", "due_on", "reported_on", "rectified_on"]
