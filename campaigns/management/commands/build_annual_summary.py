"""Build a campaign's annual summary now, in this process, and write its files to a folder:
python manage.py build_annual_summary --region 500000 --year 2019 -o /tmp/summary
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from campaigns import annual_summary
from campaigns.models import Campaign
from org.models import Region


class Command(BaseCommand):
    help = "Build the annual summary (Word report and Excel annex) of a region's creation campaign."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="Division code of the campaign's region, e.g. 500000.")
        parser.add_argument("--year", required=True, type=int, help="The year summarised, e.g. 2019.")
        parser.add_argument("--campaign", type=int, help="The campaign's id, where the region runs several.")
        parser.add_argument("-o", "--output", required=True, help="Folder to write the files to.")

    def handle(self, *args, region, year, campaign, output, **options):
        place = Region.objects.filter(code=region).first()
        if place is None:
            raise CommandError(f"No region with code {region}.")
        campaigns = Campaign.objects.filter(region=place).select_related("region", "indicator_set")
        if campaign is not None:
            campaigns = campaigns.filter(pk=campaign)
        found = list(campaigns.order_by("-goal_year", "pk"))
        if not found:
            raise CommandError(f"{place.name} ({place.code}) runs no creation campaign"
                               + (f" with id {campaign}." if campaign is not None else "."))
        if len(found) > 1:
            listed = "; ".join(f"{c.pk}: {c.name}" for c in found)
            raise CommandError(f"{place.name} runs several campaigns; choose one with --campaign ({listed}).")
        files = annual_summary.build(found[0], year, today=timezone.localdate())
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in ((files.document_name, files.document), (files.workbook_name, files.workbook)):
            target = folder / name
            target.write_bytes(content)
            self.stdout.write(str(target))
