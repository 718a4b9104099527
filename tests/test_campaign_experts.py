"""技术评估: the city's register of experts and their accounts, the group assigned to a county,
each expert's scores within the items' rules, hidden from the others until submitted, the
group's mean or the leader's consensus, the conclusion and the 技术评估意见 in Word."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document

from campaigns import stages
from campaigns.models import (
    Creation,
    Expert,
    ExpertGroup,
    ExpertScore,
    GroupScore,
    Membership,
    Stage,
    group_mean,
)
from campaigns.selectors_assessment import group_table
from campaigns.services import experts as services
from core.workflow import EditConflict, TransitionRefused
from org.models import User
from tests.conftest import CAMPAIGN_YEAR
from tests.gongwen_checks import gongwen_problems
from tests.test_xss import read


def member(creation, who):
    return Membership.objects.get(group__creation=creation, expert=who)


def entries(standard, overrides=None, reasons=None):
    """Every item at full points, but ``overrides`` {number: points} with ``reasons``."""
    overrides, reasons = overrides or {}, reasons or {}
    return [services.Entry(indicator, Decimal(str(overrides.get(indicator.number, indicator.points))),
                           reasons.get(indicator.number, ""))
            for indicator in standard.indicators.order_by("number")]


def score(creation, who, overrides=None, reasons=None, *, submit=True, opinion="总体较好"):
    membership = member(creation, who)
    return services.save_scores(membership, user=who.user, entries=entries(creation.campaign.indicator_set, overrides,
                                                                            reasons),
                                opinion=opinion, version=membership.version, submit=submit)


def post_scores(client, creation, values, *, action="save", opinion="", version=None):
    """Post the scoring form with ``values`` {number: (points, reason)}; the rest left blank."""
    data = {"action": action, "opinion": opinion,
            "version": version if version is not None else Membership.objects.get(
                group__creation=creation, expert__user=client.session_user).version}
    for indicator in creation.campaign.indicator_set.indicators.all():
        points, reason = values.get(indicator.number, ("", ""))
        data[f"points_{indicator.pk}"], data[f"reason_{indicator.pk}"] = points, reason
    return client.post(reverse("campaigns:scoring", args=[creation.pk]), data)


@pytest.fixture
def as_user():
    def signed(user):
        client = Client()
        client.force_login(user)
        client.session_user = user.pk
        return client

    return signed


# --- the register -----------------------------------------------------------------------------------


def test_the_register_is_the_citys(world, supervisor, administrator, reviewer, reporter, outsider, zhang, client_for):
    url = reverse("campaigns:experts")
    assert client_for(supervisor).get(url).status_code == 200
    assert client_for(administrator).get(url).status_code == 200
    for user in (reviewer, reporter, outsider, zhang.user):
        assert client_for(user).get(url).status_code == 404
        assert client_for(user).get(reverse("campaigns:expert", args=[zhang.pk])).status_code == 404
        assert client_for(user).post(url, {"name": "某", "affiliation": "某单位"}).status_code == 404
    assert Expert.objects.count() == 1


def test_the_city_adds_an_expert_and_creates_their_account_on_the_page(world, supervisor, client_for):
    city = client_for(supervisor)
    response = city.post(reverse("campaigns:experts"), {"name": "赵教授", "affiliation": "重庆大学",
                                                       "field": "节水评价", "title": "教授"})
    added = Expert.objects.get(name="赵教授")
    assert response.status_code == 302 and response.url == reverse("campaigns:expert", args=[added.pk])
    url = reverse("campaigns:expert", args=[added.pk])
    differ = city.post(url, {"action": "account", "username": "zhao", "password1": "Jieshui-2026-zhao",
                             "password2": "Jieshui-2026-zhaO"})
    assert "两次输入的密码不一致" in differ.content.decode()
    short = city.post(url, {"action": "account", "username": "zhao", "password1": "abc12", "password2": "abc12"})
    assert short.status_code == 200 and "密码" in short.content.decode()
    assert "至少" in short.content.decode()  # Django's MinimumLengthValidator, in Chinese
    assert not User.objects.filter(username="zhao").exists()
    taken = city.post(url, {"action": "account", "username": "supervisor", "password1": "Jieshui-2026-zhao",
                            "password2": "Jieshui-2026-zhao"})
    assert "用户名supervisor已被使用" in taken.content.decode()
    done = city.post(url, {"action": "account", "username": "zhao", "password1": "Jieshui-2026-zhao",
                           "password2": "Jieshui-2026-zhao"})
    assert done.status_code == 302
    account = User.objects.get(username="zhao")
    assert (account.role, account.department, account.display_name) == (User.Role.EXPERT, None, "赵教授")
    added.refresh_from_db()
    assert added.user == account
    signed = Client()
    assert signed.post(reverse("login"), {"username": "zhao", "password": "Jieshui-2026-zhao"}).status_code == 302
    home = signed.get(reverse("home")).content.decode()
    assert "我的评估任务" in home and "尚未给您分配评估任务" in home


# --- the group ----------------------------------------------------------------------------------------


def test_the_city_assigns_the_group_once_the_county_has_declared(creation, county_standard, supervisor, reviewer,
                                                                 zhang, li, wang, client_for):
    url = reverse("campaigns:expert_group", args=[creation.pk])
    assert client_for(reviewer).get(url).status_code == 404
    assert client_for(zhang.user).get(url).status_code == 404
    form = {"action": "save", "experts": [zhang.pk, li.pk], "leader": zhang.pk, "formed_on": "2026-10-08"}
    early = client_for(supervisor).post(url, form, follow=True)
    assert "武隆区目前处于“计划创建”阶段" in early.content.decode()
    assert not ExpertGroup.objects.exists()
    Creation.objects.filter(pk=creation.pk).update(stage=Stage.DECLARED)
    wrong = client_for(supervisor).post(url, {**form, "leader": wang.pk})
    assert "组长须是专家组成员之一" in wrong.content.decode()
    assert not ExpertGroup.objects.exists()
    assert client_for(supervisor).post(url, form).status_code == 302
    group = ExpertGroup.objects.get(creation=creation)
    assert {(m.expert.name, m.is_leader) for m in group.members.all()} == {("张教授", True), ("李研究员", False)}
    creation.refresh_from_db()
    started = client_for(supervisor).post(url, {"action": "start", "version": creation.version})
    assert started.status_code == 302
    creation.refresh_from_db()
    assert creation.stage == Stage.TECHNICAL


def test_the_technical_assessment_needs_a_group(declared, supervisor):
    with pytest.raises(TransitionRefused, match="专家组"):
        services.start_technical(declared, user=supervisor, version=declared.version)
    declared.refresh_from_db()
    assert declared.stage == Stage.DECLARED


def test_an_expert_who_scored_stays_in_the_group(technical, supervisor, zhang, li, wang):
    score(technical, li, submit=False)
    with pytest.raises(TransitionRefused, match="李研究员已经评分"):
        services.save_group(technical, user=supervisor, formed_on=date(2026, 10, 8), assessed_on=None,
                            experts=[zhang, wang], leader=zhang)
    assert member(technical, li)


# --- who scores -------------------------------------------------------------------------------------


def test_only_the_member_opens_their_scoring_page(technical, world, campaign, supervisor, reviewer, administrator,
                                                  zhang, wang, client_for):
    url = reverse("campaigns:scoring", args=[technical.pk])
    assert client_for(zhang.user).get(url).status_code == 200
    for user in (wang.user, supervisor, reviewer, administrator):
        assert client_for(user).get(url).status_code == 404, user
        assert client_for(user).post(url, {"action": "save"}).status_code == 404, user
    # Another county's scoring page, whose group 张 is not in: a 404, not a refusal.
    other = Creation.objects.create(campaign=campaign, batch=campaign.batches.get(), region=world.other_district,
                                    stage=Stage.TECHNICAL, stage_since=date(2026, 10, 1), assessment_year=2025)
    group = ExpertGroup.objects.create(creation=other, formed_on=date(2026, 10, 1))
    Membership.objects.create(group=group, expert=wang, is_leader=True)
    other_url = reverse("campaigns:scoring", args=[other.pk])
    assert client_for(zhang.user).get(other_url).status_code == 404
    assert client_for(wang.user).get(other_url).status_code == 200
    assert client_for(zhang.user).get(reverse("campaigns:self_assessment", args=[other.pk])).status_code == 404


# --- the rule of each item -------------------------------------------------------------------------------


@pytest.mark.parametrize(("number", "good", "bad", "allowed"), [
    (3, ["0", "2", "4", "6"], ["3", "6.1", "1.9"], "0、2、4或6分"),  # steps
    (2, ["0", "6", "3.5"], ["6.1", "3.55"], "0至6分"),  # per unit, floor 0
    (19, ["0", "7", "6.5"], ["7.1"], "0至7分"),  # judged
    (4, ["0", "4"], ["2", "4.1"], "0或4分"),  # all or nothing
])
def test_points_on_the_bounds_pass_and_just_outside_fail(technical, zhang, as_user, number, good, bad, allowed):
    client = as_user(zhang.user)
    indicator = technical.campaign.indicator_set.indicators.get(number=number)
    for points in bad:
        response = post_scores(client, technical, {number: (points, "扣分理由")})
        assert response.status_code == 200
        page = response.content.decode()
        assert f"只能评{allowed}" in page or "确认小数不超过 1 位" in page, points
        assert not ExpertScore.objects.exists()
    for points in good:
        response = post_scores(client, technical, {number: (points, "扣分理由")})
        assert response.status_code == 302, points
        assert ExpertScore.objects.get(indicator=indicator).points == Decimal(points)


def test_a_score_below_full_points_needs_a_reason_and_nothing_is_saved_without_it(technical, zhang, as_user):
    client = as_user(zhang.user)
    response = post_scores(client, technical, {19: ("6", ""), 21: ("8", "")})
    assert "节水管理机构与制度评6分（满分7分），须写明扣分理由" in response.content.decode()
    assert not ExpertScore.objects.exists()  # not even item 21, which was right
    assert post_scores(client, technical, {19: ("6", "制度文件不全"), 21: ("8", "")}).status_code == 302
    assert ExpertScore.objects.count() == 2


def test_submitting_needs_every_item_and_the_opinion(technical, zhang, as_user):
    client = as_user(zhang.user)
    response = post_scores(client, technical, {19: ("6", "制度文件不全")}, action="submit", opinion="")
    page = response.content.decode()
    assert "提交前请为用水总量评分" in page and "提交前请填写总体意见" in page
    membership = member(technical, zhang)
    assert not membership.is_submitted and not ExpertScore.objects.exists()
    score(technical, zhang, submit=False, opinion="")
    with pytest.raises(services.ScoresRefused) as refused:
        score(technical, zhang, submit=True, opinion="")
    assert refused.value.general == ["提交前请填写总体意见。"]


def test_submitted_scores_no_longer_change(technical, zhang, as_user):
    score(technical, zhang, {19: 6}, {19: "制度文件不全"})
    membership = member(technical, zhang)
    assert membership.is_submitted
    with pytest.raises(TransitionRefused, match="提交评分，不能再修改"):
        services.save_scores(membership, user=zhang.user, entries=entries(technical.campaign.indicator_set),
                             opinion="改", version=membership.version)
    response = as_user(zhang.user).get(reverse("campaigns:scoring", args=[technical.pk]))
    assert 'name="action" value="submit"' not in response.content.decode()
    refused = post_scores(as_user(zhang.user), technical, {19: ("7", "")}, version=membership.version)
    assert refused.status_code == 302
    assert ExpertScore.objects.get(membership=membership, indicator__number=19).points == Decimal("6")


def test_a_stale_scoring_page_is_refused(technical, zhang, as_user):
    membership = member(technical, zhang)
    stale = membership.version
    score(technical, zhang, {19: 6}, {19: "制度文件不全"}, submit=False)
    response = post_scores(as_user(zhang.user), technical, {19: ("5", "另一页")}, version=stale)
    assert "打开本页后，您的评分已在其他页面或通过评分表保存过" in response.content.decode()
    assert ExpertScore.objects.get(indicator__number=19).reason == "制度文件不全"
    with pytest.raises(EditConflict):
        services.save_scores(membership, user=zhang.user, entries=[], opinion="", version=stale)


# --- nobody sees another's scores before submitting ---------------------------------------------------------


def test_an_expert_sees_no_other_scores_before_submitting(technical, zhang, li, supervisor, as_user, client_for):
    score(technical, li, {19: 4}, {19: "李的扣分理由：宣传台账缺失"}, submit=False, opinion="李的总体意见")
    leader = as_user(zhang.user)
    for url in (reverse("campaigns:scoring", args=[technical.pk]), reverse("campaigns:group_scores",
                                                                           args=[technical.pk])):
        page = leader.get(url).content.decode()
        assert "李的扣分理由" not in page and "李的总体意见" not in page
    assert "提交本人评分后，才能查看其他专家的评分" in leader.get(
        reverse("campaigns:group_scores", args=[technical.pk])).content.decode()
    # 李, not the leader and not submitted, does not open the group's page nor the opinion.
    assert client_for(li.user).get(reverse("campaigns:group_scores", args=[technical.pk])).status_code == 404
    assert leader.get(reverse("campaigns:technical_opinion", args=[technical.pk])).status_code == 404
    # 张 submits: 李's draft is still not shown; once 李 submits, it is.
    score(technical, zhang, {19: 5}, {19: "张的扣分理由"})
    page = leader.get(reverse("campaigns:group_scores", args=[technical.pk])).content.decode()
    assert "张的扣分理由" in page and "李的扣分理由" not in page
    score(technical, li, {19: 4}, {19: "李的扣分理由：宣传台账缺失"}, opinion="李的总体意见")
    page = leader.get(reverse("campaigns:group_scores", args=[technical.pk])).content.decode()
    assert "李的扣分理由：宣传台账缺失" in page and "李的总体意见" in page
    assert "李的扣分理由" in client_for(supervisor).get(
        reverse("campaigns:group_scores", args=[technical.pk])).content.decode()


# --- the group's score ------------------------------------------------------------------------------------


def test_the_mean_and_the_consensus(technical, zhang, li, supervisor):
    score(technical, zhang, {19: 5}, {19: "制度执行记录不全"})
    score(technical, li, {19: 4}, {19: "考核制度未落实"})
    group = technical.expert_group
    table = group_table(group, supervisor)
    row = next(row for row in table.rows if row.indicator.number == 19)
    assert row.points == [Decimal("5"), Decimal("4")]  # 张 (leader) first
    assert row.mean == Decimal("4.5") and row.group_points == Decimal("4.5")
    assert table.total == Decimal("97.5")  # 100 − 7 + 4.5
    services.record_consensus(group, indicator=row.indicator, user=zhang.user, points=Decimal("4"),
                              note="合议按4分计", dissent="张教授认为应得5分", membership=member(technical, zhang))
    table = group_table(group, supervisor)
    row = next(row for row in table.rows if row.indicator.number == 19)
    assert row.mean == Decimal("4.5") and row.group_points == Decimal("4")
    assert table.total == Decimal("97")
    assert "专家组评分97分，达到达标要求的90分" in table.sentence


def test_the_mean_is_shown_to_two_decimals():
    """One rule for the group's score of an item everywhere (pages, the opinions, the annual
    summary, funding): ``group_mean``."""
    mean = group_mean
    assert mean([Decimal("5"), Decimal("4"), Decimal("4")]) == Decimal("4.33")
    assert mean([Decimal("5"), Decimal("5"), Decimal("4")]) == Decimal("4.67")
    assert mean([Decimal("5"), None]) == Decimal("5.00")
    assert mean([None]) is None


def test_the_group_page_shows_the_mean_and_the_consensus(technical, zhang, li, client_for, as_user):
    score(technical, zhang, {19: 5}, {19: "制度执行记录不全"})
    score(technical, li, {19: 4}, {19: "考核制度未落实"})
    leader = as_user(zhang.user)
    url = reverse("campaigns:group_scores", args=[technical.pk])
    page = leader.get(url).content.decode()
    assert 'data-testid="mean-19">4.50<' in page and 'data-testid="group-total">97.50<' in page
    indicator = technical.campaign.indicator_set.indicators.get(number=19)
    wrong = leader.post(url, {"action": "consensus", "indicator": indicator.pk, "points": "7.5", "note": "合议"})
    assert "只能评0至7分" in wrong.content.decode()
    missing = leader.post(url, {"action": "consensus", "indicator": indicator.pk, "points": "4", "note": ""})
    assert missing.status_code == 200 and not GroupScore.objects.exists()
    assert client_for(li.user).post(url, {"action": "consensus", "indicator": indicator.pk, "points": "4",
                                          "note": "合议"}).status_code == 404
    done = leader.post(url, {"action": "consensus", "indicator": indicator.pk, "points": "4", "note": "合议按4分计",
                             "dissent": "张教授保留意见"})
    assert done.status_code == 302
    page = leader.get(url).content.decode()
    assert 'data-testid="group-19">4.00<' in page and 'data-testid="group-total">97.00<' in page
    assert "张教授保留意见" in page


def test_consensus_waits_for_every_member_and_concluding_too(technical, zhang, li, supervisor):
    score(technical, zhang, {19: 5}, {19: "制度执行记录不全"})
    group = technical.expert_group
    indicator = technical.campaign.indicator_set.indicators.get(number=19)
    with pytest.raises(TransitionRefused, match="尚待李研究员提交评分"):
        services.record_consensus(group, indicator=indicator, user=supervisor, points=Decimal("4"), note="合议",
                                  dissent="")
    with pytest.raises(TransitionRefused, match="尚待李研究员提交评分"):
        services.conclude(group, user=supervisor, opinion="通过")
    with pytest.raises(TransitionRefused):  # a member who is not the leader never records it
        services.record_consensus(group, indicator=indicator, user=li.user, points=Decimal("4"), note="合议",
                                  dissent="", membership=member(technical, li))


def test_concluding_ends_the_assessment_and_lets_the_city_go_on(technical, zhang, li, supervisor):
    score(technical, zhang, {19: 5}, {19: "制度执行记录不全"})
    score(technical, li, {19: 4}, {19: "考核制度未落实"})
    group = technical.expert_group
    with pytest.raises(Exception, match="专家组意见"):
        services.conclude(group, user=zhang.user, opinion=" ", membership=member(technical, zhang))
    services.conclude(group, user=zhang.user, opinion="同意通过技术评估。", membership=member(technical, zhang))
    group.refresh_from_db()
    assert group.concluded_at is not None and group.concluded_by == zhang.user
    with pytest.raises(TransitionRefused, match="作出评估结论"):
        services.record_consensus(group, indicator=technical.campaign.indicator_set.indicators.get(number=19),
                                  user=supervisor, points=Decimal("4"), note="合议", dissent="")
    with transaction.atomic():
        moved = stages.advance(technical, user=supervisor, to=Stage.ACCEPTANCE)
    assert moved.stage == Stage.ACCEPTANCE


# --- the 技术评估意见 ------------------------------------------------------------------------------------------


def test_the_technical_opinion_is_a_gongwen_of_the_scores(technical, zhang, li, world, supervisor, client_for):
    score(technical, zhang, {19: 5, 3: 4}, {19: "制度执行记录不全", 3: "工业用水统计口径不一"},
          opinion="武隆区节水工作扎实。")
    score(technical, li, {19: 4}, {19: "考核制度未落实"}, opinion="建议加强宣传。")
    group = technical.expert_group
    indicator = technical.campaign.indicator_set.indicators.get(number=19)
    services.record_consensus(group, indicator=indicator, user=supervisor, points=Decimal("4"), note="合议按4分计",
                              dissent="张教授认为应得5分")
    services.conclude(group, user=supervisor, opinion="武隆区县域节水型社会达标建设工作成效明显，同意通过技术评估。")
    response = client_for(supervisor).get(reverse("campaigns:technical_opinion", args=[technical.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    document = Document(io.BytesIO(response.content))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert text.startswith("关于武隆区县域节水型社会达标建设技术评估的意见")
    assert "重庆市水利局：" in text
    assert f"{CAMPAIGN_YEAR}年10月20日" in text
    assert "张教授（重庆大学，教授）、李研究员（西南大学，研究员）共2名专家" in text and "组长：张教授" in text
    standard = technical.campaign.indicator_set
    assert f"依据《{standard.name}》" in text
    # 100 − 7 + 4 (consensus) − 6 + 5 (mean of 4 and 6 on item 3)
    assert "专家组评定武隆区得分96分（满分100分），达到" in text and "90分达标要求" in text
    assert "万元工业增加值用水量降幅：满分6分，专家组评定5分。张教授：工业用水统计口径不一。" in text
    assert ("节水管理机构与制度：满分7分，专家组评定4分。张教授：制度执行记录不全；李研究员：考核制度未落实。"
            "专家组合议：合议按4分计（不同意见：张教授认为应得5分）。") in text
    assert "武隆区县域节水型社会达标建设工作成效明显，同意通过技术评估。" in text
    assert "通过技术评估，建议进入现场验收" in text
    assert "技术评估专家组" in text and f"{timezone.localdate().year}年" in text
    table = document.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == ["序号", "评价项目", "满分", "自评", "张教授", "李研究员",
                                                          "专家组"]
    row = next(row for row in table.rows if row.cells[0].text == "19")
    assert [cell.text for cell in row.cells] == ["19", "节水管理机构与制度", "7", "5", "5", "4", "4"]
    assert [cell.text for cell in table.rows[-1].cells][-1] == "96"
    # A submitted member reads it; a member who has not submitted does not.
    assert client_for(zhang.user).get(reverse("campaigns:technical_opinion", args=[technical.pk])).status_code == 200


def test_the_technical_opinion_passes_the_gongwen_check_whatever_the_experts_typed(technical, zhang, li, supervisor,
                                                                                  client_for):
    """Reasons and notes typed as whole sentences (。；at the end) are not punctuated twice."""
    score(technical, zhang, {19: 5, 3: 4}, {19: "制度执行记录不全。", 3: "工业用水统计口径不一；"})
    score(technical, li, {19: 4}, {19: "考核制度未落实。"})
    group = technical.expert_group
    services.record_consensus(group, indicator=technical.campaign.indicator_set.indicators.get(number=19),
                              user=supervisor, points=Decimal("4"), note="合议按4分计。", dissent="张教授认为应得5分。")
    services.conclude(group, user=supervisor, opinion="同意通过技术评估。")
    content = client_for(supervisor).get(reverse("campaigns:technical_opinion", args=[technical.pk])).content
    assert gongwen_problems(content, authority="技术评估专家组") == []
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert ("专家组评定4分。张教授：制度执行记录不全；李研究员：考核制度未落实。"
            "专家组合议：合议按4分计（不同意见：张教授认为应得5分）。") in text


def test_the_opinion_before_the_conclusion_is_a_draft(technical, zhang, supervisor, client_for):
    score(technical, zhang)
    response = client_for(supervisor).get(reverse("campaigns:technical_opinion", args=[technical.pk]))
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "专家组意见待组长填写" in text


# --- the expert's pages -----------------------------------------------------------------------------------


def test_an_experts_home_and_navigation_work_without_a_department(technical, zhang, client_for):
    client = client_for(zhang.user)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    page = home.content.decode()
    assert "我的评估任务" in page and "武隆区" in page and "待评分" in page
    from org.context_processors import navigation

    request = home.wsgi_request
    for item in navigation(request)["nav_items"]:
        assert client.get(item["url"]).status_code in (200, 302), item
    for name in ("campaigns:assigned", "org:notifications", "password_change"):
        assert client.get(reverse(name)).status_code == 200, name
    assert "武隆区" in client.get(reverse("campaigns:assigned")).content.decode()


def test_the_assigned_list_is_for_experts_only(world, supervisor, reviewer, client_for):
    for user in (supervisor, reviewer):
        assert client_for(user).get(reverse("campaigns:assigned")).status_code == 404


def test_hostile_texts_are_printed_as_text(technical, zhang, li, supervisor, client_for):
    payload = '"><img src=x onerror=alert(1)><script>alert(1)</script>'
    Expert.objects.filter(pk=li.pk).update(field=payload, title=payload[:50])
    score(technical, zhang, {19: 5}, {19: payload}, opinion=payload)
    score(technical, li, {19: 4}, {19: payload}, opinion=payload)
    group = technical.expert_group
    services.record_consensus(group, indicator=technical.campaign.indicator_set.indicators.get(number=19),
                              user=supervisor, points=Decimal("4"), note=payload, dissent=payload)
    for url in (reverse("campaigns:group_scores", args=[technical.pk]), reverse("campaigns:experts"),
                reverse("campaigns:expert", args=[li.pk]), reverse("campaigns:expert_group", args=[technical.pk])):
        page = read(client_for(supervisor).get(url).content.decode())
        assert payload[:30] in page.text, url
    page = read(client_for(zhang.user).get(reverse("campaigns:scoring", args=[technical.pk])).content.decode())
    assert payload in page.text



def test_the_experts_read_the_countys_evidence_and_nobody_else_outside(technical, zhang, wang, outsider, client_for):
    from django.core.files.base import ContentFile

    from campaigns.models import SelfScoreEvidence

    self_score = technical.self_assessment.scores.get(indicator__number=19)
    evidence = SelfScoreEvidence(score=self_score, name="考核办法.pdf", size=8, sha256="5" * 64)
    evidence.file.save("exam.pdf", ContentFile(b"%PDF-1.4"), save=True)
    url = reverse("campaigns:self_score_evidence", args=[evidence.pk])
    assert "考核办法.pdf" in client_for(zhang.user).get(reverse("campaigns:scoring",
                                                                args=[technical.pk])).content.decode()
    assert client_for(zhang.user).get(url).status_code == 200
    for user in (wang.user, outsider):
        assert client_for(user).get(url).status_code == 404


def test_the_creation_pages_panel(technical, zhang, li, reviewer, supervisor):
    from django.template.loader import render_to_string

    score(technical, li, {19: 4}, {19: "考核制度未落实"})

    def panel(user):
        return render_to_string("campaigns/assessment/_panel.html", {"creation": technical, "user": user})

    city = panel(supervisor)
    assert "98 / 100" in city  # the county's self-assessment (all full but 19: 5 of 7)
    assert "2名专家中1名已提交" in city and "专家组评分97分，达到达标要求的90分" in city
    assert reverse("campaigns:expert_group", args=[technical.pk]) in city
    assert reverse("campaigns:technical_opinion", args=[technical.pk]) in city
    leader = panel(zhang.user)  # not submitted: the links to score, no totals
    assert reverse("campaigns:scoring", args=[technical.pk]) in leader and "专家组评分97分" not in leader
    assert reverse("campaigns:expert_group", args=[technical.pk]) not in leader
    county = panel(reviewer)
    assert "98 / 100" in county and reverse("campaigns:group_scores", args=[technical.pk]) not in county
