"""Recompute every indicator value, verdict and scorecard in bulk:
python manage.py recompute_all [--quarter 2026Q3 ...] [--background] [--force]
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.management.audited import audited
from core.periods import Quarter
from indicators.models import DataValue
from reports import services
from tasks.models import ProgressReport


class Command(BaseCommand):
    help = "Recompute every region's indicator values, verdicts and scorecards (idempotent, bulk)."

    def add_arguments(self, parser):
        parser.add_argument("--quarter", action="append", default=[],
                            help="e.g. 2026Q3; repeat for more (default: every quarter with data)")
        parser.add_argument("--background", action="store_true",
                            help="queue the work in parts for the Celery workers instead of doing it here")
        parser.add_argument("--force", action="store_true",
                            help="compute every region again, also those whose inputs did not change since "
                                 "their last bulk recompute (they are left alone otherwise)")

    @audited(_("Recompute every indicator value, verdict and scorecard (command line)"),
             "quarter", "background", "force")
    def handle(self, *args, quarter, background, force, **options):
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
        if background:
            with transaction.atomic():
                jobs = services.recompute_all_enqueue(quarters=quarters, force=force)
            span = f"{quarters[0].label}—{quarters[-1].label}"
            self.stdout.write(self.style.SUCCESS(f"已排队 {jobs} 个后台计算任务（{span}），进度见“后台任务”页面"))
            return
        started = time.monotonic()
        values, scorecards = services.recompute_all(quarters=quarters, force=force)
        self.stdout.write(self.style.SUCCESS(
            f"已计算 {len(quarters)} 个季度（{quarters[0].label}—{quarters[-1].label}）：指标值 {values:,} 个，"
            f"部门评分 {scorecards:,} 个，用时 {time.monotonic() - started:.1f} 秒"
        ))
        if not force and not values and not scorecards:
            self.stdout.write("各区县的数据自上次批量计算以来均未变化，结果沿用；如需全部重新计算，请加 --force")
