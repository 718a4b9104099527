"""The pages a reviewer and a supervisor open every quarter ask the database a fixed number
of questions however much data there is: counted on the fixture, then again after the data
has grown, the second count may not be larger."""

from datetime import date

import pytest
from django.urls import reverse

from indicators.models import IndicatorSet
from org.models import Department, Region
from reports.models import RegionVerdict, Scorecard
from reports.services import scores_compute
from tasks.models import Assignment, TaskNode
from tests.test_scorecards import Q2, plan, quarter_of_work, submit  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def grow_departments(plan, world, count):  # noqa: F811 - the fixture's name
    """``count`` more departments, each leading one more work item with a submitted entry."""
    key = TaskNode.objects.get(plan=plan, level=1)
    for index in range(count):
        department = Department.objects.create(region=world.district, name=f"测试局{index}全称",
                                               short_name=f"测试局{index}")
        item = TaskNode.objects.create(plan=plan, parent=key, level=3, position=100 + index, text=f"增加的事项{index}",
                                       due_on=date(2023, 12, 31))
        Assignment.objects.create(node=item, department=department, role="lead")
        Assignment.objects.create(node=item, department=world.water_bureau, role="cooperating")
        submit(item, department, "2023-06-25 10:00 +0800", percent=60)
    scores_compute(world.district, Q2)


def counted(client, url, params, django_assert_max_num_queries, limit=40):
    with django_assert_max_num_queries(limit) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("page", ["summary", "scorecard", "inbox"])
def test_district_pages_do_not_ask_more_with_more_departments(quarter_of_work, world, reviewer, client_for,  # noqa: F811
                                                              django_assert_max_num_queries, page):
    scores_compute(world.district, Q2)
    client = client_for(reviewer)

    def count():
        if page == "scorecard":
            card = Scorecard.objects.get(department=world.water_bureau, year=2023, quarter=2)
            return counted(client, reverse("reports:scorecard", args=[card.pk]), {}, django_assert_max_num_queries)
        url = reverse("reports:summary") if page == "summary" else reverse("tasks:review_inbox")
        return counted(client, url, {"quarter": "2023Q2"}, django_assert_max_num_queries)

    before = count()
    grow_departments(quarter_of_work, world, 6)
    assert Scorecard.objects.filter(year=2023, quarter=2).count() == 2 + 6
    assert count() <= before


def test_the_city_view_does_not_ask_more_with_more_districts(world, supervisor, client_for,
                                                             django_assert_max_num_queries):
    client = client_for(supervisor)
    standard = IndicatorSet.objects.create(code="QC", version="1", name="查询计数测试标准", guiding_share=80)

    def add_districts(first, count):
        for index in range(first, first + count):
            district = Region.objects.create(code=f"5002{index:02d}", name=f"测试{index}区",
                                             level=Region.Level.COUNTY, parent=world.city)
            RegionVerdict.objects.create(region=district, indicator_set=standard, year=2023, quarter=2,
                                         verdict="met", reason="测试",
                                         figures={"guiding": {"met": ["A"], "total": 1}})

    add_districts(0, 2)
    before = counted(client, reverse("reports:city"), {"quarter": "2023Q2"}, django_assert_max_num_queries)
    add_districts(2, 10)
    assert counted(client, reverse("reports:city"), {"quarter": "2023Q2"}, django_assert_max_num_queries) <= before
