from django.contrib import admin

from .models import RegionVerdict, ScoreWeights


@admin.register(ScoreWeights)
class ScoreWeightsAdmin(admin.ModelAdmin):
    list_display = ["plan", "completeness", "on_time", "progress", "indicators", "carriers", "returns", "cooperation"]


@admin.register(RegionVerdict)
class RegionVerdictAdmin(admin.ModelAdmin):
    list_display = ["region", "year", "quarter", "verdict", "reason"]
    list_filter = ["region", "verdict"]
