"""Values, scorecards and verdicts are derived rows without a foreign key constraint in the
database (their per-row check cost a national recompute as much again as the copy): Django
still deletes them with their parent, and the nightly sweep deletes those a recompute wrote
while their parent was being deleted."""

import pytest
from django.db import connection

from indicators.models import ComputedValue, Indicator, IndicatorSet
from org.models import Department, Region
from reports import services
from reports.models import RecomputedInputs, RegionVerdict, Scorecard
from tasks.models import Plan

from .helpers import new_plan

GONE = 987654321  # an id no row has: the parent deleted while the recompute wrote the row


@pytest.fixture
def derived(world):
    standard = IndicatorSet.objects.create(code="DERIVED", name="派生行测试")
    indicator = Indicator.objects.create(indicator_set=standard, number=1, code="D1", name="再生水利用率",
                                         formula="1", kind="guiding", lead_text="区水利局")
    plan = new_plan(world.district)
    value = ComputedValue.objects.create(region=world.district, indicator=indicator, year=2026, quarter=3,
                                         status="met")
    card = Scorecard.objects.create(plan=plan, department=world.water_bureau, year=2026, quarter=3)
    verdict = RegionVerdict.objects.create(region=world.district, indicator_set=standard, year=2026, quarter=3,
                                           verdict="met", reason="底线指标全部达标")
    return standard, indicator, plan, value, card, verdict


def test_derived_rows_go_with_their_parent_through_django(derived, world):
    standard, indicator, plan, *_rows = derived
    indicator.delete()
    assert not ComputedValue.objects.exists()
    plan.delete()
    assert not Scorecard.objects.exists()
    standard.delete()
    assert not RegionVerdict.objects.exists()


def test_rows_whose_parent_is_gone_are_swept_and_the_others_kept(derived, world):
    _standard, indicator, plan, value, card, verdict = derived
    orphans = [
        ComputedValue.objects.create(region_id=GONE, indicator=indicator, year=2026, quarter=3, status="met"),
        ComputedValue.objects.create(region=world.district, indicator_id=GONE, year=2026, quarter=3, status="met"),
        Scorecard.objects.create(plan_id=GONE, department=world.water_bureau, year=2026, quarter=3),
        Scorecard.objects.create(plan=plan, department_id=GONE, year=2026, quarter=3),
        RegionVerdict.objects.create(region_id=GONE, indicator_set=indicator.indicator_set, year=2026, quarter=3,
                                     verdict="met", reason="—"),
        RegionVerdict.objects.create(region=world.district, indicator_set_id=GONE, year=2026, quarter=3,
                                     verdict="met", reason="—"),
        RecomputedInputs.objects.create(region_id=GONE, year=2026, quarter=3, fingerprint="0" * 32),
    ]
    fingerprint = RecomputedInputs.objects.create(region=world.district, year=2026, quarter=3, fingerprint="1" * 32)
    assert services.sweep_orphans() == len(orphans)
    assert list(RecomputedInputs.objects.all()) == [fingerprint]
    assert list(ComputedValue.objects.all()) == [value]
    assert list(Scorecard.objects.all()) == [card]
    assert list(RegionVerdict.objects.all()) == [verdict]
    assert services.sweep_orphans() == 0
    assert Region.objects.filter(pk=world.district.pk).exists() and Department.objects.count() == 7
    assert Plan.objects.filter(pk=plan.pk).exists()


def test_the_nightly_sweep_sweeps_them(derived, world, django_capture_on_commit_callbacks):
    from reports.jobs import sweep_scores

    _standard, indicator, *_rows = derived
    ComputedValue.objects.create(region_id=GONE, indicator=indicator, year=2026, quarter=3, status="met")
    sweep_scores()
    assert not ComputedValue.objects.filter(region_id=GONE).exists()


@pytest.mark.postgresql
def test_the_tables_have_no_foreign_key_constraints_but_keep_their_indexes(db):
    for model, columns in ((ComputedValue, ["region_id", "indicator_id"]), (Scorecard, ["plan_id", "department_id"]),
                           (RegionVerdict, ["region_id", "indicator_set_id"]), (RecomputedInputs, ["region_id"])):
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
        assert not [name for name, c in constraints.items() if c["foreign_key"]]
        for column in columns:
            assert any(c["columns"][:1] == [column] and (c["index"] or c["unique"])
                       for c in constraints.values()), column
