from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Carrier, CarrierTarget, MonitoringRule, UserYear, WaterAudit, WaterRules, WaterUser


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
    list_display = ["__str__", "region", "level", "status", "accepted_on"]
    list_filter = ["region", "carrier_type", "status", "level"]


@admin.register(CarrierTarget)
class CarrierTargetAdmin(admin.ModelAdmin):
    list_display = ["region", "year", "carrier_type", "min_count", "min_rate", "due_on"]
    list_filter = ["region", "year"]


@admin.register(WaterAudit)
class WaterAuditAdmin(SimpleHistoryAdmin):
    list_display = ["user", "year", "over_percent", "ordered_on", "due_on", "reported_on", "rectified_on"]
