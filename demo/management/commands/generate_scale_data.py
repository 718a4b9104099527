"""Synthetic data at national shape, for benchmarks (see demo/scale.py):
python manage.py generate_scale_data --regions 2844 --quarters 8 [--seed N] [--replace]
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.management.audited import audited
from demo import scale

# What the summary lists, in this order: model name -> label.
LABELS = {
    "Region": "行政区 regions",
    "Department": "部门 departments",
    "DepartmentAlias": "部门别称 department aliases",
    "Plan": "方案 plans",
    "TaskNode": "任务节点 task nodes",
    "work items": "  其中工作事项 of which work items",
    "Assignment": "分工 assignments",
    "ProgressReport": "季度进展 progress reports",
    "Contribution": "配合情况 contributions",
    "DataReport": "数据填报 data reports",
    "DataValue": "数据值 data values",
    "UtilityFigures": "供水企业漏损数据 utility figures",
    "ReferenceValue": "用水总量控制指标 water quotas",
    "Adoption": "采用指标体系 adoptions",
    "WaterUser": "用水单位 water users",
    "UserYear": "年度用水 user years",
    "Carrier": "节水载体 carriers",
    "CarrierTarget": "载体目标 carrier targets",
}


class Command(BaseCommand):
    help = "Generate deterministic synthetic scale data (regions, tasks, progress, statistics, carriers)."

    def add_arguments(self, parser):
        parser.add_argument("--regions", type=int, default=2844, help="County-level regions (2844 nationally).")
        parser.add_argument("--quarters", type=int, default=8, help="Quarters of progress and statistics, up to "
                            "the last quarter that has ended.")
        parser.add_argument("--seed", type=int, default=1, help="The same seed gives the same rows.")
        parser.add_argument("--replace", action="store_true", help="Delete an earlier run's scale data first.")
        parser.add_argument("--if-missing", action="store_true", help="Do nothing if scale data exists already "
                            "(for `make bench`, which reuses it between runs).")

    @audited(_("Generate scale test data (command line)"), "regions", "quarters", "seed", "replace", "if_missing")
    def handle(self, *args, regions, quarters, seed, replace, if_missing, **options):
        if if_missing and not replace and scale.exists():
            self.stdout.write("规模测试数据已存在，沿用 / scale data exists: reused (--replace to regenerate)")
            return
        if regions < 1:
            raise CommandError("--regions must be at least 1.")
        if not 1 <= quarters <= 40:
            raise CommandError("--quarters must be between 1 and 40.")
        started = time.monotonic()
        try:
            counts = scale.generate(
                regions=regions, quarters=quarters, seed=seed, today=timezone.localdate(), replace=replace,
                log=lambda message: self.stderr.write(f"  {message}"),
            )
        except scale.AlreadyGenerated as error:
            raise CommandError(str(error)) from None
        elapsed = time.monotonic() - started
        self.stdout.write("规模测试数据已生成 / scale data generated:")
        for key, label in LABELS.items():
            self.stdout.write(f"  {label}: {counts.get(key, 0):,}")
        self.stdout.write(f"  合计 total rows: {sum(v for k, v in counts.items() if k != 'work items'):,}")
        self.stdout.write(f"用时 elapsed: {elapsed:.1f} 秒 s")
