from django.contrib import admin

from .models import AuditEntry, JobRun


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, read-only: an entry is a record of what happened, never edited or
    removed by hand."""

    list_display = ["at", "username", "region", "ip", "origin", "action", "object_repr", "status", "outcome"]
    list_filter = ["outcome", "at"]
    search_fields = ["username", "route", "action", "object_repr", "path"]
    list_select_related = ["region"]
    date_hierarchy = "at"
    show_full_result_count = False  # no COUNT(*) over the whole log on every page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "started_at", "finished_at", "result"]
    list_filter = ["name", "state"]
    readonly_fields = ["name", "arguments", "state", "started_at", "finished_at", "result", "error"]
