"""Helpers shared by the tests."""

from decimal import Decimal

from indicators.models import DataElement, DataReport, DataValue, UtilityFigures
from org.models import Department
from tasks.demo.tables import build_bytes
from tasks.imports import preview_task_table
from tasks.models import Assignment, Plan, TaskNode
from tasks.services import plan_import


def new_plan(region, title="测试方案", year=2019):
    return Plan.objects.create(region=region, title=title, start_year=year, end_year=year)


def import_table(region, table, plan=None):
    plan = plan or new_plan(region)
    preview = preview_task_table(region=region, data=build_bytes(table))
    assert not preview.problems and not preview.unknown, (preview.problems, preview.unknown)
    return plan, plan_import(plan=plan, preview=preview)


def level_counts(plan):
    return [TaskNode.objects.filter(plan=plan, level=level).count() for level in (1, 2, 3)]


def item(plan, text_start):
    return TaskNode.objects.get(plan=plan, level=3, text__startswith=text_start)


def parties(node):
    leads = [a.department.short_name for a in node.assignments.filter(role=Assignment.Role.LEAD)]
    cooperators = [a.department.short_name for a in node.assignments.filter(role=Assignment.Role.COOPERATING)]
    return leads, cooperators


def enter_figures(region, quarter, *, department=None, state=DataReport.State.APPROVED, **values):
    """Store raw figures for ``region`` and ``quarter`` in a department's report (any
    department of the region unless named), as if entered and approved."""
    department = department or Department.objects.filter(region=region).order_by("pk").first()
    report, _created = DataReport.objects.get_or_create(
        department=department, year=quarter.year, quarter=quarter.number, defaults={"region": region, "state": state}
    )
    for code, value in values.items():
        DataValue.objects.update_or_create(
            region=region, element=DataElement.objects.get(code=code), year=quarter.year, quarter=quarter.number,
            defaults={"value": Decimal(str(value)), "report": report},
        )  # fmt: skip
    return report


def enter_utility(region, quarter, name, **figures):
    report = enter_figures(region, quarter)
    return UtilityFigures.objects.create(
        region=region, report=report, utility=name, year=quarter.year, quarter=quarter.number, **figures
    )
