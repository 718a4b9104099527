from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app shares and that has no domain of its own: periods, safe Excel I/O, file storage, base views."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from core import checks  # noqa: F401  registers the deploy checks of the security headers
