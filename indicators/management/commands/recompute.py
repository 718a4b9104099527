"""Recompute indicator values from the stored raw statistics."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from core.management.audited import audited
from core.periods import Quarter
from indicators.models import DataValue, IndicatorSet, UtilityFigures
from indicators.services import recompute
from org.models import Region


class Command(BaseCommand):
    help = "Recompute indicator values for regions and quarters that have data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="administrative division code (default: every region with data)")
        parser.add_argument("--quarter", help="e.g. 2023Q4 (default: every quarter with data)")
        parser.add_argument("--set", dest="indicator_set", help="indicator set code (default: the only one)")

    @audited(_("Recompute indicator values (command line)"), "region", "quarter", "indicator_set")
    def handle(self, *args, **options):
        sets = IndicatorSet.objects.all()
        if options["indicator_set"]:
            sets = sets.filter(code=options["indicator_set"])
        if sets.count() != 1:
            raise CommandError("请用 --set 指定一个指标体系" if sets.exists() else "还没有指标体系")
        indicator_set = sets.get()
        pairs = set(DataValue.objects.values_list("region", "year", "quarter"))
        pairs |= set(UtilityFigures.objects.values_list("region", "year", "quarter"))
        if options["region"]:
            try:
                region = Region.objects.get(code=options["region"])
            except Region.DoesNotExist:
                raise CommandError(f"没有区划代码为 {options['region']} 的行政区") from None
            pairs = {pair for pair in pairs if pair[0] == region.pk}
        if options["quarter"]:
            try:
                quarter = Quarter.parse(options["quarter"])
            except ValueError as error:
                raise CommandError(str(error)) from None
            pairs = {pair for pair in pairs if (pair[1], pair[2]) == (quarter.year, quarter.number)}
        regions = Region.objects.in_bulk({pair[0] for pair in pairs})
        written = 0
        for region_id, year, number in sorted(pairs):
            written += recompute(
                regions=[regions[region_id]], quarters=[Quarter(year, number)], indicator_set=indicator_set
            )
        self.stdout.write(self.style.SUCCESS(f"已计算 {len(pairs)} 个行政区季度，写入 {written} 个指标值"))
