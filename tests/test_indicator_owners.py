"""Who answers for each indicator, as the scores read it for many regions at once
(``indicators.selectors.indicator_owners``: light departments, each cell resolved once per
way a region's resolver answers it, ``org.selectors.resolve_cells``), is exactly the first
lead unit ``DepartmentResolver.resolve_cell`` gives region by region: aliases, groups, an
inactive department, unknown names, and regions whose tables spell their units alike but
mean other departments by them."""

import pytest

from indicators.models import Adoption, Indicator, IndicatorSet
from indicators.selectors import duties_of_regions, indicator_owners
from org.models import Department, DepartmentAlias, DepartmentGroup, Region
from org.selectors import DepartmentResolver, UnknownDepartment, resolve_cells

pytestmark = pytest.mark.django_db

LEADS = [
    "区城市管理局、区水利局",  # an alias first
    "各街道办事处",  # a group: its first member
    "各街道、区水利局",  # a group's other spelling
    "区级各部门",  # a group of a kind
    "牵头单位、区水利局",  # a group of named members
    "区节水办",  # an inactive department: unknown
    "区节约用水办公室",  # the inactive department's alias
    "区水利局、区火星局",  # an unknown name: nothing resolves
    "",  # no lead unit written
    "重庆市武隆区城市\n管理局",  # a full name broken over two lines
    "区城管局 区水利局",  # whitespace between two names
    "区水利 局",  # a name broken in two words
    "区水务局",  # two spellings of it: the later one wins
    "区城管局",
]


def dept(region, short_name, name, kind=Department.Kind.BUREAU, aliases=(), active=True):
    department = Department.objects.create(region=region, short_name=short_name, name=name, kind=kind,
                                           is_active=active)
    for alias in aliases:
        DepartmentAlias.objects.create(region=region, department=department, name=alias)
    return department


@pytest.fixture
def regions(world):
    """The world's two districts, with more of what source tables write, and three more
    districts: a twin of the first made in another order (other pks, the same spellings),
    one where the same spellings name other departments, one with no group."""
    district = world.district
    dept(district, "白马街道", "重庆市武隆区白马街道办事处", Department.Kind.SUBDISTRICT)
    dept(district, "区节水办", "重庆市武隆区节约用水办公室", aliases=["区节约用水办公室"], active=False)
    dept(district, "区水务局", "重庆市武隆区水务局")
    dept(district, "区供水公司", "重庆市武隆区供水公司", Department.Kind.UTILITY, aliases=["区水务 局"])
    DepartmentGroup.objects.create(region=district, name="区级各部门", kinds=["bureau"])
    DepartmentGroup.objects.create(region=district, name="牵头单位", kinds=[]).members.add(world.economy_bureau)
    city = world.city

    def district_like(code, name, *, swapped=False, groups=True):
        region = Region.objects.create(code=code, name=name, level=Region.Level.COUNTY, parent=city)
        made = [("白马街道", "白马街道办事处", Department.Kind.SUBDISTRICT, ()),
                ("区水务局", "水务局", Department.Kind.BUREAU, ()),
                ("区城管局", "城市管理局", Department.Kind.BUREAU, ["区城市管理局"]),
                ("区水利局", "水利局", Department.Kind.BUREAU, ()),
                ("凤山街道", "凤山街道办事处", Department.Kind.SUBDISTRICT, ()),
                ("区经济信息委", "经济和信息化委员会", Department.Kind.BUREAU, ["区经信委"])]
        found = {short: dept(region, short, f"重庆市{name}{full}", kind, aliases)
                 for short, full, kind, aliases in made}
        if swapped:  # the alias names the water bureau here
            DepartmentAlias.objects.filter(region=region, name="区城市管理局").update(department=found["区水利局"])
        if groups:
            DepartmentGroup.objects.create(region=region, name="各街道办事处", kinds=["subdistrict"],
                                           aliases=["各街道"])
            DepartmentGroup.objects.create(region=region, name="牵头单位", kinds=[]).members.add(found["区水利局"])
        return region

    made = [district_like("500101", "万州区"), district_like("500102", "涪陵区", swapped=True),
            district_like("500103", "渝中区", groups=False), district_like("500104", "大渡口区")]
    standard = IndicatorSet.objects.create(code="OWNERS", version="1", name="标准")
    for number, lead in enumerate(LEADS, start=1):
        Indicator.objects.create(indicator_set=standard, number=number, code=f"I{number}", name=f"指标{number}",
                                 category="类", kind="guiding", method="checklist", lead_text=lead)
    found = [district, world.other_district, *made]
    for region in found:
        Adoption.objects.create(region=region, indicator_set=standard, since_year=2020)
    return found


def first_lead(resolver, text):
    """The old path: each region's own resolver, each cell on its own."""
    try:
        leads = resolver.resolve_cell(text)
    except UnknownDepartment:
        return None
    return leads[0].pk if leads else None


def test_owners_are_the_first_lead_unit_of_each_regions_own_resolution(regions):
    region_ids = [region.pk for region in regions]
    _sets, indicators, owners = indicator_owners(region_ids)
    expected = {}
    for region in regions:
        resolver = DepartmentResolver.for_region(region)
        leads = {indicator.pk: first_lead(resolver, indicator.lead_text)
                 for indicator in Indicator.objects.filter(indicator_set__code="OWNERS").order_by("number")}
        expected[region.pk] = [(pk, lead) for pk, lead in leads.items() if lead is not None]
    assert {region_id: list(found.items()) for region_id, found in owners.items()} == expected  # in order too
    assert set(indicators) == {i.pk for i in Indicator.objects.all()}
    # The duties' owners (model instances) are the same departments.
    _sets, duties = duties_of_regions(region_ids)
    assert {region_id: [(pk, owner.pk) for pk, owner in found.indicator_owner.items()]
            for region_id, found in duties.items()} == expected
    # What the cases are meant to show.
    district, _other, twin, swapped, no_groups, _twin = regions
    by_lead = {i.lead_text: i.pk for i in Indicator.objects.all()}
    short = dict(Department.objects.values_list("pk", "short_name"))
    assert {lead: short.get(owners[district.pk].get(by_lead[lead])) for lead in LEADS} == {
        "区城市管理局、区水利局": "区城管局", "各街道办事处": "凤山街道", "各街道、区水利局": "凤山街道",
        "区级各部门": "区城管局", "牵头单位、区水利局": "区经济信息委", "区节水办": None, "区节约用水办公室": None,
        "区水利局、区火星局": None, "": None, "重庆市武隆区城市\n管理局": "区城管局", "区城管局 区水利局": "区城管局",
        "区水利 局": "区水利局", "区水务局": "区供水公司", "区城管局": "区城管局"}
    assert short[owners[swapped.pk][by_lead["区城市管理局、区水利局"]]] == "区水利局"
    assert short[owners[twin.pk][by_lead["牵头单位、区水利局"]]] == "区水利局"
    assert by_lead["各街道办事处"] not in owners[no_groups.pk]
    alike = (district, twin, swapped, no_groups)  # each its own 区城管局
    assert [owners[region.pk][by_lead["区城管局"]] for region in alike] == [
        Department.objects.get(region=region, short_name="区城管局").pk for region in alike]


@pytest.mark.parametrize("light", [False, True])
def test_each_cell_resolves_as_the_regions_own_resolver_resolves_it(regions, light):
    resolvers = DepartmentResolver.for_regions([region.pk for region in regions], light=light)
    cells = resolve_cells(resolvers, [*LEADS, *LEADS])
    for region_id, resolver in resolvers.items():
        for text in LEADS:
            try:
                expected = resolver.resolve_cell(text)
            except UnknownDepartment:
                expected = None
            assert cells[region_id][text] == expected, (region_id, text)
            if expected:  # the region's own departments, as its resolver holds them
                assert all(a is b for a, b in zip(cells[region_id][text], expected, strict=True))


def test_light_departments_resolve_to_the_same_departments(regions):
    region_ids = [region.pk for region in regions]
    full, light = DepartmentResolver.for_regions(region_ids), DepartmentResolver.for_regions(region_ids, light=True)
    for region_id in region_ids:
        assert {key: d.pk for key, d in full[region_id].departments.items()} == {
            key: d.pk for key, d in light[region_id].departments.items()}
        assert {key: [d.pk for d in found] for key, found in full[region_id].groups.items()} == {
            key: [d.pk for d in found] for key, found in light[region_id].groups.items()}
        assert list(full[region_id].departments) == list(light[region_id].departments)


def test_owners_of_many_regions_in_a_fixed_number_of_queries(regions, django_assert_num_queries):
    with django_assert_num_queries(6):  # adoptions, indicators, departments, aliases, groups and their members
        indicator_owners([region.pk for region in regions])
