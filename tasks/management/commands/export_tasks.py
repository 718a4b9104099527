"""Export a plan's task-decomposition table: in its source table's layout and words, or in
the official layout."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from org.selectors import DepartmentResolver, UnknownDepartment
from tasks.exports import build_source_workbook, build_workbook
from tasks.models import Plan
from tasks.selectors import plan_tree


class Command(BaseCommand):
    help = "Export a plan's task table (.xlsx) as its source table was laid out, or in the official layout."

    def add_arguments(self, parser):
        parser.add_argument("--plan", required=True, type=int, help="plan id")
        parser.add_argument("-o", "--output", required=True, type=Path)
        parser.add_argument("--department", help="only what this department leads or cooperates on")
        parser.add_argument(
            "--layout", choices=["source", "official"], default="source",
            help="source: the imported table's label, title, headers and words (a plan made by hand has none and "
                 "is exported officially); official: the uniform layout",
        )

    def handle(self, *args, **options):
        try:
            plan = Plan.objects.select_related("region").get(pk=options["plan"])
        except Plan.DoesNotExist:
            raise CommandError(f"没有编号为 {options['plan']} 的方案") from None
        department = None
        if options["department"]:
            try:
                found = DepartmentResolver.for_region(plan.region).resolve_name(options["department"])
            except UnknownDepartment:
                raise CommandError(f"{plan.region}没有部门“{options['department']}”") from None
            if len(found) != 1:
                raise CommandError(f"“{options['department']}”是统称，请指定一个部门")
            department = found[0]
        roots = plan_tree(plan, department=department)
        if options["layout"] == "source" and plan.source_layout:
            build_source_workbook(plan, roots).save(options["output"])
        else:
            build_workbook(plan, roots).save(options["output"])
        self.stdout.write(self.style.SUCCESS(f"已导出到 {options['output']}"))
