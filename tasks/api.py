"""/api/v1/ routes of plans and quarterly progress: the plans and their task trees a token
sees, and the departments' progress entries with their review state.

Scope and reads are the pages': ``plans_for`` and ``tree_rows`` as the plan pages,
``records(..., department="department")`` as the progress record page."""

import datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from core.api import Page, Refused, in_quarter, paged
from core.api import decimal_text as _decimal
from core.api import who as _who
from org.api import in_region
from org.scoping import visible_to

from .models import Assignment, ProgressReport
from .selectors import plans_for, targets_by_node, tree_rows
from .wording import target_label

router = Router(tags=[_("Plans and progress")])


# --- plans -----------------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    region: str
    region_name: str
    title: str
    kind: str
    document_number: str
    start_year: int
    end_year: int
    report_window_days: int
    report_due_offset_days: int
    report_rule: str
    work_item_count: int
    version: int
    updated_at: datetime.datetime


class PhaseOut(Schema):
    position: int
    name: str
    starts_on: datetime.date
    ends_on: datetime.date
    description: str


class TargetOut(Schema):
    id: int
    position: int
    kind: str
    comparator: str
    value: str
    value_max: str | None
    unit: str
    base_year: int | None
    due_on: datetime.date | None
    due_text: str
    wording: str
    alternative: bool
    label: str


class AssignmentOut(Schema):
    department_id: int
    department: str
    short_name: str
    role: str
    group: str | None


class NodeOut(Schema):
    id: int
    parent_id: int | None
    level: int
    position: int
    number: str
    text: str
    due_on: datetime.date | None
    due_text: str
    target_value: str | None
    target_unit: str
    target_comparator: str
    target_text: str
    lead_text: str
    cooperating_text: str
    source_cells: dict
    targets: list[TargetOut]
    assignments: list[AssignmentOut]
    archived_at: datetime.datetime | None
    archive_reason: str
    version: int


class PlanDetailOut(PlanOut):
    phases: list[PhaseOut]
    nodes: list[NodeOut]


def plan_out(plan, work_item_count):
    return {
        "id": plan.pk, "region": plan.region.code, "region_name": plan.region.name, "title": plan.title,
        "kind": plan.kind, "document_number": plan.document_number, "start_year": plan.start_year,
        "end_year": plan.end_year, "report_window_days": plan.report_window_days,
        "report_due_offset_days": plan.report_due_offset_days, "report_rule": plan.deadline_rule.describe(),
        "work_item_count": work_item_count, "version": plan.version, "updated_at": plan.updated_at,
    }


def _target_out(target, plan):
    return {
        "id": target.pk, "position": target.position, "kind": target.kind, "comparator": target.comparator,
        "value": _decimal(target.value), "value_max": _decimal(target.value_max), "unit": target.unit,
        "base_year": target.base_year, "due_on": target.due_on, "due_text": target.due_text,
        "wording": target.wording, "alternative": target.alternative,
        "label": target_label(target, default_year=plan.start_year),
    }


def _assignments_out(row):
    assigned = [(department, Assignment.Role.LEAD) for department in row.leads]
    assigned += [(department, Assignment.Role.COOPERATING) for department in row.cooperators]
    return [{"department_id": department.pk, "department": department.name, "short_name": department.short_name,
             "role": role, "group": row.through.get(department.pk)} for department, role in assigned]


def _node_out(row, targets, plan):
    node = row.node
    return {
        "id": node.pk, "parent_id": node.parent_id, "level": node.level, "position": node.position,
        "number": node.number, "text": node.text, "due_on": node.due_on, "due_text": node.due_text,
        "target_value": _decimal(node.target_value), "target_unit": node.target_unit,
        "target_comparator": node.target_comparator, "target_text": node.target_text,
        "lead_text": node.lead_text, "cooperating_text": node.cooperating_text, "source_cells": node.source_cells,
        "targets": [_target_out(target, plan) for target in targets.get(node.pk, [])],
        "assignments": _assignments_out(row), "archived_at": node.archived_at,
        "archive_reason": node.archive_reason, "version": node.version,
    }


@router.get("/plans", response=Page[PlanOut], summary=_("Plans the token sees"))
def plan_list(request, region: str = "", page: int = 1, page_size: int = 100):
    plans = plans_for(visible_to(request.user))
    plans = in_region(request, plans, region, "region")
    return paged(plans, page=page, page_size=page_size, ordering=("region__code", "-start_year", "title", "pk"),
                 row=lambda plan: plan_out(plan, plan.work_item_count))


@router.get("/plans/{plan_id}", response=PlanDetailOut, summary=_("One plan with its whole task tree"))
def plan_detail(request, plan_id: int):
    """The plan with every node of its tree as the source wrote it, in print order.

    The tree is flat: each node names its ``parent_id`` and its ``position`` (which orders the
    whole tree depth-first), so a system stores the rows as they come, finds any node by id
    and rebuilds the nesting in one pass, where a nested answer would have to be walked and
    its depth varies (a work item sits under a key task or under a sub-task). Archived nodes
    are in it, marked by ``archived_at``: progress reported on them stays theirs."""
    plan = get_object_or_404(plans_for(visible_to(request.user)), pk=plan_id)
    rows = tree_rows(plan, archived=True)
    targets = targets_by_node(plan, archived=True)
    answer = plan_out(plan, plan.work_item_count)
    answer["phases"] = [{"position": phase.position, "name": phase.name, "starts_on": phase.starts_on,
                         "ends_on": phase.ends_on, "description": phase.description} for phase in plan.phases.all()]
    answer["nodes"] = [_node_out(row, targets, plan) for row in rows.values()]
    return answer


# --- progress entries ---------------------------------------------------------------------------


class ProgressTargetOut(Schema):
    target_id: int | None
    target_label: str
    quantity: str


class EvidenceOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    uploaded_at: datetime.datetime


class ProgressOut(Schema):
    """A department's quarterly entry for one work item. ``version`` is what a writer sends
    back to save it (a stale one is refused, not saved over)."""

    id: int
    plan_id: int
    item_id: int
    item_number: str
    item_text: str
    department_id: int
    department: str
    year: int
    quarter: int
    period: str
    status: str
    percent: int
    quantity: str | None
    work_done: str
    problems: str
    next_plan: str
    state: str
    submitted_at: datetime.datetime | None
    submitted_by: str | None
    reviewed_at: datetime.datetime | None
    reviewed_by: str | None
    review_comment: str
    version: int
    targets: list[ProgressTargetOut]
    evidence: list[EvidenceOut]


def progress_reports(user):
    """The entries ``user`` sees, each with what ``progress_out`` reads, in a fixed number of
    queries however many there are."""
    reports = ProgressReport.objects.select_related("item", "department", "submitted_by", "reviewed_by")
    reports = reports.prefetch_related("target_quantities", "evidence")
    return visible_to(user).records(reports, department="department")


def progress_out(report):
    item = report.item
    return {
        "id": report.pk, "plan_id": item.plan_id, "item_id": item.pk, "item_number": item.number,
        "item_text": item.text, "department_id": report.department_id, "department": report.department.short_name,
        "year": report.year, "quarter": report.quarter, "period": str(report.period), "status": report.status,
        "percent": report.percent, "quantity": _decimal(report.quantity), "work_done": report.work_done,
        "problems": report.problems, "next_plan": report.next_plan, "state": report.state,
        "submitted_at": report.submitted_at, "submitted_by": _who(report.submitted_by),
        "reviewed_at": report.reviewed_at, "reviewed_by": _who(report.reviewed_by),
        "review_comment": report.review_comment, "version": report.version,
        "targets": [{"target_id": line.target_id, "target_label": line.target_label,
                     "quantity": _decimal(line.quantity)} for line in report.target_quantities.all()],
        "evidence": [{"id": file.pk, "name": file.name, "size": file.size, "sha256": file.sha256,
                      "uploaded_at": file.uploaded_at} for file in report.evidence.all()],
    }


def _state_param(state):
    if state and state not in ProgressReport.State.values:
        raise Refused(_("Nothing was read: %(field)s is not a review state.") % {"field": "state"},
                      [("state", _("must be one of %(values)s") % {"values": ", ".join(ProgressReport.State.values)})])
    return state


@router.get("/progress", response=Page[ProgressOut], summary=_("Progress entries the token sees"))
def progress_list(request, region: str = "", quarter: str = "", state: str = "", department: int | None = None,
                  item: int | None = None, page: int = 1, page_size: int = 100):
    reports = progress_reports(request.user)
    reports = in_quarter(reports, quarter)
    reports = in_region(request, reports, region, "item__plan__region")
    if _state_param(state):
        reports = reports.filter(state=state)
    if department is not None:
        # A department outside the token's scope is a 404, as a region outside it is.
        reports = reports.filter(department=get_object_or_404(visible_to(request.user).departments(), pk=department))
    if item is not None:
        reports = reports.filter(item=item)
    return paged(reports, page=page, page_size=page_size,
                 ordering=("-year", "-quarter", "item__plan_id", "item__position", "department_id", "pk"),
                 row=progress_out)


@router.get("/progress/{report_id}", response=ProgressOut, summary=_("One progress entry"))
def progress_detail(request, report_id: int):
    return progress_out(get_object_or_404(progress_reports(request.user), pk=report_id))

