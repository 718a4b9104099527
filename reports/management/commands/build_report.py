"""Build a region's quarterly report now, in this process, and write its files to a folder:
python manage.py build_report --region 500156 --quarter 2026Q3 -o /tmp/report
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from core.management.audited import audited
from core.periods import Quarter
from org.models import Region
from reports import services
from reports.models import QuarterlyReport


class Command(BaseCommand):
    help = "Build a region's quarterly progress report (Excel, Word draft, print page, PDF) and write the files."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="Division code, e.g. 500156.")
        parser.add_argument("--quarter", required=True, help="e.g. 2023Q4.")
        parser.add_argument("-o", "--output", required=True, help="Folder to write the files to.")

    @audited(_("Build a quarterly report (command line)"), "region", "quarter")
    def handle(self, *args, region, quarter, output, **options):
        try:
            place = Region.objects.get(code=region)
        except Region.DoesNotExist:
            raise CommandError(f"No region with code {region}.") from None
        try:
            period = Quarter.parse(quarter)
        except ValueError as error:
            raise CommandError(str(error)) from None
        report = services.report_request(region=place, quarter=period, enqueue=False)
        try:
            services.report_build(report)
        except services.NothingToReport as empty:
            raise CommandError(str(empty)) from None
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        for kind, field in QuarterlyReport.FILES.items():
            stored = getattr(report, field)
            if not stored:  # the PDF, when Chromium is missing: the note says so
                continue
            target = folder / report.download_name(kind)
            with stored.open("rb") as source:
                target.write_bytes(source.read())
            self.stdout.write(str(target))
        if report.pdf_note:
            self.stderr.write(report.pdf_note)
