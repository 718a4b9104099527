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
    aliases = scope.filter(DepartmentAlias.objects.all(), departments=("department",))
    assert sorted(a.name for a in aliases) == visible


@pytest.mark.parametrize(
    ("who", "changeable"),
    [("reporter", ["区城市管理局"]), ("reviewer", ["区城市管理局", "区经信委"]), ("outsider", []), ("supervisor", [])],
)
def test_filter_for_change(world, request, who, changeable):
    scope = visible_to(request.getfixturevalue(who))
    aliases = scope.filter(DepartmentAlias.objects.all(), departments=("department",), change=True)
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
    assert scope.get_or_404(DepartmentAlias.objects.all(), departments=("department",), pk=alias.pk) == alias
    foreign = DepartmentAlias.objects.create(
        region=world.other_district, department=world.other_water_bureau, name="水利局"
    )
    with pytest.raises(Http404):
        scope.get_or_404(DepartmentAlias.objects.all(), departments=("department",), pk=foreign.pk)
