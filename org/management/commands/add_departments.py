"""Add a district's departments from its own list, the same path as the upload page."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from core.errors import FileUnreadable, ImportBlocked
from core.management.audited import audited
from org.models import Region
from org.services.departments import departments_commit, departments_read_workbook


class Command(BaseCommand):
    help = "Add (or update) the departments of an active district from a workbook (.xlsx, .xls or .ods)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--region", required=True, help="division code of an active district, e.g. 530102")

    @audited(_("Add departments (command line)"), "file", "region")
    def handle(self, *args, **options):
        region = Region.objects.filter(code=options["region"], level=Region.Level.COUNTY).first()
        if region is None:
            raise CommandError(f"{options['region']} 不是已启用的区县")
        path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            rows = departments_read_workbook(path.read_bytes())
            done = departments_commit(region=region, rows=rows)
        except FileUnreadable as error:
            raise CommandError(str(error)) from None
        except ImportBlocked as blocked:
            for problem in blocked.problems:
                self.stderr.write(problem)
            raise CommandError(f"未写入任何部门：{len(blocked.problems)} 处问题") from None
        self.stdout.write(f"{region.name}：新增部门 {done.added} 个，修改 {done.changed} 个")
