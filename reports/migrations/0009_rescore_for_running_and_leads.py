"""Scorecards stored before 0008 have no ``leads`` (counted as cooperating-only) and no
``running``: every region × quarter that has scorecards is marked for the scores' recompute,
which the catch-up sweep (core.jobs.recompute_stale) takes, so nothing is ranked wrongly for
longer than one sweep."""

from django.db import migrations


def mark_scored_quarters(apps, schema_editor):
    Scorecard = apps.get_model("reports", "Scorecard")
    StaleMark = apps.get_model("core", "StaleMark")
    scored = Scorecard.objects.values_list("plan__region_id", "year", "quarter").distinct()
    StaleMark.objects.bulk_create(
        [StaleMark(recompute="scores", region_id=region_id, year=year, quarter=quarter, queue_failed=True)
         for region_id, year, quarter in scored],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0008_scorecard_running_and_leads"),
        ("core", "0002_stale_marks_and_job_runs"),
    ]

    operations = [migrations.RunPython(mark_scored_quarters, migrations.RunPython.noop)]
