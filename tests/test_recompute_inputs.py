"""A bulk recompute leaves alone the region × quarters whose inputs did not change since it
last computed them (``reports.recompute_inputs``): a change to a region's records recomputes
that region, a change to what every region reads recomputes them all, a sign-in recomputes
nothing, and a quarter's scores are recomputed each day until its reports can no longer be
due (``core.periods.LATEST_DUE_DAYS`` after its end), then no more. A change made while it
computes is computed next time: the fingerprints are of the inputs as they were before."""

import io
import threading
from datetime import date

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from core.periods import LATEST_DUE_DAYS, Quarter
from indicators.models import Indicator, IndicatorSet, Judgement
from reports import recompute_inputs, services
from reports.models import RecomputedInputs, Scorecard
from tasks.models import Assignment, Contribution, Plan, ProgressReport, TaskNode
from tests.test_scorecards import Q2, plan, quarter_of_work, submit  # noqa: F401 (fixtures)

QUARTERS = [Quarter(2023, 1), Q2]


@pytest.fixture
def two_regions(quarter_of_work, world):  # noqa: F811
    """武隆's quarter of work, and a plan of 黔江's with one entry of its own."""
    other = Plan.objects.create(region=world.other_district, title="黔江方案", start_year=2023, end_year=2023)
    key = TaskNode.objects.create(plan=other, level=1, position=1, number="一、", text="重点任务")
    item = TaskNode.objects.create(plan=other, parent=key, level=3, position=2, text="推进节水载体建设",
                                   due_on=date(2023, 12, 31))
    Assignment.objects.create(node=item, department=world.other_water_bureau, role="lead")
    submit(item, world.other_water_bureau, "2023-06-26 10:00 +0800", percent=60)
    return quarter_of_work, other


@pytest.fixture
def computed(monkeypatch):
    """Runs ``recompute_all`` and says which (region id, quarter) it computed."""
    done = []
    scores = services.scores_compute_regions

    def spy(region_ids, quarters, **options):
        done.extend((region_id, quarter) for region_id in region_ids for quarter in quarters)
        return scores(region_ids, quarters, **options)

    monkeypatch.setattr(services, "scores_compute_regions", spy)

    def run(**options):
        done.clear()
        services.recompute_all(quarters=QUARTERS, **options)
        return set(done)

    return run


def every(*regions):
    return {(region.pk, quarter) for region in regions for quarter in QUARTERS}


def test_a_second_run_computes_nothing_and_force_computes_everything(two_regions, world, computed):
    assert computed() == every(world.district, world.other_district)
    assert RecomputedInputs.objects.count() == 4
    assert computed() == set()
    assert computed(force=True) == every(world.district, world.other_district)


def test_a_change_to_a_regions_records_recomputes_that_region_only(two_regions, world, computed):
    computed()
    # A change made behind the services' back is seen too: the rows are fingerprinted, not events.
    ProgressReport.objects.filter(department=world.other_water_bureau).update(percent=65)
    assert computed() == every(world.other_district)
    Contribution.objects.filter(department=world.water_bureau).delete()  # a row gone
    assert computed() == every(world.district)
    assert computed() == set()


def test_the_recomputed_region_gets_what_a_full_recompute_gives(two_regions, world, computed):
    computed()
    ProgressReport.objects.filter(department=world.urban_bureau).update(submitted_at=None, state="draft")
    computed()
    incremental = sorted(Scorecard.objects.values_list("department", "year", "quarter", "composite", "parts"))
    Scorecard.objects.all().delete()
    computed(force=True)
    assert sorted(Scorecard.objects.values_list("department", "year", "quarter", "composite", "parts")) == incremental


def _changed_while_computing(monkeypatch, world):
    """The first part of the computing changes one of 黔江's entries before it goes on (once)."""
    values_of = services._values_of

    def changing(region_ids, quarters):
        if not ProgressReport.objects.filter(percent=61).exists():
            ProgressReport.objects.filter(department=world.other_water_bureau).update(percent=61)
        return values_of(region_ids, quarters)

    monkeypatch.setattr(services, "_values_of", changing)


def test_a_change_made_while_computing_is_computed_next_time(two_regions, world, computed, monkeypatch):
    _changed_while_computing(monkeypatch, world)
    computed()
    assert computed() == every(world.other_district)  # its fingerprint was taken before the change
    assert computed() == set()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_fingerprints_are_taken_from_a_snapshot_and_rows_written_beside_the_computing(
        two_regions, world, computed, monkeypatch):
    threads = []
    fingerprinted = recompute_inputs.fingerprinted

    def spy(*args):
        threads.append(threading.current_thread().name)
        return fingerprinted(*args)

    monkeypatch.setattr(recompute_inputs, "fingerprinted", spy)
    _changed_while_computing(monkeypatch, world)
    assert computed() == every(world.district, world.other_district)
    assert threads == ["read-beside"]
    assert computed() == every(world.other_district)  # the snapshot was taken before the change
    stored = {(region_id, Quarter(year, number)): fingerprint for region_id, year, number, fingerprint in
              RecomputedInputs.objects.values_list("region_id", "year", "quarter", "fingerprint")}
    regions = [world.district.pk, world.other_district.pk]
    assert stored == fingerprinted(regions, QUARTERS, date.today())  # the same as taken here
    assert computed() == set()
    # The scorecards were written behind, by a thread of their own: the same as written at once.
    behind = sorted(Scorecard.objects.values_list("department", "year", "quarter", "composite", "parts"))
    Scorecard.objects.all().delete()
    with transaction.atomic():
        computed(force=True)
    assert sorted(Scorecard.objects.values_list("department", "year", "quarter", "composite", "parts")) == behind


def test_a_change_to_what_every_region_reads_recomputes_them_all(two_regions, world, computed):
    standard = IndicatorSet.objects.create(code="GB/T 28284-2026", name="节水型社会评价标准")
    computed()
    IndicatorSet.objects.filter(pk=standard.pk).update(min_points=85)
    assert computed() == every(world.district, world.other_district)


def test_a_sign_in_recomputes_nothing_but_renaming_a_judge_recomputes_the_region_judged(
        two_regions, world, reviewer, computed):
    standard = IndicatorSet.objects.create(code="SL/Z 738-2026", name="县域节水型社会达标标准")
    item = Indicator.objects.create(indicator_set=standard, number=1, code="J1", name="节水宣传教育",
                                    method=Indicator.Method.JUDGED, kind="guiding", lead_text="区水利局")
    Judgement.objects.create(region=world.district, indicator=item, year=2023, quarter=1, points=3,
                             reason="开展节水宣传周活动", judged_by=reviewer)
    computed()
    reviewer.last_login = reviewer.date_joined
    reviewer.save(update_fields=["last_login"])
    assert computed() == set()
    reviewer.display_name = "王审核"  # the value's lineage names who judged it
    reviewer.save(update_fields=["display_name"])
    assert computed() == every(world.district)


def test_the_day_counts_until_the_quarters_reports_can_no_longer_be_due():
    last_due = Q2.last_day.replace(month=8, day=29)  # 30 June + 60 days
    assert (last_due - Q2.last_day).days == LATEST_DUE_DAYS
    assert recompute_inputs._day(Q2, last_due) == "2023-08-29"
    assert recompute_inputs._day(Q2, last_due.replace(day=30)) == "settled"
    assert recompute_inputs._day(Q2, date(2023, 7, 1)) == "2023-07-01"


def test_a_running_quarter_is_recomputed_each_day_and_a_settled_one_is_not(two_regions, world, computed):
    with time_machine.travel("2023-08-28 09:00 +0800", tick=False):
        assert computed() == every(world.district, world.other_district)
    with time_machine.travel("2023-08-29 09:00 +0800", tick=False):  # Q2's reports may still be due (+60)
        assert computed() == {(world.district.pk, Q2), (world.other_district.pk, Q2)}
    with time_machine.travel("2023-08-30 09:00 +0800", tick=False):  # settled: one last time, as settled
        assert computed() == {(world.district.pk, Q2), (world.other_district.pk, Q2)}
    with time_machine.travel("2023-08-31 09:00 +0800", tick=False):
        assert computed() == set()


def test_the_command_leaves_unchanged_regions_alone_unless_forced(two_regions, world):
    out = io.StringIO()
    call_command("recompute_all", quarter=["2023Q1", "2023Q2"], stdout=out)
    assert "部门评分 6 个" in out.getvalue()  # 武隆 two departments, 黔江 one, two quarters
    assert "未变化" not in out.getvalue()
    Scorecard.objects.filter(department=world.urban_bureau).delete()  # results deleted by hand: only --force sees it
    call_command("recompute_all", quarter=["2023Q1", "2023Q2"], stdout=out)
    assert Scorecard.objects.count() == 4
    assert "均未变化，结果沿用；如需全部重新计算，请加 --force" in out.getvalue()
    call_command("recompute_all", quarter=["2023Q1", "2023Q2"], force=True, stdout=out)
    assert Scorecard.objects.count() == 6


def test_the_background_jobs_pass_force_on(two_regions, world, jobs_inline):
    services.recompute_all(quarters=QUARTERS)
    Scorecard.objects.all().delete()
    with jobs_inline():
        services.recompute_all_enqueue(quarters=QUARTERS)
    assert not Scorecard.objects.exists()
    with jobs_inline():
        services.recompute_all_enqueue(quarters=QUARTERS, force=True)
    assert Scorecard.objects.count() == 6


def test_the_code_fingerprint_changes_with_the_code_and_translations_but_not_the_tests(tmp_path, settings):
    from core import fingerprints

    for folder in ("engine", "tests", "locale/zh_Hans/LC_MESSAGES"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "engine" / "__init__.py").write_text("")
    (tmp_path / "engine" / "rules.py").write_text("POINTS = 3\n")
    (tmp_path / "tests" / "__init__.py").write_text("")
    (tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po").write_text('msgid "met"\nmsgstr "达标"\n')
    settings.BASE_DIR, settings.LOCALE_PATHS = tmp_path, [tmp_path / "locale"]
    first = fingerprints.code.__wrapped__()
    (tmp_path / "tests" / "test_rules.py").write_text("def test(): pass\n")
    assert fingerprints.code.__wrapped__() == first
    (tmp_path / "engine" / "rules.py").write_text("POINTS = 4\n")
    second = fingerprints.code.__wrapped__()
    assert second != first
    (tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po").write_text('msgid "met"\nmsgstr "已达标"\n')
    assert fingerprints.code.__wrapped__() != second
