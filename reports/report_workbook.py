"""The quarterly progress report of a region as an .xlsx, from stored data only: 概况,
指标达标情况 (a sheet per standard the region answers to), 任务进展 (the task-decomposition
table with this quarter's progress), 部门评分, 节水载体 and 逾期未报, each laid out for
printing on A4."""

import io
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook

from carriers.selectors import target_progress
from core.excel import (
    BODY_FONT,
    BORDER,
    COUNT,
    HEADER_FONT,
    RATE,
    SCORE,
    TITLE_FONT,
    WRAP_CENTER,
    WRAP_LEFT,
    Column,
    print_ready,
    titled_table,
    unit_line,
    value_format,
    write_text,
)
from core.numbers import plain
from indicators.models import DataReport
from indicators.selectors import board, rule_text
from tasks.exports import build_workbook
from tasks.models import Assignment, ProgressReport, TaskNode
from tasks.selectors import plan_tree

from . import selectors
from .models import COMPONENTS


@dataclass
class StandardSection:
    """The report's part about one standard: its verdict, and the board rows with a value."""

    indicator_set: object
    verdict: object  # RegionVerdict or None
    board: list
    adopted: bool = True

    @property
    def scored(self):
        return self.indicator_set.is_scored

    @property
    def points(self):
        """{"earned", "needed", "possible", "pending"} (text) under a scored standard with a verdict."""
        return (self.verdict.figures or {}).get("points") if self.verdict is not None else None

    @property
    def totals(self):
        """(earned, possible, needed) Decimals under a scored standard: the verdict's figures
        when there is one, else added up from the rows; None under any other standard."""
        if not self.scored:
            return None
        figures = self.points
        if figures is not None:
            return tuple(Decimal(figures[key]) for key in ("earned", "possible", "needed"))
        earned = sum((row.computed.points for row in self.board if row.computed.points is not None), Decimal(0))
        possible = sum((indicator.points for indicator in self.indicator_set.indicators.all()), Decimal(0))
        return earned, possible, self.indicator_set.min_points

    @property
    def points_text(self):
        """"得分72分（满分100分，达标分数75分），差3分" or "" under a standard not judged on points."""
        if not self.scored:
            return ""
        earned, possible, needed = self.totals
        if not self.board and self.verdict is None:
            return f"本季度尚无得分（满分{plain(possible)}分，达标分数{plain(needed)}分）"
        text = f"得分{plain(earned)}分（满分{plain(possible)}分，达标分数{plain(needed)}分）"
        return text + (f"，差{plain(needed - earned)}分" if needed > earned else "，达到达标分数")


@dataclass
class ReportData:
    """Everything the report shows, read once; the workbook, the HTML view and the Word
    draft are all written from it."""

    region: object
    quarter: object
    plan: object
    standards: list  # [StandardSection], one per standard the region answers to
    scorecards: list
    targets: list
    overdue: list  # (department, item, report or None)
    items: dict  # item id -> this quarter's reports of its lead departments
    totals: dict
    built_on: object = None  # the day the report is built
    due: object = None  # the day the quarter's entries are due (None without a plan)

    @property
    def caveat(self):
        """The first page's warning of a report built before the quarter's entries are due, or ""."""
        if self.due is None or self.built_on is None or self.built_on > self.due:
            return ""
        return provisional_note(self.built_on, self.due)

    @property
    def is_empty(self):
        return not (any(section.board for section in self.standards) or self.scorecards or self.items
                    or self.targets)


def _chinese_date(day):
    return f"{day.year}年{day.month}月{day.day}日"


def provisional_note(built_on, due):
    """The sentence a report built before the quarter's entries are due opens with, in
    every format (workbook, Word draft, printable page)."""
    return (f"本报告生成于{_chinese_date(built_on)}，本季度截止日期为{_chinese_date(due)}，"
            "数据截至生成之日，仅供参考。")


def report_data(region, quarter, *, today=None):
    today = today or timezone.localdate()
    plans = list(selectors.plans_of(region, quarter.year))
    plan = plans[0] if plans else None
    due = None
    standards = [
        StandardSection(row.indicator_set, row.verdict,
                        [line for line in board(region, row.indicator_set, quarter) if line.computed], row.adopted)
        for row in selectors.verdicts_of(region, quarter)
    ]
    reports, overdue, expected, submitted, on_time, self_reviewed = {}, [], 0, 0, 0, 0
    if plan is not None:
        due = plan.deadline_rule.due_on(quarter)
        found = {
            (r.item_id, r.department_id): r
            for r in ProgressReport.objects.filter(item__plan=plan, year=quarter.year, quarter=quarter.number)
        }
        leads = (
            Assignment.objects.filter(TaskNode.in_quarter_q(quarter, "node__"), node__plan=plan,
                                      node__level=TaskNode.Level.WORK_ITEM, role=Assignment.Role.LEAD)
            .select_related("node", "department")
            .order_by("node__position", "position")
        )
        for lead in leads:
            report = found.get((lead.node_id, lead.department_id))
            reports.setdefault(lead.node_id, []).append((lead.department, report))
            expected += 1
            sent = report is not None and report.state != ProgressReport.State.DRAFT
            # Each entry is due by its item's own date when that comes before the quarter's.
            entry_due = plan.deadline_rule.due_on(quarter, lead.node.due_on)
            late = sent and timezone.localdate(report.submitted_at) > entry_due
            submitted += sent
            on_time += sent and not late
            self_reviewed += report is not None and report.state == ProgressReport.State.APPROVED and \
                report.self_reviewed
            if (not sent and today > entry_due) or late:
                overdue.append((lead.department, lead.node, report if sent else None))
    return ReportData(
        region=region, quarter=quarter, plan=plan, standards=standards,
        scorecards=selectors.scorecards(plan, quarter) if plan else [],
        targets=target_progress(region, quarter.year, today=min(today, quarter.last_day)),
        overdue=overdue, items=reports,
        totals={"expected": expected, "submitted": submitted, "on_time": on_time, "self_reviewed": self_reviewed,
                "data_self_reviewed": DataReport.objects.filter(
                    region=region, year=quarter.year, quarter=quarter.number, state=DataReport.State.APPROVED,
                    self_reviewed=True).count()},
        built_on=today, due=due,
    )


def self_review_text(totals):
    """The report's line on approvals by the submitter (本人审核), or "" when there were none."""
    parts = []
    if totals["self_reviewed"]:
        parts.append(f"工作事项进展{totals['self_reviewed']}项")
    if totals["data_self_reviewed"]:
        parts.append(f"指标基础数据{totals['data_self_reviewed']}份")
    return f"本人审核（报送人与审核人为同一账号）：{'、'.join(parts)}。" if parts else ""


def build(data):
    """The workbook as bytes."""
    if data.plan is not None:
        workbook = build_workbook(data.plan, plan_tree(data.plan), title=_title(data, "任务进展"),
                                  extra_columns=_progress_columns(data), streaming=False,
                                  unit=(data.region.name, timezone.localdate()))
    else:
        workbook = Workbook()
    workbook.active.title = "任务进展"
    overview = workbook.create_sheet("概况", 0)
    _overview(overview, data)
    names = _sheet_names(data.standards)
    for position, section in enumerate(data.standards or [None], start=1):
        sheet = workbook.create_sheet(names[position - 1] if section else "指标达标情况", position)
        _indicator_sheet(sheet, data, section)
    _table(workbook.create_sheet("部门评分"), data, _title(data, "部门评分"),
           [("部门", 20), Column("综合得分", 10, SCORE), ("等级", 8), ("类别", 8), Column("类内排名", 8, COUNT)]
           + [Column(str(label), 12, SCORE) for _k, label, _w in COMPONENTS],
           _score_rows(data))
    _table(workbook.create_sheet("节水载体"), data, _title(data, "节水载体建设目标"),
           [("载体类型", 18), ("目标", 40), Column("已建成", 10, COUNT), Column("建成率（%）", 12, RATE), ("截至", 12),
            ("结果", 10)],
           _target_rows(data))
    _table(workbook.create_sheet("逾期未报"), data, _title(data, "逾期未报及逾期报送"),
           [("部门", 20), ("工作事项", 60), ("情况", 14), ("报送时间", 18)], _overdue_rows(data))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _title(data, what):
    return f"{data.region.name}{data.quarter.chinese_label}{what}"


def _progress_columns(data):
    """This quarter's columns of the task table: each lead department's entry."""

    def entries(item):
        return data.items.get(item.node.pk, [])

    def progress(item):
        lines = []
        for department, report in entries(item):
            if report is None or report.state == ProgressReport.State.DRAFT:
                lines.append(f"{department.short_name}：未报送")
            else:
                own = "（本人审核）" if report.state == ProgressReport.State.APPROVED and report.self_reviewed else ""
                lines.append(f"{department.short_name}：{report.get_status_display()} {report.percent}%{own}")
        return "\n".join(lines)

    def work(item):
        return "\n".join(f"{d.short_name}：{r.work_done}" for d, r in entries(item)
                         if r is not None and r.state != ProgressReport.State.DRAFT and r.work_done)

    def problems(item):
        return "\n".join(f"{d.short_name}：{r.problems}" for d, r in entries(item)
                         if r is not None and r.state != ProgressReport.State.DRAFT and r.problems)

    return [("本季度进展", 20, progress), ("完成工作", 40, work), ("存在问题", 30, problems)]


def _overview(sheet, data):
    scores = [row.card.composite for row in data.scorecards if row.card.composite is not None]
    met_targets = sum(1 for p in data.targets if p.met)
    rows = [("说明", data.caveat)] if data.caveat else []
    for section in data.standards:
        rows += _verdict_rows(section)
    if not data.standards:
        rows += [("达标结论", "未评价"), ("结论依据", "本区县尚未采用评价标准")]
    rows += [
        ("工作事项应报送", (data.totals["expected"], COUNT)),
        ("已报送", (data.totals["submitted"], COUNT)),
        ("按时报送", (data.totals["on_time"], COUNT)),
        ("逾期未报及逾期报送", (len(data.overdue), COUNT)),
        ("本人审核", self_review_text(data.totals) or "无"),
        ("载体建设目标", f"{met_targets}/{len(data.targets)} 项达成" if data.targets else "本年度未设目标"),
        ("部门平均得分", (float(round(sum(scores) / len(scores), 1)), SCORE) if scores else "—"),
        ("方案", data.plan.title if data.plan else "本年度无实施中的方案"),
        ("生成时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]
    write_text(sheet.cell(row=1, column=1), _title(data, "节水工作进展情况"))
    sheet.cell(row=1, column=1).font = TITLE_FONT
    sheet.cell(row=1, column=1).alignment = WRAP_CENTER
    sheet.merge_cells("A1:B1")
    sheet.row_dimensions[1].height = 36
    unit_line(sheet, 2, 2, data.region.name, timezone.localdate())
    for number, (label, value) in enumerate(rows, start=3):
        label_cell, value_cell = sheet.cell(row=number, column=1, value=label), sheet.cell(row=number, column=2)
        if isinstance(value, tuple):  # a figure: kept a number, in its format
            value, value_cell.number_format = value
        write_text(value_cell, value)
        label_cell.font, value_cell.font = HEADER_FONT, BODY_FONT
        label_cell.alignment, value_cell.alignment = WRAP_CENTER, WRAP_LEFT
        label_cell.border = value_cell.border = BORDER
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 22, 70
    print_ready(sheet, header_rows=None, landscape=False)


def _verdict_rows(section):
    """The overview's lines about one standard, headed by its name."""
    verdict = section.verdict
    name = section.indicator_set.name + ("" if section.adopted else "（已不再采用）")
    rows = [
        ("评价标准", name),
        ("达标结论", verdict.get_verdict_display() if verdict else "未评价"),
        ("结论依据", verdict.reason if verdict else "本季度尚无指标计算结果"),
    ]
    if section.scored:
        rows.append(("得分", section.points_text))
        rows.append(("前提条件", _met_text(verdict, "bottom_line")))
    else:
        rows += [("底线指标", _met_text(verdict, "bottom_line")), ("导向指标", _met_text(verdict, "guiding"))]
    return rows


def _met_text(verdict, kind):
    if verdict is None:
        return "—"
    figures = verdict.figures.get(kind, {})
    return f"{len(figures.get('met', []))}/{figures.get('total', 0)} 项达标"


_SHEET_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
SHEET_NAME_LENGTH = 31  # Excel's limit


def _sheet_names(sections):
    """A sheet name per standard: "指标达标情况" for the only one, else "指标-" and the
    standard's name, cut to Excel's 31 characters and kept distinct."""
    if len(sections) <= 1:
        return ["指标达标情况"] * len(sections)
    names = []
    for number, section in enumerate(sections, start=1):
        name = ("指标-" + _SHEET_FORBIDDEN.sub("", section.indicator_set.name))[:SHEET_NAME_LENGTH]
        if name in names:
            name = f"{name[: SHEET_NAME_LENGTH - 3]}（{number}）"
        names.append(name)
    return names


def _indicator_sheet(sheet, data, section):
    """One standard's indicators: each with its value and status, and under a standard
    judged on points its full points, the points awarded and why; then the total."""
    if section is None:
        _table(sheet, data, _title(data, "指标达标情况"), INDICATOR_COLUMNS, [])
        return
    title = f"{_title(data, '指标达标情况')}（{section.indicator_set.name}）"
    if not section.scored:
        _table(sheet, data, title, INDICATOR_COLUMNS, _indicator_rows(section))
        return
    rows = list(_scored_rows(section))
    if section.board:
        earned, possible, _needed = section.totals
        rows.append(["", "合计", "", None, "", "", "", "", "", float(possible), float(earned), section.points_text])
    _table(sheet, data, title, SCORED_COLUMNS, rows)


# The value's format goes with each row (its indicator's unit): see _value.
INDICATOR_COLUMNS = [Column("序号", 6, COUNT), ("指标", 28), ("类型", 10), ("数值", 12), ("单位", 10), ("要求", 30),
                     ("状态", 10), ("说明", 40)]
SCORED_COLUMNS = [Column("序号", 6, COUNT), ("指标", 26), ("类型", 8), ("数值", 11), ("单位", 9), ("要求", 24),
                  ("状态", 9), ("说明", 30), ("评分标准", 30), Column("满分", 7, SCORE), Column("得分", 7, SCORE),
                  ("得分说明", 40)]


def _value(indicator, computed):
    """An indicator's value as the pages show it (two decimals; volumes with separators)."""
    if computed.value is None:
        return None
    return float(round(computed.value, 2)), value_format(indicator.unit)


def _indicator_rows(section):
    for row in section.board:
        indicator, computed = row.indicator, row.computed
        yield [indicator.number, indicator.name, indicator.get_kind_display(), _value(indicator, computed),
               indicator.unit,
               indicator.target_text, computed.get_status_display(), computed.explanation]


def _scored_rows(section):
    for row in section.board:
        indicator, computed = row.indicator, row.computed
        kind = "前提条件" if indicator.kind == indicator.Kind.BOTTOM_LINE else "评分项"
        yield [indicator.number, indicator.name, kind, _value(indicator, computed), indicator.unit,
               indicator.target_text, computed.get_status_display(), computed.explanation, rule_text(indicator),
               float(indicator.points), None if computed.points is None else float(computed.points), computed.award]


GROUPS = {"lead": "牵头", "cooperating": "仅协办"}


def standing(card):
    """The scorecard's 等级 in the report: the band, or 进行中 while the quarter runs."""
    return "进行中" if card.running else {"green": "良好", "amber": "一般", "red": "较差"}.get(card.band, "—")


def _score_rows(data):
    for row in data.scorecards:
        card = row.card
        parts = [card.components.get(key, {}).get("value") for key, _label, _weight in COMPONENTS]
        yield [card.department.short_name, None if card.composite is None else float(card.composite),
               standing(card), GROUPS[row.group], row.rank, *[None if v is None else float(v) for v in parts]]


def _target_rows(data):
    for p in data.targets:
        yield [p.target.get_carrier_type_display(), p.target.text or "", p.built,
               None if p.rate is None else float(round(p.rate, 1)), p.as_of.isoformat(),
               "达成" if p.met else ("逾期未达成" if p.overdue else "进行中")]


def _overdue_rows(data):
    for department, item, report in data.overdue:
        if report is None:
            yield [department.short_name, item.label, "逾期未报", None]
        else:
            yield [department.short_name, item.label, "逾期报送",
                   timezone.localtime(report.submitted_at).strftime("%Y-%m-%d %H:%M")]


def _table(sheet, data, title, columns, rows):
    titled_table(sheet, title, columns, rows, unit=data.region.name, day=timezone.localdate())
