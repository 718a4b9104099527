"""This year's quarters of progress for 武隆 up to the current one, so the to-do, the inbox,
the records and the scorecards' change on last quarter are alive on first run: most entries
approved, some returned, some reported late, some missing, the current quarter in drafts.

The source plans ran in 2019; the demo copies the 2019 annual tasks to the current year
(“武隆区YYYY年节约用水工作任务（演示）”) so that “this quarter” has something to report.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from core.periods import Quarter
from org.models import Region, User
from tasks.models import Assignment, Plan, ProgressReport, TaskNode
from tasks.services import (
    contribution_save,
    plan_copy,
    progress_approve,
    progress_open,
    progress_return,
    progress_save,
)

SOURCE_TITLE = "武隆区2019年节约用水工作任务"
QIANJIANG_TITLE = "重庆市黔江区创建重庆市节水型城市工作方案"
QIANJIANG_YEAR = 2023  # the year of 黔江's demo statistics
WORK = [  # (status, percent, work done, problems, next quarter's plan)
    ("in_progress", 60, "已制定年度工作计划，完成第一轮督导检查，整改问题{n}项。", "",
     "继续推进整改，开展第二轮检查。"),
    ("in_progress", 75, "组织召开专题会议，印发工作通知，完成重点单位走访{n}家。", "",
     "完成剩余单位走访并形成报告。"),
    ("done", 100, "已全面完成本项任务，形成工作总结并归档佐证材料{n}份。", "", "巩固成果，做好迎检准备。"),
    ("behind", 30, "已启动前期调研，完成方案初稿。", "资金未到位，施工单位尚未确定。",
     "协调财政资金，力争下季度开工。"),
]
RETURN_COMMENT = "请补充佐证材料（照片或文件），并写明完成的具体数量。"
CONTRIBUTION_NOTE = "按牵头单位要求提供了相关数据和材料，参加了工作推进会。"


def load(*, today=None):
    today = today or timezone.localdate()
    region = Region.objects.get(code="500156")
    current = Quarter.containing(today)
    title = f"武隆区{current.year}年节约用水工作任务（演示）"
    plan = Plan.objects.filter(region=region, title=title).first()
    if plan is None:
        source = Plan.objects.get(region=region, title=SOURCE_TITLE)
        plan = plan_copy(plan=source, title=title, years_later=current.year - source.start_year)
    _qianjiang()
    if ProgressReport.objects.filter(item__plan=plan).exists():
        return plan
    reviewer = User.objects.get(username="wulong_reviewer")
    items = _work_items(plan)
    # Every finished quarter of the year, so scorecards have a last quarter to compare with.
    for number in range(1, current.number + 1):
        quarter = Quarter(current.year, number)
        _quarter(plan, items, quarter, reviewer, finished=quarter != current, share=number / current.number)
    return plan


def _qianjiang():
    """黔江's second half of the year its statistics cover, reported and reviewed."""
    plan = Plan.objects.filter(region__code="500114", title=QIANJIANG_TITLE).first()
    if plan is None or ProgressReport.objects.filter(item__plan=plan).exists():
        return
    reviewer = User.objects.get(username="qianjiang_reviewer")
    items = _work_items(plan)
    # The last two quarters: enough for the change on last quarter, and quick to load.
    for number in (3, 4):
        _quarter(plan, items, Quarter(QIANJIANG_YEAR, number), reviewer, finished=True, share=number / 4)


def _work_items(plan):
    return list(TaskNode.objects.filter(plan=plan, level=TaskNode.Level.WORK_ITEM).order_by("position"))


def _quarter(plan, items, quarter, reviewer, *, finished, share):
    """Every lead department of every item gets an entry, in a pattern that gives each
    department a mix: reported and approved, late, returned, missing, drafts. Earlier
    quarters show the same work less far along (``share`` of the way), and a different
    department misses."""
    # The demo districts have one reviewer, whose own bureau reports too: its entries are
    # approved by their submitter, as the district's setting allows (本人审核).
    Region.objects.filter(pk=plan.region_id).update(allow_self_review=True)
    shift = 2 * quarter.number
    due = plan.deadline_rule.due_on(quarter)
    assignments = Assignment.objects.filter(node__in=items, role="lead").select_related("department", "node")
    leads = [(a.node, a) for a in assignments.order_by("node__position", "position")]
    for index, (item, lead) in enumerate(leads):
        if finished and (index + shift) % 7 == 6:
            continue  # never reported: shows as missing
        if not finished and index % 3 == 2:
            continue  # not started yet this quarter
        report = progress_open(item=item, department=lead.department, quarter=quarter)
        status, percent, work, problems, next_plan = WORK[index % len(WORK)]
        percent = int(percent * share)
        if status == "done" and percent < 100:
            status = "in_progress"
        report.status, report.percent = status, percent
        report.work_done, report.problems, report.next_plan = work.format(n=index % 5 + 2), problems, next_plan
        clerk = lead.department.users.first() or reviewer
        submit = finished or index % 3 == 0
        progress_save(report=report, version=report.version, user=clerk, submit=submit)
        if not submit:
            continue
        late_days = 4 if finished and (index + shift) % 7 == 3 else 0
        submitted = timezone.make_aware(datetime.combine(due - timedelta(days=1 - late_days), time(16, 30)))
        submitted = min(submitted, timezone.now())  # this quarter's deadline may not have come yet
        # Back-date the submission, in the record and in its history alike.
        ProgressReport.objects.filter(pk=report.pk).update(submitted_at=submitted)
        ProgressReport.history.filter(id=report.pk, submitted_at__isnull=False).update(submitted_at=submitted)
        if finished and (index + shift) % 5 == 4:
            progress_return(report=report, user=reviewer, comment=RETURN_COMMENT, version=report.version)
        elif finished:
            progress_approve(report=report, user=reviewer, version=report.version)
    if finished:
        _contributions(items, quarter, shift)


def _contributions(items, quarter, shift):
    """Most cooperating departments say what they contributed; every fifth keeps silent."""
    cooperating = Assignment.objects.filter(node__in=items, role="cooperating").select_related("department", "node")
    for index, assignment in enumerate(cooperating.order_by("node__position", "position")):
        if (index + shift) % 5 == 0:
            continue
        contribution_save(item=assignment.node, department=assignment.department, quarter=quarter,
                          note=CONTRIBUTION_NOTE, user=None)
