"""现场验收, its rectification items, 公示 and objections, 报上级复核, 命名 and 复核, taken through
the pages: each step by the city's supervisors only, in order, refused with nothing written
otherwise; the 验收意见 as a Word 公文."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from docx import Document

from campaigns.models import (
    Acceptance,
    Creation,
    Expert,
    ExpertGroup,
    ExpertScore,
    Membership,
    Objection,
    Publicity,
    Recheck,
    Rectification,
    Stage,
    StageStep,
)
from core.gongwen import written_date
from org.models import Department, Region, User
from tests.conftest import make_user
from tests.gongwen_checks import gongwen_problems

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
TODAY = timezone.localdate()
JOINT_GROUP = "市水利局、市经信委、市城管局、市机关事务局"


def day(offset):
    """``offset`` days from today."""
    return TODAY + timedelta(days=offset)


def iso(offset):
    return day(offset).isoformat()


def page(response):
    return response.content.decode()


def messages_of(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


def at(creation, stage, since=-60):
    """Put ``creation`` at ``stage`` (since ``since`` days ago), as the steps before would."""
    Creation.objects.filter(pk=creation.pk).update(stage=stage, stage_since=day(since))
    creation.refresh_from_db()
    return creation


@pytest.fixture
def city_urban(world):
    return Department.objects.create(region=world.city, short_name="市城市管理局", name="重庆市城市管理局")


@pytest.fixture
def technical(creation, county_standard):
    """武隆 at 技术评估 with its expert group concluded: two experts scored two items."""
    group = ExpertGroup.objects.create(creation=creation, formed_on=day(-55), assessed_on=day(-50),
                                       concluded_at=timezone.now())
    first, second = list(county_standard.indicators.order_by("number")[:2])
    for name, affiliation, leader, points in (("张教授", "重庆大学", True, ("4.0", "3.0")),
                                              ("李研究员", "西南大学", False, ("3.0", "2.0"))):
        member = Membership.objects.create(group=group, expert=Expert.objects.create(name=name,
                                                                                     affiliation=affiliation),
                                           is_leader=leader, submitted_at=timezone.now())
        ExpertScore.objects.create(membership=member, indicator=first, points=Decimal(points[0]), reason="现场核查")
        ExpertScore.objects.create(membership=member, indicator=second, points=Decimal(points[1]), reason="资料齐全")
    return at(creation, Stage.TECHNICAL)


def start(client, creation, *, held_on=-10, departments=(), members_text=JOINT_GROUP, version=None):
    return client.post(reverse("campaigns:acceptance", args=[creation.pk]), {
        "action": "start", "start-held_on": iso(held_on), "start-departments": [d.pk for d in departments],
        "start-members_text": members_text, "start-version": creation.version if version is None else version,
    }, follow=True)


def add_finding(client, creation, owner, finding="部分公共机构未安装节水器具", due=20):
    return client.post(reverse("campaigns:acceptance", args=[creation.pk]), {
        "action": "finding", "finding-finding": finding, "finding-owner": owner.pk, "finding-due": iso(due)},
        follow=True)


def conclude(client, creation, conclusion="rectify", opinion="同意通过现场验收，按期完成整改。"):
    creation.refresh_from_db()
    return client.post(reverse("campaigns:acceptance", args=[creation.pk]), {
        "action": "conclusion", "conclusion-conclusion": conclusion, "conclusion-opinion": opinion,
        "conclusion-version": creation.version}, follow=True)


def item_url(item):
    return reverse("campaigns:rectification", args=[item.pk])


def attach(client, item, name="整改照片.pdf"):
    return client.post(item_url(item), {"action": "attach", "file": SimpleUploadedFile(name, PDF)}, follow=True)


def report(client, item, text="已为全部公共机构更换节水龙头", version=None):
    item.refresh_from_db()
    return client.post(item_url(item), {"action": "report", "report-report": text,
                                        "report-version": item.version if version is None else version}, follow=True)


def close(client, item, closed_on=0):
    item.refresh_from_db()
    return client.post(item_url(item), {"action": "close", "close-closed_on": iso(closed_on),
                                        "close-version": item.version}, follow=True)


def publicise(client, creation, starts=-20, ends=-14, channel="重庆市水利局门户网站"):
    creation.refresh_from_db()
    return client.post(reverse("campaigns:publicity", args=[creation.pk]), {
        "action": "start", "start-starts_on": iso(starts), "start-ends_on": iso(ends), "start-channel": channel,
        "start-version": creation.version}, follow=True)


def report_upward(client, creation, on, document="渝水〔2026〕88号"):
    creation.refresh_from_db()
    return client.post(reverse("campaigns:naming", args=[creation.pk]), {
        "action": "report", "report-reported_on": on.isoformat(), "report-reported_document": document,
        "report-version": creation.version}, follow=True)


def record_naming(client, creation, on=0):
    creation.refresh_from_db()
    return client.post(reverse("campaigns:naming", args=[creation.pk]), {
        "action": "name", "name-named_batch": "第三批县域节水型社会达标建设名单", "name-named_on": iso(on),
        "name-named_document": "水节约〔2026〕12号", "name-version": creation.version}, follow=True)


def accepted(client, creation, world):
    """Through 现场验收 to a conclusion with nothing to rectify."""
    start(client, creation, held_on=-30, departments=[world.city_bureau])
    conclude(client, creation, conclusion="passed", opinion="同意通过现场验收。")
    creation.refresh_from_db()
    return creation


# --- 现场验收 -------------------------------------------------------------------------------------


def test_the_city_starts_the_acceptance_with_its_joint_group(technical, world, supervisor, city_urban, client_for):
    client = client_for(supervisor)
    shown = page(client.get(reverse("campaigns:acceptance", args=[technical.pk])))
    assert 'data-testid="start-form"' in shown and "市城市管理局" in shown
    response = start(client, technical, held_on=-10, departments=[world.city_bureau, city_urban])
    assert response.status_code == 200 and "现场验收已记录" in page(response)
    technical.refresh_from_db()
    assert (technical.stage, technical.stage_since) == (Stage.ACCEPTANCE, day(-10))
    acceptance = technical.acceptance
    assert acceptance.members_text == JOINT_GROUP and acceptance.held_on == day(-10)
    assert set(acceptance.departments.all()) == {world.city_bureau, city_urban}
    step = StageStep.objects.get(creation=technical)
    assert (step.from_stage, step.to_stage, step.taken_by, step.taken_on) == (
        Stage.TECHNICAL, Stage.ACCEPTANCE, supervisor, day(-10))
    assert JOINT_GROUP in page(response) and "技术评估" in page(response)
    # The group's total: item 1 (4+3)/2 = 3.5, item 2 (3+2)/2 = 2.5.
    assert "6分" in page(response)


def test_a_county_reviewer_cannot_start_the_acceptance_and_nothing_is_written(technical, world, reviewer,
                                                                               client_for):
    client = client_for(reviewer)
    shown = page(client.get(reverse("campaigns:acceptance", args=[technical.pk])))
    assert 'data-testid="start-form"' not in shown
    response = start(client, technical, departments=[world.city_bureau])
    assert "只有市水行政主管部门可以办理此步骤" in page(response)
    technical.refresh_from_db()
    assert technical.stage == Stage.TECHNICAL
    assert not Acceptance.objects.exists() and not StageStep.objects.exists()


def test_a_supervisor_of_another_province_sees_nothing_and_cannot_act(technical, world, client_for):
    sichuan = Region.objects.create(code="510000", name="四川省", level=Region.Level.PROVINCE)
    bureau = Department.objects.create(region=sichuan, short_name="省水利厅", name="四川省水利厅")
    stranger = make_user("sichuan", bureau, User.Role.SUPERVISOR)
    client = client_for(stranger)
    assert client.get(reverse("campaigns:acceptance", args=[technical.pk])).status_code == 404
    assert start(client, technical, departments=[world.city_bureau]).status_code == 404
    assert not Acceptance.objects.exists()


def test_the_acceptance_waits_for_the_expert_groups_conclusion(technical, world, supervisor, client_for):
    ExpertGroup.objects.filter(creation=technical).update(concluded_at=None)
    response = start(client_for(supervisor), technical, departments=[world.city_bureau])
    assert "专家组尚未完成技术评估" in page(response)
    technical.refresh_from_db()
    assert technical.stage == Stage.TECHNICAL and not Acceptance.objects.exists()


def test_the_acceptance_cannot_skip_the_stages_before_it(creation, world, supervisor, client_for):
    response = start(client_for(supervisor), creation, departments=[world.city_bureau])
    assert "不能直接进入“现场验收”" in page(response)
    assert not Acceptance.objects.exists() and not StageStep.objects.exists()


def test_a_stale_page_cannot_start_the_acceptance(technical, world, supervisor, client_for):
    response = start(client_for(supervisor), technical, departments=[world.city_bureau],
                     version=technical.version - 1 if technical.version > 1 else technical.version + 1)
    assert "他人已修改了这条记录" in page(response)
    assert not Acceptance.objects.exists()


@pytest.mark.parametrize(("held_on", "error"), [(1, "验收日期不能晚于今天"), (-61, "验收日期不能早于")])
def test_the_acceptance_day_is_not_in_the_future_nor_before_the_stage(technical, world, supervisor, client_for,
                                                                      held_on, error):
    response = start(client_for(supervisor), technical, held_on=held_on, departments=[world.city_bureau])
    assert error in page(response)
    assert not Acceptance.objects.exists()


def test_the_acceptance_day_may_be_the_day_the_county_entered_its_stage(technical, world, supervisor, client_for):
    start(client_for(supervisor), technical, held_on=-60, departments=[world.city_bureau])
    technical.refresh_from_db()
    assert technical.stage == Stage.ACCEPTANCE and technical.stage_since == day(-60)


def test_findings_become_rectification_items_of_the_countys_departments(technical, world, supervisor, reviewer,
                                                                         client_for):
    client = client_for(supervisor)
    start(client, technical, departments=[world.city_bureau])
    response = add_finding(client, technical, world.urban_bureau, due=30)
    assert "已记录为整改事项" in page(response)
    item = Rectification.objects.get()
    assert (item.finding, item.owner, item.due, item.state) == (
        "部分公共机构未安装节水器具", world.urban_bureau, day(30), Rectification.State.OPEN)
    # Another county's department is not among the choices; a deadline before the acceptance is refused.
    refused = add_finding(client, technical, world.other_urban_bureau)
    assert "选择一个有效的选项" in page(refused)
    early = add_finding(client, technical, world.urban_bureau, due=-11)
    assert "整改时限不能早于现场验收日期" in page(early)
    assert Rectification.objects.count() == 1
    # The county reads the items; it records none.
    county = client_for(reviewer)
    shown = page(county.get(reverse("campaigns:acceptance", args=[technical.pk])))
    assert "部分公共机构未安装节水器具" in shown and 'data-testid="finding-form"' not in shown
    add_finding(county, technical, world.street)
    assert Rectification.objects.count() == 1


def test_an_overdue_item_is_marked(technical, world, supervisor, client_for):
    client = client_for(supervisor)
    start(client, technical, held_on=-30, departments=[world.city_bureau])
    add_finding(client, technical, world.urban_bureau, finding="计量设施未全覆盖", due=-1)
    add_finding(client, technical, world.economy_bureau, finding="节水宣传不足", due=0)
    shown = page(client.get(reverse("campaigns:acceptance", args=[technical.pk])))
    assert shown.count("已逾期") == 2  # the overdue item's badge and the count; due today is not overdue
    assert "1项已逾期" in shown


def test_a_rectification_is_reported_sent_back_reported_again_and_closed(technical, world, supervisor, reviewer,
                                                                           client_for):
    city, county = client_for(supervisor), client_for(reviewer)
    start(city, technical, departments=[world.city_bureau])
    add_finding(city, technical, world.urban_bureau)
    item = Rectification.objects.get()
    # Reported without evidence: refused.
    assert "请先附上整改佐证材料" in page(report(county, item))
    item.refresh_from_db()
    assert item.state == Rectification.State.OPEN
    assert "已附加" in page(attach(county, item))
    # The city cannot report for the county, nor close an item that was not reported.
    assert "只有区县水行政主管部门可以办理此步骤" in page(report(city, item))
    assert "只有已报整改的事项才能销号或退回" in page(close(city, item))
    response = report(county, item)
    assert "已报整改" in page(response)
    item.refresh_from_db()
    assert (item.state, item.report) == (Rectification.State.REPORTED, "已为全部公共机构更换节水龙头")
    # Evidence is frozen once reported.
    assert "不能修改" in page(attach(county, item, "补充.pdf"))
    assert item.evidence.count() == 1
    # The county cannot close its own item.
    assert "只有市水行政主管部门可以办理此步骤" in page(close(county, item))
    # Sent back without a comment: the field says so; with one, open again with the comment shown.
    blank = city.post(item_url(item), {"action": "send_back", "send_back-comment": " ",
                                       "send_back-version": item.version}, follow=True)
    assert "这个字段是必填项" in page(blank)
    item.refresh_from_db()
    assert item.state == Rectification.State.REPORTED
    back = city.post(item_url(item), {"action": "send_back", "send_back-comment": "照片未显示整改后情况",
                                      "send_back-version": item.version}, follow=True)
    item.refresh_from_db()
    assert (item.state, item.comment) == (Rectification.State.OPEN, "照片未显示整改后情况")
    assert "照片未显示整改后情况" in page(county.get(item_url(item)))
    assert "整改事项已连同您的意见退回区县" in page(back)
    report(county, item, "已补充整改后照片")
    response = close(city, item, closed_on=0)
    item.refresh_from_db()
    assert (item.state, item.closed_on, item.closed_by) == (Rectification.State.CLOSED, TODAY, supervisor)
    shown = page(county.get(item_url(item)))
    # The history tells each change.
    assert "已报整改 → 待整改" in shown and "待整改 → 已报整改" in shown and "已报整改 → 已销号" in shown
    assert "已补充整改后照片" in shown


def test_a_stale_rectification_form_is_refused(technical, world, supervisor, reviewer, client_for):
    city, county = client_for(supervisor), client_for(reviewer)
    start(city, technical, departments=[world.city_bureau])
    add_finding(city, technical, world.urban_bureau)
    item = Rectification.objects.get()
    attach(county, item)
    stale = item.version
    report(county, item)
    item.refresh_from_db()
    response = city.post(item_url(item), {"action": "close", "close-closed_on": iso(0), "close-version": stale},
                         follow=True)
    assert "他人已修改了这条记录" in page(response)
    item.refresh_from_db()
    assert item.state == Rectification.State.REPORTED


def test_the_conclusion_is_the_citys(technical, world, supervisor, reviewer, client_for):
    city = client_for(supervisor)
    start(city, technical, departments=[world.city_bureau])
    assert "只有市水行政主管部门可以办理此步骤" in page(conclude(client_for(reviewer), technical))
    assert Acceptance.objects.get().conclusion == ""
    response = conclude(city, technical)
    acceptance = Acceptance.objects.get()
    assert (acceptance.conclusion, acceptance.opinion) == ("rectify", "同意通过现场验收，按期完成整改。")
    assert "整改后通过" in page(response)


# --- 验收意见 (Word) ------------------------------------------------------------------------------


def word_text(response):
    document = Document(io.BytesIO(response.content))
    return [paragraph.text for paragraph in document.paragraphs]


def test_the_acceptance_opinion_is_a_word_gongwen(technical, world, supervisor, reviewer, client_for):
    city = client_for(supervisor)
    start(city, technical, held_on=-10, departments=[world.city_bureau])
    add_finding(city, technical, world.urban_bureau, due=20)
    add_finding(city, technical, world.economy_bureau, finding="工业用水重复利用率统计口径不一", due=-1)
    add_finding(city, technical, world.street, finding="节水宣传进社区记录缺失", due=-5)
    closed = Rectification.objects.get(finding="节水宣传进社区记录缺失")
    attach(client_for(reviewer), closed)
    report(client_for(reviewer), closed)
    close(city, closed, closed_on=0)
    conclude(city, technical, conclusion="rectify", opinion="同意通过现场验收。\n请武隆区按期完成整改。")
    response = client_for(reviewer).get(reverse("campaigns:acceptance_opinion", args=[technical.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    lines = word_text(response)
    held = day(-10)
    assert lines[0] == "武隆区县域节水型社会达标建设现场验收意见"
    assert lines[1] == "武隆区人民政府："
    assert lines[2].startswith(f"{held.year}年{held.month}月{held.day}日，{JOINT_GROUP}联合组成考核验收组，"
                               f"依据《{technical.campaign.indicator_set.name}》")
    assert "技术评估得分为6分" in lines[3]
    assert "一、发现的问题及整改情况" in lines
    due, overdue, early = day(20), day(-1), day(-5)
    # By deadline: the closed one first (not overdue once closed), then the overdue one.
    assert (f"1. 节水宣传进社区记录缺失（责任单位：凤山街道；整改时限：{early.year}年{early.month}月{early.day}日；"
            f"整改情况：已于{TODAY.year}年{TODAY.month}月{TODAY.day}日整改到位并销号。）") in lines
    assert (f"2. 工业用水重复利用率统计口径不一（责任单位：区经济信息委；整改时限：{overdue.year}年{overdue.month}月"
            f"{overdue.day}日；整改情况：正在整改，已逾期。）") in lines
    assert (f"3. 部分公共机构未安装节水器具（责任单位：区城管局；整改时限：{due.year}年{due.month}月{due.day}日；"
            "整改情况：正在整改。）") in lines
    assert "验收结论：整改后通过。" in lines
    assert "同意通过现场验收。" in lines and "请武隆区按期完成整改。" in lines
    assert lines[-2:] == [JOINT_GROUP, f"{held.year}年{held.month}月{held.day}日"]
    assert gongwen_problems(response.content, authority=JOINT_GROUP) == []


def test_the_opinion_of_another_county_speaks_its_own_words(campaign, world, supervisor, outsider, client_for):
    """黔江's joint group was written differently, and the city addresses the opinion itself."""
    qianjiang = Creation.objects.create(campaign=campaign, batch=campaign.batches.get(), region=world.other_district,
                                        stage=Stage.TECHNICAL, stage_since=day(-30),
                                        assessment_year=TODAY.year - 1)
    ExpertGroup.objects.create(creation=qianjiang, formed_on=day(-29), concluded_at=timezone.now())
    city = client_for(supervisor)
    wording = "市水利局、市发展改革委、市住房城乡建委（联合验收组）"
    start(city, qianjiang, held_on=-3, departments=[world.city_bureau], members_text=wording)
    conclude(city, qianjiang, conclusion="passed", opinion="黔江区达到评价标准要求。")
    url = reverse("campaigns:acceptance_opinion", args=[qianjiang.pk])
    response = client_for(outsider).get(url, {"addressee": "重庆市水利局"})
    assert gongwen_problems(response.content, authority=wording) == []
    lines = word_text(response)
    assert lines[0] == "黔江区县域节水型社会达标建设现场验收意见"
    assert lines[1] == "重庆市水利局："
    assert wording in lines[2]
    assert "尚无技术评估组的评分" in lines[3]  # concluded with no scores: nothing to add up, no 0 invented
    assert "验收组未发现需要整改的问题。" in lines and "验收结论：通过验收。" in lines
    assert lines[-2] == wording
    # 武隆's people see nothing of 黔江's record.
    assert client_for(make_user("wl", world.water_bureau, User.Role.REVIEWER)).get(url).status_code == 404


def test_no_opinion_before_the_acceptance(technical, supervisor, client_for):
    response = client_for(supervisor).get(reverse("campaigns:acceptance_opinion", args=[technical.pk]), follow=True)
    assert "尚未记录现场验收" in page(response)


# --- 公示 ----------------------------------------------------------------------------------------


def test_an_open_rectification_item_blocks_the_publicity(technical, world, supervisor, reviewer, client_for):
    city, county = client_for(supervisor), client_for(reviewer)
    start(city, technical, held_on=-30, departments=[world.city_bureau])
    add_finding(city, technical, world.urban_bureau)
    conclude(city, technical)
    response = publicise(city, technical)
    assert "尚有1项整改事项未销号" in page(response)
    technical.refresh_from_db()
    assert technical.stage == Stage.ACCEPTANCE and not Publicity.objects.exists()
    item = Rectification.objects.get()
    attach(county, item)
    report(county, item)
    close(city, item)
    response = publicise(city, technical, starts=-20, ends=-14)
    technical.refresh_from_db()
    assert (technical.stage, technical.stage_since) == (Stage.PUBLICITY, day(-20))
    publicity = Publicity.objects.get()
    assert (publicity.starts_on, publicity.ends_on, publicity.channel) == (day(-20), day(-14), "重庆市水利局门户网站")


def test_a_failed_acceptance_is_not_publicised(technical, world, supervisor, client_for):
    city = client_for(supervisor)
    start(city, technical, held_on=-30, departments=[world.city_bureau])
    conclude(city, technical, conclusion="failed", opinion="未达到评价标准要求。")
    assert "该区县未通过现场验收" in page(publicise(city, technical))
    assert not Publicity.objects.exists()


def test_the_publicity_cannot_end_before_it_starts_and_is_the_citys(technical, world, supervisor, reviewer,
                                                                     client_for):
    city = client_for(supervisor)
    accepted(city, technical, world)
    assert "公示结束日期不能早于开始日期" in page(publicise(city, technical, starts=-5, ends=-6))
    assert "只有市水行政主管部门可以办理此步骤" in page(publicise(client_for(reviewer), technical))
    assert not Publicity.objects.exists()
    # One day long is a publicity.
    publicise(city, technical, starts=-5, ends=-5)
    assert Publicity.objects.get().ends_on == day(-5)


def objection(client, creation, content="该区用水计量数据存疑", received=-15):
    return client.post(reverse("campaigns:publicity", args=[creation.pk]), {
        "action": "objection", "objection-received_on": iso(received), "objection-content": content}, follow=True)


def settle(client, item, text="经核实，计量数据无误", settled=-12):
    return client.post(reverse("campaigns:objection", args=[item.pk]),
                       {"action": "settle", "settlement": text, "settled_on": iso(settled)}, follow=True)


def test_objections_block_reporting_and_naming_until_settled(technical, world, supervisor, reviewer, client_for):
    city = client_for(supervisor)
    accepted(city, technical, world)
    publicise(city, technical, starts=-20, ends=-14)
    assert "收到日期不能早于" in page(objection(city, technical, received=-21))
    assert "只有市水行政主管部门可以办理此步骤" in page(objection(client_for(reviewer), technical))
    objection(city, technical)
    received = Objection.objects.get()
    shown = page(client_for(reviewer).get(reverse("campaigns:publicity", args=[technical.pk])))
    assert 'data-testid="open-objections"' in shown and "该区用水计量数据存疑" in shown
    # Reporting upward is refused while it is open.
    assert "公示期间收到的1条异议尚未处理完毕" in page(report_upward(city, technical, day(-13)))
    technical.refresh_from_db()
    assert technical.stage == Stage.PUBLICITY and technical.reported_on is None
    # Settled (not before it was received, not by the county): reporting goes through.
    assert "不能早于" in page(settle(city, received, settled=-16))
    assert "只有市水行政主管部门可以办理此步骤" in page(settle(client_for(reviewer), received))
    received.refresh_from_db()
    assert received.is_open
    settle(city, received)
    received.refresh_from_db()
    assert (received.settlement, received.settled_on, received.settled_by) == ("经核实，计量数据无误", day(-12),
                                                                                supervisor)
    assert "已于" in page(settle(city, received))  # settled once
    report_upward(city, technical, day(-13))
    technical.refresh_from_db()
    assert (technical.stage, technical.reported_on, technical.reported_document) == (
        Stage.REPORTED, day(-13), "渝水〔2026〕88号")
    # An objection arriving after the report still stops the naming.
    objection(city, technical, content="群众反映节水器具安装不到位", received=-2)
    late = Objection.objects.get(content="群众反映节水器具安装不到位")
    response = record_naming(city, technical)
    assert "公示期间收到的1条异议尚未处理完毕" in page(response)
    technical.refresh_from_db()
    assert technical.stage == Stage.REPORTED and technical.named_batch == "" and technical.named_on is None
    settle(city, late, settled=-1)
    record_naming(city, technical)
    technical.refresh_from_db()
    assert (technical.stage, technical.named_batch, technical.named_on, technical.named_document) == (
        Stage.NAMED, "第三批县域节水型社会达标建设名单", TODAY, "水节约〔2026〕12号")
    step = technical.steps.last()
    assert (step.to_stage, step.document) == (Stage.NAMED, "水节约〔2026〕12号")


def test_reporting_upward_waits_for_the_day_after_the_publicity(technical, world, supervisor, client_for):
    city = client_for(supervisor)
    accepted(city, technical, world)
    publicise(city, technical, starts=-10, ends=-4)
    technical.refresh_from_db()
    stale = city.post(reverse("campaigns:naming", args=[technical.pk]), {
        "action": "report", "report-reported_on": iso(-3), "report-reported_document": "渝水〔2026〕88号",
        "report-version": technical.version - 1}, follow=True)
    assert "他人已修改了这条记录" in page(stale)
    response = report_upward(city, technical, day(-4))  # the last day of the publicity
    assert f"公示期至{written_date(day(-4))}，尚未结束" in page(response)
    technical.refresh_from_db()
    assert technical.stage == Stage.PUBLICITY and technical.reported_on is None and technical.reported_document == ""
    report_upward(city, technical, day(-3))  # the day after
    technical.refresh_from_db()
    assert (technical.stage, technical.reported_on, technical.stage_since) == (Stage.REPORTED, day(-3), day(-3))


def test_naming_needs_the_report_upward_first_and_the_city(technical, world, supervisor, reviewer, client_for):
    city = client_for(supervisor)
    accepted(city, technical, world)
    publicise(city, technical, starts=-10, ends=-4)
    assert "不能直接进入“命名”" in page(record_naming(city, technical))
    report_upward(city, technical, day(-3))
    assert "只有市水行政主管部门可以办理此步骤" in page(record_naming(client_for(reviewer), technical))
    technical.refresh_from_db()
    assert technical.stage == Stage.REPORTED and technical.named_on is None


# --- 复核 ----------------------------------------------------------------------------------------


def recheck(client, creation, outcome, note="", checked=0):
    creation.refresh_from_db()
    return client.post(reverse("campaigns:recheck", args=[creation.pk]), {
        "action": "recheck", "checked_on": iso(checked), "outcome": outcome, "document": "水节约〔2029〕3号",
        "note": note, "version": creation.version}, follow=True)


def test_a_recheck_keeps_the_name_or_revokes_it_with_findings(creation, supervisor, reviewer, client_for):
    named = at(creation, Stage.NAMED, since=-400)
    city = client_for(supervisor)
    assert "只有市水行政主管部门可以办理此步骤" in page(recheck(client_for(reviewer), named, "kept"))
    recheck(city, named, "kept", checked=-100)
    named.refresh_from_db()
    assert named.stage == Stage.RECHECKED and named.rechecks.get().outcome == Recheck.Outcome.KEPT
    response = recheck(city, named, "revoked", note="")
    assert "没有复核发现不能撤销命名" in page(response)
    named.refresh_from_db()
    assert named.stage == Stage.RECHECKED and named.rechecks.count() == 1
    recheck(city, named, "revoked", note="用水总量连续两年超过控制指标")
    named.refresh_from_db()
    assert named.stage == Stage.REVOKED
    step = named.steps.last()
    assert (step.to_stage, step.reason) == (Stage.REVOKED, "用水总量连续两年超过控制指标")
    shown = page(city.get(reverse("campaigns:creation", args=[named.pk])))
    assert "撤销" in shown and "用水总量连续两年超过控制指标" in shown


def test_a_county_not_named_is_not_rechecked(technical, supervisor, client_for):
    response = recheck(client_for(supervisor), technical, "kept", note="抽查")
    assert "不能直接进入“复核”" in page(response)
    assert not Recheck.objects.exists()
