"""``manage.py run_schedule``: the embedded default's beat (``core.schedule``). ``make run``
starts it in the background next to runserver and stops it with it."""

from contextlib import suppress

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from core import schedule


class Command(BaseCommand):
    help = "Run the jobs of CELERY_BEAT_SCHEDULE in this process at their intervals (no Celery beat needed)."

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=int, default=60, help="Seconds between looks at what is due.")
        parser.add_argument("--once", action="store_true", help="Run what is due now, then stop.")

    def handle(self, *args, tick, once, **options):
        entries = settings.CELERY_BEAT_SCHEDULE

        def run(entry):
            result = schedule.apply(entry)
            self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M} run_schedule: {entry['task']} → {result}")
            return result

        if once:
            schedule.run_due(entries, now=timezone.now(), run=run)
            return
        self.stdout.write(f"run_schedule: {len(entries)} scheduled jobs, looking every {tick} s")
        with suppress(KeyboardInterrupt):  # Ctrl-C in a terminal of its own stops it quietly
            schedule.loop(entries, tick=tick, run=run)
