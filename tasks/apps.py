from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    """Plans, the task-decomposition tree and quarterly progress with its review workflow."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "tasks"
    verbose_name = _("Tasks")

    def ready(self):
        from core import events

        events.subscribe(events.DEPARTMENTS_CHANGED, _resolve_group_names)


def _resolve_group_names(*, region, **_kwargs):
    # A group name written on a work item stands for the group's members as they are now.
    from .services import plan_groups_resolve

    plan_groups_resolve(region=region)
