"""A county's creation record page: where it stands on the nine stages and since when,
whether it is late, who takes the next step, what the signed-in user may do now (and only
that), its documents per stage, its moves and history; the city sending it back."""

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from campaigns import stages
from campaigns.models import STAGE_ORDER, Creation, SelfAssessment, Stage, StageDocument, StageStep
from core.gongwen import written_date
from org.models import User
from tests.conftest import CAMPAIGN_YEAR, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
TODAY = timezone.localdate()


def page(response):
    return response.content.decode()


def url(creation):
    return reverse("campaigns:creation", args=[creation.pk])


def moved(creation, user, to, on=None):
    with transaction.atomic():
        return stages.advance(creation, user=user, to=to, on=on)


def upload(client, creation, stage, name="创建实施方案.pdf", content=PDF):
    return client.post(reverse("campaigns:creation_document", args=[creation.pk]),
                       {"stage": stage, "file": SimpleUploadedFile(name, content)}, follow=True)


def send_back(client, creation, to, reason, version=None):
    creation.refresh_from_db()
    return client.post(reverse("campaigns:creation_return", args=[creation.pk]), {
        "to": to, "reason": reason, "version": creation.version if version is None else version}, follow=True)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_page_says_where_the_county_stands(creation, county_standard, supervisor, client_for):
    shown = page(client_for(supervisor).get(url(creation)))
    for text in ("武隆区", "重庆市县域节水型社会达标建设", f"{CAMPAIGN_YEAR}年度创建", county_standard.name,
                 f"{CAMPAIGN_YEAR - 1}年", f"{CAMPAIGN_YEAR}年1月1日起处于“计划创建”阶段"):
        assert text in shown, text
    line = shown.split('data-testid="progress-line"')[1].split("</ol>")[0]
    assert re.findall(r'data-stage="(\w+)" data-state="(\w+)"', line) == [
        ("planned", "current"), *((stage, "todo") for stage in STAGE_ORDER[1:])]
    for label in ("计划创建", "自评", "申报", "技术评估", "现场验收", "公示", "报上级复核", "命名", "复核"):
        assert label in line
    assert "撤销" not in line and line.count('aria-current="step"') == 1
    # Next step and who takes it.
    assert "自评，由区县水行政主管部门办理" in shown


def test_late_against_the_batchs_deadlines(creation, supervisor, client_for):
    declared = creation.batch.deadlines.get(stage=Stage.DECLARED).due
    shown = page(client_for(supervisor).get(url(creation)))
    if declared < TODAY:
        assert f"已逾期：应于{written_date(declared)}前进入“申报”阶段" in shown
    else:
        assert "未逾期" in shown
    # Once it has declared, the deadline of 申报 no longer makes it late.
    Creation.objects.filter(pk=creation.pk).update(stage=Stage.TECHNICAL)
    later = page(client_for(supervisor).get(url(creation)))
    acceptance_due = creation.batch.deadlines.get(stage=Stage.ACCEPTANCE).due
    assert "应于" + written_date(declared) not in later
    assert (f"应于{written_date(acceptance_due)}前进入“现场验收”阶段" in later) == (acceptance_due < TODAY)


def actions(response):
    return page(response).split('data-testid="actions"')[1].split("</div></div>")[0]


def test_only_the_actions_the_user_may_take_now(creation, reviewer, supervisor, reporter, outsider, client_for):
    county = actions(client_for(reviewer).get(url(creation)))
    assert "开始自评" in county and reverse("campaigns:self_assessment", args=[creation.pk]) in county
    city = actions(client_for(supervisor).get(url(creation)))
    assert "开始自评" not in city and "目前没有需要您办理的事项：下一步由区县水行政主管部门办理" in city
    clerk = actions(client_for(reporter).get(url(creation)))
    assert "开始自评" not in clerk and "目前没有需要您办理的事项" in clerk
    assert client_for(outsider).get(url(creation)).status_code == 404
    # At 技术评估 the next step is the city's: the county sees none, the city the acceptance.
    Creation.objects.filter(pk=creation.pk).update(stage=Stage.TECHNICAL)
    city = actions(client_for(supervisor).get(url(creation)))
    assert "开始现场验收" in city and reverse("campaigns:acceptance", args=[creation.pk]) in city
    county = actions(client_for(reviewer).get(url(creation)))
    assert "开始现场验收" not in county and "下一步由市水行政主管部门办理" in county
    # Only the city sees the return form.
    assert 'data-testid="return-form"' in page(client_for(supervisor).get(url(creation)))
    assert 'data-testid="return-form"' not in page(client_for(reviewer).get(url(creation)))


def test_the_city_returns_the_county_with_a_reason(creation, reviewer, supervisor, county_standard, client_for):
    moved(creation, reviewer, Stage.SELF_ASSESSMENT)
    assessment = SelfAssessment.objects.create(creation=creation, indicator_set=county_standard,
                                               year=creation.assessment_year)
    for indicator in county_standard.indicators.all():
        assessment.scores.create(indicator=indicator, points=indicator.points)
    moved(creation, reviewer, Stage.DECLARED)
    assessment.submitted_at = timezone.now()
    assessment.save()
    city = client_for(supervisor)
    # Without a reason: refused, said as a message, nothing written.
    response = send_back(city, creation, Stage.SELF_ASSESSMENT, "   ")
    assert "请说明退回前一阶段的理由" in page(response)
    creation.refresh_from_db()
    assert creation.stage == Stage.DECLARED and creation.steps.count() == 2
    # The county cannot send itself back.
    response = send_back(client_for(reviewer), creation, Stage.SELF_ASSESSMENT, "自评材料不全")
    assert "只有市水行政主管部门可以将区县退回前一阶段" in page(response)
    creation.refresh_from_db()
    assert creation.stage == Stage.DECLARED
    # A stale page is refused.
    response = send_back(city, creation, Stage.SELF_ASSESSMENT, "自评材料不全", version=creation.version - 1)
    assert "他人已变更了该区县的创建阶段" in page(response)
    response = send_back(city, creation, Stage.SELF_ASSESSMENT, "第7项自评得分缺少佐证材料")
    creation.refresh_from_db()
    assert creation.stage == Stage.SELF_ASSESSMENT
    assert "武隆区已退回“自评”阶段" in page(response)
    step = creation.steps.last()
    assert (step.from_stage, step.to_stage, step.reason, step.taken_by) == (
        Stage.DECLARED, Stage.SELF_ASSESSMENT, "第7项自评得分缺少佐证材料", supervisor)
    assessment.refresh_from_db()
    assert not assessment.is_frozen  # reopened for the county to correct
    # The steps and the record's history are shown.
    shown = page(client_for(reviewer).get(url(creation)))
    steps = shown.split('data-testid="steps"')[1].split("</table>")[0]
    assert steps.count("<tr") == 4  # the header and three steps
    assert "申报 → 自评" in steps and "第7项自评得分缺少佐证材料" in steps and "退回" in steps
    history = shown.split("修改记录")[1]
    assert "申报 → 自评" in history and "supervisor" in history


def test_no_return_to_a_later_or_the_same_stage(creation, supervisor, client_for):
    Creation.objects.filter(pk=creation.pk).update(stage=Stage.TECHNICAL)
    response = send_back(client_for(supervisor), creation, Stage.PUBLICITY, "误操作")
    assert "选择一个有效的选项" in page(response)
    creation.refresh_from_db()
    assert creation.stage == Stage.TECHNICAL and not StageStep.objects.exists()


def test_the_county_files_documents_while_planning_the_city_at_every_stage(creation, reviewer, supervisor, reporter,
                                                                           outsider, client_for):
    county, city = client_for(reviewer), client_for(supervisor)
    response = upload(county, creation, Stage.PLANNED)
    assert "已附加“创建实施方案.pdf”" in page(response)
    document = StageDocument.objects.get()
    assert (document.stage, document.uploaded_by, document.name) == (Stage.PLANNED, reviewer, "创建实施方案.pdf")
    # Not under a stage the county is not at.
    response = upload(county, creation, Stage.SELF_ASSESSMENT, "自评报告.pdf", PDF + b"1")
    assert "文件只能归入以下阶段：计划创建" in page(response)
    # A reporter files nothing.
    response = upload(client_for(reporter), creation, Stage.PLANNED, "其他.pdf", PDF + b"2")
    assert "区县水行政主管部门可在计划创建和自评阶段上传文件" in page(response)
    # Later the county files nothing, the city files under any stage reached.
    Creation.objects.filter(pk=creation.pk).update(stage=Stage.ACCEPTANCE)
    assert "区县水行政主管部门可在计划创建和自评阶段上传文件" in page(
        upload(county, creation, Stage.ACCEPTANCE, "整改.pdf", PDF + b"3"))
    assert "文件只能归入以下阶段" in page(upload(city, creation, Stage.PUBLICITY, "公示.pdf", PDF + b"4"))
    upload(city, creation, Stage.DECLARED, "申报文件.pdf", PDF + b"5")
    # The same file twice is refused by the evidence helper.
    assert "“again.pdf”已附加在此记录上" in page(upload(city, creation, Stage.ACCEPTANCE, "again.pdf", PDF + b"5"))
    assert StageDocument.objects.count() == 2
    shown = page(client_for(reporter).get(url(creation)))
    table = shown.split('data-testid="documents"')[1].split("</table>")[0]
    assert table.index("计划创建") < table.index("创建实施方案.pdf") < table.index("申报") < table.index("申报文件.pdf")
    # Whoever sees the record downloads; nobody else.
    download = reverse("campaigns:creation_document_download", args=[document.pk])
    response = client_for(reporter).get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert client_for(outsider).get(download).status_code == 404


def test_the_revoked_county_shows_the_end_of_its_line(creation, supervisor, client_for):
    from campaigns.models import Recheck

    Creation.objects.filter(pk=creation.pk).update(stage=Stage.NAMED, stage_since=date(CAMPAIGN_YEAR, 1, 1))
    Recheck.objects.create(creation=creation, checked_on=TODAY, outcome=Recheck.Outcome.REVOKED, note="超用水总量")
    moved(creation, supervisor, Stage.REVOKED, on=TODAY)
    shown = page(client_for(supervisor).get(url(creation)))
    line = shown.split('data-testid="progress-line"')[1].split("</ol>")[0]
    assert re.findall(r'data-stage="(\w+)" data-state="(\w+)"', line) == [
        *((stage, "done") for stage in STAGE_ORDER[:8]), ("rechecked", "todo"), ("revoked", "revoked")]
    assert "撤销" in line
    assert "无：已撤销命名" in shown
    assert 'data-testid="return-form"' not in shown


def test_an_expert_of_the_group_reads_the_record_and_takes_no_step(creation, client_for):
    from campaigns.models import Expert, ExpertGroup, Membership

    account = make_user("expert", None, User.Role.EXPERT)
    group = ExpertGroup.objects.create(creation=creation, formed_on=TODAY - timedelta(days=3))
    expert = Expert.objects.create(name="王工", affiliation="重庆市水利发展研究中心", user=account)
    Membership.objects.create(group=group, expert=expert, is_leader=True)
    response = client_for(account).get(url(creation))
    assert response.status_code == 200
    assert "开始自评" not in actions(response)
    assert client_for(make_user("expert2", None, User.Role.EXPERT)).get(url(creation)).status_code == 404


def test_the_next_step_says_what_it_still_waits_for(creation, world, supervisor, client_for):
    from campaigns.models import Acceptance, Rectification

    Creation.objects.filter(pk=creation.pk).update(stage=Stage.ACCEPTANCE)
    acceptance = Acceptance.objects.create(creation=creation, held_on=TODAY, conclusion="rectify")
    item = Rectification.objects.create(acceptance=acceptance, finding="节水器具未普及", owner=world.urban_bureau,
                                        due=TODAY)
    box = actions(client_for(supervisor).get(url(creation)))
    assert "开始公示" in box and "尚不能办理： 尚有1项整改事项未销号。" in box
    Rectification.objects.filter(pk=item.pk).update(state=Rectification.State.CLOSED, closed_on=TODAY)
    box = actions(client_for(supervisor).get(url(creation)))
    assert "开始公示" in box and "尚不能办理" not in box  # the dates are set on the publicity's page
