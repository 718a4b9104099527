"""The Word draft of the quarterly narrative (工作进展情况报告), with the figures filled in,
for the bureau to edit: overview, progress by key task, indicators, problems, next steps;
laid out as a 公文 (``core.gongwen``: A4, GB/T 9704 margins, page numbers) and signed by the
district's water bureau with the day it was built."""

import re
from collections import defaultdict

from django.utils import timezone

from core.gongwen import Gongwen, chinese_number
from core.numbers import plain
from org.selectors import water_bureau_of
from tasks.models import ProgressReport

from .report_workbook import self_review_text


def build(data):
    """The draft as bytes, from ``report_workbook.ReportData``."""
    document = Gongwen(title=f"{data.region.name}{data.quarter.chinese_label}节约用水工作进展情况报告")
    if data.caveat:
        document.paragraph(data.caveat)

    document.heading(1, "一、总体情况")
    totals = data.totals
    plan = data.plan.title if data.plan else "本年度方案"
    sentences = [
        f"{data.quarter.chinese_label}，{plan}共有工作事项应报送进展{totals['expected']}项，已报送{totals['submitted']}项，"
        f"其中按时报送{totals['on_time']}项，逾期未报或逾期报送{len(data.overdue)}项。"
    ]
    sentences.append(self_review_text(totals))
    for section in data.standards:
        if section.verdict is not None:
            points = f"，{section.points_text}" if section.scored else ""
            sentences.append(f"按{section.indicator_set.name}评价，本季度结论为“{section.verdict.get_verdict_display()}”"
                             f"{_bare(points)}：{_bare(section.verdict.reason)}。")
    document.paragraph("".join(sentences))

    document.heading(1, "二、重点任务推进情况")
    if data.plan is None:
        document.paragraph("本年度无实施中的方案。")
    for number, (label, line) in enumerate(_key_task_lines(data), start=1):
        document.heading(2, f"（{chinese_number(number)}）{label}")
        document.paragraph(line)

    document.heading(1, "三、指标达标情况")
    if not data.standards:
        document.paragraph("本区县尚未采用评价标准。")
    several = len(data.standards) > 1
    for number, section in enumerate(data.standards, start=1):
        if several:
            document.heading(2, f"（{chinese_number(number)}）{section.indicator_set.name}")
        for line in _standard_lines(section):
            document.paragraph(line)

    document.heading(1, "四、存在问题")
    problems = _texts(data, "problems")
    for text in problems or ["（请填写。）"]:
        document.paragraph(text)

    document.heading(1, "五、下一步工作")
    plans = _texts(data, "next_plan")
    for text in plans or ["（请填写。）"]:
        document.paragraph(text)

    document.signature(water_bureau_of(data.region), timezone.localdate())
    return document.bytes()


def _standard_lines(section):
    """The paragraphs about one standard: how many items met it, and under a standard judged
    on points the total against the pass score and each item that lost points, in its words."""
    rows = section.board
    if not rows:
        return [f"按{section.indicator_set.name}，本季度尚无指标计算结果。"]
    if section.scored:
        lines = [f"按{section.indicator_set.name}评分，{_bare(section.points_text)}。"]
        lost = [row for row in rows if row.computed.points is not None and row.computed.points < row.indicator.points]
        lines += [f"{_bare(row.indicator.name)}（满分{plain(row.indicator.points)}分，"
                  f"得{plain(row.computed.points)}分）：{_bare(row.computed.award or row.computed.explanation)}。"
                  for row in lost]
        vetoed = [row.indicator.name for row in rows
                  if row.indicator.kind == row.indicator.Kind.BOTTOM_LINE and row.computed.status == "not_met"]
        if vetoed:
            lines.append(f"前提条件未满足：{'、'.join(vetoed)}。")
        return lines
    met = [row for row in rows if row.computed.status == "met"]
    missed = [row for row in rows if row.computed.status == "not_met"]
    return [f"纳入评价的{len(rows)}项指标中，达标{len(met)}项，未达标{len(missed)}项。"] + [
        f"{_bare(row.indicator.name)}：{_bare(row.computed.explanation)}。" for row in missed
    ]


def _sent(report):
    return report is not None and report.state != ProgressReport.State.DRAFT


def _key_task_lines(data):
    """(heading, paragraph) per key task: its words without the plan's own number, which
    would clash with the report's (the plan's "一、" sits under the report's "二、"), and
    how many of its items' entries are in and completed."""
    if data.plan is None:
        return []
    counts = defaultdict(lambda: {"items": 0, "sent": 0, "done": 0, "behind": 0})
    labels = {}
    items = data.plan.nodes.in_quarter(data.quarter).filter(level=3).select_related("parent__parent", "parent")
    for item in items:
        key = item.parent if item.parent and item.parent.level == 1 else (item.parent.parent if item.parent else item)
        labels[key.pk] = (key.position, key.label)
        for _department, report in data.items.get(item.pk, []):
            row = counts[key.pk]
            row["items"] += 1
            if _sent(report):
                row["sent"] += 1
                row["done"] += report.status == ProgressReport.Status.DONE
                row["behind"] += report.status == ProgressReport.Status.BEHIND
    lines = []
    for key_id, (_position, label) in sorted(labels.items(), key=lambda pair: pair[1][0]):
        row = counts[key_id]
        lines.append((_unnumbered(label), f"应报送{row['items']}项，已报送{row['sent']}项，其中已完成{row['done']}项，"
                                          f"滞后{row['behind']}项。"))
    return lines


def _texts(data, field):
    """One paragraph per distinct text, naming every department that wrote it, in the
    order they first appear: a text merged under one name would hide who else reported it."""
    writers = {}
    for entries in data.items.values():
        for department, report in entries:
            text = getattr(report, field, "").strip() if _sent(report) else ""
            if text:
                names = writers.setdefault(text, [])
                if department.short_name not in names:
                    names.append(department.short_name)
    return [f"{'、'.join(names)}：{text}" for text, names in writers.items()]


# A heading's own number as plans write it: "一、", "（一）", "(1)", "1.", "3 ".
_NUMBER = re.compile(r"^\s*(?:[一二三四五六七八九十百零]+[、.．]|[（(][一二三四五六七八九十百零\d]+[）)]"
                     r"|\d+(?:[、.．](?!\d)|\s+))\s*")


def _unnumbered(label):
    return _NUMBER.sub("", label, count=1) or label


def _bare(text):
    """A fragment without its closing punctuation, for the sentence it is joined into to
    punctuate once ("…分。：" and "…。。" are what joining stored sentences gives)."""
    return text.strip().rstrip("。；;，,：:、.． ")
