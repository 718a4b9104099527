"""The city's annual summary of its creation campaign, in the shape of seed 000 (重庆市水利局
关于2019年度重庆市县域节水型社会达标建设工作总结的报告), from stored data only: a Word 公文
(what was done — the goal and batches, the counties accepted and named, joint meetings,
supervision, funding, the key-monitoring list, the expert group; then problems and next
steps, drafted from the stored facts for the bureau to edit) and an Excel annex (counties
by stage, scores by item, funding). The page's job and the command build through ``build``."""

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Min, Prefetch, Q
from openpyxl import Workbook

from core.excel import COUNT, MEAN_SCORE, MONEY, SCORE, Column, titled_table
from core.gongwen import Gongwen, bare, chinese_number, written_date
from core.numbers import plain
from org.selectors import water_bureau_of

from . import selectors
from .models import (
    STAGE_ORDER,
    Acceptance,
    Allocation,
    Expert,
    FundingRound,
    JointMeeting,
    Objection,
    Rectification,
    Stage,
    SupervisionVisit,
    stage_rank,
)

ADDRESSEE = "全国节约用水办公室"
NO_PROBLEMS = "（系统中没有逾期、未整改销号或未处理异议的事项，请结合实际填写本年度存在的困难和问题。）"


@dataclass
class Files:
    document: bytes
    workbook: bytes
    document_name: str
    workbook_name: str


@dataclass
class SummaryData:
    """Everything the summary says, read once."""

    campaign: object
    year: int
    today: object  # the day it is built: the date it is signed
    as_of: object  # the end of ``year``, or ``today`` while the year runs: what the figures describe
    authority: str
    progress: object  # selectors.Progress as the campaign stood on ``as_of``
    creations: list  # with steps, region and batch
    accepted: list  # [(creation, Acceptance)] accepted in ``year``
    named: list  # creations named in ``year``
    reported: list  # creations reported upward in ``year``
    meetings: list
    visits: list
    funding: object  # FundingRound of ``year`` or None
    rounds: list  # every FundingRound of the campaign, with allocations
    key_monitored: dict  # {county id: count}
    experts: list  # the experts of the groups that assessed in ``year``
    open_rectifications: list
    open_objections: list
    indicators: list
    self_scores: dict = field(default_factory=dict)
    group_scores: dict = field(default_factory=dict)

    @property
    def region(self):
        return self.campaign.region

    @property
    def title(self):
        return f"{self.authority}关于{self.year}年度{self.region.name}县域节水型社会达标建设工作总结的报告"

    @property
    def we(self):
        """How the region speaks of itself: 我市, 我省, 我区."""
        name = self.region.name
        return "我省" if name.endswith("省") else "我区" if name.endswith("自治区") else "我市"

    @property
    def batches(self):
        """[(batch, creations)] in year order."""
        found = defaultdict(list)
        for creation in self.creations:
            found[creation.batch].append(creation)
        return sorted(found.items(), key=lambda item: item[0].year)

    def batch_of(self, year):
        return next((creations for batch, creations in self.batches if batch.year == year), [])


def summary_data(campaign, year, today):
    creations = selectors.creations_with_steps(campaign)
    # The campaign as it stood at the end of the year (today, for the year still running):
    # a summary of 2019 built later still says where the counties were in 2019.
    as_of = min(today, date(year, 12, 31))
    # Late as the year closed: a deadline of 31 December is missed once that day is over.
    judged_on = min(today, date(year + 1, 1, 1))
    progress = selectors.progress(campaign, judged_on, creations=selectors.as_they_stood(creations, as_of))
    # Accepted in the year: the on-site acceptance held in it and passed (with or without
    # rectification); the stage machine lets no county reach it before 技术评估 concluded.
    acceptances = list(Acceptance.objects.filter(creation__campaign=campaign, held_on__year=year)
                       .exclude(conclusion__in=["", Acceptance.Conclusion.FAILED])
                       .select_related("creation__region").prefetch_related("departments")
                       .order_by("held_on", "creation__region__code"))
    groups_q = Q(memberships__group__creation__campaign=campaign) & (
        Q(memberships__group__assessed_on__year=year)
        | Q(memberships__group__assessed_on__isnull=True, memberships__group__formed_on__year=year))
    regions = list(selectors.counties_under(campaign.region).values_list("pk", flat=True))
    rounds = list(FundingRound.objects.filter(campaign=campaign).order_by("year").prefetch_related(
        Prefetch("allocations", queryset=Allocation.objects.select_related("creation__region")
                 .order_by("creation__region__code"))))
    return SummaryData(
        campaign=campaign, year=year, today=today, as_of=as_of, authority=water_bureau_of(campaign.region),
        progress=progress,
        creations=creations,
        accepted=[(acceptance.creation, acceptance) for acceptance in acceptances],
        named=sorted((c for c in creations if c.named_on and c.named_on.year == year),
                     key=lambda c: (c.named_on, c.region.code)),
        reported=[c for c in creations if c.reported_on and c.reported_on.year == year],
        meetings=list(JointMeeting.objects.filter(region=campaign.region, held_on__year=year)
                      .prefetch_related("departments").order_by("held_on", "pk")),
        visits=list(SupervisionVisit.objects.filter(region=campaign.region, visited_on__year=year)
                    .prefetch_related("counties").order_by("visited_on", "pk")),
        funding=next((r for r in rounds if r.year == year), None), rounds=rounds,
        key_monitored=selectors.key_monitored(regions, year),
        # In the order they joined their groups: the first group's leader first.
        experts=list(Expert.objects.filter(groups_q).annotate(joined=Min("memberships__pk")).order_by("joined")),
        open_rectifications=list(Rectification.objects.filter(acceptance__creation__campaign=campaign)
                                 .exclude(state=Rectification.State.CLOSED)
                                 .select_related("acceptance__creation__region", "owner").order_by("due", "pk")),
        open_objections=list(Objection.objects.filter(publicity__creation__campaign=campaign,
                                                      settled_on__isnull=True)
                             .select_related("publicity__creation__region").order_by("received_on", "pk")),
        indicators=list(campaign.indicator_set.indicators.order_by("number")),
        self_scores=selectors.self_scores(creations),
        group_scores=selectors.group_scores(creations),
    )


def build(campaign, year, *, today):
    """The Word report and the Excel annex of ``campaign``'s ``year``, as bytes with their names."""
    data = summary_data(campaign, year, today)
    names = file_names(campaign.region, year)
    return Files(document=document(data), workbook=workbook(data), document_name=names["docx"],
                 workbook_name=names["xlsx"])


def file_names(region, year):
    """{"docx": …, "xlsx": …}: the files' names as they are downloaded and written."""
    name = f"{region.name}{year}年度县域节水型社会达标建设工作总结"
    return {"docx": f"{name}（草稿）.docx", "xlsx": f"{name}附件.xlsx"}


# --- the Word report ----------------------------------------------------------------------------


def _sentence(text):
    """``text`` ended as a sentence: what a clerk typed may end without its 。."""
    text = text.rstrip()
    return text if text.endswith(("。", "！", "？", "；", "…", ".", "!", "?", ";")) else f"{text}。"


def _dated(day, what, said):
    """"2019年11月5日，第二次联席会议：分解任务、督导推进。" from the words as typed, which
    may end with their own 。 or ： (punctuated once), or say nothing after the title."""
    return _sentence(f"{written_date(day)}，{bare(what)}" + (f"：{bare(said)}" if bare(said) else ""))


def _names(creations):
    return "、".join(creation.region.name for creation in creations)


def _counted(creations):
    """"合川区、大足区等2个区县"."""
    return f"{_names(creations)}等{len(creations)}个区县" if len(creations) > 1 else _names(creations)


def document(data):
    paper = Gongwen(title=data.title, addressee=ADDRESSEE, author=data.authority)
    paper.paragraph(_opening(data))
    paper.heading(1, "一、县域节水型社会达标建设开展情况")
    sections = [
        ("明确目标，分批推进", _goal_paragraphs(data)),
        ("严格考核，规范验收", _acceptance_paragraphs(data)),
        ("部门协同，联席推进", _meeting_paragraphs(data)),
        ("加强监督，确保实效", _supervision_paragraphs(data)),
    ]
    for number, (heading, paragraphs) in enumerate(sections, start=1):
        paper.heading(2, f"（{chinese_number(number)}）{heading}")
        for text in paragraphs:
            paper.paragraph(text)
    paper.heading(1, "二、存在的困难和问题")
    for text in _numbered(_problems(data)) or [NO_PROBLEMS]:
        paper.paragraph(text, draft=True)
    paper.heading(1, "三、下一步工作计划")
    for text in _numbered(_next_steps(data)) or ["（请填写下一年度的工作计划。）"]:
        paper.paragraph(text, draft=True)
    paper.signature(data.authority, data.today)
    return paper.bytes()


def _numbered(sentences):
    """"一是……。" "二是……。" as the seed numbers its problems and plans."""
    return [f"{chinese_number(index)}是{bare(sentence)}。" for index, sentence in enumerate(sentences, start=1)]


def _opening(data):
    standard = data.campaign.indicator_set
    basis = standard.source or f"《{standard.name}》"
    own = data.batch_of(data.year)
    text = f"为深入推进节水型社会建设，根据{basis}要求，"
    if own:
        text += f"{data.year}年{data.we}在{_counted(own)}开展了创建县域节水型社会达标工作。"
    else:
        text += f"{data.year}年{data.we}继续推进县域节水型社会达标建设工作。"
    if data.accepted:
        text += (f"经自评、技术评估和现场验收等考核，{_counted([c for c, _a in data.accepted])}"
                 f"达到了《{standard.name}》要求，通过验收。")
    return text + "现将工作开展情况报告如下："


def _goal_paragraphs(data):
    campaign, progress = data.campaign, data.progress
    basis = f"根据{campaign.source}，" if campaign.source else ""
    needs = f"，即全{data.region.name}{progress.counties}个县（区）级行政区中至少{progress.needed}个达标" \
        if progress.needed is not None else ""
    paragraphs = [f"{basis}{data.we}确定了到{campaign.goal_year}年实现“{campaign.goal_text}”的目标{needs}。"]
    # The batches of the year and after that the campaign had planned by then; the counties
    # named before the year are counted among the named, not "required to finish".
    planned = {creation.pk for creation in progress.creations}
    plans = [f"{batch.year}年{_names(kept)}{len(kept)}个区县完成创建工作"
             for batch, creations in data.batches if batch.year >= data.year
             for kept in [[c for c in creations if c.pk in planned]] if kept]
    if plans:
        paragraphs.append("按照分批创建的安排，要求" + "，".join(plans) + "。")
    tail = (f"已达到目标要求的{progress.needed}个" if progress.met
            else f"距目标还需{progress.still_needed}个" if progress.needed is not None else "")
    paragraphs.append(
        f"截至{written_date(data.as_of)}，已获命名{progress.named}个，正在创建{progress.in_progress}个，"
        f"计划创建{progress.planned}个" + (f"，{tail}" if tail else "") + "。")
    return paragraphs


def _acceptance_paragraphs(data):
    paragraphs = []
    if data.accepted:
        creations = [creation for creation, _acceptance in data.accepted]
        groups = []
        for _creation, acceptance in data.accepted:
            group = acceptance.members_text or "、".join(d.name for d in acceptance.departments.all())
            if group and group not in groups:
                groups.append(group)
        by = f"由{'；'.join(groups)}联合组成考核验收组，" if groups else ""
        days = "、".join(f"{c.region.name}（{written_date(a.held_on)}）" for c, a in data.accepted)
        paragraphs.append(f"{data.year}年，{by}对{_counted(creations)}进行了县域节水型社会达标现场验收：{days}。")
    else:
        paragraphs.append(f"{data.year}年尚无区县完成现场验收。")
    if data.experts:
        affiliations = []
        for expert in data.experts:
            if expert.affiliation not in affiliations:
                affiliations.append(expert.affiliation)
        paragraphs.append(f"技术评估邀请了{'、'.join(affiliations)}等{len(data.experts)}名专家组成的技术评估组"
                          "进行现场评估打分，确保创建实效。")
    if data.reported:
        paragraphs.append(f"{_counted(data.reported)}经向社会公示无异议，已按程序报请复核。")
    if data.named:
        named = "、".join(f"{c.region.name}（{c.named_batch}，{c.named_document}，{written_date(c.named_on)}）"
                          for c in data.named)
        paragraphs.append(f"{data.year}年获命名的区县：{named}。")
    return paragraphs


def _meeting_paragraphs(data):
    meetings = data.meetings
    if not meetings:
        return [f"{data.year}年未召开联席会议。"]
    widest = max(meetings, key=lambda m: (len(m.departments.all()), len(m.attendance_text)))
    departments = {d.pk for meeting in meetings for d in meeting.departments.all()}
    attendance = widest.attendance_text or "、".join(d.name for d in widest.departments.all())
    text = f"{data.year}年{data.authority}先后{len(meetings)}次牵头组织召开了"
    text += f"由{attendance}参与的联席会议" if attendance else "联席会议"
    if departments and not widest.attendance_text:
        text += f"（共{len(departments)}个部门参加）"
    paragraphs = [text + "，明确责任、分解任务、督导推进。"]
    for meeting in meetings:
        paragraphs.append(_dated(meeting.held_on, meeting.title, meeting.decisions))
    return paragraphs


def _supervision_paragraphs(data):
    paragraphs = []
    visits = data.visits
    if visits:
        counties = []
        for visit in visits:
            for county in visit.counties.all():
                if county.name not in counties:
                    counties.append(county.name)
        paragraphs.append(f"{data.year}年先后{len(visits)}次到{'、'.join(counties)}等{len(counties)}个区县进行督导检查。")
        for visit in visits:
            paragraphs.append(_dated(visit.visited_on, visit.purpose, visit.findings))
    else:
        paragraphs.append(f"{data.year}年未开展督导检查。")
    funding = data.funding
    if funding is not None:
        shares = "、".join(f"{a.creation.region.name}{plain(a.amount)}万元" for a in funding.allocations.all())
        state = "" if funding.is_approved else "（分配方案尚未批准）"
        basis = f"（{funding.basis}）" if funding.basis else ""
        paragraphs.append(f"根据各区县创建进度和评分情况考量资金奖补份额，{data.year}年安排县域节水型社会达标建设奖补资金"
                          f"共计{plain(funding.total)}万元{basis}，其中{shares}{state}。")
    listed = {region_id: count for region_id, count in data.key_monitored.items() if count}
    if listed:
        paragraphs.append(f"建立区县重点监控用水单位名录，{len(listed)}个区县共将{sum(listed.values())}家用水单位纳入"
                          f"{data.year}年度重点监控用水单位名录。")
    else:
        paragraphs.append(f"各区县尚未在系统中登记{data.year}年度重点监控用水单位名录。")
    return paragraphs


def _problems(data):
    found = []
    if data.progress.late:
        late = "、".join(f"{row.creation.region.name}未按期进入{row.stage_label}阶段（应于{written_date(row.due)}前）"
                        for row in data.progress.late)
        found.append(f"部分区县创建进度滞后，{late}")
    if data.open_rectifications:
        counts = defaultdict(int)
        for item in data.open_rectifications:
            counts[item.acceptance.creation.region.name] += 1
        items = "、".join(f"{name}{count}项" for name, count in counts.items())
        found.append(f"现场验收发现的问题尚未全部整改销号，{items}")
    if data.open_objections:
        counties = []
        for objection in data.open_objections:
            name = objection.publicity.creation.region.name
            if name not in counties:
                counties.append(name)
        found.append(f"{'、'.join(counties)}公示期间收到的{len(data.open_objections)}项异议尚未处理完毕")
    progress = data.progress
    if progress.needed is not None and not progress.met:
        text = f"距“{data.campaign.goal_text}”的目标还需{progress.still_needed}个区县获得命名"
        if progress.unplanned:
            text += f"，尚有{progress.unplanned}个未列入创建计划"
        found.append(text)
    return found


def _next_steps(data):
    found = []
    following = data.batch_of(data.year + 1)
    if following:
        found.append(f"{data.year + 1}年推进{_counted(following)}完成县域节水型社会达标创建工作")
    behind = [c for c in data.creations if c.batch.year <= data.year
              and stage_rank(Stage.PLANNED) <= stage_rank(c.stage) < stage_rank(Stage.NAMED)]
    if behind:
        found.append(f"督促{_counted(behind)}加快创建进度，按期完成各阶段工作")
    if data.open_rectifications:
        found.append("督促有关区县按期完成现场验收发现问题的整改并销号")
    # As the clerk typed them, perhaps ended with 。: joined into one sentence, punctuated once.
    pending = [bare(visit.follow_up) for visit in data.visits if bare(visit.follow_up) and not visit.follow_up_done]
    if pending:
        found.append("跟踪督导检查要求的落实情况：" + "；".join(pending))
    progress = data.progress
    if progress.needed is not None and not progress.met:
        found.append(f"确保{data.campaign.goal_year}年实现“{data.campaign.goal_text}”的目标")
    return found


# --- the Excel annex ------------------------------------------------------------------------------


def workbook(data):
    book = Workbook()
    _table(book.active, "创建进度", f"{data.region.name}县域节水型社会达标建设创建进度", *_stage_table(data), data)
    region, standard = data.region.name, data.campaign.indicator_set.name
    _table(book.create_sheet(), "评分", f"{region}县域节水型社会达标建设评分（{standard}）", *_score_table(data), data)
    _table(book.create_sheet(), "资金奖补", f"{region}县域节水型社会达标建设资金奖补（万元）", *_funding_table(data),
           data)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def entered_on(creation):
    """{stage: the date the county last entered it} from its steps."""
    found = {}
    for step in creation.steps.all():
        found[step.to_stage] = step.taken_on
    return found


def _stage_table(data):
    shown = list(STAGE_ORDER)
    columns = [Column("序号", 6, COUNT), ("区县", 12), ("区划代码", 10), ("批次", 14), ("当前阶段", 12),
               ("进入本阶段", 12)]
    columns += [(f"{Stage(stage).label}日期", 12) for stage in shown]
    columns += [("命名批次", 16), ("命名文号", 18), ("逾期情况", 26)]
    late = {row.creation.pk: row for row in data.progress.late}
    rows = []
    for number, creation in enumerate(data.creations, start=1):
        dates = entered_on(creation)
        overdue = late.get(creation.pk)
        rows.append([number, creation.region.name, creation.region.code, creation.batch.name,
                     creation.get_stage_display(), creation.stage_since.isoformat(),
                     *[dates[stage].isoformat() if stage in dates else None for stage in shown],
                     creation.named_batch, creation.named_document,
                     f"应于{overdue.due.isoformat()}前进入{overdue.stage_label}" if overdue else None])
    return columns, rows


def _score_table(data):
    """Item × county: the self-assessed and the group's points where they exist."""
    scored = [c for c in data.creations if any((c.pk, i.pk) in data.self_scores or (c.pk, i.pk) in data.group_scores
                                               for i in data.indicators)]
    columns = [Column("序号", 6, COUNT), ("评价内容", 30), Column("满分", 8, SCORE)]
    for creation in scored:
        name = creation.region.name
        columns += [Column(f"{name}自评", 10, SCORE), Column(f"{name}评估组", 10, MEAN_SCORE)]
    rows, totals = [], defaultdict(Decimal)
    for indicator in data.indicators:
        row = [indicator.number, indicator.name, float(indicator.points)]
        for creation in scored:
            for scores, kind in ((data.self_scores, "self"), (data.group_scores, "group")):
                points = scores.get((creation.pk, indicator.pk))
                row.append(None if points is None else float(points))
                if points is not None:
                    totals[(creation.pk, kind)] += points
        rows.append(row)
    total = ["", "合计", float(sum((i.points for i in data.indicators), Decimal("0")))]
    for creation in scored:
        for kind in ("self", "group"):
            value = totals.get((creation.pk, kind))
            total.append(None if value is None else float(value))
    if data.indicators:
        rows.append(total)
    return columns, rows


def _funding_table(data):
    columns = [Column("年度", 8, COUNT), ("区县", 12), Column("权重", 10, "0.0000"), Column("建议金额", 12, MONEY),
               Column("核定金额", 12, MONEY), ("调整理由", 30), ("状态", 10)]
    rows = []
    for funding in data.rounds:
        state = "已批准" if funding.is_approved else "未批准"
        allocations = list(funding.allocations.all())
        for allocation in allocations:
            rows.append([funding.year, allocation.creation.region.name, float(allocation.weight),
                         float(allocation.suggested), float(allocation.amount), allocation.note, state])
        rows.append([funding.year, "合计", None, float(sum((a.suggested for a in allocations), Decimal("0"))),
                     float(sum((a.amount for a in allocations), Decimal("0"))),
                     f"奖补总额{plain(funding.total)}万元", state])
    return columns, rows


def _table(sheet, name, title, columns, rows, data):
    """A titled table set up for printing, as the quarterly report's sheets are."""
    sheet.title = name
    titled_table(sheet, title, columns, rows, unit=data.region.name, day=data.today)
