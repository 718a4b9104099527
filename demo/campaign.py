"""Demo part: 重庆市's creation campaign (seed 000, ``campaign_data``) taken through the
portal's own services, each step on the day it happened: the 2019 batch (合川、大足、潼南、
荣昌) from 自评 to 命名, the 2020 batch (涪陵、长寿、梁平、垫江) in 技术评估 with five experts
and some of their scores in, 璧山 and 永川 named before the campaign, and 武隆 in 自评 this
year on its own figures; the city's meetings, visits and 2019 funding; meetings and a visit
of this year dated relative to today.

A county whose record already exists is left as it is: loading twice writes nothing, and a
record someone moved on through the pages is not moved back."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from campaigns.models import (
    Batch,
    BatchDeadline,
    Campaign,
    Creation,
    Expert,
    FundingRound,
    JointMeeting,
    Membership,
    Stage,
    SupervisionVisit,
)
from campaigns.services import acceptance as acceptance_services
from campaigns.services import experts as expert_services
from campaigns.services import funding as funding_services
from campaigns.services import self_assessment
from core.numbers import plain
from indicators.models import IndicatorSet
from indicators.scoring_rules import allowed_points
from org.models import Department, DepartmentAlias, Region, User

from . import campaign_data as data
from . import dates
from .store import put

STANDARD = "MWR_COUNTY_WATER_SAVING"
CITY = "500000"
PINYIN = {"500102": "fuling", "500111": "dazu", "500115": "changshou", "500117": "hechuan", "500152": "tongnan",
          "500153": "rongchang", "500155": "liangping", "500231": "dianjiang"}


def load(*, password):
    city = Region.objects.get(code=CITY)
    _regions(city, password)
    _city_departments(city)
    officer = User.objects.get(username="cq_city")
    experts = _experts(password)
    indicator_set = IndicatorSet.objects.filter(code=STANDARD).order_by("-version").first()
    campaign, _created = put(Campaign, {"region": city, "name": data.CAMPAIGN["name"]}, {
        "indicator_set": indicator_set, "goal_text": data.CAMPAIGN["goal_text"],
        "goal_year": data.CAMPAIGN["goal_year"], "goal_share": data.CAMPAIGN["goal_share"],
        "county_total": data.COUNTY_TOTAL, "source": data.CAMPAIGN["source"]}, by=officer)
    counts = {"named before": _named_before(campaign, officer)}
    counts["2019"] = _batch_2019(campaign, officer, experts)
    counts["2020"] = _batch_2020(campaign, officer, experts)
    counts["this year"] = _this_year(campaign, officer)
    counts["city work"] = _city_work(campaign, city, officer)
    shown = "，".join(f"{key} {value}" for key, value in counts.items())
    return f"{campaign.name}: {campaign.creations.count()} counties ({shown}); {len(experts)} experts"


# --- who --------------------------------------------------------------------------------------


def _regions(city, password):
    hashed = None
    for code, name in data.REGIONS:
        region, _ = put(Region, {"code": code}, {"name": name, "level": Region.Level.COUNTY, "parent": city})
        short = "县水利局" if name.endswith("县") else "区水利局"
        bureau, _ = put(Department, {"region": region, "short_name": short},
                        {"name": f"重庆市{name}水利局", "kind": Department.Kind.BUREAU})
        if code in PINYIN:  # the counties that took their steps in the portal have a reviewer
            username = f"{PINYIN[code]}_reviewer"
            user = User.objects.filter(username=username).first()
            if user is None:
                hashed = hashed or make_password(password)
                User.objects.create(username=username, password=hashed, department=bureau,
                                    role=User.Role.REVIEWER, display_name=f"{name}水利局审核员")


def _city_departments(city):
    for short, full, aliases in data.CITY_DEPARTMENTS:
        department, _ = put(Department, {"region": city, "short_name": short},
                            {"name": full, "kind": Department.Kind.BUREAU})
        for alias in aliases:
            put(DepartmentAlias, {"region": city, "name": alias}, {"department": department})


def _experts(password):
    hashed = None
    found = []
    for username, name, affiliation, field, title in data.EXPERTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            hashed = hashed or make_password(password)
            user = User.objects.create(username=username, password=hashed, role=User.Role.EXPERT,
                                       display_name=name)
        expert, _ = put(Expert, {"user": user}, {"name": name, "affiliation": affiliation, "field": field,
                                                 "title": title})
        found.append(expert)
    return found


def _reviewer(code):
    return User.objects.get(username=f"{PINYIN[code]}_reviewer")


# --- the counties -------------------------------------------------------------------------------


def _batch(campaign, year, name, deadlines):
    batch, _ = put(Batch, {"campaign": campaign, "year": year}, {"name": name})
    for stage, due in deadlines.items():
        put(BatchDeadline, {"batch": batch, "stage": stage}, {"due": due})
    return batch


def _creation(campaign, batch, code, planned_on):
    """The county's record, or None when it is there already (then the demo leaves it)."""
    region = Region.objects.get(code=code)
    if Creation.objects.filter(campaign=campaign, region=region).exists():
        return None
    with dates.at(dates.moment(planned_on)):
        return Creation.objects.create(campaign=campaign, batch=batch, region=region, stage=Stage.PLANNED,
                                       stage_since=planned_on, assessment_year=batch.year - 1)


def _named_before(campaign, officer):
    batch = _batch(campaign, 2018, "2019年以前创建成功", {})
    added = 0
    for code in data.NAMED_BEFORE:
        region = Region.objects.get(code=code)
        if Creation.objects.filter(campaign=campaign, region=region).exists():
            continue
        # The report says only that they succeeded before 2019; when and by which document
        # it does not say, so neither does the record. Entered with the campaign, early 2019.
        with _at(date(2019, 1, 15)):
                Creation.objects.create(campaign=campaign, batch=batch, region=region, stage=Stage.NAMED,
                                    stage_since=date(2019, 1, 15), assessment_year=2017,
                                    named_batch="2019年以前创建成功（总结报告：“璧山、永川等4个创建成功的区”）")
        added += 1
    return added


def _at(day):
    return dates.at(dates.moment(day))


def _given(indicator, seed):
    """Points a county or an expert gives ``indicator``: mostly full, now and then half a
    point or one step (of at most a point) less, always within the item's rule, so that a
    county of the demo that passed did pass; the prerequisite item always full."""
    full = indicator.points
    allowed = allowed_points(indicator.scoring, full=full)
    rng = random.Random(seed)  # noqa: S311 (demo scores, not secrets)
    if indicator.kind == indicator.Kind.BOTTOM_LINE or rng.random() < 0.65:
        return full
    if allowed.choices is not None:
        near = [choice for choice in allowed.choices if full - 1 <= choice < full]
        return max(near) if near else full
    return max(allowed.low, full - Decimal("0.5"))


def _self_assess(creation, reviewer, started, submitted, *, answer_share=1.0):
    with _at(started):
        assessment = self_assessment.start(creation, user=reviewer)
    hand = [score for score in assessment.scores.select_related("indicator").order_by("indicator__number")
            if not score.computed]
    answered = hand[:max(0, round(len(hand) * answer_share))]
    for number, score in enumerate(answered):
        indicator = score.indicator
        points = _given(indicator, f"{creation.region.code}-self-{indicator.number}")
        text = f"{indicator.name}：按评分标准逐项对照，相关文件、台账和现场资料已整理归档（演示）。"
        if points < indicator.points:
            text += f"个别资料尚不完整，自评扣{plain(indicator.points - points)}分。"
        with _at(started + timedelta(days=3 + number)):
            assessment.refresh_from_db()
            self_assessment.save_score(score, user=reviewer, points=points, explanation=text,
                                       version=assessment.version)
    if submitted is None:
        return assessment
    with _at(submitted):
        assessment.refresh_from_db()
        return self_assessment.submit(assessment, user=reviewer, version=assessment.version)


def _technical(creation, officer, experts, *, formed, started, assessed, submitted_by=None, concluded=None):
    """The group of the five experts (the first leads), the assessment started, and the
    scores of the experts in ``submitted_by`` ({expert index: share of items scored}; 1.0 and
    submitted); concluded on ``concluded`` when given."""
    with _at(formed):
        group = expert_services.save_group(creation, user=officer, formed_on=formed, assessed_on=assessed,
                                           experts=experts, leader=experts[0])
    creation.refresh_from_db()
    with _at(started):
        expert_services.start_technical(creation, user=officer, version=creation.version)
    indicators = list(creation.campaign.indicator_set.indicators.order_by("number"))
    for index, share in (submitted_by or {}).items():
        expert = experts[index]
        membership = Membership.objects.get(group=group, expert=expert)
        entries = []
        for indicator in indicators[:round(len(indicators) * share)]:
            points = _given(indicator, f"{creation.region.code}-{index}-{indicator.number}")
            reason = "" if points == indicator.points else \
                f"现场核查{indicator.name}相关资料，部分台账不够完整，扣{plain(indicator.points - points)}分（演示）。"
            entries.append(expert_services.Entry(indicator=indicator, points=points, reason=reason))
        final = share >= 1
        opinion = (f"{creation.region.name}节水型社会达标建设资料基本齐全，各项指标总体达到评价标准要求（演示）。"
                   if final else "")
        with _at(assessed):
            expert_services.save_scores(membership, user=expert.user, entries=entries, opinion=opinion,
                                        version=membership.version, submit=final)
    if concluded is not None:
        with _at(concluded):
            group.refresh_from_db()
            expert_services.conclude(group, user=officer, opinion=(
                f"经现场评估，专家组认为{creation.region.name}县域节水型社会达标建设工作达到《节水型社会评价标准"
                "（试行）》要求，同意通过技术评估（演示）。"))
    return group


def _batch_2019(campaign, officer, experts):
    batch = _batch(campaign, 2019, "2019年度创建", {
        Stage.DECLARED: date(2019, 9, 30), Stage.ACCEPTANCE: date(2019, 12, 31), Stage.REPORTED: date(2020, 1, 31)})
    group_text = data.ACCEPTANCE_GROUP
    departments = list(Department.objects.filter(
        region__code=CITY, short_name__in=["市水利局", "市经济信息委", "市城市管理局", "市机关事务局"]))
    added = 0
    for offset, code in enumerate(data.BATCH_2019):
        creation = _creation(campaign, batch, code, date(2019, 1, 15))
        if creation is None:
            continue
        added += 1
        reviewer = _reviewer(code)
        _self_assess(creation, reviewer, date(2019, 3, 1 + offset), date(2019, 8, 26 + offset))
        creation.refresh_from_db()
        _technical(creation, officer, experts, formed=date(2019, 9, 16), started=date(2019, 10, 8),
                   assessed=date(2019, 10, 15 + offset), submitted_by=dict.fromkeys(range(5), 1.0),
                   concluded=date(2019, 10, 25))
        creation.refresh_from_db()
        held = date(2019, 11, 18 + offset)
        with _at(held):
            acceptance_services.acceptance_start(creation, user=officer, held_on=held, departments=departments,
                                                 members_text=group_text, version=creation.version)
            bureau = Department.objects.get(region=creation.region, short_name__endswith="水利局")
            item = acceptance_services.finding_add(
                creation, user=officer, due=held + timedelta(days=20), owner=bureau,
                finding="节水宣传台账不够完整，部分活动缺少影像资料（演示）。")
        _rectified(item, reviewer, officer, held + timedelta(days=12), held + timedelta(days=15))
        creation.refresh_from_db()
        with _at(held + timedelta(days=16)):
            acceptance_services.acceptance_conclude(
                creation, user=officer, conclusion="rectify", version=creation.version,
                opinion=f"{creation.region.name}县域节水型社会达标建设各项指标达到评价标准要求，整改事项已完成，"
                        "同意通过验收（演示）。")
        creation.refresh_from_db()
        with _at(date(2019, 12, 16)):
            acceptance_services.publicity_start(creation, user=officer, starts_on=date(2019, 12, 16),
                                                ends_on=date(2019, 12, 22), channel="重庆市水利局网站",
                                                version=creation.version)
        creation.refresh_from_db()
        with _at(date(2020, 1, 3)):
            acceptance_services.report_upward(creation, user=officer, reported_on=date(2020, 1, 3),
                                              reported_document=data.REPORT_2019, version=creation.version)
        creation.refresh_from_db()
        with _at(date(2020, 11, 20)):
            acceptance_services.naming_record(
                creation, user=officer, named_batch="水利部公布的节水型社会建设达标县（区）名单（演示）",
                named_on=date(2020, 11, 20), named_document="水利部公告（演示）", version=creation.version)
    return added


def _rectified(item, reviewer, officer, reported, closed):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core import evidence

    with _at(reported):
        upload = SimpleUploadedFile("整改情况说明.pdf", b"%PDF-1.4\n% demo rectification report\n%%EOF\n",
                                    content_type="application/pdf")
        evidence.store(item.evidence, upload=upload, user=reviewer)
        item = acceptance_services.rectification_report(item, user=reviewer, version=item.version,
                                                        report="已补充宣传活动影像资料并完善台账（演示）。")
    with _at(closed):
        acceptance_services.rectification_close(item, user=officer, closed_on=closed, version=item.version)


def _batch_2020(campaign, officer, experts):
    batch = _batch(campaign, 2020, "2020年度创建", {
        Stage.DECLARED: date(2020, 9, 30), Stage.ACCEPTANCE: date(2020, 12, 31)})
    # Some scores in: 涪陵 three experts done and two half-way, 长寿 two done, 梁平 one begun.
    scored = {"500102": {0: 1.0, 1: 1.0, 2: 1.0, 3: 0.5, 4: 0.3}, "500115": {0: 1.0, 1: 1.0},
              "500155": {2: 0.4}, "500231": {}}
    added = 0
    for offset, code in enumerate(data.BATCH_2020):
        creation = _creation(campaign, batch, code, date(2019, 1, 15))  # planned with 2019's, 年初
        if creation is None:
            continue
        added += 1
        reviewer = _reviewer(code)
        _self_assess(creation, reviewer, date(2020, 3, 2 + offset), date(2020, 8, 24 + offset))
        creation.refresh_from_db()
        _technical(creation, officer, experts, formed=date(2020, 9, 21), started=date(2020, 10, 12),
                   assessed=date(2020, 10, 19 + offset), submitted_by=scored[code])
    return added


def _this_year(campaign, officer):
    today = dates.today()
    batch = _batch(campaign, today.year, f"{today.year}年度创建", {
        Stage.DECLARED: today + timedelta(days=30), Stage.ACCEPTANCE: today + timedelta(days=100),
        Stage.NAMED: today + timedelta(days=200)})
    creation = _creation(campaign, batch, data.WULONG, date(today.year, 1, 1))
    if creation is None:
        return 0
    reviewer = User.objects.get(username="wulong_reviewer")
    # In 自评: the computed items from 武隆's own figures of last year, half of the others answered.
    _self_assess(creation, reviewer, today - timedelta(days=24), None, answer_share=0.5)
    return 1


# --- the city's own work ------------------------------------------------------------------------


def _city_work(campaign, city, officer):
    written = 0
    present = list(Department.objects.filter(region=city, short_name__in=["市发展改革委", "市教委", "市城市管理局"]))
    for month, day, title, attendance, decisions in data.MEETINGS_2019:  # the 联席会议 of 18 departments
        meeting, created = put(JointMeeting, {"region": city, "held_on": date(2019, month, day), "title": title},
                               {"attendance_text": attendance, "decisions": decisions}, by=officer)
        if created and "联席会议" in title:
            meeting.departments.set(present)
        written += created
    for month, day, codes in data.VISITS_2019:
        visit, created = put(SupervisionVisit, {"region": city, "visited_on": date(2019, month, day)},
                             {"purpose": data.VISIT_PURPOSE,
                              "findings": "创建工作按计划推进，台账资料有待进一步规范（演示）。",
                              "follow_up": "按评价标准逐项完善佐证资料（演示）。", "follow_up_done": True}, by=officer)
        if created:
            visit.counties.set(Region.objects.filter(code__in=codes))
        written += created
    today = dates.today()
    visit, created = put(SupervisionVisit, {"region": city, "visited_on": today - timedelta(days=12)}, {
        "purpose": "督导武隆区县域节水型社会达标建设自评工作（演示）",
        "findings": "计算类指标已由平台根据审核通过的数据自动得分；制度建设、宣传教育等专家评判类指标的佐证材料"
                    "尚在整理（演示）。",
        "follow_up": "在申报截止日前完成全部自评项目并上传佐证材料（演示）。", "follow_up_done": False}, by=officer)
    if created:
        visit.counties.set(Region.objects.filter(code=data.WULONG))
    written += created
    if not FundingRound.objects.filter(campaign=campaign, year=2019).exists():
        with _at(date(2019, 12, 20)):
            funding_services.funding_open(campaign=campaign, year=2019, total=Decimal(data.FUNDING_2019["total"]),
                                          basis=data.FUNDING_2019["basis"], user=officer)
        written += 1
    return written
