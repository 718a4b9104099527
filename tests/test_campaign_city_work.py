"""The city's own work on its campaign: joint meetings and supervision visits recorded
through the pages, and a year's funding — the suggestion weighed by stage and score (checked
against this file's own arithmetic), the bureau's adjustments with a reason each, the
approval only when the amounts add up, and nothing changing after it."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import (
    Allocation,
    Batch,
    Creation,
    Expert,
    ExpertGroup,
    ExpertScore,
    FundingRound,
    GroupScore,
    JointMeeting,
    Membership,
    SelfAssessment,
    Stage,
    StageStep,
    SupervisionVisit,
)
from campaigns.services import funding as funding_services
from campaigns.services.campaign import latest_change
from org.models import Department, Region, User
from tests.conftest import CAMPAIGN_YEAR, make_user


@pytest.fixture
def other_supervisor(world):
    province = Region.objects.create(code="510000", name="四川省", level=Region.Level.PROVINCE)
    bureau = Department.objects.create(region=province, short_name="省水利厅", name="四川省水利厅")
    return make_user("sichuan", bureau, User.Role.SUPERVISOR)


@pytest.fixture
def expert_user(world):
    return make_user("expert1", None, User.Role.EXPERT)


WRONG = ["reporter", "reviewer", "outsider", "expert_user", "other_supervisor"]


def city_department(world, short_name, name):
    return Department.objects.create(region=world.city, short_name=short_name, name=name)


# --- joint meetings ------------------------------------------------------------------------------


def meeting_data(departments, **changes):
    data = {"held_on": "2019-06-14", "title": "推动节水型社会建设联席会议", "departments": [d.pk for d in departments],
            "attendance_text": "市发展改革委、市教委、市城管局等18个市级部门",
            "decisions": "明确责任、分解任务、督导推进"}
    data.update(changes)
    return data


def test_a_supervisor_records_a_joint_meeting_as_written(world, campaign, supervisor, client_for):
    reform = city_department(world, "市发展改革委", "重庆市发展和改革委员会")
    client = client_for(supervisor)
    response = client.post(reverse("campaigns:meetings", args=[campaign.pk]),
                           meeting_data([world.city_bureau, reform, world.urban_bureau]))
    assert response.status_code == 302
    meeting = JointMeeting.objects.get()
    assert meeting.region == world.city
    assert meeting.attendance_text == "市发展改革委、市教委、市城管局等18个市级部门"
    assert set(meeting.departments.all()) == {world.city_bureau, reform, world.urban_bureau}  # the county's too
    page = client.get(reverse("campaigns:meetings", args=[campaign.pk])).content.decode()
    assert "推动节水型社会建设联席会议" in page and "等18个市级部门" in page and "已登记3个部门" in page


def test_a_department_of_another_province_is_refused(world, campaign, supervisor, other_supervisor, client_for):
    response = client_for(supervisor).post(reverse("campaigns:meetings", args=[campaign.pk]),
                                           meeting_data([other_supervisor.department]))
    assert response.status_code == 200 and response.context["form"].errors["departments"]
    assert not JointMeeting.objects.exists()


def test_a_meeting_without_decisions_is_refused_naming_the_field(world, campaign, supervisor, client_for):
    response = client_for(supervisor).post(reverse("campaigns:meetings", args=[campaign.pk]),
                                           meeting_data([], decisions=""))
    assert response.status_code == 200 and "decisions" in response.context["form"].errors
    assert not JointMeeting.objects.exists()


def test_a_meeting_is_changed_and_a_stale_form_refused(world, campaign, supervisor, administrator, client_for):
    meeting = JointMeeting.objects.create(region=world.city, held_on=date(2019, 6, 14), title="第一次联席会议",
                                          decisions="分解任务")
    seen = latest_change(meeting)
    url = reverse("campaigns:meeting", args=[meeting.pk])
    assert client_for(administrator).post(url, meeting_data([], title="管理员改过", seen=seen)).status_code == 302
    stale = client_for(supervisor).post(url, meeting_data([], title="督导改的", seen=seen))
    assert stale.status_code == 200 and "他人已保存" in stale.content.decode()
    meeting.refresh_from_db()
    assert meeting.title == "管理员改过"


@pytest.mark.parametrize("who", WRONG)
def test_others_get_404_on_meetings(who, request, world, campaign, client_for):
    meeting = JointMeeting.objects.create(region=world.city, held_on=date(2019, 6, 14), title="联席会议",
                                          decisions="分解任务")
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("campaigns:meetings", args=[campaign.pk])).status_code == 404
    assert client.post(reverse("campaigns:meetings", args=[campaign.pk]), meeting_data([])).status_code == 404
    assert client.get(reverse("campaigns:meeting", args=[meeting.pk])).status_code == 404
    assert JointMeeting.objects.count() == 1


# --- supervision visits --------------------------------------------------------------------------------


def visit_data(counties, **changes):
    data = {"visited_on": "2019-09-10", "counties": [c.pk for c in counties],
            "purpose": "检查《节水型社会建设“十三五”规划》落实情况", "findings": "节水型小区创建进度滞后",
            "follow_up": "10月底前完成2个节水型小区创建", "follow_up_done": ""}
    data.update(changes)
    return data


def test_a_supervisor_records_a_visit_and_its_follow_up(world, campaign, supervisor, client_for):
    client = client_for(supervisor)
    assert client.post(reverse("campaigns:visits", args=[campaign.pk]),
                       visit_data([world.district, world.other_district])).status_code == 302
    visit = SupervisionVisit.objects.get()
    assert set(visit.counties.all()) == {world.district, world.other_district} and not visit.follow_up_done
    page = client.get(reverse("campaigns:visits", args=[campaign.pk])).content.decode()
    assert "节水型小区创建进度滞后" in page and "未落实" in page
    response = client.post(reverse("campaigns:visit", args=[visit.pk]), visit_data(
        [world.district], follow_up_done="on", seen=latest_change(visit)))
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.follow_up_done and list(visit.counties.all()) == [world.district]


def test_a_visit_needs_counties_under_the_region(world, campaign, supervisor, other_supervisor, client_for):
    chengdu = Region.objects.create(code="510104", name="锦江区", level=Region.Level.COUNTY,
                                    parent=Region.objects.get(code="510000"))
    client = client_for(supervisor)
    for counties in ([], [chengdu]):
        response = client.post(reverse("campaigns:visits", args=[campaign.pk]), visit_data(counties))
        assert response.status_code == 200 and response.context["form"].errors["counties"]
    assert not SupervisionVisit.objects.exists()


@pytest.mark.parametrize("who", WRONG)
def test_others_get_404_on_visits(who, request, world, campaign, client_for):
    visit = SupervisionVisit.objects.create(region=world.city, visited_on=date(2019, 9, 10), purpose="督导",
                                            findings="无")
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("campaigns:visits", args=[campaign.pk])).status_code == 404
    assert client.post(reverse("campaigns:visit", args=[visit.pk]), visit_data([world.district])).status_code == 404
    visit.refresh_from_db()
    assert visit.purpose == "督导"


# --- funding: the arithmetic ---------------------------------------------------------------------------


def test_split_rounds_to_the_cent_and_gives_the_remainder_to_the_largest():
    # 100 in three equal parts: 33.33 each leaves 0.01, which goes to the first of the equals.
    assert funding_services.split(Decimal("100"), [Decimal("1")] * 3) == [Decimal("33.34"), Decimal("33.33"),
                                                                          Decimal("33.33")]
    # 10 万元 over weights 0.2, 0.32, 1.0: 1.3158 → 1.32, 2.1053 → 2.11, 6.5789 → 6.58; 10.01 in all,
    # so the largest gives back 0.01.
    shares = funding_services.split(Decimal("10"), [Decimal("0.2"), Decimal("0.32"), Decimal("1.0")])
    assert shares == [Decimal("1.32"), Decimal("2.11"), Decimal("6.57")] and sum(shares) == Decimal("10")
    assert funding_services.split(Decimal("0"), [Decimal("1"), Decimal("2")]) == [Decimal("0.00"), Decimal("0.00")]
    with pytest.raises(ValueError):
        funding_services.split(Decimal("10"), [Decimal("0")])


def three_counties(world, campaign, creation, county_standard):
    """武隆 in 自评, self-assessed 80 of 100; 黔江 at the plan, nothing scored; 梁平 in 现场验收,
    its expert group concluded on 97.5."""
    batch = creation.batch
    creation.stage = Stage.SELF_ASSESSMENT
    creation.save()
    items = {item.number: item for item in county_standard.indicators.all()}
    assessment = SelfAssessment.objects.create(creation=creation, indicator_set=county_standard,
                                               year=creation.assessment_year)
    # Full points everywhere but items 2, 3 and 6 (6 points each: 0) and item 4 (2 of its 4): 100 − 18 − 2 = 80.
    short = {2: 0, 3: 0, 6: 0, 4: 2}
    for number, item in items.items():
        assessment.scores.create(indicator=item, points=Decimal(short.get(number, item.points)))
    qianjiang = Creation.objects.create(campaign=campaign, batch=batch, region=world.other_district,
                                        stage=Stage.PLANNED, stage_since=date(CAMPAIGN_YEAR, 1, 1),
                                        assessment_year=CAMPAIGN_YEAR - 1)
    liangping = Creation.objects.create(
        campaign=campaign, batch=batch, stage=Stage.ACCEPTANCE, stage_since=date(CAMPAIGN_YEAR, 5, 1),
        assessment_year=CAMPAIGN_YEAR - 1,
        region=Region.objects.create(code="500155", name="梁平区", level=Region.Level.COUNTY, parent=world.city))
    group = ExpertGroup.objects.create(creation=liangping, formed_on=date(CAMPAIGN_YEAR, 4, 1),
                                       concluded_at=timezone.now())
    members = [Membership.objects.create(group=group, expert=Expert.objects.create(name=name, affiliation=where),
                                         is_leader=leader, submitted_at=timezone.now())
               for name, where, leader in (("张教授", "重庆大学", True), ("李教授", "西南大学", False))]
    # Item 2: 5 and 6 → the mean 5.5; item 3: 4 and 6 (mean 5), the leader recorded the consensus 4;
    # every other item full from both: 100 − 0.5 − 2 = 97.5.
    given = {2: (5, 6), 3: (4, 6)}
    for index, membership in enumerate(members):
        for number, item in items.items():
            points = given[number][index] if number in given else item.points
            ExpertScore.objects.create(membership=membership, indicator=item, points=Decimal(points))
    GroupScore.objects.create(group=group, indicator=items[3], points=Decimal("4"), note="组长记录的一致意见")
    return creation, qianjiang, liangping


def test_weights_come_from_stage_and_score(world, campaign, creation, county_standard):
    wulong, qianjiang, liangping = three_counties(world, campaign, creation, county_standard)
    assert county_standard.full_points == Decimal("100")
    weighed = funding_services.weighings(campaign, CAMPAIGN_YEAR)
    assert (weighed[wulong.pk].basis, weighed[wulong.pk].score, weighed[wulong.pk].weight) == (
        "self", Decimal("80"), Decimal("0.3200"))  # 0.4 × 80/100
    assert (weighed[qianjiang.pk].basis, weighed[qianjiang.pk].weight) == ("none", Decimal("0.2000"))  # 0.2 × 1
    assert (weighed[liangping.pk].basis, weighed[liangping.pk].score, weighed[liangping.pk].weight) == (
        "group", Decimal("97.5"), Decimal("0.7800"))  # 0.8 × 97.5/100


def test_a_years_round_shares_among_the_counties_still_creating_in_it(world, campaign, creation):
    """Not a later batch's county, not one named in an earlier year (nor one named before the
    campaign, its date unknown), not a revoked one; one named during the year still counts."""
    def county(code, name, year, stage, named_on=None):
        batch = Batch.objects.get_or_create(campaign=campaign, year=year, defaults={"name": f"{year}年度创建"})[0]
        region = Region.objects.create(code=code, name=name, level=Region.Level.COUNTY, parent=world.city)
        return Creation.objects.create(campaign=campaign, batch=batch, region=region, stage=stage, named_on=named_on,
                                       stage_since=date(year, 1, 1), assessment_year=year - 1)

    before = county("500120", "璧山区", CAMPAIGN_YEAR - 2, Stage.NAMED)
    last_year = county("500117", "合川区", CAMPAIGN_YEAR - 1, Stage.NAMED, named_on=date(CAMPAIGN_YEAR - 1, 12, 1))
    this_year = county("500111", "大足区", CAMPAIGN_YEAR - 1, Stage.NAMED, named_on=date(CAMPAIGN_YEAR, 3, 1))
    revoked = county("500152", "潼南区", CAMPAIGN_YEAR - 1, Stage.REVOKED)
    later = county("500153", "荣昌区", CAMPAIGN_YEAR + 1, Stage.PLANNED)
    funded = {c.region.name for c in funding_services.funded_creations(campaign, CAMPAIGN_YEAR)}
    assert funded == {creation.region.name, this_year.region.name}
    assert {before.region.name, last_year.region.name, revoked.region.name, later.region.name}.isdisjoint(funded)
    assert {c.region.name for c in funding_services.funded_creations(campaign, CAMPAIGN_YEAR - 1)} == {
        "合川区", "大足区"}


def open_funding(client, campaign, total, year=CAMPAIGN_YEAR):
    return client.post(reverse("campaigns:funding", args=[campaign.pk, year]),
                       {"action": "open", "total": total, "basis": "市财政节水型社会建设资金"})


def test_the_suggestion_shares_the_total_by_weight_to_the_cent(world, campaign, creation, county_standard,
                                                              supervisor, client_for):
    three_counties(world, campaign, creation, county_standard)
    client = client_for(supervisor)
    assert open_funding(client, campaign, "100").status_code == 302
    funding = FundingRound.objects.get()
    shares = {a.creation.region.name: (a.weight, a.suggested, a.amount) for a in funding.allocations.all()}
    # Weights 0.32 + 0.2 + 0.78 = 1.3: 24.6154 → 24.62, 15.3846 → 15.38, 60 → 60.00; 100.00 exactly.
    assert shares == {"武隆区": (Decimal("0.3200"), Decimal("24.62"), Decimal("24.62")),
                      "黔江区": (Decimal("0.2000"), Decimal("15.38"), Decimal("15.38")),
                      "梁平区": (Decimal("0.7800"), Decimal("60.00"), Decimal("60.00"))}
    page = client.get(reverse("campaigns:funding", args=[campaign.pk, CAMPAIGN_YEAR])).content.decode()
    assert "评估组 97.5 / 100" in page and "自评 80 / 100" in page and "尚无评分：按满分100" in page
    assert "计划创建 0.2" in page and "现场验收 0.8" in page  # the weights are said on the page


def test_the_remainder_goes_to_the_largest_share(world, campaign, creation, supervisor, client_for):
    for code, name in (("500155", "梁平区"), ("500231", "垫江县")):
        Creation.objects.create(campaign=campaign, batch=creation.batch, stage=Stage.PLANNED,
                                stage_since=date(CAMPAIGN_YEAR, 1, 1), assessment_year=CAMPAIGN_YEAR - 1,
                                region=Region.objects.create(code=code, name=name, level=Region.Level.COUNTY,
                                                             parent=world.city))
    open_funding(client_for(supervisor), campaign, "100")
    amounts = list(Allocation.objects.order_by("creation__region__code").values_list("creation__region__name",
                                                                                      "suggested"))
    # Three equal weights: 33.33 × 3 = 99.99; the first of the equals in code order gets the 0.01.
    assert amounts == [("梁平区", Decimal("33.34")), ("武隆区", Decimal("33.33")), ("垫江县", Decimal("33.33"))]


def said(response):
    """The messages the response's request left for the next page."""
    return " ".join(str(message) for message in response.wsgi_request._messages)


def adjust(client, funding, amounts, notes=None):
    funding.refresh_from_db()
    data = {"action": "adjust", "version": funding.version}
    for allocation in funding.allocations.all():
        name = allocation.creation.region.name
        data[f"amount_{allocation.pk}"] = amounts.get(name, allocation.amount)
        data[f"note_{allocation.pk}"] = (notes or {}).get(name, allocation.note)
    return client.post(reverse("campaigns:funding", args=[funding.campaign_id, funding.year]), data)


def approve(client, funding):
    funding.refresh_from_db()
    return client.post(reverse("campaigns:funding_approve", args=[funding.pk]), {"version": funding.version})


def test_adjusting_needs_a_reason_and_approving_needs_the_total(world, campaign, creation, county_standard,
                                                                 supervisor, client_for):
    three_counties(world, campaign, creation, county_standard)
    client = client_for(supervisor)
    open_funding(client, campaign, "100")
    funding = FundingRound.objects.get()

    refused = adjust(client, funding, {"武隆区": "30", "黔江区": "10"}, {"武隆区": "自评材料扎实"})
    assert refused.status_code == 200
    assert "黔江区：金额与建议的15.38万元不同，请填写调整理由" in refused.content.decode()
    assert dict(funding.allocations.values_list("creation__region__name", "amount")) == {
        "武隆区": Decimal("24.62"), "黔江区": Decimal("15.38"), "梁平区": Decimal("60.00")}  # nothing written

    assert adjust(client, funding, {"武隆区": "30"}, {"武隆区": "自评材料扎实"}).status_code == 302
    wulong = funding.allocations.get(creation__region__name="武隆区")
    assert (wulong.amount, wulong.note) == (Decimal("30.00"), "自评材料扎实")

    response = approve(client, funding)
    assert response.status_code == 302
    assert "分配合计105.38万元，比奖补总额100万元多5.38万元，请先调整金额。" in said(response)
    funding.refresh_from_db()
    assert not funding.is_approved

    assert adjust(client, funding, {"梁平区": "54.62"}, {"梁平区": "调出5.38万元给武隆区"}).status_code == 302
    assert approve(client, funding).status_code == 302
    funding.refresh_from_db()
    assert funding.is_approved and funding.approved_by == supervisor
    assert sum(funding.allocations.values_list("amount", flat=True)) == Decimal("100")


def test_an_approved_funding_is_frozen(world, campaign, creation, supervisor, client_for):
    client = client_for(supervisor)
    open_funding(client, campaign, "12.5")
    funding = FundingRound.objects.get()
    assert approve(client, funding).status_code == 302
    funding.refresh_from_db()
    assert funding.is_approved
    before = list(Allocation.objects.values_list("amount", "note"))
    response = adjust(client, funding, {"武隆区": "1"}, {"武隆区": "改"})
    assert response.status_code == 302
    assert f"{CAMPAIGN_YEAR}年资金奖补已于" in said(response) and "金额不能再修改" in said(response)
    for action in ("suggest", "change"):
        client.post(reverse("campaigns:funding", args=[campaign.pk, CAMPAIGN_YEAR]),
                    {"action": action, "version": funding.version, "total": "99", "basis": ""})
    assert approve(client, funding).status_code == 302
    funding.refresh_from_db()
    assert funding.total == Decimal("12.5") and list(Allocation.objects.values_list("amount", "note")) == before


def test_weighing_again_keeps_adjusted_amounts(world, campaign, creation, supervisor, client_for):
    client = client_for(supervisor)
    Creation.objects.create(campaign=campaign, batch=creation.batch, region=world.other_district,
                            stage=Stage.PLANNED, stage_since=date(CAMPAIGN_YEAR, 1, 1),
                            assessment_year=CAMPAIGN_YEAR - 1)
    open_funding(client, campaign, "10")
    funding = FundingRound.objects.get()
    assert sorted(funding.allocations.values_list("suggested", flat=True)) == [Decimal("5.00"), Decimal("5.00")]
    adjust(client, funding, {"黔江区": "4"}, {"黔江区": "计划尚未细化"})
    creation.stage = Stage.SELF_ASSESSMENT  # weight 0.4 against 黔江's 0.2
    creation.save()
    funding.refresh_from_db()
    client.post(reverse("campaigns:funding", args=[campaign.pk, CAMPAIGN_YEAR]),
                {"action": "suggest", "version": funding.version})
    rows = {a.creation.region.name: (a.suggested, a.amount, a.note) for a in funding.allocations.all()}
    assert rows == {"武隆区": (Decimal("6.67"), Decimal("6.67"), ""),
                    "黔江区": (Decimal("3.33"), Decimal("4.00"), "计划尚未细化")}


def test_a_second_round_for_the_year_and_a_negative_total_are_refused(world, campaign, creation, supervisor,
                                                                     client_for):
    client = client_for(supervisor)
    negative = open_funding(client, campaign, "-1")
    assert negative.status_code == 200 and negative.context["settings_form"].errors["total"]
    assert not FundingRound.objects.exists()
    open_funding(client, campaign, "10")
    again = open_funding(client, campaign, "20")
    assert f"{CAMPAIGN_YEAR}年资金奖补已经设立。" in said(again)
    assert FundingRound.objects.get().total == Decimal("10")


@pytest.mark.parametrize("who", WRONG)
def test_others_get_404_on_funding(who, request, world, campaign, creation, client_for):
    funding = FundingRound.objects.create(campaign=campaign, year=CAMPAIGN_YEAR, total=10)
    Allocation.objects.create(round=funding, creation=creation, amount=10, suggested=10)
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("campaigns:funding", args=[campaign.pk, CAMPAIGN_YEAR])).status_code == 404
    assert open_funding(client, campaign, "5", year=CAMPAIGN_YEAR + 1).status_code == 404
    assert client.post(reverse("campaigns:funding_approve", args=[funding.pk]),
                       {"version": funding.version}).status_code == 404
    funding.refresh_from_db()
    assert not funding.is_approved and FundingRound.objects.count() == 1


def test_funding_approve_answers_post_only(world, campaign, supervisor, client_for):
    funding = FundingRound.objects.create(campaign=campaign, year=CAMPAIGN_YEAR, total=10,
                                          approved_at=timezone.make_aware(datetime(CAMPAIGN_YEAR, 1, 5)))
    assert client_for(supervisor).get(reverse("campaigns:funding_approve", args=[funding.pk])).status_code == 405


def test_a_past_years_round_weighs_each_county_at_the_stage_it_had_reached_by_that_years_end(world, campaign):
    """A county of last year's batch that reached 现场验收 in December and was named this year
    is weighed for last year's round at 现场验收 (0.8), not at 命名 (1.0)."""
    batch = Batch.objects.create(campaign=campaign, year=CAMPAIGN_YEAR - 1, name="上年度创建")
    region = Region.objects.create(code="500117", name="合川区", level=Region.Level.COUNTY, parent=world.city)
    hechuan = Creation.objects.create(campaign=campaign, batch=batch, region=region, stage=Stage.NAMED,
                                      stage_since=date(CAMPAIGN_YEAR, 3, 1), named_on=date(CAMPAIGN_YEAR, 3, 1),
                                      assessment_year=CAMPAIGN_YEAR - 2)
    for to, day in ((Stage.ACCEPTANCE, date(CAMPAIGN_YEAR - 1, 12, 10)), (Stage.NAMED, date(CAMPAIGN_YEAR, 3, 1))):
        StageStep.objects.create(creation=hechuan, from_stage="", to_stage=to, taken_on=day)
    last_year = funding_services.weighings(campaign, CAMPAIGN_YEAR - 1)
    assert (last_year[hechuan.pk].creation.stage, last_year[hechuan.pk].stage_weight) == (Stage.ACCEPTANCE,
                                                                                        Decimal("0.8"))
    this_year = funding_services.weighings(campaign, CAMPAIGN_YEAR)
    assert this_year[hechuan.pk].stage_weight == Decimal("1.0")  # named this year: still shares this year's round
