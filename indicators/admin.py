from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ComputedValue, DataElement, DataValue, Indicator, IndicatorSet, ReferenceValue, UtilityFigures


@admin.register(DataElement)
class DataElementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "cumulative"]
    search_fields = ["code", "name"]


@admin.register(ReferenceValue)
class ReferenceValueAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "year", "value", "unit", "source", "published_on"]
    list_filter = ["code", "year"]


class IndicatorInline(admin.StackedInline):
    model = Indicator
    extra = 0


@admin.register(IndicatorSet)
class IndicatorSetAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "version", "pass_rule"]
    fieldsets = [
        (None, {"fields": ["code", "version", "name", "source", "source_note"]}),
        (_("Pass rule: all bottom-line indicators met, and each threshold set here"),
         {"fields": ["guiding_share", "min_guiding", "min_points"]}),
    ]

    @admin.display(description=_("pass rule"))
    def pass_rule(self, indicator_set):
        return indicator_set.pass_rule_text


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "indicator_set", "kind", "method", "unit", "target_text", "points", "annual"]
    list_filter = ["indicator_set", "kind", "method", "category"]
    search_fields = ["name", "code"]


@admin.register(DataValue)
class DataValueAdmin(admin.ModelAdmin):
    list_display = ["region", "year", "quarter", "element", "value"]
    list_filter = ["region", "year", "quarter"]
    # A select of every data report (and user) would list thousands, each named by a query.
    raw_id_fields = ["report", "entered_by"]


@admin.register(UtilityFigures)
class UtilityFiguresAdmin(admin.ModelAdmin):
    list_display = ["region", "utility", "year", "quarter", "supply", "registered"]
    raw_id_fields = ["report"]  # see DataValueAdmin


@admin.register(ComputedValue)
class ComputedValueAdmin(admin.ModelAdmin):
    list_display = ["region", "year", "quarter", "indicator", "value", "status", "points"]
    list_filter = ["region", "year", "quarter", "status"]
    readonly_fields = ["region", "indicator", "year", "quarter", "value", "status", "explanation", "points", "award",
                       "lineage"]
    exclude = ["trace"]  # shown expanded, as "lineage"

    def has_add_permission(self, request):
        return False  # computed values are rebuilt from inputs, never entered by hand
