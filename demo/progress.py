"""Quarterly progress of both demo districts, dated relative to the day the demo is loaded
(``demo.dates``), so the to-do, the inbox, the records and the scorecards are alive on any
day: most entries approved, some returned, some reported late, some missing, the current
quarter partly in drafts.

- 武隆: the source plan “武隆区2019年节约用水工作任务” is reported for its own year, 2019;
  the previous and the current year each get a copy of it (“武隆区YYYY年节约用水工作任务（演示）”)
  reported up to the current quarter.
- 黔江: its plan (2023–2025) is reported from 2023 on; each later year up to the current
  one gets a one-year copy (“重庆市黔江区YYYY年节水型城市工作任务（演示）”).

Each lead department's entry is written and submitted by its own reporter account
(``regions.reporter_of``) and reviewed by the district's reviewer; cooperating departments
add their notes the same way. What they write comes from ``demo.ledger``. Every step goes
through the portal's services, at the moment the calendar gives it (``dates.at``), so the
records and their histories read as if kept over the years.

An entry is only ever moved forward: loading again the same day writes nothing, and a later
day finishes what was the current quarter then.
"""

from datetime import timedelta

from core.periods import Quarter
from org.models import User
from tasks.models import Assignment, Contribution, Plan, ProgressReport, TaskNode
from tasks.services import (
    contribution_save,
    plan_copy,
    progress_approve,
    progress_open,
    progress_return,
    progress_save,
)

from . import dates, ledger
from .regions import reporter_of

WULONG, QIANJIANG = "500156", "500114"
SOURCE_TITLE = "武隆区2019年节约用水工作任务"
QIANJIANG_TITLE = "重庆市黔江区创建重庆市节水型城市工作方案"
REVIEWERS = {WULONG: "wulong_reviewer", QIANJIANG: "qianjiang_reviewer"}

# The generic lines of the synthetic national-scale data (``demo.scale``), which has no
# source document to write ledgers from.
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
RETURN_COMMENTS = [
    RETURN_COMMENT,
    "进展情况过于笼统，请写明涉及的单位名称、数量和完成时间。",
    "请对照任务目标说明完成程度，并附相关文件或照片。",
]

# The steps an entry goes through, by how its quarter ends for it.
MISSING, DRAFT, SUBMITTED, APPROVED = "missing", "draft", "submitted", "approved"
RETURNED, CORRECTED = "returned", "corrected"
STEPS = {
    MISSING: [],
    DRAFT: ["draft"],
    SUBMITTED: ["submit"],
    APPROVED: ["submit", "approve"],
    RETURNED: ["first", "return"],  # returned in the last finished quarter: the department has yet to correct it
    CORRECTED: ["first", "return", "submit", "approve"],  # returned, corrected and approved long since
}
STATE_AFTER = {"draft": "draft", "first": "submitted", "submit": "submitted", "return": "returned",
               "approve": "approved"}


def load():
    """Report every quarter due; returns 武隆's plan of the current year."""
    current = dates.current_quarter()
    runs = _wulong(current) + _qianjiang(current)
    reviewers = {code: User.objects.get(username=username) for code, username in REVIEWERS.items()}
    for plan, quarters in runs:
        _plan(plan, quarters, current, reviewers[plan.region.code])
    return next(plan for plan, _quarters in reversed(runs) if plan.region.code == WULONG)


def _wulong(current):
    source = Plan.objects.select_related("region").get(region__code=WULONG, title=SOURCE_TITLE)
    runs = [(source, _quarters(source.start_year, current))]
    for year in (current.year - 1, current.year):
        if year > source.start_year:
            runs.append((_copy(source, f"武隆区{year}年节约用水工作任务（演示）", year), _quarters(year, current)))
    return runs


def _qianjiang(current):
    plan = Plan.objects.select_related("region").get(region__code=QIANJIANG, title=QIANJIANG_TITLE)
    runs = [(plan, [q for year in range(plan.start_year, plan.end_year + 1) for q in _quarters(year, current)])]
    for year in range(plan.end_year + 1, current.year + 1):
        runs.append((_copy(plan, f"重庆市黔江区{year}年节水型城市工作任务（演示）", year), _quarters(year, current)))
    return runs


def _quarters(year, current):
    return [Quarter(year, number) for number in range(1, 5) if Quarter(year, number) <= current]


def _copy(source, title, year):
    """The plan's copy for ``year`` (one year long), made once."""
    plan = Plan.objects.select_related("region").filter(region=source.region, title=title).first()
    if plan is None:
        plan = plan_copy(plan=source, title=title, years_later=year - source.start_year)
        if plan.end_year != year:
            Plan.objects.filter(pk=plan.pk).update(end_year=year)
            plan.end_year = year
    return plan


def _plan(plan, quarters, current, reviewer):
    items = TaskNode.objects.filter(plan=plan, level=TaskNode.Level.WORK_ITEM).select_related("parent")
    items = {item.pk: item for item in items}
    assignments = list(Assignment.objects.filter(node__in=items).select_related("department")
                       .order_by("node__position", "position"))
    leads = [a for a in assignments if a.role == Assignment.Role.LEAD]
    cooperating = [a for a in assignments if a.role == Assignment.Role.COOPERATING]
    lead_names = {}
    for a in leads:
        lead_names.setdefault(a.node_id, []).append(a.department.short_name)
    stored = {(r.item_id, r.department_id, r.year, r.quarter): r
              for r in ProgressReport.objects.filter(item__plan=plan)}
    noted = set(Contribution.objects.filter(item__plan=plan).values_list("item", "department", "year", "quarter"))
    clerks = {}
    for quarter in quarters:
        finished = quarter < current
        shift = 2 * quarter.number + quarter.year
        for index, lead in enumerate(leads):
            fate = _fate(index, shift, quarter, current)
            report = stored.get((lead.node_id, lead.department_id, quarter.year, quarter.number))
            if finished and fate == MISSING and report is not None and report.state == ProgressReport.State.SUBMITTED:
                fate = APPROVED  # sent while its quarter was running: the reviewer has seen to it since
            steps = _remaining(STEPS[fate], report)
            if steps:
                clerk = _clerk(clerks, lead.department)
                _report(plan, items[lead.node_id], lead.department, quarter, report, steps,
                        clerk=clerk, reviewer=reviewer, index=index, late=finished and (index + shift) % 7 == 3)
        if finished:
            for index, assignment in enumerate(cooperating):
                key = (assignment.node_id, assignment.department_id, quarter.year, quarter.number)
                if (index + shift) % 5 == 0 or key in noted:
                    continue  # every fifth keeps silent
                note = ledger.contribution(items[assignment.node_id], assignment.department,
                                           lead_names.get(assignment.node_id, []), quarter, plan, plan.region.code)
                due = plan.deadline_rule.due_on(quarter)
                with dates.at(dates.moment(due - timedelta(days=3 + index % 4), 10 + index % 6)):
                    contribution_save(item=items[assignment.node_id], department=assignment.department,
                                      quarter=quarter, note=note, user=_clerk(clerks, assignment.department))


def _clerk(clerks, department):
    if department.pk not in clerks:
        clerks[department.pk] = reporter_of(department)
        if clerks[department.pk] is None:
            raise ValueError(f"{department.region_id} {department}: no reporter account to submit its entries")
    return clerks[department.pk]


def _fate(index, shift, quarter, current):
    """How the quarter ends for the ``index``-th lead entry: in the current quarter a third
    submitted, a third in drafts and a third not started; in finished ones most approved,
    one in seven never reported, one in five returned (and, in quarters before the last,
    corrected and approved since)."""
    if quarter == current:
        return (SUBMITTED, DRAFT, MISSING)[index % 3]
    if (index + shift) % 7 == 6:
        return MISSING
    if (index + shift) % 5 == 4:
        return RETURNED if quarter == current.previous() else CORRECTED
    return APPROVED


def _remaining(steps, report):
    """The steps still to take for an entry stored as ``report`` (never back)."""
    if report is None:
        return steps
    states = [STATE_AFTER[step] for step in steps]
    if report.state == ProgressReport.State.APPROVED or not steps:
        return []
    if report.state == ProgressReport.State.DRAFT:
        return [step for step in steps if step != "draft"] if steps != ["draft"] else []
    if report.state == ProgressReport.State.RETURNED:
        if "returned" in states:
            return steps[states.index("returned") + 1:]
        return ["submit", "approve"] if "approved" in states else []
    # Submitted: the second submission if it was returned before, else the first.
    submitted = [position for position, state in enumerate(states) if state == "submitted"]
    if not submitted:
        return []
    return steps[(submitted[-1] if report.review_comment else submitted[0]) + 1:]


def _report(plan, item, department, quarter, report, steps, *, clerk, reviewer, index, late):
    """Take ``steps`` for the department's entry, each at its moment of the calendar."""
    today = dates.today()
    line = ledger.entry(item, department, quarter, plan, plan.region.code, today=today)
    due = plan.deadline_rule.due_on(quarter)
    if quarter == dates.current_quarter():
        opened = dates.moment(quarter.first_day + timedelta(days=20 + index % 25), 9 + index % 8)
        submitted = max(opened, dates.moment(quarter.first_day + timedelta(days=45 + index % 30), 16, 30))
    else:
        opened = dates.moment(due - timedelta(days=12 - index % 6), 9 + index % 8)
        submitted = dates.moment(due - timedelta(days=1 - (4 if late else 0)), 16, 30)
    returned = max(submitted, dates.moment(submitted.date() + timedelta(days=2), 10))
    corrected = max(returned, dates.moment(returned.date() + timedelta(days=2), 15, 20))
    if report is None:
        with dates.at(opened):
            report = progress_open(item=item, department=department, quarter=quarter)
        # Opened by the clerk, as the page would record it (the service leaves who to the request).
        ProgressReport.history.filter(id=report.pk, history_type="+").update(history_user=clerk)
    after_return = False
    for step in steps:
        if step in ("draft", "first", "submit"):
            report.status, report.percent, report.quantity = line.status, line.percent, line.quantity
            report.work_done = line.first_draft if step == "first" else line.work_done
            report.problems, report.next_plan = line.problems, line.next_plan
            when = opened if step == "draft" else corrected if after_return else submitted
            with dates.at(when):
                progress_save(report=report, version=report.version, user=clerk, submit=step != "draft")
        elif step == "return":
            with dates.at(returned):
                report = progress_return(report=report, user=reviewer, version=report.version,
                                         comment=RETURN_COMMENTS[index % len(RETURN_COMMENTS)])
            after_return = True
        else:
            approved = max(corrected if after_return else submitted,
                           dates.moment((corrected if after_return else submitted).date() + timedelta(days=1), 11))
            with dates.at(approved):
                report = progress_approve(report=report, user=reviewer, version=report.version)
