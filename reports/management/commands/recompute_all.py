"""Recompute every indicator value, verdict and scorecard in bulk:
python manage.py recompute_all [--quarter 2026Q3 ...]
"""

import time

from django.core.management.base import BaseCommand, CommandError

from core.periods import Quarter
from indicators.models import DataValue
from reports import services
from tasks.models import ProgressReport


class Command(BaseCommand):
    help = "Recompute every region's indicator values, verdicts and scorecards (idempotent, bulk)."

    def add_arguments(self, parser):
        parser.add_argument("--quarter", action="append", default=[],
                            help="e.g. 2026Q3; repeat for more (default: every quarter with data)")  # fmt: skip

    def handle(self, *args, quarter, **options):
        try:
            quarters = [Quarter.parse(text) for text in quarter]
        except ValueError as error:
            raise CommandError(str(error)) from None
        if not quarters:
            found = set(DataValue.objects.order_by().values_list("year", "quarter").distinct())
            found |= set(ProgressReport.objects.order_by().values_list("year", "quarter").distinct())
            quarters = [Quarter(year, number) for year, number in sorted(found)]
        if not quarters:
            raise CommandError("还没有任何填报数据，无需计算 / nothing entered yet")
        started = time.monotonic()
        values, scorecards = services.recompute_all(quarters=quarters)
        self.stdout.write(self.style.SUCCESS(
            f"已计算 {len(quarters)} 个季度（{quarters[0].label}—{quarters[-1].label}）：指标值 {values:,} 个，"
            f"部门评分 {scorecards:,} 个，用时 {time.monotonic() - started:.1f} 秒"
        ))  # fmt: skip
