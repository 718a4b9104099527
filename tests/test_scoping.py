"""The one scoping mechanism: what each role sees and may change."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from org.models import Department, DepartmentAlias, Region
from org.scoping import visible_to


def codes(queryset):
    return sorted(region.code for region in queryset)


def names(queryset):
    return sorted(f"{d.region.code}/{d.short_name}" for d in queryset)


def test_reporter_sees_own_district_and_only_own_department(world, reporter):
    scope = visible_to(reporter)
    assert codes(scope.regions()) == ["500156"]
    assert names(scope.departments()) == ["500156/区城管局"]
    assert names(scope.departments(change=True)) == ["500156/区城管局"]
    assert scope.can_change_department(world.urban_bureau)
    assert not scope.can_change_department(world.water_bureau)
    assert not scope.can_review_region(world.district)


def test_reviewer_sees_and_reviews_every_department_of_the_district(world, reviewer):
    scope = visible_to(reviewer)
    assert codes(scope.regions()) == ["500156"]
    expected = ["500156/凤山街道", "500156/区城管局", "500156/区水利局", "500156/区经济信息委"]
    assert names(scope.departments()) == expected
    assert names(scope.departments(change=True)) == expected
    assert scope.can_review_region(world.district)
    assert not scope.can_review_region(world.other_district)
    assert not scope.can_change_department(world.other_water_bureau)


def test_supervisor_reads_every_district_below_the_city_and_changes_nothing(world, supervisor):
    scope = visible_to(supervisor)
    assert codes(scope.regions()) == ["500000", "500114", "500156"]
    assert len(scope.departments()) == Department.objects.count()
    assert not scope.departments(change=True).exists()
    assert not scope.can_change_department(world.city_bureau)
    assert not scope.can_review_region(world.district)
    assert scope.is_read_only


def test_supervisor_of_another_province_sees_nothing_here(world):
    from tests.conftest import make_user

    sichuan = Region.objects.create(code="510000", name="四川省", level=Region.Level.PROVINCE)
    bureau = Department.objects.create(region=sichuan, short_name="省水利厅", name="四川省水利厅")
    scope = visible_to(make_user("sc", bureau, "supervisor"))
    assert codes(scope.regions()) == ["510000"]
    assert names(scope.departments()) == ["510000/省水利厅"]


def test_outsider_sees_nothing_of_the_other_district(world, outsider):
    scope = visible_to(outsider)
    assert codes(scope.regions()) == ["500114"]
    assert all(d.region_id == world.other_district.pk for d in scope.departments())


def test_administrator_sees_and_changes_everything(world, administrator):
    scope = visible_to(administrator)
    assert codes(scope.regions()) == ["500000", "500114", "500156"]
    assert scope.departments(change=True).count() == Department.objects.count()


def test_anonymous_and_departmentless_users_see_nothing(world):
    scope = visible_to(AnonymousUser())
    assert not scope.regions().exists()
    assert not scope.departments().exists()


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("reporter", ["区城市管理局"]),
        ("reviewer", ["区城市管理局", "区经信委"]),
        ("outsider", []),
        ("supervisor", ["区城市管理局", "区经信委"]),
    ],
)
def test_filter_through_a_department_path(world, request, who, visible):
    """Any model reaches its scope through a lookup path; aliases stand in for such a model."""
    scope = visible_to(request.getfixturevalue(who))
    aliases = scope.records(DepartmentAlias.objects.all(), department="department")
    assert sorted(a.name for a in aliases) == visible


@pytest.mark.parametrize(
    ("who", "changeable"),
    [("reporter", ["区城市管理局"]), ("reviewer", ["区城市管理局", "区经信委"]), ("outsider", []), ("supervisor", [])],
)
def test_filter_for_change(world, request, who, changeable):
    scope = visible_to(request.getfixturevalue(who))
    aliases = scope.records(DepartmentAlias.objects.all(), department="department", change=True)
    assert sorted(a.name for a in aliases) == changeable


def test_filter_through_a_region_path_is_read_only_for_reporters(world, reporter, reviewer):
    other_alias = DepartmentAlias.objects.create(region=world.district, department=world.water_bureau, name="水利局")
    reporter_scope, reviewer_scope = visible_to(reporter), visible_to(reviewer)
    assert other_alias in reporter_scope.filter(DepartmentAlias.objects.all(), region="region")
    assert other_alias not in reporter_scope.filter(DepartmentAlias.objects.all(), region="region", change=True)
    assert other_alias in reviewer_scope.filter(DepartmentAlias.objects.all(), region="region", change=True)


def test_get_or_404_outside_scope(world, reporter):
    scope = visible_to(reporter)
    alias = DepartmentAlias.objects.get(name="区城市管理局")
    assert scope.record_or_404(DepartmentAlias.objects.all(), department="department", pk=alias.pk) == alias
    foreign = DepartmentAlias.objects.create(
        region=world.other_district, department=world.other_water_bureau, name="水利局"
    )
    with pytest.raises(Http404):
        scope.record_or_404(DepartmentAlias.objects.all(), department="department", pk=foreign.pk)


# --- records of the departments of one district ---------------------------------------------


@pytest.fixture
def records(world):
    """A plan of the district with an item led by 区城管局 and one led by 区经济信息委, each
    with this quarter's entry, evidence and scorecard, and each department's statistics
    report; the same for 黔江's 区水利局."""
    from django.core.files.base import ContentFile

    from indicators.models import DataReport
    from reports.models import Scorecard
    from tasks.models import Assignment, Evidence, Plan, ProgressReport, TaskNode

    made = {}
    for region, department in ((world.district, world.urban_bureau), (world.district, world.economy_bureau),
                               (world.other_district, world.other_water_bureau)):
        plan, _ = Plan.objects.get_or_create(region=region, title="隔离测试方案", start_year=2023, end_year=2023)
        key = TaskNode.objects.create(plan=plan, level=1, position=2 * department.pk, text="重点任务")
        item = TaskNode.objects.create(plan=plan, parent=key, level=3, position=2 * department.pk + 1,
                                       text=f"{department.short_name}的事项")
        Assignment.objects.create(node=item, department=department, role="lead")
        report = ProgressReport.objects.create(item=item, department=department, year=2023, quarter=1)
        evidence = Evidence(report=report, name="证明.pdf", size=8, sha256=f"{department.pk:064d}")
        evidence.file.save(f"isolation-{department.pk}.pdf", ContentFile(b"%PDF-1.4"), save=True)
        made[department.short_name if region == world.district else "黔江"] = {
            "report": report, "evidence": evidence,
            "data": DataReport.objects.create(region=region, department=department, year=2023, quarter=1),
            "card": Scorecard.objects.create(plan=plan, department=department, year=2023, quarter=1),
        }
    return made


RECORD_PATHS = [("report", "tasks.ProgressReport", "department"), ("evidence", "tasks.Evidence", "report__department"),
                ("data", "indicators.DataReport", "department"), ("card", "reports.Scorecard", "department")]


def _owners(scope, kind, model, path, records, *, change=False):
    """Whose records of ``kind`` the scope reaches."""
    from django.apps import apps

    queryset = scope.records(apps.get_model(model).objects.all(), department=path, change=change)
    visible = set(queryset.values_list("pk", flat=True))
    return sorted(owner for owner, made in records.items() if made[kind].pk in visible)


@pytest.mark.parametrize(("kind", "model", "path"), RECORD_PATHS)
@pytest.mark.parametrize(
    ("who", "reads", "changes"),
    [
        ("reporter", ["区城管局"], ["区城管局"]),
        ("colleague", ["区经济信息委"], ["区经济信息委"]),
        ("reviewer", ["区城管局", "区经济信息委"], ["区城管局", "区经济信息委"]),
        ("outsider", ["黔江"], ["黔江"]),
        ("supervisor", ["区城管局", "区经济信息委", "黔江"], []),
        ("administrator", ["区城管局", "区经济信息委", "黔江"], ["区城管局", "区经济信息委", "黔江"]),
    ],
)
def test_a_departments_records_are_its_own_and_its_reviewers(request, records, who, reads, changes, kind, model, path):
    scope = visible_to(request.getfixturevalue(who))
    assert _owners(scope, kind, model, path, records) == reads
    assert _owners(scope, kind, model, path, records, change=True) == changes


def test_a_region_path_no_longer_reaches_another_departments_record(world, records, colleague):
    """The plan tree is the district's, the entries on it are the departments'."""
    from tasks.models import Plan, ProgressReport

    scope = visible_to(colleague)
    plan = records["区城管局"]["report"].item.plan
    assert scope.get_or_404(Plan.objects.all(), region="region", pk=plan.pk) == plan
    with pytest.raises(Http404):
        scope.record_or_404(ProgressReport.objects.all(), department="department", pk=records["区城管局"]["report"].pk)
    assert scope.record_or_404(ProgressReport.objects.all(), department="department",
                               pk=records["区经济信息委"]["report"].pk)


def test_a_cooperating_department_does_not_read_the_leads_entry(world, records, colleague):
    from tasks.models import Assignment, ProgressReport

    report = records["区城管局"]["report"]
    Assignment.objects.create(node=report.item, department=world.economy_bureau, role="cooperating")
    assert not visible_to(colleague).records(ProgressReport.objects.filter(pk=report.pk), department="department")


WULONG, QIANJIANG, BOTH = ["500156"], ["500114"], ["500114", "500156"]


@pytest.mark.parametrize(
    ("who", "regional", "reads", "changes"),
    [("reporter", WULONG, [], []), ("colleague", WULONG, [], []), ("reviewer", WULONG, WULONG, WULONG),
     ("outsider", QIANJIANG, QIANJIANG, QIANJIANG), ("supervisor", BOTH, BOTH, []),
     ("administrator", BOTH, BOTH, BOTH)],
)
def test_a_record_of_no_department_is_for_those_who_oversee_the_region(world, request, who, regional, reads,
                                                                        changes):
    """The registry's carrier and audit files: the water bureau's, not every reporter's,
    though the registry itself (a regional object) is read by everyone of the district."""
    from carriers.models import WaterUser

    for region in (world.district, world.other_district):
        WaterUser.objects.create(region=region, name=f"{region.name}的单位", kind="community")
    scope = visible_to(request.getfixturevalue(who))

    def codes_of(queryset):
        return sorted(user.region.code for user in queryset)

    assert codes_of(scope.filter(WaterUser.objects.all(), region="region")) == regional
    assert codes_of(scope.records(WaterUser.objects.all(), region="region")) == reads
    assert codes_of(scope.records(WaterUser.objects.all(), region="region", change=True)) == changes


def test_records_needs_exactly_one_path(world, reviewer):
    scope = visible_to(reviewer)
    with pytest.raises(TypeError):
        scope.records(DepartmentAlias.objects.all())
    with pytest.raises(TypeError):
        scope.records(DepartmentAlias.objects.all(), department="department", region="region")
