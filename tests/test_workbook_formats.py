"""The source tables saved as .xls and .ods (tests/fixtures/source_tables) import as the
same tree as the .xlsx, through the ``import_tasks`` command and the upload page; and the
reader gives every format's cells the same text."""

import datetime
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from core.errors import FileUnreadable
from core.workbook_reader import cell_text, load_workbook, read_grid
from demo import table_data
from demo.tables import build_bytes
from org.models import User
from tasks.models import Plan, TaskNode

HERE = Path(__file__).parent / "fixtures" / "source_tables"
TABLES = {
    "wulong_annex1": ("wulong", table_data.WULONG_ANNEX1),
    "wulong_annex2": ("wulong", table_data.WULONG_ANNEX2),
    "qianjiang_tasks": ("qianjiang", table_data.QIANJIANG_TASKS),
    "qianjiang_indicators": ("qianjiang", table_data.QIANJIANG_INDICATORS),
}


def tree(plan):
    """Every node of ``plan`` as imported: its place, wording, deadline, target and departments."""
    nodes = TaskNode.objects.filter(plan=plan).order_by("level", "position").prefetch_related("assignments__department")
    return [
        (node.level, node.position, node.parent.text if node.parent_id else "", node.number, node.text, node.due_on,
         node.due_text, node.target_value,
         [(a.role, a.department.name, a.position) for a in node.assignments.all()])
        for node in nodes
    ]


def imported(region, path, title):
    call_command("import_tasks", str(path), region=region.code, plan=title, year="2023", stdout=io.StringIO())
    return tree(Plan.objects.get(title=title))


@pytest.mark.parametrize("name", sorted(TABLES))
def test_xls_and_ods_import_through_the_command_as_the_xlsx_does(regions, tmp_path, name):
    region_key, table = TABLES[name]
    region = regions[region_key]
    xlsx = tmp_path / f"{name}.xlsx"
    xlsx.write_bytes(build_bytes(table))
    expected = imported(region, xlsx, "xlsx")
    assert len(expected) > 20
    assert imported(region, HERE / f"{name}.xls", "xls") == expected
    assert imported(region, HERE / f"{name}.ods", "ods") == expected


@pytest.mark.parametrize("suffix", ["xls", "ods"])
def test_xls_and_ods_import_through_the_page_as_the_xlsx_does(regions, client_for, tmp_path, suffix):
    region = regions["wulong"]
    xlsx = tmp_path / "annex1.xlsx"
    xlsx.write_bytes(build_bytes(table_data.WULONG_ANNEX1))
    expected = imported(region, xlsx, "xlsx")
    client = client_for(User.objects.get(username="wulong_reviewer"))
    upload = io.BytesIO((HERE / f"wulong_annex1.{suffix}").read_bytes())
    upload.name = f"附件1.{suffix}"
    response = client.post(
        reverse("tasks:import_upload"),
        {"file": upload, "region": region.pk, "title": "页面", "kind": "annual", "start_year": 2023},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "确认导入" in client.get(response.url).content.decode()
    client.post(response.url)
    assert tree(Plan.objects.get(title="页面")) == expected


def test_the_format_is_read_from_the_content_not_the_name(tmp_path):
    for suffix in ("xls", "ods"):
        renamed = (HERE / f"wulong_annex2.{suffix}").read_bytes()  # whatever the upload was called
        workbook = load_workbook(renamed)
        assert workbook.kind == suffix
        assert read_grid(workbook.worksheets[0]).value(1, 1) == table_data.WULONG_ANNEX2["label"]


def _xlsx(edit):
    workbook = openpyxl.Workbook()
    edit(workbook.active)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_cells_read_as_a_person_sees_them():
    def edit(sheet):
        sheet.append([3, 3.5, True, False, datetime.date(2023, 12, 31), datetime.datetime(2023, 1, 2, 3, 4, 5),
                      datetime.time(10, 30), "  文字  ", None, -0.0, 1e20])
    grid = read_grid(load_workbook(_xlsx(edit)).worksheets[0])
    assert grid.rows == [["3", "3.5", "是", "否", "2023-12-31", "2023-01-02 03:04:05", "10:30:00", "文字", "", "0",
                          "1e+20"]]
    assert cell_text(datetime.datetime(2024, 3, 31)) == "2024-03-31"


def test_a_table_that_starts_below_and_right_of_a1_keeps_its_row_and_column_numbers():
    def edit(sheet):
        sheet["C3"] = "甲"
        sheet["D5"] = 7
        sheet.merge_cells("C6:D7")
    grid = read_grid(load_workbook(_xlsx(edit)).worksheets[0])
    assert grid.value(3, 3) == "甲" and grid.value(5, 4) == "7" and grid.value(1, 1) == ""
    assert grid.merges == [(6, 3, 7, 4)]


def test_a_formula_never_calculated_reads_as_its_text_only_where_asked():
    def edit(sheet):
        sheet["A1"] = 2
        sheet["B1"] = "=A1*2"  # openpyxl writes no value for it: never calculated
    data = _xlsx(edit)
    assert read_grid(load_workbook(data).worksheets[0]).value(1, 2) == ""
    assert read_grid(load_workbook(data, uncalculated_as_text=True).worksheets[0]).value(1, 2) == "=A1*2"


def test_a_calculated_formula_reads_as_its_value():
    data = _xlsx(lambda sheet: sheet.append([2, "=A1*2"]))
    archive = zipfile.ZipFile(io.BytesIO(data))
    calculated = io.BytesIO()
    with zipfile.ZipFile(calculated, "w") as out:
        for name in archive.namelist():
            content = archive.read(name)
            if name == "xl/worksheets/sheet1.xml":
                content = content.replace(b"<f>A1*2</f><v></v>", b"<f>A1*2</f><v>4</v>")
            out.writestr(name, content)
    grid = read_grid(load_workbook(calculated.getvalue(), uncalculated_as_text=True).worksheets[0])
    assert grid.value(1, 2) == "4"


def test_merged_cells_of_an_ods_are_read():
    grid = read_grid(load_workbook((HERE / "wulong_annex2.ods").read_bytes()).worksheets[0])
    xlsx = read_grid(load_workbook(build_bytes(table_data.WULONG_ANNEX2)).worksheets[0])
    assert sorted(grid.merges) == sorted(xlsx.merges) and len(grid.merges) > 3


def test_a_sheet_over_the_row_limit_is_refused_before_it_is_read():
    def edit(sheet):
        sheet["A1"] = "表头"
        sheet["A60001"] = "末行"
    workbook = load_workbook(_xlsx(edit))
    with pytest.raises(FileUnreadable, match="60001 行"):
        read_grid(workbook.worksheets[0])
    assert len(read_grid(workbook.worksheets[0], max_rows=70_000).rows) == 60_001


@pytest.mark.parametrize(("number_format", "value"), [("hh:mm", -1e12), ("[h]:mm", 1e15)])
def test_a_value_calamine_cannot_convert_is_a_damaged_file_not_a_crash(number_format, value):
    """Time-formatted cells out of any time's range: converting the first, the Rust code under
    python-calamine panics (a ``PanicException``, which is not an ``Exception``); the second
    overflows Python's timedelta."""
    def edit(sheet):
        sheet["A1"] = value
        sheet["A1"].number_format = number_format
    with pytest.raises(FileUnreadable, match="文件已损坏"):
        read_grid(load_workbook(_xlsx(edit)).worksheets[0])
