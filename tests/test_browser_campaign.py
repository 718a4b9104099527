"""The city's creation campaign in Chromium, clicked as the people would click it: 武隆's
water bureau finishes its self-assessment and declares; the city assigns two experts, who
score every item; the group's scores are checked against this test's own arithmetic and
concluded; the on-site acceptance finds a problem that the county fixes and the city
closes; the publicity runs its days (the clock moved past its end) and the county is
reported upward and named; the supervisor's home counts one more county named.

It starts from the demo, where 武隆 is in 自评 with about half of its hand-answered items
open, and ends by checking what the database holds against what the pages showed."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import (
    Creation,
    Expert,
    ExpertGroup,
    ExpertScore,
    GroupScore,
    Rectification,
    Stage,
    group_mean,
)
from core.gongwen import written_date
from core.numbers import plain
from indicators.scoring_rules import allowed_points
from org.models import Department
from tests.browser_support import (  # noqa: F401 (fixtures, found by name)
    browser_context_args,
    browser_type_launch_args,
    fixture_demo,
    fixture_jobs_in_process,
    fixture_step,
    sign_in,
)

pytestmark = [pytest.mark.browser]

CAMPAIGN = "重庆市县域节水型社会达标建设"
WULONG = "500156"
LEADER, MEMBER = "expert_cqu_1", "expert_swu_1"

# What 武隆 answers for the items the demo left open (item number → points), each within
# the item's rule.
SELF_ANSWERS = {10: 3, 11: 4, 19: 6, 20: 3, 21: 7}
# The experts' points where they give less than full (item number → points); full points
# elsewhere. The two differ on 2, 19 and 21 (means 5.15, 6.25, 7.65) and on 10, an
# all-or-nothing item where one gives 3 and the other 0 (mean 1.50) until the leader
# records the group's consensus of 3.
EXPERT_POINTS = {
    LEADER: {2: Decimal("5.5"), 19: Decimal("6.5")},
    MEMBER: {2: Decimal("4.8"), 19: Decimal("6"), 21: Decimal("7.3"), 10: Decimal("0")},
}
CONSENSUS = {10: Decimal("3")}
PUBLICITY_DAYS = 7  # the publicity runs from today to today + 6


def success(page):
    return page.locator(".alert-success")


def error(page):
    return page.locator(".alert-danger")


def stage_badge(page):
    return page.get_by_test_id("stage")


def tab(page, label):
    page.locator("ul.nav-tabs").get_by_role("link", name=label, exact=True).click()


def assignment(page):
    """武隆's line among the counties assigned to the signed-in expert."""
    return page.get_by_test_id("assignments").locator("div.list-group-item").filter(
        has=page.get_by_role("link", name="武隆区", exact=True))


def home_progress(page, live_server):
    """(named, in creation, the year rows, who is late) of the campaign on the home page."""
    page.goto(live_server.url + "/")
    card = page.get_by_test_id("home-campaign").filter(has_text=CAMPAIGN)
    expect(card).to_be_visible()
    late = card.get_by_test_id("late")
    return (int(card.get_by_test_id("named").inner_text()), int(card.get_by_test_id("in-progress").inner_text()),
            card.get_by_test_id("home-years").inner_text(),
            late.inner_text() if late.count() else "")


def allowed(indicator, points):
    """Whether the item's rule allows ``points`` (the journey types only such points)."""
    rule = allowed_points(indicator.scoring, full=indicator.points)
    return rule.low <= points <= rule.high and (rule.choices is None or points in rule.choices)


def pdf():
    return b"%PDF-1.4\n% rectification report of the browser journey\n%%EOF\n"


def test_a_county_from_declaring_to_naming(demo, live_server, page, step, tmp_path):
    creation = Creation.objects.select_related("campaign__indicator_set").get(
        campaign__name=CAMPAIGN, region__code=WULONG)
    assert creation.stage == Stage.SELF_ASSESSMENT
    indicators = list(creation.campaign.indicator_set.indicators.order_by("number"))
    by_number = {indicator.number: indicator for indicator in indicators}
    open_items = [score.indicator.number for score in creation.self_assessment.scores.select_related("indicator")
                  if score.points is None]
    assert sorted(open_items) == sorted(SELF_ANSWERS)
    for number, points in SELF_ANSWERS.items():
        assert allowed(by_number[number], Decimal(points))
    claimed = sum((score.points for score in creation.self_assessment.scores.all() if score.points is not None),
                  Decimal("0")) + sum(Decimal(points) for points in SELF_ANSWERS.values())
    creation_url = f"{live_server.url}/campaigns/creations/{creation.pk}/"
    today = timezone.localdate()

    sign_in(page, live_server, "cq_city")
    with step("the home before"):
        named_before, in_progress_before, years_before, late_before = home_progress(page, live_server)
        assert f"{today.year}年：已命名0个，正在创建1个" in years_before
        assert "武隆区" not in late_before

    # --- 1. 自评 and 申报 --------------------------------------------------------------------
    sign_in(page, live_server, "wulong_reviewer")
    with step("self-assessment"):
        page.goto(creation_url)
        expect(stage_badge(page)).to_have_text("自评")
        page.get_by_role("link", name="查看自评").click()
        expect(page.locator("h1")).to_have_text("武隆区自评")
        submit = page.get_by_role("button", name="提交自评并申报")
        expect(submit).to_be_disabled()  # items are still open
    for number in sorted(SELF_ANSWERS):
        indicator = by_number[number]
        with step(f"answer item {number}"):
            page.get_by_test_id("missing").get_by_role("link", name=f"{number}. {indicator.name}").click()
            expect(page.locator("h1")).to_have_text(f"{number}. {indicator.name}")
            page.fill("input[name=points]", str(SELF_ANSWERS[number]))
            page.fill("textarea[name=explanation]", f"{indicator.name}：相关制度文件和工作台账已整理（浏览器测试）。")
            page.get_by_role("button", name="保存", exact=True).click()
            expect(success(page)).to_contain_text(f"{indicator.name}已保存。")
            expect(page.get_by_test_id(f"points-{number}")).to_have_text(str(SELF_ANSWERS[number]))
    with step("declare"):
        expect(page.get_by_test_id("missing")).to_have_count(0)
        expect(page.get_by_test_id("self-total")).to_have_text(f"{plain(claimed)} / 100")
        page.get_by_role("button", name="提交自评并申报").click()
        expect(success(page)).to_contain_text("自评已提交，本县（区）已申报。自评不再变更。")
        expect(stage_badge(page)).to_have_text("申报")
        expect(page.get_by_test_id("frozen")).to_contain_text("武隆区水利局审核员")
        expect(page.get_by_role("button", name="提交自评并申报")).to_have_count(0)

    # --- 2. the expert group -----------------------------------------------------------------
    leader = Expert.objects.get(user__username=LEADER)
    member = Expert.objects.get(user__username=MEMBER)
    sign_in(page, live_server, "cq_city")
    with step("assign the group"):
        page.goto(creation_url)
        expect(stage_badge(page)).to_have_text("申报")
        page.goto(f"{creation_url}experts/")
        expect(page.locator("h1")).to_have_text("武隆区技术评估专家组")
        page.check(f"input[name=experts][value='{leader.pk}']")
        page.check(f"input[name=experts][value='{member.pk}']")
        page.select_option("select[name=leader]", str(leader.pk))
        page.fill("input[name=assessed_on]", today.isoformat())
        page.get_by_role("button", name="保存专家组").click()
        expect(success(page)).to_contain_text("武隆区的专家组已保存。")
        members = page.get_by_test_id("members").locator("tbody tr")
        expect(members).to_have_count(2)
        expect(members.filter(has_text=leader.name)).to_contain_text("组长")
        expect(members.filter(has_text=member.name)).to_contain_text("未提交")
    with step("start the technical assessment"):
        page.get_by_role("button", name="开始技术评估").click()
        expect(success(page)).to_contain_text("武隆区的技术评估已开始，专家现在可以评分。")
        expect(stage_badge(page)).to_have_text("技术评估")

    # --- 3. each expert scores every item --------------------------------------------------
    for username in (LEADER, MEMBER):
        given = EXPERT_POINTS[username]
        sign_in(page, live_server, username)
        with step(f"{username} scores"):
            row = assignment(page)
            expect(row).to_contain_text("待评分")
            if username == MEMBER:  # the others' scores stay hidden until the member submits
                expect(row.get_by_role("link", name="专家组评分")).to_have_count(0)
            row.get_by_role("link", name="武隆区", exact=True).click()
            expect(page.locator("h1")).to_have_text("武隆区技术评估")
            expect(page.get_by_test_id("progress")).to_contain_text(f"已评0项，共{len(indicators)}项")
            for indicator in indicators:
                points = given.get(indicator.number, indicator.points)
                assert allowed(indicator, points)
                page.fill(f"input[name=points_{indicator.pk}]", plain(points))
                if points < indicator.points:
                    page.fill(f"textarea[name=reason_{indicator.pk}]",
                              f"现场核查{indicator.name}，佐证资料不完整，扣{plain(indicator.points - points)}分。")
            page.fill("textarea[name=opinion]", f"武隆区创建资料齐全，建议完善扣分项（{username}）。")
            page.get_by_role("button", name="提交我的评分").click()
            expect(success(page)).to_contain_text("您的评分已提交，现在可以查看专家组评分。")
            expect(page.locator("h1")).to_have_text("武隆区技术评估：专家组评分")

    # The leader, having submitted, records the group's consensus on item 10.
    sign_in(page, live_server, LEADER)
    with step("consensus"):
        row = assignment(page)
        expect(row).to_contain_text("组长")
        row.get_by_role("link", name="专家组评分").click()
        expect(page.get_by_text("2名专家中已有2名提交评分")).to_be_visible()
        for number, points in CONSENSUS.items():
            page.select_option("select[name=indicator]", str(by_number[number].pk))
            page.fill("input[name=points]", plain(points))
            page.fill("textarea[name=note]", "组长召集合议：现场补充查阅累进加价文件，确认已全面实行。")
            page.fill("textarea[name=dissent]", "王晓梅：执行文件印发较晚，仍建议不得分。")
            page.get_by_role("button", name="记录合议结果").click()
            expect(success(page)).to_contain_text(f"已记录专家组对{by_number[number].name}的合议结果。")
            expect(page.get_by_test_id(f"consensus-{number}")).to_contain_text("王晓梅：执行文件印发较晚")

    # --- 4. the group's scores against this test's arithmetic, and the conclusion ------------
    expected = {}
    for indicator in indicators:
        typed = [EXPERT_POINTS[who].get(indicator.number, indicator.points) for who in (LEADER, MEMBER)]
        expected[indicator.number] = CONSENSUS.get(indicator.number, group_mean(typed))
    total = sum(expected.values(), Decimal("0"))
    assert expected[2] == Decimal("5.15") and expected[19] == Decimal("6.25") and expected[21] == Decimal("7.65")
    assert total == Decimal("98.05")

    sign_in(page, live_server, "cq_city")
    with step("the group's scores"):
        page.goto(f"{creation_url}experts/")
        page.get_by_role("link", name="专家组评分").click()
        expect(page.locator("h1")).to_have_text("武隆区技术评估：专家组评分")
        expect(page.get_by_test_id("mean-10")).to_have_text("1.50")
        for number, points in expected.items():
            expect(page.get_by_test_id(f"group-{number}")).to_have_text(f"{points:.2f}")
        expect(page.get_by_test_id("group-total")).to_have_text(f"{total:.2f}")
        expect(page.get_by_test_id("group-scores").locator("tfoot")).to_contain_text(f"{total:.2f}")
        expect(page.get_by_test_id("group-sentence")).to_contain_text("达到达标要求的90分")
    with step("conclude"):
        opinion = page.locator("textarea[name=opinion]")
        expect(opinion).to_contain_text("武隆区")
        opinion.fill(f"专家组评定武隆区得分{total:.2f}分，达到达标要求，同意通过技术评估（浏览器测试）。")
        page.get_by_role("button", name="作出结论").click()
        expect(success(page)).to_contain_text("武隆区的技术评估已作出结论。")
        expect(page.get_by_test_id("group-opinion")).to_contain_text("同意通过技术评估")

    # --- 5. 现场验收 and its rectification item ---------------------------------------------
    joint = list(Department.objects.filter(region__code="500000",
                                           short_name__in=["市水利局", "市经济信息委", "市城市管理局", "市机关事务局"]))
    assert len(joint) == 4
    owner = Department.objects.get(region__code=WULONG, short_name="区城管局")
    due = today + timedelta(days=20)
    finding = "公共场所节水器具更换台账不完整，部分场所缺少现场照片。"
    with step("start the acceptance"):
        page.goto(creation_url)
        tab(page, "现场验收")
        form = page.get_by_test_id("start-form")
        expect(form.locator("input[name=start-held_on]")).to_have_value(today.isoformat())
        for department in joint:
            form.locator(f"input[name=start-departments][value='{department.pk}']").check()
        form.locator("input[name=start-members_text]").fill("市水利局、市经信委、市城管局、市机关事务局")
        form.get_by_role("button", name="开始现场验收").click()
        expect(success(page)).to_contain_text("现场验收已记录：武隆区进入“现场验收”阶段。")
        expect(stage_badge(page)).to_have_text("现场验收")
        expect(page.get_by_test_id("acceptance")).to_contain_text(f"{plain(total)}分")
    with step("record a finding"):
        form = page.get_by_test_id("finding-form")
        form.locator("textarea[name=finding-finding]").fill(finding)
        form.locator("select[name=finding-owner]").select_option(str(owner.pk))
        form.locator("input[name=finding-due]").fill(due.isoformat())
        form.get_by_role("button", name="添加整改事项").click()
        expect(success(page)).to_contain_text("问题已记录为整改事项。")
        row = page.get_by_test_id("rectifications").locator("tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(finding)
        expect(row).to_contain_text("区城管局")
        expect(row).to_contain_text(due.isoformat())
        expect(row).to_contain_text("待整改")
        expect(page.get_by_test_id("counts")).to_contain_text("共1项：待整改1项，已报整改0项，已销号0项")
    with step("no publicity with the item open"):
        tab(page, "公示")
        expect(page.get_by_test_id("open-items")).to_contain_text("尚有1项整改事项未销号。")

    evidence = tmp_path / "节水器具更换照片.pdf"
    evidence.write_bytes(pdf())
    sign_in(page, live_server, "wulong_reviewer")
    with step("the county fixes it"):
        page.goto(creation_url)
        tab(page, "现场验收")
        page.get_by_test_id("rectifications").get_by_role("link", name="详情").click()
        expect(page.get_by_test_id("item")).to_contain_text(finding)
        page.set_input_files("input[name=file]", evidence)
        page.get_by_role("button", name="上传", exact=True).click()
        expect(success(page)).to_contain_text("已附加“节水器具更换照片.pdf”")
        expect(page.get_by_test_id("evidence")).to_contain_text("节水器具更换照片.pdf")
        page.fill("textarea[name=report-report]", "已完成12处公共场所节水器具更换，补充现场照片并完善台账。")
        page.get_by_role("button", name="报告整改完成").click()
        expect(success(page)).to_contain_text("已报整改：由市水行政主管部门审核销号或退回。")
        expect(page.get_by_test_id("item")).to_contain_text("已报整改")

    sign_in(page, live_server, "cq_city")
    with step("the city closes it"):
        page.goto(creation_url)
        tab(page, "现场验收")
        page.get_by_test_id("rectifications").get_by_role("link", name="详情").click()
        expect(page.get_by_test_id("evidence")).to_contain_text("节水器具更换照片.pdf")
        form = page.get_by_test_id("close-form")
        expect(form.locator("input[name=close-closed_on]")).to_have_value(today.isoformat())
        form.get_by_role("button", name="销号").click()
        expect(success(page)).to_contain_text("整改事项已销号。")
        expect(page.get_by_test_id("item")).to_contain_text(f"已销号 {today.isoformat()}")
    with step("the acceptance's conclusion"):
        page.get_by_role("link", name="现场验收的全部整改事项").click()
        expect(page.get_by_test_id("counts")).to_contain_text("共1项：待整改0项，已报整改0项，已销号1项")
        form = page.get_by_test_id("conclusion-form")
        form.get_by_label("整改后通过").check()
        form.locator("textarea[name=conclusion-opinion]").fill(
            "武隆区县域节水型社会达标建设各项指标达到评价标准要求，整改事项已完成，同意通过验收。")
        form.get_by_role("button", name="保存验收结论").click()
        expect(success(page)).to_contain_text("验收结论已保存。")
        expect(page.get_by_test_id("conclusion")).to_have_text("整改后通过")

    # --- 6. 公示, 报上级复核 and 命名 -----------------------------------------------------------
    ends_on = today + timedelta(days=PUBLICITY_DAYS - 1)
    with step("the publicity"):
        tab(page, "公示")
        form = page.get_by_test_id("publicity-form")
        expect(form.locator("input[name=start-starts_on]")).to_have_value(today.isoformat())
        form.locator("input[name=start-ends_on]").fill(ends_on.isoformat())
        form.locator("input[name=start-channel]").fill("重庆市水利局门户网站")
        form.get_by_role("button", name="开始公示").click()
        expect(success(page)).to_contain_text("公示已记录：武隆区进入“公示”阶段。")
        expect(stage_badge(page)).to_have_text("公示")
        expect(page.get_by_test_id("publicity")).to_contain_text(f"{today.isoformat()} — {ends_on.isoformat()}")
    with step("not reported while the publicity runs"):
        tab(page, "报上级复核与命名")
        form = page.get_by_test_id("report-form")
        form.locator("input[name=report-reported_document]").fill("渝水〔2026〕88号")
        form.get_by_role("button", name="报上级复核").click()
        expect(error(page)).to_contain_text(f"公示期至{written_date(ends_on)}，尚未结束。")
        expect(stage_badge(page)).to_have_text("公示")
    creation.refresh_from_db()
    assert (creation.stage, creation.reported_on) == (Stage.PUBLICITY, None)

    later = today + timedelta(days=PUBLICITY_DAYS)
    moment = timezone.localtime().replace(year=later.year, month=later.month, day=later.day)
    with time_machine.travel(moment, tick=True):
        assert timezone.localdate() == later
        sign_in(page, live_server, "cq_city")  # the day's session has long expired
        with step("report upward"):
            page.goto(creation_url)
            tab(page, "报上级复核与命名")
            form = page.get_by_test_id("report-form")
            expect(form.locator("input[name=report-reported_on]")).to_have_value(later.isoformat())
            form.locator("input[name=report-reported_document]").fill("渝水〔2026〕88号")
            form.get_by_role("button", name="报上级复核").click()
            expect(success(page)).to_contain_text("武隆区已报上级复核。")
            expect(stage_badge(page)).to_have_text("报上级复核")
            expect(page.get_by_test_id("naming")).to_contain_text(f"{later.isoformat()} · 渝水〔2026〕88号")
        with step("naming"):
            form = page.get_by_test_id("naming-form")
            form.locator("input[name=name-named_batch]").fill("第四批县域节水型社会达标建设名单")
            expect(form.locator("input[name=name-named_on]")).to_have_value(later.isoformat())
            form.locator("input[name=name-named_document]").fill("水节约〔2026〕12号")
            form.get_by_role("button", name="记录命名").click()
            expect(success(page)).to_contain_text("武隆区已命名。")
            expect(stage_badge(page)).to_have_text("命名")
            expect(page.get_by_test_id("naming")).to_contain_text(
                f"第四批县域节水型社会达标建设名单 · {later.isoformat()} · 水节约〔2026〕12号")

        # --- 7. the supervisor's home moves ---------------------------------------------------
        with step("the home after"):
            named_after, in_progress_after, years_after, late_after = home_progress(page, live_server)
            assert (named_after, in_progress_after) == (named_before + 1, in_progress_before - 1)
            assert f"{today.year}年：已命名1个，正在创建0个" in years_after
            assert "武隆区" not in late_after
        with step("the record"):
            page.goto(creation_url)
            line = page.get_by_test_id("progress-line")
            expect(line.locator("[data-state=current]")).to_have_attribute("data-stage", "named")
            expect(line.locator("[data-stage=named]")).to_contain_text(later.isoformat())
            expect(page.get_by_test_id("named")).to_contain_text("水节约〔2026〕12号")

    creation.refresh_from_db()
    assert (creation.stage, creation.reported_on, creation.reported_document) == (
        Stage.NAMED, later, "渝水〔2026〕88号")
    assert (creation.named_batch, creation.named_on, creation.named_document) == (
        "第四批县域节水型社会达标建设名单", later, "水节约〔2026〕12号")
    assert [(step.from_stage, step.to_stage, step.taken_on) for step in creation.steps.order_by("recorded_at", "pk")
            if step.taken_on >= today] == [
        (Stage.SELF_ASSESSMENT, Stage.DECLARED, today), (Stage.DECLARED, Stage.TECHNICAL, today),
        (Stage.TECHNICAL, Stage.ACCEPTANCE, today), (Stage.ACCEPTANCE, Stage.PUBLICITY, today),
        (Stage.PUBLICITY, Stage.REPORTED, later), (Stage.REPORTED, Stage.NAMED, later)]
    assessment = creation.self_assessment
    assert assessment.is_frozen and assessment.total == claimed
    group = ExpertGroup.objects.get(creation=creation)
    assert group.concluded_by.username == "cq_city"
    stored = {(score.membership.expert.user.username, score.indicator.number): score.points
              for score in ExpertScore.objects.filter(membership__group=group)
              .select_related("membership__expert__user", "indicator")}
    assert stored == {(who, indicator.number): EXPERT_POINTS[who].get(indicator.number, indicator.points)
                      for who in (LEADER, MEMBER) for indicator in indicators}
    assert [(c.indicator.number, c.points, c.recorded_by.username) for c in GroupScore.objects.filter(group=group)] \
        == [(10, Decimal("3"), LEADER)]
    item = Rectification.objects.get(acceptance__creation=creation)
    assert (item.state, item.owner, item.due, item.closed_on) == (Rectification.State.CLOSED, owner, due, today)
    assert [file.name for file in item.evidence.all()] == ["节水器具更换照片.pdf"]
    assert item.report == "已完成12处公共场所节水器具更换，补充现场照片并完善台账。"
