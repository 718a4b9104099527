"""The 技术评估意见 as a 公文 (``core.gongwen``): addressed to the campaign's water bureau,
saying when and by whom the county was assessed, on what standard, the group's total
against the pass score, the items that lost points and why, the group's opinion and its
conclusion; the item scores (each expert's and the group's) in an attachment table; signed
by the group on the day it concluded. Built from stored data only: ``table`` is the
group's ``selectors_assessment.group_table`` as the city sees it."""

from decimal import Decimal

from django.utils import timezone

from core.gongwen import Gongwen, bare, written_date
from core.numbers import plain
from org.models import Department

SIGNATURE = "技术评估专家组"


def title_of(creation):
    return f"关于{creation.region.name}县域节水型社会达标建设技术评估的意见"


def addressee_of(campaign):
    """The campaign region's water bureau as it is named (重庆市水利局)."""
    bureau = (Department.objects.filter(region=campaign.region_id, name__endswith="水利局").order_by("pk").first()
              or Department.objects.filter(region=campaign.region_id, short_name__contains="水利局")
              .order_by("pk").first())
    return bureau.name if bureau is not None else f"{campaign.region.name}水利局"


def _points(value):
    return "—" if value is None else plain(value)


def _sum(values):
    values = [value for value in values if value is not None]
    return sum(values, Decimal("0")) if values else None


def _members_text(members):
    return "、".join(f"{member.expert.name}（{member.expert.affiliation}"
                     f"{'，' + member.expert.title if member.expert.title else ''}）" for member in members)


def build(table):
    """The .docx bytes of the group's technical-assessment opinion."""
    group = table.group
    creation = group.creation
    campaign = creation.campaign
    standard = campaign.indicator_set
    county = creation.region.name
    concluded = timezone.localtime(group.concluded_at).date() if group.concluded_at else None
    day = concluded or timezone.localdate()
    draft = concluded is None  # not concluded yet: the office sees what is still open
    addressee = addressee_of(campaign)
    document = Gongwen(title=title_of(creation), addressee=addressee, author=SIGNATURE)
    leader = next((member for member in table.members if member.is_leader), None)
    assessed = written_date(group.assessed_on) if group.assessed_on else written_date(group.formed_on)
    document.heading(1, "一、评估基本情况")
    document.paragraph(
        f"{assessed}，由{_members_text(table.members)}共{len(table.members)}名专家组成的技术评估专家组"
        f"{f'（组长：{leader.expert.name}）' if leader else ''}，依据《{standard.name}》（{standard.version}），"
        f"对{county}县域节水型社会达标建设情况进行了技术评估。专家组查阅了{county}{creation.assessment_year}年度"
        f"自评报告及佐证材料，逐项核查并独立评分。")
    document.heading(1, "二、评估得分")
    total, needed = table.total, table.needed
    if total is None:
        document.paragraph("专家尚未提交评分。", draft=True)
    else:
        outcome = "达到" if table.passes else "未达到"
        document.paragraph(
            f"专家组评定{county}得分{plain(total)}分（满分{plain(standard.full_points)}分），"
            f"{outcome}《{standard.name}》规定的{plain(needed) if needed is not None else '—'}分达标要求。"
            "各项得分为各位专家评分的平均值，专家组合议确定的项目以合议分值为准。", draft=draft)
    document.heading(1, "三、扣分项目及理由")
    lost = table.lost
    if not lost:
        document.paragraph("各评价项目均得满分。" if total is not None else "尚无扣分项目。")
    for index, row in enumerate(lost, start=1):
        # What the experts typed may end as a sentence; it is joined into one, punctuated once.
        reasons = "；".join(f"{name}：{bare(reason)}" for name, reason in row.reasons if bare(reason))
        agreed = ""
        if row.consensus is not None:
            agreed = "专家组合议" + (f"：{bare(row.consensus.note)}" if bare(row.consensus.note) else "")
            if bare(row.consensus.dissent):
                agreed += f"（不同意见：{bare(row.consensus.dissent)}）"
        text = (f"{index}. {row.indicator.name}：满分{plain(row.indicator.points)}分，"
                f"专家组评定{plain(row.group_points)}分。")
        document.paragraph(text + "".join(f"{part}。" for part in (reasons, agreed) if part))
    document.heading(1, "四、专家组意见")
    opinion = group.opinion.strip()
    for line in (opinion.splitlines() if opinion else ["（专家组意见待组长填写。）"]):
        if line.strip():
            document.paragraph(line.strip(), draft=not opinion)
    document.heading(1, "五、评估结论")
    if total is None:
        conclusion = "专家尚未全部提交评分，暂无结论。"
    elif table.passes:
        conclusion = f"专家组认为，{county}县域节水型社会达标建设通过技术评估，建议进入现场验收。"
    else:
        conclusion = f"专家组认为，{county}县域节水型社会达标建设未通过技术评估，建议对扣分项目整改后重新申报。"
    document.paragraph(conclusion, draft=draft)
    document.paragraph(f"附件：{county}县域节水型社会达标建设技术评估评分表")
    document.signature(SIGNATURE, day)
    document.document.add_page_break()
    document.paragraph("附件")
    document.heading(2, f"{county}县域节水型社会达标建设技术评估评分表")
    header = ["序号", "评价项目", "满分", "自评", *[member.expert.name for member in table.shown], "专家组"]
    rows = [[row.indicator.number, row.indicator.name, plain(row.indicator.points), _points(row.self_points),
             *[_points(points) for points in row.points], _points(row.group_points)] for row in table.rows]
    rows.append(["", "合计", plain(standard.full_points), _points(_sum(row.self_points for row in table.rows)),
                 *[_points(_sum(row.points[index] for row in table.rows)) for index in range(len(table.shown))],
                 _points(total)])
    document.table(header, rows)
    return document.bytes()


def filename(creation):
    return f"{creation.region.name}技术评估意见.docx"

