"""Every import preview says what confirming would change (old → new) and remove, not only
how many: the task table, the progress and data templates, the registry, bulk statistics."""

import io
from unittest import mock

import pytest
from django.urls import reverse

from carriers.imports import USERS
from core import staged_import
from core.periods import Quarter
from demo import catalogue as indicator_demo
from demo import table_data
from demo.tables import build_bytes
from indicators.models import Adoption, DataReport, DataValue
from org.models import User
from tasks.models import Plan, ProgressReport, TaskNode
from tasks.services import progress_open, progress_save
from tests import test_bulk_statistics as bulk
from tests import test_carrier_import as registry
from tests import test_indicator_upload as data_template
from tests import test_progress_template as progress_template
from tests.helpers import import_table
from tests.test_bulk_statistics import standard  # noqa: F401 (a fixture)


def fields_of(change):
    return {label: (old, new) for label, old, new in change.fields}


# --- the task table -----------------------------------------------------------------------------


def annex2_edited():
    """附件2 with the work item of 4. reworded, its first lead changed from 区水利局, and the
    sub-task 8. (with its work item) left out."""
    rows = [list(row) for row in table_data.WULONG_ANNEX2["rows"]]
    rows[3][2] = "协调市级修订用水定额。"
    rows[0][3] = "区经济信息委"
    rows = [row for row in rows if not (row[1] or "").startswith("8.")]
    return {**table_data.WULONG_ANNEX2, "rows": rows}


def test_a_task_table_reimport_lists_reworded_texts_departments_and_removed_nodes(regions, client_for):
    wulong = regions["wulong"]
    plan = Plan.objects.create(region=wulong, title="再导入", start_year=2019, end_year=2019)
    import_table(wulong, table_data.WULONG_ANNEX2, plan=plan)
    # The first of several with this text: the work item of 4.
    reworded = TaskNode.objects.filter(plan=plan, level=3, text="协调、配合相关事宜。").order_by("position").first()
    lead = reworded.assignments.get(role="lead").department
    report = progress_open(item=reworded, department=lead, quarter=Quarter(2019, 3))
    report.work_done = "已配合"
    progress_save(report=report, version=report.version, user=None)
    client = client_for(User.objects.get(username="wulong_reviewer"))
    upload = io.BytesIO(build_bytes(annex2_edited()))
    upload.name = "附件2（修订）.xlsx"
    response = client.post(reverse("tasks:import_upload"), {"file": upload, "region": wulong.pk, "plan": plan.pk,
                                                            "kind": "annual", "start_year": 2019})
    page = client.get(response.url)
    assert page.status_code == 200
    changes = {change.label: fields_of(change) for change in page.context["changes"]}
    # The only work item under an unchanged sub-task is the same item reworded: it keeps its progress.
    text_change = next(fields for fields in changes.values() if "改写" in fields)
    assert text_change["改写"] == ("协调、配合相关事宜。", "协调市级修订用水定额。")
    lead_change = next(fields for fields in changes.values() if "牵头单位" in fields)
    assert lead_change["牵头单位"] == ("区水利局", "区经济信息委")
    removals = page.context["removals"]
    removed = [change.label for change in removals]
    assert any("开展节水评价工作" in label for label in removed)  # the sub-task 8. ...
    assert any("从严从实开展节水评价工作" in label for label in removed)  # ... and its work item
    assert not any(change.label.endswith(reworded.label) for change in removals)
    html = page.content.decode()
    assert "将移除" in html and "将新增或修改" in html and "协调市级修订用水定额。" in html
    assert ProgressReport.objects.filter(item=reworded).exists()  # nothing written by looking


def test_a_new_plan_lists_nothing_as_changed_and_counts_what_is_added(regions, client_for):
    client = client_for(User.objects.get(username="wulong_reviewer"))
    upload = io.BytesIO(build_bytes(table_data.WULONG_ANNEX2))
    upload.name = "附件2.xlsx"
    response = client.post(reverse("tasks:import_upload"), {"file": upload, "region": regions["wulong"].pk,
                                                            "title": "新方案", "kind": "annual", "start_year": 2019})
    page = client.get(response.url)
    check = page.context["check"]
    assert check.changes == [] and check.removals == [] and check.added > 0 and check.changes_anything


# --- the progress template ----------------------------------------------------------------------


def test_the_progress_template_lists_each_changed_field(regions, client_for):
    plan = Plan.objects.create(region=regions["wulong"], title="2019", start_year=2019, end_year=2019)
    import_table(regions["wulong"], table_data.WULONG_ANNEX1, plan=plan)
    clerk = User.objects.get(username="wulong_cgj")
    data = progress_template.filled(progress_template.template(clerk.department),
                                    {(5, "F"): "推进中", (5, "G"): 60, (5, "I"): "完成管网排查"})
    _response, page = progress_template.upload(client_for(clerk), data)
    (change,) = page.context["changes"]
    assert change.where == "第5行"
    fields = fields_of(change)
    assert fields["完成百分比"] == (0, 60) and fields["本季度完成工作"] == ("", "完成管网排查")


# --- the data template --------------------------------------------------------------------------


@pytest.fixture
def data_clerk(regions):
    Adoption.objects.create(region=regions["qianjiang"], indicator_set=indicator_demo.load_catalogue(), since_year=2022)
    return User.objects.get(username="qianjiang_cgj")


def test_the_data_template_lists_changed_figures_and_a_utility_left_out_as_removed(data_clerk, client_for):
    client = client_for(data_clerk)
    workbook = data_template.template(client)
    data_template.fill(workbook)
    response, _data = data_template.upload(client, workbook)
    assert client.post(response.url).status_code == 302
    workbook = data_template.template(client)
    rows = data_template.fill(workbook, figures={**data_template.FIGURES, "NONRES_WATER": 160}, utility=None)
    for column in range(1, 7):
        workbook["供水企业漏损"].cell(row=3, column=column).value = None
    response, _data = data_template.upload(client, workbook)
    page = client.get(response.url)
    (change,) = page.context["changes"]
    assert change.where == f"第{rows['NONRES_WATER']}行H列（本期数值）" and fields_of(change)["数值"] == ("150", "160")
    (removal,) = page.context["removals"]
    assert "黔江区自来水有限公司" in removal.label
    assert fields_of(removal)["数值"][0] == "480 / 410 / 290 / 172 / 0.42 / 0"
    assert "将移除" in page.content.decode()
    assert DataValue.objects.get(element__code="NONRES_WATER").value == 150  # nothing written by looking


# --- the registry -------------------------------------------------------------------------------


def test_the_registry_lists_changed_rows_with_their_changed_columns(regions, client_for):
    reviewer = User.objects.get(username="wulong_reviewer")
    registry.apply(USERS, regions["wulong"], registry.users_book(registry.GOOD_USERS), reviewer)
    rows = [registry.user_row(total=1300), *registry.GOOD_USERS[1:]]
    client = client_for(reviewer)
    page = client.get(registry.preview_url(client, USERS, registry.users_book(rows)))
    (change,) = page.context["changes"]
    assert change.where == "第3行" and change.fields == [("用水总量（m³）", "1200", "1300")]
    assert page.context["removals"] == []


# --- bulk statistics ----------------------------------------------------------------------------


def test_bulk_statistics_lists_figures_old_to_new_and_caps_the_list(world, standard, administrator,  # noqa: F811
                                                                    client_for):
    with mock.patch.object(bulk.jobs.recompute, "apply_async"):
        bulk.commit(bulk.good_rows(world), administrator)
    DataReport.objects.update(state=DataReport.State.RETURNED)  # the reviewer sent them back
    rows = bulk.good_rows(world)
    rows[0] = rows[0]._replace(value=3400)
    rows[1] = rows[1]._replace(value=43)
    client = client_for(administrator)
    with mock.patch.object(staged_import, "SHOWN_CHANGES", 1):
        page = client.get(bulk.upload(client, bulk.file_of(rows)).url)
    (shown,) = page.context["changes"]
    assert page.context["changed"] == 2
    assert shown.where == "第4行" and shown.fields == [("数值（万m³）", "3300", "3400")]
    assert "共2项，以下为前1项" in page.content.decode()
