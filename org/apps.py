from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    """Regions, departments and their aliases, users and roles, and the scope that decides what a user may see."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "org"
    verbose_name = _("Organisations")
