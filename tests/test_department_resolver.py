"""Names as written in source tables resolve to departments: aliases, groups, odd separators."""

import pytest

from org.models import Department
from org.selectors import DepartmentResolver, UnknownDepartment, split_department_cell


@pytest.fixture
def resolver(world):
    return DepartmentResolver.for_region(world.district)


def short_names(departments):
    return [d.short_name for d in departments]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("区城管局、区水利局", ["区城管局", "区水利局"]),
        ("区城市管理局，区水利局", ["区城管局", "区水利局"]),
        ("区城管局,区水利局；区经信委", ["区城管局", "区水利局", "区经济信息委"]),
        ("区城管局/区水利局", ["区城管局", "区水利局"]),
        ("区城管局\n\n区水利局\n\n", ["区城管局", "区水利局"]),
        ("区城管局 区水利局", ["区城管局", "区水利局"]),
        ("区城管局、区城市管理局", ["区城管局"]),  # two spellings of one department, once
        ("  区水利局\u3000", ["区水利局"]),
        ("重庆市武隆区城市管理局", ["区城管局"]),  # the full name
        ("区城市\n管理局", ["区城管局"]),  # a name broken over two lines
        ("区经济信息委、各街道办事处", ["区经济信息委", "凤山街道"]),
        ("各街道", ["凤山街道"]),  # a group's other spelling
    ],
)
def test_cells_resolve(resolver, cell, expected):
    assert short_names(resolver.resolve_cell(cell)) == expected


def test_unknown_name_is_reported_by_name(resolver):
    with pytest.raises(UnknownDepartment) as error:
        resolver.resolve_cell("区水利局、区火星局")
    assert error.value.name == "区火星局"


def test_names_resolve_only_within_their_region(world):
    other = DepartmentResolver.for_region(world.other_district)
    with pytest.raises(UnknownDepartment):
        other.resolve_cell("区城管局")


def test_group_follows_new_members(world):
    Department.objects.create(
        region=world.district,
        short_name="芙蓉街道",
        name="重庆市武隆区芙蓉街道办事处",
        kind=Department.Kind.SUBDISTRICT,
    )
    resolver = DepartmentResolver.for_region(world.district)
    assert short_names(resolver.resolve_name("各街道办事处")) == ["凤山街道", "芙蓉街道"]
    assert resolver.is_group("各街道办事处") and not resolver.is_group("区水利局")


def test_inactive_departments_do_not_resolve(world):
    world.street.is_active = False
    world.street.save()
    resolver = DepartmentResolver.for_region(world.district)
    assert resolver.resolve_name("各街道办事处") == []
    with pytest.raises(UnknownDepartment):
        resolver.resolve_name("凤山街道")


def test_resolver_needs_a_fixed_number_of_queries(world, django_assert_num_queries):
    with django_assert_num_queries(4):
        resolver = DepartmentResolver.for_region(world.district)
    with django_assert_num_queries(0):
        for _ in range(100):
            resolver.resolve_cell("区城管局、区水利局、各街道办事处")


@pytest.mark.parametrize(
    ("cell", "pieces"),
    [("区城管局、区水利局", ["区城管局", "区水利局"]), ("", []), ("、\n", []), ("区城管局\n\n\n", ["区城管局"])],
)
def test_split_department_cell(cell, pieces):
    assert split_department_cell(cell) == pieces
