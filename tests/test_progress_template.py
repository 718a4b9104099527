"""The offline Excel round-trip of quarterly progress."""

import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from core import signed_workbook
from core.periods import Quarter
from demo import table_data
from org.models import User
from tasks import progress_workbook
from tasks.models import Plan, ProgressReport
from tasks.selectors import todo_for
from tasks.services import progress_approve, progress_open, progress_save
from tests.helpers import import_table

Q3 = Quarter(2019, 3)


@pytest.fixture
def clerk(regions):
    plan = Plan.objects.create(region=regions["wulong"], title="2019", start_year=2019, end_year=2019)
    import_table(regions["wulong"], table_data.WULONG_ANNEX1, plan=plan)
    return User.objects.get(username="wulong_cgj")


def template(department, quarter=Q3):
    return progress_workbook.build(department, quarter, todo_for(department, quarter, today=date(2019, 9, 1)))


def filled(data, edits):
    """The template with ``edits`` {(row, column letter): value} typed in, as a clerk would."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook[progress_workbook.SHEET]
    for (row, letter), value in edits.items():
        sheet[f"{letter}{row}"] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def legacy_template(department, rows, quarter=Q3):
    """A template as handed out before 序号 replaced the ids: the header on row 3, column A
    编号 holding each item's id, the mark without a list of items. ``rows``: (id, percent)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = progress_workbook.SHEET
    sheet.append([f"{department.name}{quarter.label}工作进展填报表"])
    sheet.append(["说明"])
    sheet.append(["编号"] + [header for _, header, _, _ in progress_workbook.COLUMNS[1:]])
    for item_id, percent in rows:
        sheet.append([item_id, "方案", "事项", None, "未填报", None, percent])
    signed_workbook.stamp(workbook, salt=progress_workbook.SIGNING_SALT, department=department.pk,
                          quarter=str(quarter))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, data, quarter="2019Q3"):
    file = io.BytesIO(data)
    file.name = "填报表.xlsx"
    response = client.post(f"{reverse('tasks:progress_template_upload')}?quarter={quarter}", {"file": file})
    return response, client.get(response.url, follow=True) if response.status_code == 302 else response


def test_template_layout(clerk):
    data = template(clerk.department)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook[progress_workbook.SHEET]
    assert workbook[signed_workbook.META_SHEET].sheet_state == "hidden"
    assert [c.value for c in sheet[4]] == [header for _, header, _, _ in progress_workbook.COLUMNS]
    rows = todo_for(clerk.department, Q3, today=date(2019, 9, 1))
    assert sheet.max_row == 4 + len(rows) and [sheet.cell(r, 1).value for r in (5, 6)] == [1, 2]
    assert sheet.protection.sheet and sheet["A5"].protection.locked and not sheet["F5"].protection.locked
    kinds = sorted(v.type for v in sheet.data_validations.dataValidation)
    assert kinds == ["list", "whole"]


def test_round_trip_updates_drafts(clerk, client_for):
    client = client_for(clerk)
    data = client.get(f"{reverse('tasks:progress_template')}?quarter=2019Q3").content
    edits = {(5, "F"): "推进中", (5, "G"): 60, (5, "I"): "完成管网排查"}
    edits |= {(6, "F"): "已完成", (6, "G"): "100", (6, "I"): "全部完成"}
    changed = filled(data, edits)
    response, preview = upload(client, changed)
    page = preview.content.decode()
    assert "完成管网排查" in page and "确认" in page
    assert not ProgressReport.objects.exists()  # nothing before confirming
    client.post(response.url)
    rows = todo_for(clerk.department, Q3, today=date(2019, 9, 1))
    first, second = (ProgressReport.objects.get(item=rows[number - 1].item) for number in (1, 2))  # 序号 1 and 2
    assert (first.status, first.percent, first.work_done, first.state) == ("in_progress", 60, "完成管网排查", "draft")
    assert (second.status, second.percent) == ("done", 100)
    assert first.history.latest().history_user == clerk


@pytest.mark.parametrize(
    ("value", "message"),
    [(140, "不是0到100之间的整数"), ("abc", "不是0到100之间的整数"), ("NaN", "不是0到100之间的整数"),
     (1e308, "不是0到100之间的整数"), (-5, "不是0到100之间的整数"), (55.5, "不是0到100之间的整数")],
)
def test_bad_percent_is_refused_with_row_and_column(clerk, client_for, value, message):
    client = client_for(clerk)
    _, preview = upload(client, filled(template(clerk.department), {(5, "G"): value, (6, "G"): 30}))
    page = preview.content.decode()
    assert "第5行G列（完成百分比）：“" in page and message in page
    assert "确认并保存为草稿" not in page
    assert not ProgressReport.objects.exists()


def test_unknown_status_is_refused(clerk, client_for):
    _, preview = upload(client_for(clerk), filled(template(clerk.department), {(5, "F"): "差不多了"}))
    assert "第5行F列（进展状态）" in preview.content.decode()


def test_template_of_another_department_or_quarter_is_refused(clerk, client_for, regions):
    water = regions["wulong"].departments.get(short_name="区水利局")
    _, page = upload(client_for(clerk), template(water))
    assert "这是重庆市武隆区水利局2019年第三季度的填报表" in page.content.decode()
    _, page = upload(client_for(clerk), template(clerk.department, Quarter(2019, 2)), quarter="2019Q3")
    assert "2019年第二季度的填报表" in page.content.decode()
    assert not ProgressReport.objects.exists()


def test_tampered_id_and_mark_are_refused(clerk, client_for, regions):
    other_item = (
        regions["wulong"].departments.get(short_name="区水利局").assignments.filter(role="lead")
        .exclude(node__assignments__department=clerk.department).first().node
    )
    listed = len(todo_for(clerk.department, Q3, today=date(2019, 9, 1)))
    _, page = upload(client_for(clerk), filled(template(clerk.department), {(5, "A"): listed + 1, (5, "G"): 10}))
    assert f"第5行A列（序号）：序号“{listed + 1}”不是本表的序号" in page.content.decode()
    # A template of the layout before 序号 names items by id: another department's is refused.
    _, page = upload(client_for(clerk), legacy_template(clerk.department, [(other_item.pk, 10)]))
    assert f"第4行：编号 {other_item.pk} 不是" in page.content.decode()
    workbook = openpyxl.load_workbook(io.BytesIO(template(clerk.department)))
    workbook[signed_workbook.META_SHEET]["A1"] = "forged"
    buffer = io.BytesIO()
    workbook.save(buffer)
    _, page = upload(client_for(clerk), buffer.getvalue())
    assert "模板标识被修改过" in page.content.decode()
    assert not ProgressReport.objects.exists()


def test_a_template_handed_out_before_the_numbering_still_comes_in(clerk, client_for):
    rows = todo_for(clerk.department, Q3, today=date(2019, 9, 1))
    client = client_for(clerk)
    response, preview = upload(client, legacy_template(clerk.department, [(rows[1].item.pk, 40)]))
    assert "确认并保存为草稿" in preview.content.decode()
    client.post(response.url)
    assert ProgressReport.objects.get().item == rows[1].item and ProgressReport.objects.get().percent == 40


def test_approved_entries_cannot_be_changed_by_template(clerk, client_for):
    rows = todo_for(clerk.department, Q3, today=date(2019, 9, 1))
    report = progress_open(item=rows[0].item, department=clerk.department, quarter=Q3)
    report.status, report.percent, report.work_done = "in_progress", 20, "起步"
    progress_save(report=report, version=report.version, user=clerk, submit=True)
    progress_approve(report=report, user=User.objects.get(username="wulong_reviewer"), version=report.version)
    _, page = upload(client_for(clerk), filled(template(clerk.department), {(5, "G"): 90}))
    assert "第5行G列（完成百分比）：该记录状态为“已通过”" in page.content.decode()
    assert ProgressReport.objects.get(pk=report.pk).percent == 20


def test_not_a_workbook_is_refused_by_the_form(clerk, client_for):
    response, _ = upload(client_for(clerk), "编号,进展\n1,2\n".encode())
    assert response.status_code == 200 and "文本文件" in response.content.decode()
