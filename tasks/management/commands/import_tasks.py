"""Import a task-decomposition table from the command line; the same path as the page."""

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.errors import FileUnreadable, ImportBlocked
from core.management.audited import audited
from core.text import normalize_name
from org.models import Department, Region
from org.services.departments import kind_from_text, kind_words
from tasks.imports import preview_task_table, without_lead_warning
from tasks.models import Assignment, Plan
from tasks.services import ALIAS, GROUP, NEW, plan_import
from tasks.word_plans import WordChoice


class Command(BaseCommand):
    help = (
        "Import a task-decomposition table (.xlsx, .xls or .ods) or a plan in Word (.docx: one of its tables, "
        "or its numbered prose) into a plan of a region."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--region", required=True, help="administrative division code, e.g. 500156")
        parser.add_argument("--plan", required=True, help="plan title; created when --year is given and it is new")
        parser.add_argument("--year", help="plan period for a new plan: 2019 or 2023-2025")
        parser.add_argument("--kind", default=Plan.Kind.ANNUAL, choices=Plan.Kind.values)
        parser.add_argument("--sheet", help="sheet name (default: the first sheet)")
        parser.add_argument("--table", type=int, help="Word: the table to read, from 1 (default: the first)")
        parser.add_argument("--prose", action="store_true", help="Word: read the numbered paragraphs, not a table")
        parser.add_argument("--section", help="Word prose: the heading of the part holding the tasks, e.g. 重点任务")
        parser.add_argument("--split-circled", action="store_true", help="split ①②③ items in one cell")
        parser.add_argument(
            "--map", action="append", default=[], metavar="NAME=DEPARTMENT",
            help="record an unknown name as an alias of an existing department (repeatable)",
        )
        parser.add_argument(
            "--group", action="append", default=[], metavar="NAME=KIND,KIND",
            help="create an unknown name as a group of the departments of these kinds (kinds may be empty; "
                 "repeatable)",
        )
        parser.add_argument(
            "--new", action="append", default=[], metavar="NAME=KIND",
            help="create an unknown name as a new department of the region, named as written; KIND as a "
                 "类别 cell writes it (部门, 街道, 乡镇, 供水企业, 园区, 其他), empty: judged by the name (repeatable)",
        )
        parser.add_argument(
            "--single-role", choices=Assignment.Role.values,
            help="the role of a table's one department column (责任单位) when it has no 牵头 column (default: lead)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")

    @audited(_("Import a task table (command line)"), "file", "region", "plan", "year", "sheet", "table", "prose",
             "section", "map", "group", "single_role", "dry_run")
    def handle(self, *args, **options):
        try:
            region = Region.objects.get(code=options["region"])
        except Region.DoesNotExist:
            raise CommandError(f"没有区划代码为 {options['region']} 的行政区") from None
        path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            preview = preview_task_table(
                region=region, data=path.read_bytes(), sheet=options["sheet"], split_circled=options["split_circled"],
                word=WordChoice(table=options["table"], prose=options["prose"], section=options["section"] or ""),
            )
        except FileUnreadable as error:
            raise CommandError(str(error)) from None
        counts = preview.counts()
        if preview.word is not None:
            for number, description in preview.word.tables:
                self.stdout.write(f"{'*' if number == preview.word.table else ' '} {description}")
        read = "读取" if preview.word is not None else "工作表"
        self.stdout.write(
            f"{read}“{preview.sheet}”：重点任务 {counts[1]} 项，子任务 {counts[2]} 项，工作事项 {counts[3]} 项"
        )
        mapping = (self._mapping(preview, region, options["map"]) | self._groups(options["group"])
                   | self._new_departments(options["new"]))
        for warning in preview.warnings:
            self.stderr.write(warning)
        for problem in preview.problems:
            self.stderr.write(str(problem))
        for key, unknown in preview.unknown.items():
            if key not in mapping:
                hints = "、".join(spelling for spelling, _ in unknown.suggestions) or "无相近名称"
                rows = "、".join(map(str, unknown.rows))
                self.stderr.write(
                    f"未知单位“{unknown.name}”（第{rows}行；相近：{hints}），可用 --map、--new 或 --group 指定")
        if preview.problems or any(key not in mapping for key in preview.unknown):
            raise CommandError("存在问题，未导入任何内容")
        if without_lead := preview.without_lead():
            self.stderr.write(without_lead_warning(len(without_lead)))
        with transaction.atomic():
            plan = self._plan(region, options)
            try:
                result = plan_import(plan=plan, preview=preview, mapping=mapping, single_role=options["single_role"])
            except ImportBlocked as error:
                raise CommandError(str(error)) from None
            summary = (
                f"新增 {result.created}，更新 {result.updated}，删除 {result.deleted}，"
                f"归档（保留记录） {result.archived}，恢复 {result.restored}，未变 {result.unchanged}，"
                f"单位分工变更 {result.assignments_changed}"
            )
            if options["dry_run"]:
                transaction.set_rollback(True)
                self.stdout.write(f"试运行（未写入）：{summary}")
                return
        self.stdout.write(self.style.SUCCESS(f"已导入“{plan}”：{summary}"))

    def _mapping(self, preview, region, pairs):
        mapping = {}
        for pair in pairs:
            name, _, target = pair.partition("=")
            if not name or not target:
                raise CommandError(f"--map 应写作 名称=部门，而不是“{pair}”")
            try:
                department = preview.resolver.resolve_name(target)
            except ValueError:
                raise CommandError(f"--map：{region}没有部门“{target}”") from None
            if len(department) != 1:
                raise CommandError(f"--map：“{target}”是统称，请指定一个部门")
            mapping[normalize_name(name)] = (ALIAS, department[0])
        return mapping

    def _groups(self, pairs):
        mapping = {}
        for pair in pairs:
            name, _, kinds = pair.partition("=")
            kinds = [kind for kind in kinds.split(",") if kind]
            unknown = [kind for kind in kinds if kind not in Department.Kind.values]
            if not name or unknown:
                raise CommandError(f"--group 应写作 名称=类型,类型（类型：{'、'.join(Department.Kind.values)}），"
                                   f"而不是“{pair}”")
            mapping[normalize_name(name)] = (GROUP, kinds)
        return mapping

    def _new_departments(self, pairs):
        mapping = {}
        for pair in pairs:
            name, _, kind_text = pair.partition("=")
            kind = kind_from_text(kind_text.strip(), name.strip())
            if not name.strip() or kind is None:
                raise CommandError(f"--new 应写作 名称=类别（类别：{kind_words()}，或留空按名称判断），而不是“{pair}”")
            mapping[normalize_name(name)] = (NEW, kind)
        return mapping

    def _plan(self, region, options):
        plan = Plan.objects.filter(region=region, title=options["plan"]).first()
        if plan is not None:
            return plan
        if not options["year"]:
            raise CommandError(
                f"{region}没有方案“{options['plan']}”；新建方案请用 --year 指定年份（如 2019 或 2023-2025）"
            )
        match = re.fullmatch(r"(\d{4})(?:\s*[-–]\s*(\d{4}))?", options["year"])
        if not match:
            raise CommandError(f"--year 应写作 2019 或 2023-2025，而不是“{options['year']}”")
        start, end = int(match.group(1)), int(match.group(2) or match.group(1))
        plan = Plan(region=region, title=options["plan"], kind=options["kind"], start_year=start, end_year=end)
        plan.full_clean()
        plan.save()
        return plan
