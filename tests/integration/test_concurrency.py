"""Two people at once, on PostgreSQL: each in its own thread and database connection,
released together. One save wins and the other is told of the conflict; two imports of
the same table into one plan give one set of rows."""

import threading

import pytest
from django.db import connection

from core.workflow import EditConflict
from org import demo as org_demo
from org.models import Department, Region, User
from tasks.demo import table_data
from tasks.demo.tables import build_bytes
from tasks.imports import preview_task_table
from tasks.models import Assignment, ProgressReport, TaskNode
from tasks.services import plan_import, progress_save
from tests.helpers import import_table, new_plan

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def at_once(*actions):
    """Run ``actions`` in threads released by one barrier; returns what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = action()
        except Exception as error:  # the outcome, whatever it is, is what the test looks at
            outcomes[index] = error
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def wulong():
    org_demo.load(password="pw-for-tests-1")
    return Region.objects.get(code="500156")


def test_two_saves_of_one_progress_entry_one_wins_the_other_is_told(wulong):
    plan, _ = import_table(wulong, table_data.WULONG_ANNEX1)
    city = Department.objects.get(region=wulong, short_name="区城管局")
    item = TaskNode.objects.filter(plan=plan, level=TaskNode.Level.WORK_ITEM, assignments__department=city).first()
    stored = ProgressReport.objects.create(item=item, department=city, year=2019, quarter=1)
    clerk = User.objects.get(username="wulong_cgj")

    def save(text):
        def action():
            report = ProgressReport.objects.get(pk=stored.pk)
            report.work_done = text
            return progress_save(report=report, version=stored.version, user=clerk)

        return action

    outcomes = at_once(save("甲填写的进展"), save("乙填写的进展"))
    conflicts = [o for o in outcomes if isinstance(o, EditConflict)]
    saved = [o for o in outcomes if isinstance(o, ProgressReport)]
    assert len(conflicts) == 1 and len(saved) == 1, outcomes
    final = ProgressReport.objects.get(pk=stored.pk)
    assert final.work_done == saved[0].work_done and final.version == stored.version + 1
    assert conflicts[0].current.version == stored.version + 1  # the loser is shown the winner's values


def test_two_imports_of_one_table_into_one_plan_give_one_set_of_rows(wulong):
    plan = new_plan(wulong, title="同时导入")
    data = build_bytes(table_data.WULONG_ANNEX1)

    previews = [preview_task_table(region=wulong, data=data) for _clerk in range(2)]  # read before the race

    outcomes = at_once(*(lambda preview=preview: plan_import(plan=plan, preview=preview) for preview in previews))
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    alone = new_plan(wulong, title="单独导入")
    plan_import(plan=alone, preview=preview_task_table(region=wulong, data=data))
    assert TaskNode.objects.filter(plan=plan).count() == TaskNode.objects.filter(plan=alone).count()
    assert Assignment.objects.filter(node__plan=plan).count() == Assignment.objects.filter(node__plan=alone).count()
