from django.contrib import admin

from .models import DataElement, Indicator, IndicatorSet, ReferenceValue


@admin.register(DataElement)
class DataElementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "cumulative"]
    search_fields = ["code", "name"]


@admin.register(ReferenceValue)
class ReferenceValueAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "year", "value", "unit", "source"]
    list_filter = ["code", "year"]


class IndicatorInline(admin.StackedInline):
    model = Indicator
    extra = 0


@admin.register(IndicatorSet)
class IndicatorSetAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "version"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "indicator_set", "kind", "method", "unit", "target_text"]
    list_filter = ["indicator_set", "kind", "method", "category"]
    search_fields = ["name", "code"]
