"""Stale value marks become ``core.StaleMark`` rows of the recompute "indicator_values". A
``StaleValues`` row was written only when the broker refused the job: the mark says so."""

from django.db import migrations


def marks_to_core(apps, schema_editor):
    StaleValues = apps.get_model("indicators", "StaleValues")
    StaleMark = apps.get_model("core", "StaleMark")
    StaleMark.objects.bulk_create(
        [StaleMark(recompute="indicator_values", region_id=region_id, year=year, quarter=quarter, queue_failed=True)
         for region_id, year, quarter in StaleValues.objects.values_list("region_id", "year", "quarter")],
        ignore_conflicts=True,
    )


def marks_from_core(apps, schema_editor):
    StaleValues = apps.get_model("indicators", "StaleValues")
    StaleMark = apps.get_model("core", "StaleMark")
    StaleValues.objects.bulk_create(
        [StaleValues(region_id=region_id, year=year, quarter=quarter)
         for region_id, year, quarter in StaleMark.objects.filter(recompute="indicator_values").values_list(
             "region_id", "year", "quarter")],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_stale_marks_and_job_runs"),
        ("indicators", "0005_stale_values"),
    ]

    operations = [
        migrations.RunPython(marks_to_core, marks_from_core),
        migrations.DeleteModel(name="StaleValues"),
    ]
