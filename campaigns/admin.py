from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Campaign, Creation, Expert


@admin.register(Campaign)
class CampaignAdmin(SimpleHistoryAdmin):
    list_display = ["name", "region", "goal_year", "goal_share", "goal_count"]


@admin.register(Creation)
class CreationAdmin(SimpleHistoryAdmin):
    list_display = ["region", "campaign", "batch", "stage", "stage_since"]
    list_filter = ["campaign", "stage"]


@admin.register(Expert)
class ExpertAdmin(SimpleHistoryAdmin):
    list_display = ["name", "affiliation", "field", "user"]
