from django.contrib import admin

from .models import Assignment, Plan, PlanPhase, TaskNode


class PlanPhaseInline(admin.TabularInline):
    model = PlanPhase
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "region", "kind", "start_year", "end_year"]
    list_filter = ["kind", "region"]
    search_fields = ["title", "document_number"]
    inlines = [PlanPhaseInline]


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["department"]


@admin.register(TaskNode)
class TaskNodeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "plan", "level", "position"]
    list_filter = ["level", "plan__region"]
    list_select_related = ["plan"]
    search_fields = ["text", "number"]
    raw_id_fields = ["parent"]
    inlines = [AssignmentInline]
