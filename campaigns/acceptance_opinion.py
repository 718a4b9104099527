"""The 验收意见 of a county's on-site acceptance as a Word 公文 (``core.gongwen``): who
accepted it and when, under which standard, the technical assessment's total, each finding
and how far its rectification has come, and the conclusion; signed by the joint group as
the city wrote it. What is not decided yet is marked as a draft to edit."""

from django.utils import timezone

from core.gongwen import Gongwen, written_date
from core.numbers import plain

from .models import Acceptance, Rectification
from .selectors_acceptance import is_overdue, technical_total


def title_of(creation):
    return f"{creation.region.name}县域节水型社会达标建设现场验收意见"


def default_addressee(creation):
    return f"{creation.region.name}人民政府"


def group_of(acceptance):
    """The joint group as written, or the departments chosen when nothing was written."""
    return acceptance.members_text or "、".join(department.short_name for department in acceptance.departments.all())


def _state_of(item, today):
    if item.state == Rectification.State.CLOSED:
        return f"已于{written_date(item.closed_on)}整改到位并销号"
    if item.state == Rectification.State.REPORTED:
        return "已报整改完成，待审核销号"
    overdue = "，已逾期" if is_overdue(item, today) else ""
    return f"正在整改{overdue}"


def build(creation, *, addressee=None, today=None):
    """The .docx bytes of ``creation``'s acceptance opinion."""
    today = today or timezone.localdate()
    acceptance = Acceptance.objects.prefetch_related("departments").get(creation=creation)
    region, standard = creation.region.name, creation.campaign.indicator_set
    group = group_of(acceptance)
    document = Gongwen(title=title_of(creation), addressee=default_addressee(creation) if addressee is None
                       else addressee.strip(), author=group)
    document.paragraph(
        f"{written_date(acceptance.held_on)}，{group}联合组成考核验收组，依据《{standard.name}》，"
        f"对{region}县域节水型社会达标建设工作进行了现场验收。验收组听取了{region}的工作汇报，"
        f"查阅了相关资料，并进行了现场检查。")
    total = technical_total(creation)
    if total is not None:
        document.paragraph(f"技术评估组按照评价标准逐项评分，{region}技术评估得分为{plain(total)}分。")
    else:
        document.paragraph("技术评估得分：（尚无技术评估组的评分）", draft=True)

    items = list(acceptance.rectifications.select_related("owner"))
    document.heading(1, "一、发现的问题及整改情况")
    if items:
        for number, item in enumerate(items, start=1):
            document.paragraph(f"{number}. {item.finding}（责任单位：{item.owner.short_name}；整改时限："
                               f"{written_date(item.due)}；整改情况：{_state_of(item, today)}。）")
    else:
        document.paragraph("验收组未发现需要整改的问题。")

    document.heading(1, "二、验收结论")
    if acceptance.conclusion:
        document.paragraph(f"验收结论：{acceptance.get_conclusion_display()}。")
    else:
        document.paragraph("验收结论：（待验收组确定）", draft=True)
    if acceptance.opinion:
        for line in acceptance.opinion.splitlines():
            if line.strip():
                document.paragraph(line.strip())
    document.signature(group, acceptance.held_on)
    return document.bytes()
