"""The move of the job-run record and the stale marks to ``core`` keeps what was stored:
every run (its table renamed) and every mark, on SQLite and on PostgreSQL alike."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("core", "0001_audit_log"), ("reports", "0004_stale_scores_queue_failed"),
          ("indicators", "0005_stale_values")]
AFTER = [("core", "0002_stale_marks_and_job_runs"), ("reports", "0005_marks_and_job_runs_to_core"),
         ("indicators", "0006_stale_values_to_core")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_runs_and_marks_move_to_core_with_their_rows():
    old = migrate(BEFORE)
    region = old.get_model("org", "Region").objects.create(code="500156", name="武隆区", level="county")
    JobRun = old.get_model("reports", "JobRun")
    single = JobRun.objects.create(name="recompute_scores", arguments={"region": region.pk, "quarter": "2026Q4"},
                                   state="failed", error="Traceback\nValueError: boom")
    many = JobRun.objects.create(name="recompute_regions", arguments={"regions": [region.pk], "quarters": ["2026Q3"]},
                                 state="done", result="1 个指标值，0 个部门评分")
    old.get_model("reports", "StaleScores").objects.create(region=region, year=2026, quarter=4, queue_failed=True)
    old.get_model("reports", "StaleScores").objects.create(region=region, year=2026, quarter=3)
    old.get_model("indicators", "StaleValues").objects.create(region=region, year=2027, quarter=1)
    try:
        new = migrate(AFTER)
        tables = connection.introspection.table_names()
        assert "core_jobrun" in tables and "reports_jobrun" not in tables
        runs = {run.pk: run for run in new.get_model("core", "JobRun").objects.all()}
        assert runs[single.pk].arguments == {"regions": [region.pk], "quarters": ["2026Q4"]}
        assert runs[single.pk].state == "failed" and runs[single.pk].error.endswith("ValueError: boom")
        assert runs[many.pk].arguments == many.arguments and runs[many.pk].result == many.result
        marks = new.get_model("core", "StaleMark").objects.values_list("recompute", "year", "quarter", "queue_failed")
        assert sorted(marks) == [("indicator_values", 2027, 1, True), ("scores", 2026, 3, False),
                                 ("scores", 2026, 4, True)]
        later = new.get_model("core", "JobRun").objects.create(name="recompute_scores")
        assert later.pk > many.pk  # the ids go on from the old table's
        back = migrate(BEFORE)  # and back again, for a deployment that has to step back
        assert back.get_model("reports", "JobRun").objects.get(pk=single.pk).arguments == single.arguments
        assert back.get_model("reports", "StaleScores").objects.count() == 2
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_scorecards_stored_before_leads_and_running_are_marked_for_the_sweep():
    """Scorecards of before 0008 know neither whether their department leads nor whether
    their quarter ran: every scored region × quarter is left to the catch-up sweep, once."""
    latest = [node for node in MigrationExecutor(connection).loader.graph.leaf_nodes() if node[0] != "reports"]
    old = migrate([*latest, ("reports", "0008_scorecard_running_and_leads")])
    region = old.get_model("org", "Region").objects.create(code="500156", name="武隆区", level="county")
    department = old.get_model("org", "Department").objects.create(region=region, name="武隆区水利局",
                                                                    short_name="区水利局", version=1)
    plan = old.get_model("tasks", "Plan").objects.create(region=region, title="方案", start_year=2025, end_year=2026)
    other = old.get_model("org", "Department").objects.create(region=region, name="武隆区城管局", short_name="区城管局")
    Scorecard = old.get_model("reports", "Scorecard")
    for who, year, quarter in ((department, 2026, 3), (other, 2026, 3), (department, 2025, 4)):
        Scorecard.objects.create(plan=plan, department=who, year=year, quarter=quarter)
    old.get_model("core", "StaleMark").objects.create(recompute="scores", region=region, year=2025, quarter=4)
    try:
        new = migrate([*latest, ("reports", "0009_rescore_for_running_and_leads")])
        marks = new.get_model("core", "StaleMark").objects.values_list("recompute", "year", "quarter")
        assert sorted(marks) == [("scores", 2025, 4), ("scores", 2026, 3)]
        assert new.get_model("core", "StaleMark").objects.get(year=2026).queue_failed  # the sweep takes it
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_scorecards_keep_every_part_when_stored_as_lists():
    """0010 stores each scorecard's parts as three lists: the per-part dict the pages show is
    the same before and after, a part with a numerator in hundredths and one that does not
    apply included; a scorecard stored without parts stays empty; and back again."""
    latest = [node for node in MigrationExecutor(connection).loader.graph.leaf_nodes() if node[0] != "reports"]
    old = migrate([*latest, ("reports", "0009_rescore_for_running_and_leads")])
    region = old.get_model("org", "Region").objects.create(code="500156", name="武隆区", level="county")
    department = old.get_model("org", "Department").objects.create(region=region, name="武隆区水利局",
                                                                    short_name="区水利局")
    other = old.get_model("org", "Department").objects.create(region=region, name="武隆区城管局", short_name="区城管局")
    plan = old.get_model("tasks", "Plan").objects.create(region=region, title="方案", start_year=2025, end_year=2026)
    components = {
        "completeness": {"value": "75.0", "numerator": 3, "denominator": 4, "weight": 30},
        "on_time": {"value": "66.7", "numerator": 2, "denominator": 3, "weight": 10},
        "progress": {"value": "100.0", "numerator": 4, "denominator": 4, "weight": 25},
        "indicators": {"value": "85.8", "numerator": "4.29", "denominator": 5, "weight": 15},
        "carriers": {"value": None, "numerator": 0, "denominator": 0, "weight": 10},
        "returns": {"value": "0.0", "numerator": 0, "denominator": 3, "weight": 5},
        "cooperation": {"value": "50.0", "numerator": 1, "denominator": 2, "weight": 5},
    }
    Scorecard = old.get_model("reports", "Scorecard")
    card = Scorecard.objects.create(plan=plan, department=department, year=2026, quarter=3, components=components)
    empty = Scorecard.objects.create(plan=plan, department=other, year=2026, quarter=3)
    try:
        migrate([*latest, ("reports", "0010_scorecard_parts")])
        from reports.models import Scorecard as Current

        at_0010 = Current.objects.only("parts")  # the columns later migrations add are not there yet
        stored = at_0010.get(pk=card.pk)
        assert stored.parts == {"n": [3, 2, 4, "4.29", 0, 0, 1], "d": [4, 3, 4, 5, 0, 3, 2],
                                "w": [30, 10, 25, 15, 10, 5, 5]}
        assert stored.components == components
        assert at_0010.get(pk=empty.pk).components == {}
        back = migrate([*latest, ("reports", "0009_rescore_for_running_and_leads")])
        assert back.get_model("reports", "Scorecard").objects.get(pk=card.pk).components == components
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
