"""Load the demo built from the source documents. Safe to run any number of times."""

from importlib import import_module, util

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.management.audited import audited

# Apps contribute demo data through an optional ``demo.py`` with ``load(*, password)``
# returning a short summary; they run in this order because later ones refer to earlier.
DEMO_APPS = ["org", "indicators", "tasks", "carriers", "reports"]


class Command(BaseCommand):
    help = "Create the demo regions, departments, users and data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=None, help="Password of the demo users (default: DEMO_PASSWORD).")

    @audited(_("Load the demo data"))
    def handle(self, *args, **options):
        password = options["password"] or settings.DEMO_PASSWORD
        if not password:
            raise CommandError("DEMO_PASSWORD is empty.")
        with transaction.atomic():
            for app in DEMO_APPS:
                if util.find_spec(f"{app}.demo") is None:
                    continue
                try:
                    summary = import_module(f"{app}.demo").load(password=password)
                except ValueError as error:
                    raise CommandError(f"{app}: {error}") from error
                self.stdout.write(f"{app}: {summary}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
