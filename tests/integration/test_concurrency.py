"""Two people at once, on PostgreSQL: each in its own thread and database connection,
released together. One save wins and the other is told of the conflict (a progress entry,
a data report); two imports of the same file (a task table, a progress template, a
statistics template, a bulk statistics table, a water users or carriers file) give one set
of rows."""

import threading
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection

from carriers.imports import CARRIERS, USERS, Preview, apply_import, preview_import
from carriers.models import Carrier, UserYear, WaterUser
from core.errors import ImportBlocked
from core.periods import Quarter
from core.workflow import EditConflict
from demo import catalogue as indicator_demo
from demo import regions as org_demo
from demo import table_data
from demo.tables import build_bytes
from indicators import selectors
from indicators.models import Adoption, DataReport, DataValue
from indicators.services import (
    BulkPreview,
    Entry,
    bulk_statistics_commit,
    data_prepare,
    data_report_open,
    data_report_save,
)
from org.models import Department, Region, User
from tasks import progress_workbook
from tasks.imports import preview_task_table
from tasks.models import Assignment, ProgressReport, TaskNode
from tasks.services import plan_import, progress_save, progress_template_apply, progress_template_check
from tests.helpers import import_table, new_plan
from tests.test_bulk_statistics import good_rows, parsed_of, standard  # noqa: F401 - fixture
from tests.test_carrier_import import GOOD_USERS, carrier_row, carriers_book, code, users_book
from tests.test_indicator_upload import FIGURES
from tests.test_progress_template import filled
from tests.test_progress_template import template as progress_template

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


# --- a data value, and the other readers -------------------------------------------------------


@pytest.fixture
def qianjiang_figures(wulong):
    """黔江 evaluated against the demo's indicators, and its urban bureau's clerk."""
    qianjiang = Region.objects.get(code="500114")
    demo_set = indicator_demo.load_catalogue()
    Adoption.objects.create(region=qianjiang, indicator_set=demo_set, since_year=2022)
    return qianjiang, selectors.duties_for(qianjiang, demo_set), User.objects.get(username="qianjiang_cgj")


def _prepared(report, duties, **figures):
    return data_prepare(report, duties=duties, entries=[Entry(code, value) for code, value in figures.items()])


def test_two_saves_of_one_data_report_one_wins_the_other_is_told(qianjiang_figures):
    _region, duties, clerk = qianjiang_figures
    stored = data_report_open(department=clerk.department, quarter=Quarter(2024, 1))

    def save(value):
        prepared = _prepared(stored, duties, RES_WATER=value)  # each read the form as it was

        def action():
            report = DataReport.objects.get(pk=stored.pk)
            return data_report_save(report=report, version=stored.version, user=clerk, prepared=prepared,
                                    duties=duties, confirm_warnings=True)

        return action

    outcomes = at_once(save("340"), save("350"))
    conflicts = [o for o in outcomes if isinstance(o, EditConflict)]
    saved = [o for o in outcomes if isinstance(o, DataReport)]
    assert len(conflicts) == 1 and len(saved) == 1, outcomes
    value = DataValue.objects.get(report=stored, element__code="RES_WATER")
    winner = "340" if outcomes[0] is saved[0] else "350"
    assert value.value == Decimal(winner) and value.version == 1 and value.history.count() == 1
    assert DataReport.objects.get(pk=stored.pk).version == stored.version + 1
    assert conflicts[0].current.version == stored.version + 1


def test_two_uploads_of_one_statistics_template_give_one_set_of_rows(qianjiang_figures):
    _region, duties, clerk = qianjiang_figures
    stored = data_report_open(department=clerk.department, quarter=Quarter(2024, 1))
    prepared = [_prepared(stored, duties, **FIGURES) for _upload in range(2)]  # two previews of the same file

    def upload(prepared):
        report = DataReport.objects.get(pk=stored.pk)
        # As the preview page does: the version is the report's as the page reads it.
        return data_report_save(report=report, version=report.version, user=clerk, prepared=prepared,
                                duties=duties, confirm_warnings=True, source_sha256="b" * 64)

    outcomes = at_once(*(partial(upload, one) for one in prepared))
    assert sum(isinstance(o, DataReport) for o in outcomes) >= 1, outcomes
    assert all(isinstance(o, (DataReport, EditConflict)) for o in outcomes), outcomes
    assert DataValue.objects.filter(report=stored).count() == len(FIGURES)
    assert DataValue.history.filter(report_id=stored.pk).count() == len(FIGURES)


def test_two_uploads_of_one_progress_template_give_one_set_of_rows(wulong):
    import_table(wulong, table_data.WULONG_ANNEX1, plan=new_plan(wulong, title="2019"))
    clerk = User.objects.get(username="wulong_cgj")
    quarter = Quarter(2019, 3)
    edits = {(5, "F"): "推进中", (5, "G"): 60, (5, "I"): "完成管网排查", (6, "F"): "推进中", (6, "G"): 30,
             (6, "I"): "开始排查"}
    data = filled(progress_template(clerk.department), edits)
    names = dict(Department.objects.filter(region=wulong).values_list("pk", "name"))

    def checked():  # what one upload's preview holds
        parsed = progress_workbook.read(data, department=clerk.department, quarter=quarter, department_names=names)
        rows, problems = progress_template_check(department=clerk.department, quarter=quarter, entries=parsed.entries)
        assert not parsed.problems and not problems
        return rows

    previews = [checked() for _upload in range(2)]
    outcomes = at_once(*(partial(progress_template_apply, department=clerk.department, quarter=quarter, rows=rows,
                                 user=clerk) for rows in previews))
    assert sorted(outcomes) == [0, 2]  # the second waited for the first and found nothing left to change
    entries = ProgressReport.objects.filter(department=clerk.department, year=2019, quarter=3)
    assert entries.count() == 2 and {e.work_done for e in entries} == {"完成管网排查", "开始排查"}
    assert ProgressReport.history.filter(department=clerk.department).count() == 2 * 2  # created, then saved


def test_two_bulk_statistics_imports_of_one_file_give_one_set_of_rows(world, standard, administrator):  # noqa: F811
    rows = good_rows(world)
    outcomes = at_once(*(partial(bulk_statistics_commit, parsed=parsed_of(rows), quarter=Quarter(2024, 1),
                                 user=administrator, source_sha256="c" * 64) for _upload in range(2)))
    assert all(isinstance(o, BulkPreview) for o in outcomes), outcomes
    # The second waited for the first and found every figure stored: it wrote nothing.
    assert sorted(o.new + o.changed for o in outcomes) == [0, len(rows)]
    assert DataValue.objects.count() == DataValue.history.count() == len(rows)
    assert DataReport.objects.count() == DataReport.history.count() == 3  # 区水利局 of each district, 区城管局


@pytest.mark.parametrize(("what", "data"), [(USERS, "users"), (CARRIERS, "carriers")])
def test_two_imports_of_one_registry_file_give_one_set_of_rows(wulong, what, data):
    reviewer = User.objects.get(username="wulong_reviewer")
    if what == CARRIERS:
        apply_import(USERS, region=wulong, data=users_book(GOOD_USERS), user=reviewer)
    content = users_book(GOOD_USERS) if what == USERS else carriers_book(REGISTRY_CARRIERS)
    before = registry_counts()
    outcomes = at_once(*(partial(apply_import, what, region=wulong, data=content, user=reviewer)
                         for _upload in range(2)))
    # The second finds the first's rows, or is refused (nothing saved) if both wrote the same new rows.
    assert all(isinstance(o, (Preview, ImportBlocked)) for o in outcomes), outcomes
    assert any(isinstance(o, Preview) and o.changed for o in outcomes), outcomes
    alone = preview_import(what, region=wulong, data=content)
    assert alone.problems == [] and alone.changed == 0  # the file is in the registry: importing it again is a no-op
    one_import = {"users": (3, 3, 0), "carriers": (0, 0, 2)}[data]
    assert registry_counts() == tuple(b + n for b, n in zip(before, one_import * 2, strict=True))


REGISTRY_CARRIERS = [
    carrier_row(user="", credit_code=code(1)),
    carrier_row("节水型居民小区", "市级", "已公布", user="凤山小区", published="2023-07-01"),
]


def registry_counts():
    """Rows of the registry, then their history rows."""
    models = (WaterUser, UserYear, Carrier)
    return tuple(m.objects.count() for m in models) + tuple(m.history.count() for m in models)
