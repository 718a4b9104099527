"""The campaign's pages: set up through the pages by the city's supervisor (goal, standard,
batches of counties with deadlines), how far the goal is, who is late, the supervisor's
home panel and the navbar link; and who may not open them."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from campaigns import selectors
from campaigns.models import Batch, BatchDeadline, Campaign, Creation, Stage, StageStep
from campaigns.services.campaign import latest_change
from org.models import Department, Region, User
from tests.conftest import CAMPAIGN_YEAR, make_user


@pytest.fixture
def other_supervisor(world):
    """A supervisor of another province: sees nothing of 重庆市's campaign."""
    province = Region.objects.create(code="510000", name="四川省", level=Region.Level.PROVINCE)
    bureau = Department.objects.create(region=province, short_name="省水利厅", name="四川省水利厅")
    return make_user("sichuan", bureau, User.Role.SUPERVISOR)


@pytest.fixture
def expert_user(world):
    return make_user("expert1", None, User.Role.EXPERT)


def county(code, name, parent):
    return Region.objects.create(code=code, name=name, level=Region.Level.COUNTY, parent=parent)


def campaign_data(world, standard, **changes):
    data = {"region": world.city.pk, "name": "重庆市县域节水型社会达标建设", "indicator_set": standard.pk,
            "goal_text": "全市30%以上县（区）级行政区达到节水型社会标准", "goal_year": 2022, "goal_share": "30",
            "goal_count": "", "source": "重庆市水利局局党组专题会议纪要"}
    data.update(changes)
    return data


def batch_data(name, year, counties, **deadlines):
    data = {"name": name, "year": year, "counties": [c.pk for c in counties], "assessment_year": ""}
    data.update({f"due_{stage}": day.isoformat() for stage, day in deadlines.items()})
    return data


# --- the goal's arithmetic --------------------------------------------------------------------------


@pytest.mark.parametrize(("counties", "share", "count", "needed"), [
    (38, Decimal("30"), None, 12),  # 11.4 rounded up
    (10, Decimal("30"), None, 3),  # exactly 3: not rounded up to 4
    (10, Decimal("30.5"), None, 4),  # 3.05
    (10, Decimal("30"), 4, 4),  # both: whichever is more
    (38, Decimal("30"), 5, 12),
    (38, None, 5, 5),
    (0, Decimal("30"), None, 0),
])
def test_the_goal_needs_the_share_rounded_up_or_the_count(counties, share, count, needed):
    assert selectors.goal_needs(counties=counties, share=share, count=count) == needed


def test_no_goal_needs_nothing():
    assert selectors.goal_needs(counties=38) is None


# --- setting a campaign up through the pages --------------------------------------------------------


def test_a_supervisor_sets_up_a_campaign_with_the_goal_as_written(world, supervisor, county_standard, client_for):
    client = client_for(supervisor)
    form = client.get(reverse("campaigns:campaign_new"))
    assert form.status_code == 200
    regions = list(form.context["form"].fields["region"].queryset)
    assert regions == [world.city]  # no county runs a campaign
    response = client.post(reverse("campaigns:campaign_new"), campaign_data(world, county_standard))
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == reverse("campaigns:campaign", args=[campaign.pk])
    assert campaign.goal_text == "全市30%以上县（区）级行政区达到节水型社会标准"
    assert (campaign.goal_year, campaign.goal_share, campaign.goal_count) == (2022, Decimal("30"), None)
    assert campaign.history.get().history_user == supervisor


def test_a_campaign_needs_a_share_or_a_count(world, supervisor, county_standard, client_for):
    response = client_for(supervisor).post(reverse("campaigns:campaign_new"),
                                           campaign_data(world, county_standard, goal_share=""))
    assert response.status_code == 200
    assert "请填写目标" in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_share_above_100_is_refused(world, supervisor, county_standard, client_for):
    response = client_for(supervisor).post(reverse("campaigns:campaign_new"),
                                           campaign_data(world, county_standard, goal_share="100.1"))
    assert response.status_code == 200 and response.context["form"].errors["goal_share"]
    assert not Campaign.objects.exists()


def test_a_county_cannot_run_a_campaign(world, administrator, county_standard, client_for):
    response = client_for(administrator).post(reverse("campaigns:campaign_new"),
                                              campaign_data(world, county_standard, region=world.district.pk))
    assert response.status_code == 200 and "region" in response.context["form"].errors
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("who", ["reporter", "reviewer", "outsider", "expert_user"])
def test_only_supervisors_and_administrators_set_up_campaigns(who, request, world, county_standard, client_for):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("campaigns:campaign_new")).status_code == 404
    assert client.post(reverse("campaigns:campaign_new"), campaign_data(world, county_standard)).status_code == 404
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("who", ["reporter", "reviewer", "outsider", "expert_user", "other_supervisor"])
def test_others_get_404_on_the_campaign(who, request, campaign, creation, client_for):
    client = client_for(request.getfixturevalue(who))
    for name in ("campaigns:campaign", "campaigns:campaign_edit", "campaigns:batch_new"):
        assert client.get(reverse(name, args=[campaign.pk])).status_code == 404, name
    batch = campaign.batches.get()
    assert client.post(reverse("campaigns:batch_edit", args=[batch.pk]), {}).status_code == 404
    assert client.post(reverse("campaigns:campaign_edit", args=[campaign.pk]), {"name": "x"}).status_code == 404
    campaign.refresh_from_db()
    assert campaign.name == "重庆市县域节水型社会达标建设"


def test_a_stale_campaign_form_is_refused(world, campaign, supervisor, administrator, county_standard, client_for):
    seen = latest_change(campaign)
    client_for(administrator).post(reverse("campaigns:campaign_edit", args=[campaign.pk]),
                                   campaign_data(world, county_standard, name="管理员改过的名称", seen=seen))
    response = client_for(supervisor).post(reverse("campaigns:campaign_edit", args=[campaign.pk]),
                                           campaign_data(world, county_standard, name="督导的名称", seen=seen))
    assert response.status_code == 200 and "他人已保存" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.name == "管理员改过的名称"


def test_the_standard_cannot_change_once_a_county_moved_on(world, campaign, creation, supervisor, client_for):
    from indicators.models import IndicatorSet

    other = IndicatorSet.objects.create(code="OTHER_POINTS", version="1", name="另一评分标准", min_points=1)
    creation.stage = Stage.SELF_ASSESSMENT
    creation.save()
    response = client_for(supervisor).post(reverse("campaigns:campaign_edit", args=[campaign.pk]), campaign_data(
        world, campaign.indicator_set, indicator_set=other.pk, seen=latest_change(campaign)))
    assert response.status_code == 200 and "不能更换" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.indicator_set_id != other.pk


# --- batches ----------------------------------------------------------------------------------------


def test_a_batch_adds_its_counties_at_the_plan_with_deadlines(world, campaign, supervisor, client_for):
    response = client_for(supervisor).post(reverse("campaigns:batch_new", args=[campaign.pk]), batch_data(
        "2019年度创建", 2019, [world.district, world.other_district], declared=date(2019, 9, 30),
        named=date(2019, 12, 31)))
    assert response.status_code == 302
    batch = Batch.objects.get(campaign=campaign, year=2019)
    records = list(Creation.objects.filter(batch=batch).order_by("region__code"))
    assert [(c.region, c.stage, c.assessment_year) for c in records] == [
        (world.other_district, Stage.PLANNED, 2018), (world.district, Stage.PLANNED, 2018)]
    assert {(d.stage, d.due) for d in batch.deadlines.all()} == {(Stage.DECLARED, date(2019, 9, 30)),
                                                                 (Stage.NAMED, date(2019, 12, 31))}
    step = StageStep.objects.get(creation=records[0])
    assert (step.from_stage, step.to_stage, step.taken_by) == ("", Stage.PLANNED, supervisor)


def test_a_batch_year_taken_and_deadlines_out_of_order_are_refused(world, campaign, supervisor, client_for):
    client = client_for(supervisor)
    taken = client.post(reverse("campaigns:batch_new", args=[campaign.pk]),
                        batch_data("重复", CAMPAIGN_YEAR, [world.other_district]))
    assert taken.status_code == 200 and taken.context["form"].errors["year"]
    backwards = client.post(reverse("campaigns:batch_new", args=[campaign.pk]), batch_data(
        "2019年度创建", 2019, [world.other_district], declared=date(2019, 9, 30), self_assessment=date(2019, 10, 1)))
    assert backwards.status_code == 200 and backwards.context["form"].errors["due_declared"]
    assert campaign.batches.count() == 1 and Creation.objects.count() == 0


def test_a_county_of_another_batch_or_another_province_is_not_offered(world, campaign, creation, supervisor,
                                                                      other_supervisor, client_for):
    sichuan = Region.objects.get(code="510000")
    chengdu = county("510104", "锦江区", sichuan)
    response = client_for(supervisor).post(reverse("campaigns:batch_new", args=[campaign.pk]),
                                           batch_data("2019年度创建", 2019, [world.district, chengdu]))
    assert response.status_code == 200 and response.context["form"].errors["counties"]
    assert Creation.objects.count() == 1


def test_a_county_that_moved_on_stays_in_its_batch(world, campaign, creation, supervisor, client_for):
    creation.stage = Stage.SELF_ASSESSMENT
    creation.save()
    batch = campaign.batches.get()
    response = client_for(supervisor).post(reverse("campaigns:batch_edit", args=[batch.pk]), {
        **batch_data(batch.name, batch.year, [world.other_district]), "seen": latest_change(batch)})
    assert response.status_code == 200
    assert "武隆区处于自评阶段" in response.content.decode()
    assert list(Creation.objects.values_list("region", flat=True)) == [world.district.pk]


def test_taking_a_planned_county_out_asks_first_then_removes_it(world, campaign, creation, supervisor, client_for):
    client = client_for(supervisor)
    batch = campaign.batches.get()
    data = {**batch_data(batch.name, batch.year, [world.other_district]), "seen": latest_change(batch)}
    asked = client.post(reverse("campaigns:batch_edit", args=[batch.pk]), data)
    assert asked.status_code == 200
    page = asked.content.decode()
    assert 'data-testid="confirm-removal"' in page and "武隆区（计划创建）" in page
    assert Creation.objects.filter(region=world.district).exists()
    assert not Creation.objects.filter(region=world.other_district).exists()  # nothing written yet
    done = client.post(reverse("campaigns:batch_edit", args=[batch.pk]), {**data, "confirm": "1"})
    assert done.status_code == 302
    assert list(Creation.objects.values_list("region", flat=True)) == [world.other_district.pk]


def test_a_planned_county_with_funding_stays(world, campaign, creation, supervisor, client_for):
    from campaigns.models import Allocation, FundingRound

    funding = FundingRound.objects.create(campaign=campaign, year=CAMPAIGN_YEAR, total=10)
    Allocation.objects.create(round=funding, creation=creation, amount=10)
    batch = campaign.batches.get()
    response = client_for(supervisor).post(reverse("campaigns:batch_edit", args=[batch.pk]), {
        **batch_data(batch.name, batch.year, []), "seen": latest_change(batch), "confirm": "1"})
    assert response.status_code == 200 and "资金奖补" in response.content.decode()
    assert Creation.objects.filter(pk=creation.pk).exists()


# --- progress, lateness and the campaign page ---------------------------------------------------------


def four_counties(world, campaign):
    """Two more counties under the city, one named, one revoked: 4 counties in all."""
    liangping = county("500155", "梁平区", world.city)
    dianjiang = county("500231", "垫江县", world.city)
    batch = Batch.objects.create(campaign=campaign, year=CAMPAIGN_YEAR - 1, name=f"{CAMPAIGN_YEAR - 1}年度创建")
    for region, stage in ((liangping, Stage.NAMED), (dianjiang, Stage.REVOKED)):
        Creation.objects.create(campaign=campaign, batch=batch, region=region, stage=stage,
                                stage_since=date(CAMPAIGN_YEAR - 1, 12, 1), assessment_year=CAMPAIGN_YEAR - 2)
    return batch


def test_progress_counts_named_in_progress_planned_by_year(world, campaign, creation):
    four_counties(world, campaign)
    Creation.objects.create(campaign=campaign, batch=campaign.batches.get(year=CAMPAIGN_YEAR),
                            region=world.other_district, stage=Stage.TECHNICAL, stage_since=date(CAMPAIGN_YEAR, 3, 1),
                            assessment_year=CAMPAIGN_YEAR - 1)
    found = selectors.progress(campaign, date(CAMPAIGN_YEAR, 6, 1))
    assert (found.counties, found.needed) == (4, 2)  # 30% of 4 = 1.2 → 2
    assert (found.named, found.in_progress, found.planned, found.revoked) == (1, 1, 1, 1)  # the revoked is not named
    assert found.still_needed == 1 and found.unplanned == 0 and not found.met
    rows = [(r.year, r.named, r.in_progress, r.planned, r.revoked, r.cumulative_named) for r in found.years]
    assert rows == [(CAMPAIGN_YEAR - 1, 1, 0, 0, 1, 1), (CAMPAIGN_YEAR, 0, 1, 1, 0, 1)]


def test_late_on_the_day_after_the_deadline_not_on_the_day(campaign, creation, supervisor, client_for):
    due = date(CAMPAIGN_YEAR, 9, 30)  # the batch's 申报 deadline
    assert selectors.progress(campaign, due).late == []
    late = selectors.progress(campaign, date(CAMPAIGN_YEAR, 10, 1)).late
    assert [(row.creation, row.stage, row.due) for row in late] == [(creation, Stage.DECLARED, due)]
    creation.stage = Stage.DECLARED
    creation.save()
    assert selectors.progress(campaign, date(CAMPAIGN_YEAR, 10, 1)).late == []
    creation.stage = Stage.PLANNED
    creation.save()
    with time_machine.travel(date(CAMPAIGN_YEAR, 9, 30), tick=False):
        page = client_for(supervisor).get(reverse("campaigns:campaign", args=[campaign.pk])).content.decode()
    assert 'data-testid="late-count">0<' in page
    with time_machine.travel(date(CAMPAIGN_YEAR, 10, 1), tick=False):
        page = client_for(supervisor).get(reverse("campaigns:campaign", args=[campaign.pk])).content.decode()
    assert 'data-testid="late-count">1<' in page
    assert f"应于{CAMPAIGN_YEAR}年9月30日前进入申报" in page
    assert reverse("campaigns:creation", args=[creation.pk]) in page


def test_the_campaign_page_shows_the_goal_and_how_far_it_is(world, campaign, creation, supervisor, client_for):
    four_counties(world, campaign)
    with time_machine.travel(date(CAMPAIGN_YEAR, 6, 1), tick=False):
        response = client_for(supervisor).get(reverse("campaigns:campaign", args=[campaign.pk]))
    page = response.content.decode()
    assert "全市30%以上县（区）级行政区达到节水型社会标准" in page
    assert f'href="{reverse("campaigns:experts")}"' in page  # the register of experts, a click away
    for testid, value in (("counties", 4), ("needed", 2), ("named", 1), ("in-progress", 0), ("planned", 1)):
        assert f'data-testid="{testid}">{value}<' in page, testid
    assert 'data-testid="goal-need">1 / 2<' in page
    assert "梁平区" in page and "垫江县" in page and "武隆区" in page


def test_the_campaign_page_asks_the_same_queries_for_more_counties(world, campaign, creation, supervisor, client_for,
                                                                   django_assert_max_num_queries):
    client = client_for(supervisor)
    url = reverse("campaigns:campaign", args=[campaign.pk])

    def count():
        with django_assert_max_num_queries(30) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = count()
    batch = campaign.batches.get()
    for number in range(8):
        region = county(f"5002{40 + number}", f"测试县{number}", world.city)
        Creation.objects.create(campaign=campaign, batch=batch, region=region, stage=Stage.PLANNED,
                                stage_since=date(CAMPAIGN_YEAR, 1, 1), assessment_year=CAMPAIGN_YEAR - 1)
    assert count() == before


# --- home, list and navbar ----------------------------------------------------------------------------


def test_the_supervisors_home_shows_the_campaign_and_moves_with_it(world, campaign, creation, supervisor,
                                                                    client_for):
    client = client_for(supervisor)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="home-campaign"' in page and campaign.name in page
    assert 'data-testid="named">0<' in page and 'data-testid="planned">1<' in page
    creation.stage = Stage.NAMED
    creation.save()
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="named">1<' in page and 'data-testid="planned">0<' in page
    assert "目标已达到" in page  # 30% of 2 counties → 1


def test_a_county_reviewer_sees_their_own_line(world, campaign, creation, reviewer, outsider, reporter, client_for):
    page = client_for(reviewer).get(reverse("home")).content.decode()
    assert 'data-testid="home-creation"' in page and "计划创建" in page
    assert reverse("campaigns:creation", args=[creation.pk]) in page
    assert 'data-testid="home-campaign"' not in page
    for other in (outsider, reporter):
        assert 'data-testid="home-creation"' not in client_for(other).get(reverse("home")).content.decode()


def test_the_navbar_link_is_for_supervisors_admins_and_county_reviewers(
        world, campaign, creation, supervisor, administrator, reviewer, outsider, reporter, client_for):
    """A county's reviewer always has it (the list says whether the county creates), so that no
    page spends a query on the navigation bar; a reporter does not."""
    link = f'href="{reverse("campaigns:list")}"'
    for user in (supervisor, administrator, reviewer, outsider):
        assert link in client_for(user).get(reverse("home")).content.decode(), user
    assert link not in client_for(reporter).get(reverse("home")).content.decode()
    page = client_for(outsider).get(reverse("campaigns:list")).content.decode()
    assert "本区县尚未列入达标创建。" in page


def test_the_list_shows_campaigns_to_supervisors_and_the_county_record_to_its_reviewer(
        world, campaign, creation, supervisor, reviewer, reporter, other_supervisor, client_for):
    page = client_for(supervisor).get(reverse("campaigns:list")).content.decode()
    assert reverse("campaigns:campaign", args=[campaign.pk]) in page
    page = client_for(reviewer).get(reverse("campaigns:list")).content.decode()
    assert reverse("campaigns:creation", args=[creation.pk]) in page
    assert reverse("campaigns:campaign", args=[campaign.pk]) not in page
    for user in (reporter, other_supervisor):
        page = client_for(user).get(reverse("campaigns:list")).content.decode()
        assert campaign.name not in page


def test_deadlines_edited_and_removed(world, campaign, supervisor, client_for):
    batch = campaign.batches.get()
    response = client_for(supervisor).post(reverse("campaigns:batch_edit", args=[batch.pk]), {
        **batch_data(batch.name, batch.year, [], declared=date(CAMPAIGN_YEAR, 10, 15)), "seen": latest_change(batch)})
    assert response.status_code == 302
    assert list(BatchDeadline.objects.filter(batch=batch).values_list("stage", "due")) == [
        (Stage.DECLARED, date(CAMPAIGN_YEAR, 10, 15))]
