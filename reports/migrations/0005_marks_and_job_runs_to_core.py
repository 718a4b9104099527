"""Stale score marks become ``core.StaleMark`` rows of the recompute "scores"; ``JobRun``
leaves this app's state (core's 0002 took its table over)."""

from django.db import migrations


def marks_to_core(apps, schema_editor):
    StaleScores = apps.get_model("reports", "StaleScores")
    StaleMark = apps.get_model("core", "StaleMark")
    StaleMark.objects.bulk_create(
        [StaleMark(recompute="scores", region_id=region_id, year=year, quarter=quarter, queue_failed=failed)
         for region_id, year, quarter, failed in
         StaleScores.objects.values_list("region_id", "year", "quarter", "queue_failed")],
        ignore_conflicts=True,
    )


def marks_from_core(apps, schema_editor):
    StaleScores = apps.get_model("reports", "StaleScores")
    StaleMark = apps.get_model("core", "StaleMark")
    StaleScores.objects.bulk_create(
        [StaleScores(region_id=region_id, year=year, quarter=quarter, queue_failed=failed)
         for region_id, year, quarter, failed in StaleMark.objects.filter(recompute="scores").values_list(
             "region_id", "year", "quarter", "queue_failed")],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_stale_marks_and_job_runs"),
        ("reports", "0004_stale_scores_queue_failed"),
    ]

    operations = [
        migrations.RunPython(marks_to_core, marks_from_core),
        migrations.DeleteModel(name="StaleScores"),
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="JobRun")]),
    ]
