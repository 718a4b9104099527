from django.contrib import admin

from .models import JobRun, RegionVerdict, ScoreWeights


@admin.register(ScoreWeights)
class ScoreWeightsAdmin(admin.ModelAdmin):
    list_display = ["plan", "completeness", "on_time", "progress", "indicators", "carriers", "returns", "cooperation"]


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "started_at", "finished_at", "result"]
    list_filter = ["name", "state"]
    readonly_fields = ["name", "arguments", "state", "started_at", "finished_at", "result", "error"]


@admin.register(RegionVerdict)
class RegionVerdictAdmin(admin.ModelAdmin):
    list_display = ["region", "year", "quarter", "verdict", "reason"]
    list_filter = ["region", "verdict"]
