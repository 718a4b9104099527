"""The synthetic scale data for benchmarks (demo/scale.py): its shape follows the
arguments, the same seed gives the same rows, a second run is refused unless it replaces
the first, nothing happens after "today", and the statistics compute to a mix of results."""

import hashlib
import io
from datetime import date, datetime, time

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from carriers.models import Carrier, CarrierTarget, UserYear, WaterUser
from core.periods import Quarter
from demo import scale
from indicators.models import (
    Adoption,
    ComputedValue,
    DataElement,
    DataReport,
    DataValue,
    ReferenceValue,
    UtilityFigures,
)
from indicators.selectors import adopted_set_of, duties_for
from indicators.services import compute_region_quarter
from org.models import Department, DepartmentAlias, Region, User
from tasks.models import Assignment, Contribution, Plan, ProgressReport, TaskNode

# Three days after a quarter's end: late entries of that quarter would fall after "today".
TODAY = date(2025, 1, 3)
MODELS = [Region, Department, DepartmentAlias, Plan, TaskNode, Assignment, ProgressReport, Contribution, DataReport,
          DataValue, UtilityFigures, ReferenceValue, Adoption, WaterUser, UserYear, Carrier, CarrierTarget]


def generate(regions=3, quarters=2, seed=7, replace=False):
    return scale.generate(regions=regions, quarters=quarters, seed=seed, today=TODAY, replace=replace,
                          log=lambda _: None)


def row_counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def counties():
    return Region.objects.filter(plans__title__endswith=scale.MARKER).order_by("code")


def digest():
    """A fingerprint of the generated content that does not depend on primary keys."""
    parts = [
        *Region.objects.order_by("code").values_list("code", "name", "level", "parent__code"),
        *DataValue.objects.order_by("region__code", "element__code", "year", "quarter").values_list(
            "region__code", "element__code", "year", "quarter", "value"
        ),
        *ProgressReport.objects.order_by("item__plan__region__code", "item__position", "year", "quarter").values_list(
            "item__plan__region__code", "item__position", "year", "quarter", "state", "percent", "submitted_at"
        ),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def test_the_rows_follow_the_arguments(db):
    counts = generate(regions=3, quarters=2)
    # The catalogue brings the demo's three regions and the national reference values along.
    shared = {"Region", "ReferenceValue"}
    assert {k: v for k, v in counts.items() if k not in shared} == {
        name: n for name, n in row_counts().items() if n and name not in shared
    } | {"work items": 180}
    assert counts["Region"] == 1 + 1 + 3  # a province, a city, three counties
    assert counts["ReferenceValue"] == 3  # each county's water quota for 2024
    assert Region.objects.filter(level="province").exclude(code__startswith="50").count() == 1
    assert Region.objects.filter(level="city").count() == 1
    assert counties().filter(level="county").count() == 3
    assert Department.objects.filter(region__in=counties()).count() == 60
    assert Plan.objects.count() == 3
    assert TaskNode.objects.filter(level=TaskNode.Level.KEY_TASK).count() == 18
    assert TaskNode.objects.filter(level=TaskNode.Level.WORK_ITEM).count() == 180
    assert Assignment.objects.filter(role="lead").count() == 180
    assert 0.85 * 360 <= ProgressReport.objects.count() < 360  # one a lead a quarter, about 8 % missing
    reporters = DataReport.objects.values("department").distinct().count() // 3
    assert DataReport.objects.count() == 3 * 2 * reporters
    entered = DataElement.objects.filter(source=DataElement.Source.ENTERED).count()
    assert DataValue.objects.count() == 3 * 2 * entered  # every entered element the formulas use
    assert 3 * 2 <= UtilityFigures.objects.count() <= 3 * 2 * 2
    assert Adoption.objects.count() == 3
    assert WaterUser.objects.count() == 30
    assert UserYear.objects.count() == 30  # the quarters 2024Q3–Q4 cover one year
    assert CarrierTarget.objects.count() == 3 * 3
    assert Contribution.objects.count() <= 2 * Assignment.objects.filter(role="cooperating").count()


def test_codes_are_valid_and_unique_and_names_plausible(db):
    generate(regions=30, quarters=1)
    regions = list(Region.objects.exclude(code__startswith="50"))
    for region in regions:
        region.full_clean()  # six digits, no leading zero; the parent of a higher level
    assert len({r.name for r in regions}) == len(regions)
    assert {r.name[-1] for r in regions if r.level == "county"} == {"区", "县"}
    assert all(r.code[:2] == r.parent.code[:2] for r in regions if r.parent_id)


def test_the_same_seed_gives_the_same_rows(db):
    fingerprints = []
    for seed in (7, 7, 8):
        with transaction.atomic():  # each run into an empty database
            generate(seed=seed)
            fingerprints.append(digest())
            transaction.set_rollback(True)
    assert fingerprints[0] == fingerprints[1]
    assert fingerprints[0] != fingerprints[2]


def test_a_second_run_is_refused_and_writes_nothing(db):
    generate()
    before = row_counts()
    with pytest.raises(scale.AlreadyGenerated):
        generate()
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_scale_data", regions=2, quarters=1, stdout=io.StringIO(), stderr=io.StringIO())
    assert row_counts() == before


def test_replace_leaves_no_duplicates_and_the_demo_alone(world):
    demo_departments = list(Department.objects.filter(region__code__startswith="50").values_list("pk", "short_name"))
    generate(regions=3, quarters=2)
    # What benchmarks and pages add on top of scale data goes with it.
    county = counties().first()
    compute_region_quarter(county, Quarter(2024, 4), adopted_set_of(county))
    clerk = User.objects.create(username="scale-clerk", department=Department.objects.filter(region=county).first())
    report = ProgressReport.objects.filter(item__plan__region=county).first()
    report.submitted_by = clerk
    report.save()  # writes a history row
    generate(regions=2, quarters=3, replace=True)
    assert not User.objects.filter(username="scale-clerk").exists()
    assert ComputedValue.objects.count() == 0
    assert counties().count() == 2
    assert Plan.objects.filter(title__endswith=scale.MARKER).count() == 2
    assert Region.objects.filter(level="province").exclude(code__startswith="50").count() == 1
    assert DataValue.objects.exclude(region__in=counties()).count() == 0
    assert WaterUser.objects.exclude(region__in=counties()).count() == 0
    for code in ("500000", "500114", "500156"):
        assert Region.objects.filter(code=code).count() == 1
    assert list(Department.objects.filter(region__code__startswith="50").values_list("pk", "short_name")) == (
        demo_departments
    )
    national = ReferenceValue.objects.filter(region=None).values_list("code", "year")
    assert len(national) == len(set(national))


def test_nothing_happens_after_today(db):
    generate(regions=3, quarters=2)
    midnight = timezone.make_aware(datetime.combine(TODAY, time(0)))
    for model in (ProgressReport, DataReport):
        for row in model.objects.exclude(state="draft"):
            assert row.submitted_at < midnight
            assert row.reviewed_at is None or row.submitted_at <= row.reviewed_at < midnight
    assert all(c.updated_at < midnight for c in Contribution.objects.all())
    assert ProgressReport.objects.filter(state="draft", submitted_at__isnull=False).count() == 0
    assert ProgressReport.history.count() == 0  # bulk data: no history rows


def test_progress_grows_quarter_by_quarter(db):
    generate(regions=1, quarters=4)
    percents = {}
    for report in ProgressReport.objects.order_by("year", "quarter"):
        assert report.percent >= percents.get(report.item_id, 0)
        percents[report.item_id] = report.percent
    states = set(ProgressReport.objects.values_list("state", flat=True))
    assert {"approved", "submitted", "returned"} <= states


def test_the_indicators_compute_to_a_mix(db):
    generate(regions=2, quarters=8)  # 2023–2024: a 2024 quarter has last year's to compare with
    county = counties().first()
    indicator_set = adopted_set_of(county)
    duties = duties_for(county, indicator_set)
    assert not duties.unresolved  # a 县 knows the catalogue's 区… lead units too
    reporters = {d.pk for d in duties.elements.values()} | {
        duties.indicator_owner[i.pk].pk for i in duties.indicators if i.method == "leakage"
    }
    # A quarter in which every report counts (a returned one leaves its figures out, by design).
    quarter = next(
        q
        for q in Quarter.range(Quarter(2024, 1), Quarter(2024, 4))
        if set(DataReport.objects.filter(region=county, year=q.year, quarter=q.number).values_list("state", flat=True))
        <= {"approved", "submitted"}
    )
    reports = DataReport.objects.filter(region=county, year=quarter.year, quarter=quarter.number)
    assert {r.department_id for r in reports} == reporters
    values = compute_region_quarter(county, quarter, indicator_set)
    computed = [v for v in values if v.indicator.method != "checklist"]
    assert [v.indicator.code for v in computed if v.status == "incomplete"] == []
    assert {"met", "not_met"} <= {v.status for v in computed}
