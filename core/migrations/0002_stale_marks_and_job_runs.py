"""The recompute pipeline's marks (``StaleMark``, replacing reports' ``StaleScores`` and
indicators' ``StaleValues``, whose rows their apps' next migrations copy in) and the job-run
record, moved here from ``reports``: its table is renamed, its rows kept."""

import django.db.models.deletion
from django.db import migrations, models


def runs_of_one_region_as_lists(apps, schema_editor):
    """Score recomputes were recorded with one region and quarter; every recompute now
    records lists of both."""
    JobRun = apps.get_model("core", "JobRun")
    for run in JobRun.objects.filter(name="recompute_scores", arguments__has_key="region"):
        run.arguments = {"regions": [run.arguments["region"]], "quarters": [run.arguments["quarter"]]}
        run.save(update_fields=["arguments"])


def runs_of_lists_as_one_region(apps, schema_editor):
    JobRun = apps.get_model("core", "JobRun")
    for run in JobRun.objects.filter(name="recompute_scores", arguments__has_key="regions"):
        run.arguments = {"region": run.arguments["regions"][0], "quarter": run.arguments["quarters"][0]}
        run.save(update_fields=["arguments"])


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_audit_log"),
        ("org", "0002_notifications"),
        ("reports", "0004_stale_scores_queue_failed"),
        ("indicators", "0005_stale_values"),
    ]

    operations = [
        migrations.CreateModel(
            name="StaleMark",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("recompute", models.CharField(max_length=40)),
                ("year", models.PositiveSmallIntegerField()),
                ("quarter", models.PositiveSmallIntegerField()),
                ("since", models.DateTimeField(auto_now_add=True)),
                ("queue_failed", models.BooleanField(default=False)),
                ("region", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                             to="org.region")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("recompute", "region", "year", "quarter"),
                                                        name="stale_mark_once")],
            },
        ),
        # reports.JobRun's table, taken over as it is (reports' 0005 drops the model from its
        # state without touching the table), then given core's name.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="JobRun",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("name", models.CharField(max_length=100, verbose_name="job")),
                        ("arguments", models.JSONField(default=dict, verbose_name="arguments")),
                        ("state", models.CharField(choices=[("running", "Running"), ("done", "Done"),
                                                            ("failed", "Failed")],
                                                   default="running", max_length=10, verbose_name="state")),
                        ("started_at", models.DateTimeField(auto_now_add=True, verbose_name="started")),
                        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished")),
                        ("result", models.CharField(blank=True, max_length=300, verbose_name="result")),
                        ("error", models.TextField(blank=True, verbose_name="error")),
                    ],
                    options={
                        "verbose_name": "job run",
                        "verbose_name_plural": "job runs",
                        "ordering": ["-started_at"],
                        "indexes": [models.Index(fields=["-started_at"], name="job_run_started")],
                        "db_table": "reports_jobrun",
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="jobrun", table=None),
        migrations.RunPython(runs_of_one_region_as_lists, runs_of_lists_as_one_region),
    ]
