"""Load the demo built from the source documents. Safe to run any number of times: a second
run the same day writes nothing, a run on a later day brings the demo up to that day."""

from contextlib import nullcontext
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.management.audited import audited
from demo import (
    campaign,
    catalogue,
    county_standard,
    dates,
    divisions,
    messages,
    plans,
    regions,
    registry,
    scorecards,
    systems,
)

# Each part's ``load(*, password)`` returns a short summary. They run in this order because
# later parts refer to earlier ones: the plans to the departments, the registry's coverage
# figures to the indicator catalogue, the scorecards to all of them, the city's campaign to the
# county standard and 武隆's computed values under it; the system accounts to the departments.
PARTS = [divisions, regions, catalogue, county_standard, plans, registry, scorecards, campaign, systems]


class Command(BaseCommand):
    help = "Create the demo regions, departments, users and data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=None, help="Password of the demo users (default: DEMO_PASSWORD).")
        parser.add_argument("--today", type=date.fromisoformat, default=None,
                            help="Load the demo as it would be loaded on this day (YYYY-MM-DD; default: today).")

    @audited(_("Load the demo data"))
    def handle(self, *args, **options):
        password = options["password"] or settings.DEMO_PASSWORD
        if not password:
            raise CommandError("DEMO_PASSWORD is empty.")
        day = options["today"]
        if isinstance(day, str):  # given to call_command as text
            day = date.fromisoformat(day)
        with dates.pretend(day) if day else nullcontext(), transaction.atomic():
            for part in PARTS:
                name = part.__name__.rsplit(".", 1)[-1]
                try:
                    summary = part.load(password=password)
                except ValueError as error:
                    raise CommandError(f"{name}: {error}") from error
                self.stdout.write(f"{name}: {summary}")
        # The review steps' messages are sent once the load commits, so only now can the
        # overtaken ones be marked read.
        self.stdout.write(f"messages: {messages.settle()} older messages marked read")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
