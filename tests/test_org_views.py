"""Region and department pages: success, denial and wrong method for each, with query counts."""

import pytest
from django.urls import reverse

from org.models import Department


def test_region_list_shows_only_visible_regions(world, reviewer, supervisor, client_for):
    page = client_for(reviewer).get(reverse("org:region_list"))
    assert page.status_code == 200
    assert "武隆区" in page.text and "黔江区" not in page.text
    page = client_for(supervisor).get(reverse("org:region_list"))
    assert "武隆区" in page.text and "黔江区" in page.text


def test_region_detail_lists_departments_and_groups(world, reviewer, client_for):
    page = client_for(reviewer).get(reverse("org:region_detail", args=["500156"]))
    assert page.status_code == 200
    for name in ["区水利局", "区城管局", "区城市管理局", "凤山街道", "各街道办事处"]:
        assert name in page.text
    assert (
        "区城市管理局"
        not in client_for(reviewer).get(reverse("org:region_detail", args=["500156"]) + "?kind=subdistrict").text
    )


def test_region_detail_of_another_district_is_404(world, outsider, client_for):
    assert client_for(outsider).get(reverse("org:region_detail", args=["500156"])).status_code == 404
    assert client_for(outsider).get(reverse("org:region_detail", args=["999999"])).status_code == 404


def test_department_detail(world, reviewer, outsider, reporter, client_for):
    url = reverse("org:department_detail", args=[world.urban_bureau.pk])
    page = client_for(reviewer).get(url)
    assert page.status_code == 200
    assert "重庆市武隆区城市管理局" in page.text and "区城市管理局" in page.text
    assert client_for(reporter).get(url).status_code == 200
    assert client_for(outsider).get(url).status_code == 404
    # A reporter sees their own department only.
    assert client_for(reporter).get(reverse("org:department_detail", args=[world.water_bureau.pk])).status_code == 404


def test_department_accounts_are_shown_to_reviewers_not_reporters(world, reviewer, reporter, client_for):
    url = reverse("org:department_detail", args=[world.urban_bureau.pk])
    assert "reporter" in client_for(reviewer).get(url).text
    assert 'class="font-monospace">reporter<' not in client_for(reporter).get(url).text


@pytest.mark.parametrize(
    "url_args",
    [("org:region_list", []), ("org:region_detail", ["500156"])],
)
def test_pages_refuse_post(world, reviewer, client_for, url_args):
    name, args = url_args
    assert client_for(reviewer).post(reverse(name, args=args)).status_code == 405


def test_department_detail_refuses_post(world, reviewer, client_for):
    assert client_for(reviewer).post(reverse("org:department_detail", args=[world.urban_bureau.pk])).status_code == 405


def test_region_detail_query_count_does_not_grow_with_departments(
    world, reviewer, client_for, django_assert_max_num_queries
):
    client = client_for(reviewer)
    url = reverse("org:region_detail", args=["500156"])
    client.get(url)  # warm the session
    # 14: the page also counts how far the district is set up (one query) and lists its accounts (one)
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for i in range(30):
        Department.objects.create(region=world.district, short_name=f"测试部门{i}", name=f"测试部门全称{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert "测试部门29" in page.text or "第 1 页" in page.text


def test_region_detail_paginates(world, reviewer, client_for):
    for i in range(60):
        Department.objects.create(region=world.district, short_name=f"部门{i:02d}", name=f"部门全称{i:02d}")
    client = client_for(reviewer)
    first = client.get(reverse("org:region_detail", args=["500156"]))
    second = client.get(reverse("org:region_detail", args=["500156"]) + "?page=2")
    assert first.status_code == second.status_code == 200
    assert first.context["page"].paginator.num_pages == 2
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 14


def test_region_list_query_count(world, supervisor, client_for, django_assert_max_num_queries):
    client = client_for(supervisor)
    client.get(reverse("org:region_list"))
    with django_assert_max_num_queries(6):
        client.get(reverse("org:region_list"))
