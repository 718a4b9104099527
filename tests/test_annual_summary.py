"""The city's annual summary, in the shape of seed 000, built by the job from stored data
only: the Word 公文 names the counties accepted and named that year, counts the joint
meetings, visits and key-monitored users, gives the funding and the expert group, drafts the
problems and next steps from the stored facts; the Excel annex has the counties by stage,
the scores by item and the funding. Built from the page (and downloaded), and by the command."""

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.enum.text import WD_COLOR_INDEX

from campaigns import annual_summary
from campaigns.models import (
    Acceptance,
    Allocation,
    AnnualSummary,
    Batch,
    BatchDeadline,
    Campaign,
    Creation,
    Expert,
    ExpertGroup,
    ExpertScore,
    FundingRound,
    JointMeeting,
    Membership,
    Publicity,
    Rectification,
    SelfAssessment,
    Stage,
    StageStep,
    SupervisionVisit,
)
from carriers.models import MonitoringRule, UserYear, WaterUser
from core.models import JobRun
from org.models import Department, Region, User
from tests.conftest import make_user
from tests.gongwen_checks import gongwen_problems

BUILT_ON = datetime(2020, 1, 3, 10, 0)


def aware(day):
    return timezone.make_aware(datetime(day.year, day.month, day.day, 9, 0))


@pytest.fixture
def chongqing(world, county_standard):
    """重庆市's campaign as seed 000 tells it: 合川 and 大足 create in 2019 (合川 named, 大足 in
    公示 with an open rectification and objection), 涪陵 in 2020 (in 技术评估); two joint meetings,
    three visits and the 2019 funding approved; five experts; two key-monitored users."""
    city = world.city
    counties = {name: Region.objects.create(code=code, name=name, level=Region.Level.COUNTY, parent=city)
                for code, name in (("500117", "合川区"), ("500111", "大足区"), ("500102", "涪陵区"))}
    campaign = Campaign.objects.create(
        region=city, name="重庆市县域节水型社会达标建设", indicator_set=county_standard,
        goal_text="全市30%以上县（区）级行政区达到节水型社会标准", goal_year=2022, goal_share=Decimal("30"),
        source="局党组专题会议确定的2019-2020年创建目标任务")
    first = Batch.objects.create(campaign=campaign, year=2019, name="2019年度创建")
    second = Batch.objects.create(campaign=campaign, year=2020, name="2020年度创建")
    BatchDeadline.objects.create(batch=first, stage=Stage.NAMED, due=date(2019, 12, 31))

    def record(name, batch, stage, **extra):
        return Creation.objects.create(campaign=campaign, batch=batch, region=counties[name], stage=stage,
                                       stage_since=extra.pop("since", date(2019, 12, 1)),
                                       assessment_year=batch.year - 1, **extra)

    hechuan = record("合川区", first, Stage.NAMED, since=date(2019, 12, 20), reported_on=date(2019, 12, 5),
                     reported_document="渝水〔2019〕88号", named_batch="第二批县域节水型社会达标县（区）",
                     named_on=date(2019, 12, 20), named_document="水节约〔2019〕312号")
    dazu = record("大足区", first, Stage.PUBLICITY, since=date(2019, 12, 10))
    fuling = record("涪陵区", second, Stage.TECHNICAL, since=date(2019, 12, 15))
    steps = [Stage.PLANNED, Stage.SELF_ASSESSMENT, Stage.DECLARED, Stage.TECHNICAL, Stage.ACCEPTANCE,
             Stage.PUBLICITY, Stage.REPORTED, Stage.NAMED]
    days = [date(2019, 1, 10), date(2019, 3, 1), date(2019, 6, 1), date(2019, 8, 1), date(2019, 11, 20),
            date(2019, 11, 25), date(2019, 12, 5), date(2019, 12, 20)]
    for creation, reached in ((hechuan, 8), (dazu, 6), (fuling, 4)):
        for index in range(reached):
            StageStep.objects.create(creation=creation, from_stage=steps[index - 1] if index else "",
                                     to_stage=steps[index], taken_on=days[index])
    joint = Department.objects.create(region=city, short_name="市经信委", name="重庆市经济和信息化委员会")
    for creation, held, conclusion in ((hechuan, date(2019, 11, 20), Acceptance.Conclusion.PASSED),
                                       (dazu, date(2019, 12, 2), Acceptance.Conclusion.RECTIFY)):
        acceptance = Acceptance.objects.create(creation=creation, held_on=held, conclusion=conclusion,
                                               members_text="市水利局、市经信委、市城管局、市机关事务局")
        acceptance.departments.set([world.city_bureau, joint])
    dazu_bureau = Department.objects.create(region=counties["大足区"], short_name="区水利局", name="重庆市大足区水利局")
    Rectification.objects.create(acceptance=dazu.acceptance, finding="节水宣传教育基地未挂牌", owner=dazu_bureau,
                                 due=date(2020, 1, 31))
    publicity = Publicity.objects.create(creation=dazu, starts_on=date(2019, 12, 10), ends_on=date(2019, 12, 16))
    publicity.objections.create(received_on=date(2019, 12, 12), content="再生水利用量统计口径存疑")

    items = list(county_standard.indicators.order_by("number"))
    assessment = SelfAssessment.objects.create(creation=hechuan, indicator_set=county_standard, year=2018)
    assessment.scores.create(indicator=items[1], points=Decimal("6"))
    assessment.scores.create(indicator=items[2], points=Decimal("4"))
    experts = [Expert.objects.create(name=name, affiliation=where) for name, where in (
        ("张教授", "重庆大学"), ("王教授", "重庆大学"), ("李教授", "西南大学"), ("赵研究员", "重庆市水利发展研究中心"),
        ("刘研究员", "重庆市水利发展研究中心"))]
    for creation, chosen, assessed in ((hechuan, experts[:3], date(2019, 10, 15)),
                                       (dazu, experts[2:], date(2019, 10, 20))):
        group = ExpertGroup.objects.create(creation=creation, formed_on=date(2019, 10, 1), assessed_on=assessed,
                                           concluded_at=aware(assessed))
        for index, expert in enumerate(chosen):
            membership = Membership.objects.create(group=group, expert=expert, is_leader=index == 0,
                                                   submitted_at=aware(assessed))
            if creation == hechuan:
                ExpertScore.objects.create(membership=membership, indicator=items[1], points=Decimal(5 + index % 2))
    JointMeeting.objects.create(region=city, held_on=date(2018, 5, 1), title="2018年联席会议", decisions="上年的")
    first_meeting = JointMeeting.objects.create(
        region=city, held_on=date(2019, 6, 14), title="县域节水型社会达标建设推进会",
        attendance_text="市发展改革委、市教委、市城管局等18个市级部门", decisions="明确2019-2020年创建目标任务")
    first_meeting.departments.set([world.city_bureau, joint])
    JointMeeting.objects.create(region=city, held_on=date(2019, 11, 5), title="第二次联席会议",
                                decisions="分解任务、督导推进")
    for day, names, follow_up, done in ((date(2019, 5, 8), ["合川区"], "", False),
                                        (date(2019, 9, 10), ["合川区", "大足区"], "", False),
                                        (date(2019, 11, 12), ["涪陵区"], "年底前完成节水型小区创建", False)):
        visit = SupervisionVisit.objects.create(region=city, visited_on=day, purpose="检查创建工作进展",
                                                findings="节水型公共机构创建进度滞后", follow_up=follow_up,
                                                follow_up_done=done)
        visit.counties.set([counties[name] for name in names])
    funding = FundingRound.objects.create(campaign=campaign, year=2019, total=Decimal("100"),
                                          basis="市财政节水型社会建设资金", approved_at=aware(date(2019, 7, 1)))
    Allocation.objects.create(round=funding, creation=hechuan, weight=Decimal("0.6"), suggested=Decimal("60"),
                              amount=Decimal("60"))
    Allocation.objects.create(round=funding, creation=dazu, weight=Decimal("0.4"), suggested=Decimal("40"),
                              amount=Decimal("35"), note="材料报送滞后")
    Allocation.objects.create(round=funding, creation=fuling, weight=Decimal("0"), suggested=Decimal("0"),
                              amount=Decimal("5"), note="提前启动")
    for name, used in (("合川区", (600000, 100000)), ("大足区", (550000,))):
        MonitoringRule.objects.create(region=counties[name], name="年用水量50万立方米以上的工业和服务业用水单位",
                                      measure=MonitoringRule.Measure.NEW_WATER, threshold=Decimal("500000"))
        for index, volume in enumerate(used):
            user = WaterUser.objects.create(region=counties[name], name=f"{name}用水单位{index}", kind="industry",
                                            credit_code="")
            UserYear.objects.create(user=user, year=2019, total_use=Decimal(volume))
    return campaign


def paragraphs(content):
    return Document(io.BytesIO(content)).paragraphs


def text_of(content):
    return "\n".join(paragraph.text for paragraph in paragraphs(content))


@pytest.fixture
def built(chongqing, supervisor, client_for, jobs_inline):
    """The 2019 summary requested on the page, built by the job, on 2020-01-03."""
    with time_machine.travel(timezone.make_aware(BUILT_ON), tick=False), jobs_inline():
        response = client_for(supervisor).post(reverse("campaigns:summaries", args=[chongqing.pk]), {"year": 2019})
    assert response.status_code == 302
    return AnnualSummary.objects.get()


def test_the_job_builds_the_summary_and_records_its_run(built):
    assert built.state == AnnualSummary.State.DONE and built.requested_by.username == "supervisor"
    run = JobRun.objects.get(name="build_annual_summary")
    assert run.state == JobRun.State.DONE and run.arguments == {"summary": built.pk}


def test_the_word_report_is_seed_000s_shape(built):
    text = text_of(built.document.open("rb").read())
    lines = text.split("\n")
    assert lines[0] == "重庆市水利局关于2019年度重庆市县域节水型社会达标建设工作总结的报告"
    assert lines[1] == "全国节约用水办公室："
    for heading in ("一、县域节水型社会达标建设开展情况", "二、存在的困难和问题", "三、下一步工作计划"):
        assert heading in lines
    assert lines[-2:] == ["重庆市水利局", "2020年1月3日"]
    assert gongwen_problems(built.document.open("rb").read(), authority="重庆市水利局") == []
    # The goal as written, and which counties create in which year.
    assert "确定了到2022年实现“全市30%以上县（区）级行政区达到节水型社会标准”的目标" in text
    assert "全重庆市5个县（区）级行政区中至少2个达标" in text  # 武隆、黔江 and the three: 30% of 5 = 1.5 → 2
    assert "要求2019年大足区、合川区2个区县完成创建工作，2020年涪陵区1个区县完成创建工作" in text
    # The counties accepted in 2019, named by name, and the one named.
    assert "2019年我市在大足区、合川区等2个区县开展了创建县域节水型社会达标工作" in text
    assert ("由市水利局、市经信委、市城管局、市机关事务局联合组成考核验收组，对合川区、大足区等2个区县进行了"
            "县域节水型社会达标现场验收：合川区（2019年11月20日）、大足区（2019年12月2日）") in text
    assert "2019年获命名的区县：合川区（第二批县域节水型社会达标县（区），水节约〔2019〕312号，2019年12月20日）" in text
    assert "重庆大学、西南大学、重庆市水利发展研究中心等5名专家组成的技术评估组" in text
    # The city's own work.
    assert "先后2次牵头组织召开了由市发展改革委、市教委、市城管局等18个市级部门参与的联席会议" in text
    assert "2018年联席会议" not in text
    assert "2019年先后3次到合川区、大足区、涪陵区等3个区县进行督导检查" in text
    assert "奖补资金共计100万元（市财政节水型社会建设资金），其中涪陵区5万元、大足区35万元、合川区60万元。" in text
    assert "2019年11月5日，第二次联席会议：分解任务、督导推进。" in text  # the sentence ended for the clerk
    assert "2个区县共将2家用水单位纳入2019年度重点监控用水单位名录" in text


def test_problems_and_next_steps_are_drafts_from_the_stored_facts(built):
    found = paragraphs(built.document.open("rb").read())
    texts = [paragraph.text for paragraph in found]
    problems = texts[texts.index("二、存在的困难和问题") + 1:texts.index("三、下一步工作计划")]
    plans = texts[texts.index("三、下一步工作计划") + 1:-3]
    assert problems == [
        "一是部分区县创建进度滞后，大足区未按期进入命名阶段（应于2019年12月31日前）。",
        "二是现场验收发现的问题尚未全部整改销号，大足区1项。",
        "三是大足区公示期间收到的1项异议尚未处理完毕。",
        "四是距“全市30%以上县（区）级行政区达到节水型社会标准”的目标还需1个区县获得命名。",
    ]
    assert plans == [
        "一是2020年推进涪陵区完成县域节水型社会达标创建工作。",
        "二是督促大足区加快创建进度，按期完成各阶段工作。",
        "三是督促有关区县按期完成现场验收发现问题的整改并销号。",
        "四是跟踪督导检查要求的落实情况：年底前完成节水型小区创建。",
        "五是确保2022年实现“全市30%以上县（区）级行政区达到节水型社会标准”的目标。",
    ]
    drafted = [paragraph for paragraph in found if paragraph.text in problems + plans]
    assert drafted and all(run.font.highlight_color == WD_COLOR_INDEX.YELLOW
                           for paragraph in drafted for run in paragraph.runs)
    done = next(paragraph for paragraph in found if paragraph.text.startswith("2019年获命名的区县"))
    assert all(run.font.highlight_color is None for run in done.runs)


def test_follow_ups_typed_as_sentences_are_punctuated_once(chongqing):
    """A clerk ends a visit's words with 。 ： or ；: joined into the summary's sentences, once."""
    visit = SupervisionVisit.objects.create(region=chongqing.region, visited_on=date(2019, 12, 10), purpose="复查：",
                                            findings="佐证材料不全。", follow_up="督促大足区补齐佐证材料。")
    visit.counties.set([Region.objects.get(name="大足区")])
    SupervisionVisit.objects.filter(follow_up="年底前完成节水型小区创建").update(follow_up="年底前完成节水型小区创建；")
    content = annual_summary.build(chongqing, 2019, today=date(2020, 1, 3)).document
    text = text_of(content)
    assert "四是跟踪督导检查要求的落实情况：年底前完成节水型小区创建；督促大足区补齐佐证材料。" in text
    assert "2019年12月10日，复查：佐证材料不全。" in text
    assert gongwen_problems(content, authority="重庆市水利局") == []


def test_the_excel_annex_has_stages_scores_and_funding(built):
    book = openpyxl.load_workbook(io.BytesIO(built.workbook.open("rb").read()))
    assert book.sheetnames == ["创建进度", "评分", "资金奖补"]
    stages = book["创建进度"]
    header = [cell.value for cell in stages[3]]
    rows = {row[1]: dict(zip(header, row, strict=True)) for row in stages.iter_rows(min_row=4, values_only=True)}
    assert rows["合川区"]["当前阶段"] == "命名" and rows["合川区"]["命名日期"] == "2019-12-20"
    assert rows["合川区"]["命名文号"] == "水节约〔2019〕312号" and rows["合川区"]["逾期情况"] is None
    assert rows["大足区"]["当前阶段"] == "公示" and rows["大足区"]["现场验收日期"] == "2019-11-20"
    assert rows["大足区"]["逾期情况"] == "应于2019-12-31前进入命名"
    assert rows["涪陵区"]["批次"] == "2020年度创建" and rows["涪陵区"]["现场验收日期"] is None

    scores = book["评分"]
    header = [cell.value for cell in scores[3]]
    assert header[:3] == ["序号", "评价内容", "满分"] and header[3:] == ["合川区自评", "合川区评估组"]
    second = next(row for row in scores.iter_rows(min_row=4, values_only=True) if row[0] == 2)
    assert second[2:] == (6, 6, 5.33)  # full 6; self-assessed 6; the three experts' 5, 6 and 5 → mean 5.33
    third = next(row for row in scores.iter_rows(min_row=4, values_only=True) if row[0] == 3)
    assert third[2:] == (6, 4, None)  # self-assessed only
    total = list(scores.iter_rows(min_row=4, values_only=True))[-1]
    assert total[1:] == ("合计", 100, 10, 5.33)

    funding = book["资金奖补"]
    assert [cell.value for cell in funding[3]] == ["年度", "区县", "权重", "建议金额", "核定金额", "调整理由", "状态"]
    assert list(funding.iter_rows(min_row=4, values_only=True)) == [
        (2019, "涪陵区", 0, 0, 5, "提前启动", "已批准"),
        (2019, "大足区", 0.4, 40, 35, "材料报送滞后", "已批准"),
        (2019, "合川区", 0.6, 60, 60, None, "已批准"),
        (2019, "合计", None, 100, 100, "奖补总额100万元", "已批准"),
    ]
    # Fit to send: the city's line with the day it was built, figures in their formats, print set-up.
    for sheet in book.worksheets:
        assert [c.value for c in sheet[2] if c.value] == ["填报单位：重庆市", "填报日期：2020年1月3日"]
        assert sheet.page_setup.paperSize == 9 and sheet.print_title_rows == "$3:$3"
        assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"
    second_row = next(row for row in scores.iter_rows(min_row=4) if row[0].value == 2)
    assert [c.number_format for c in second_row[2:]] == ["0.0", "0.0", "0.00"]  # full, self, the group's mean
    funded = next(funding.iter_rows(min_row=5))  # 大足区
    assert [c.number_format for c in funded[2:5]] == ["0.0000", "#,##0.00", "#,##0.00"]


def test_the_files_download_from_the_page_for_the_campaigns_supervisor_only(built, chongqing, supervisor,
                                                                              reviewer, outsider, reporter,
                                                                              administrator, client_for):
    client = client_for(supervisor)
    page = client.get(reverse("campaigns:summaries", args=[chongqing.pk])).content.decode()
    for kind in ("docx", "xlsx"):
        assert reverse("campaigns:summary_download", args=[built.pk, kind]) in page
    word = client.get(reverse("campaigns:summary_download", args=[built.pk, "docx"]))
    assert word.status_code == 200
    assert "2019%E5%B9%B4%E5%BA%A6" in word["Content-Disposition"]  # 2019年度…, RFC 5987-encoded
    assert text_of(b"".join(word.streaming_content)).startswith("重庆市水利局关于2019年度")
    assert client_for(administrator).get(reverse("campaigns:summary_download", args=[built.pk, "xlsx"])
                                         ).status_code == 200
    assert client.get(reverse("campaigns:summary_download", args=[built.pk, "pdf"])).status_code == 404
    sichuan = Region.objects.create(code="510000", name="四川省", level=Region.Level.PROVINCE)
    elsewhere = make_user("sichuan", Department.objects.create(region=sichuan, short_name="省水利厅",
                                                               name="四川省水利厅"), User.Role.SUPERVISOR)
    for user in (reviewer, outsider, reporter, elsewhere, make_user("expert1", None, User.Role.EXPERT)):
        other = client_for(user)
        assert other.get(reverse("campaigns:summary_download", args=[built.pk, "docx"])).status_code == 404
        assert other.get(reverse("campaigns:summaries", args=[chongqing.pk])).status_code == 404
        assert other.post(reverse("campaigns:summaries", args=[chongqing.pk]), {"year": 2019}).status_code == 404
    assert AnnualSummary.objects.count() == 1


def test_a_building_summary_polls_its_own_row(chongqing, supervisor, client_for):
    queued = AnnualSummary.objects.create(campaign=chongqing, year=2019, requested_by=supervisor)
    client = client_for(supervisor)
    row = client.get(reverse("campaigns:summaries", args=[chongqing.pk]) + f"?row={queued.pk}",
                     HTTP_HX_REQUEST="true").content.decode()
    assert row.lstrip().startswith(f'<tr id="summary-{queued.pk}"') and 'hx-trigger="every 2s"' in row
    queued.state = AnnualSummary.State.FAILED
    queued.reason = "生成失败：测试"
    queued.save()
    row = client.get(reverse("campaigns:summaries", args=[chongqing.pk]) + f"?row={queued.pk}").content.decode()
    assert "hx-trigger" not in row and "生成失败：测试" in row


def test_a_crashing_build_keeps_its_reason_and_can_be_retried(chongqing, supervisor, jobs_inline, monkeypatch):
    from campaigns import jobs
    from campaigns.services import city_work
    from core import runs

    def broken(*args, **kwargs):
        raise RuntimeError("模板损坏")

    summary = city_work.summary_request(campaign=chongqing, year=2019, user=supervisor, enqueue=False)
    monkeypatch.setattr(annual_summary, "build", broken)
    with pytest.raises(RuntimeError):
        jobs.build_annual_summary(summary.pk)
    summary.refresh_from_db()
    assert summary.state == AnnualSummary.State.FAILED and "模板损坏" in summary.reason
    run = JobRun.objects.get(name="build_annual_summary")
    assert run.state == JobRun.State.FAILED and run.can_retry
    monkeypatch.undo()
    with jobs_inline():
        runs.retry(run, user=supervisor)
    assert AnnualSummary.objects.filter(state=AnnualSummary.State.DONE).count() == 1


def test_a_second_delivery_builds_nothing(chongqing, supervisor):
    from campaigns.services import city_work

    summary = city_work.summary_request(campaign=chongqing, year=2019, user=supervisor, enqueue=False)
    assert city_work.summary_build(summary) is not None
    assert city_work.summary_build(summary) is None


# --- the command --------------------------------------------------------------------------------------


def test_the_command_writes_both_files(chongqing, tmp_path, capsys):
    with time_machine.travel(timezone.make_aware(BUILT_ON), tick=False):
        call_command("build_annual_summary", "--region", "500000", "--year", "2019", "-o", str(tmp_path / "out"))
    printed = capsys.readouterr().out.split()
    names = annual_summary.file_names(chongqing.region, 2019)
    assert printed == [str(tmp_path / "out" / names["docx"]), str(tmp_path / "out" / names["xlsx"])]
    text = text_of((tmp_path / "out" / names["docx"]).read_bytes())
    assert "合川区、大足区等2个区县进行了县域节水型社会达标现场验收" in text and text.endswith("2020年1月3日")
    book = openpyxl.load_workbook(tmp_path / "out" / names["xlsx"])
    assert book.sheetnames == ["创建进度", "评分", "资金奖补"]
    assert not AnnualSummary.objects.exists()  # the command writes files, no build row


def test_the_command_refuses_an_unknown_region_or_one_without_a_campaign(chongqing, world, tmp_path):
    with pytest.raises(CommandError, match="No region with code 999999"):
        call_command("build_annual_summary", "--region", "999999", "--year", "2019", "-o", str(tmp_path))
    with pytest.raises(CommandError, match="黔江区 \\(500114\\) runs no creation campaign"):
        call_command("build_annual_summary", "--region", "500114", "--year", "2019", "-o", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_a_past_years_summary_built_years_later_says_where_the_counties_stood_that_year(chongqing):
    """Built in 2026, the 2019 summary still counts 合川 as named and 大足 as in progress at
    the end of 2019, even after 大足 was named in 2020 and a batch of 2026 was added."""
    dazu = Creation.objects.get(region__name="大足区")
    StageStep.objects.create(creation=dazu, from_stage=Stage.PUBLICITY, to_stage=Stage.REPORTED,
                             taken_on=date(2020, 2, 1))
    StageStep.objects.create(creation=dazu, from_stage=Stage.REPORTED, to_stage=Stage.NAMED,
                             taken_on=date(2020, 6, 1))
    Creation.objects.filter(pk=dazu.pk).update(stage=Stage.NAMED, named_on=date(2020, 6, 1))
    later = Batch.objects.create(campaign=chongqing, year=2026, name="2026年度创建")
    Creation.objects.create(campaign=chongqing, batch=later, stage=Stage.PLANNED, stage_since=date(2026, 1, 1),
                            assessment_year=2025, region=Region.objects.get(code="500156"))
    text = text_of(annual_summary.build(chongqing, 2019, today=date(2026, 12, 7)).document)
    assert "截至2019年12月31日，已获命名1个，正在创建2个，计划创建0个，距目标还需1个。" in text
    assert "2026年" not in text.split("二、存在的困难和问题")[0]  # a batch planned years later is not 2019's plan
    assert "大足区未按期进入命名阶段（应于2019年12月31日前）" in text  # late as 2019 closed
    now_files = annual_summary.build(chongqing, 2026, today=date(2026, 12, 7))
    assert gongwen_problems(now_files.document, authority="重庆市水利局") == []  # a year with other facts
    now = text_of(now_files.document)
    assert "截至2026年12月7日，已获命名2个，正在创建1个，计划创建1个" in now
