"""Every bad task table is refused with a Chinese message and leaves the database unchanged."""

import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from core.errors import FileUnreadable
from demo import table_data
from demo.tables import build_bytes
from org.models import Department, DepartmentAlias, User
from tasks.imports import preview_task_table
from tasks.models import Assignment, Plan, TaskNode
from tests.fixtures.bad.make_corpus import zipped

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def workbook_bytes(rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD = build_bytes(table_data.WULONG_ANNEX2)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><worksheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
    b"</sheetData></worksheet>"
)


def with_member(data, name, content):
    """``data`` (an .xlsx) with one zip member replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    return zipped({item: content if item == name else source.read(item) for item in source.namelist()})


BAD_UPLOADS = {
    "png": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "不是 Excel .xlsx 文件"),
    "csv": ("序号,任务,牵头单位\n1,编制规划,区水利局\n".encode(), "文本文件"),
    "truncated": (GOOD[:300], "文件已损坏"),
    # An .xls is read now; this one is only its signature and a stream name, not a workbook.
    "xls": (OLE2 + b"\x00" * 2048 + "Workbook".encode("utf-16-le"), "文件已损坏"),
    "password": (OLE2 + b"\x00" * 512 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 512, "密码"),
    "too_big": (b"PK\x03\x04" + b"\x00" * (10 * 1024 * 1024 + 1), "10 MB"),
    "zip_bomb": (zipped({"xl/workbook.xml": b"<x/>", "xl/big.xml": b"\x00" * (20 * 1024 * 1024)}), "压缩炸弹"),
    "docx": (zipped({"word/document.xml": b"<w:document/>", "[Content_Types].xml": b"<Types/>"}), "Word"),
    "empty": (b"", "空的"),
    "entity_expansion": (with_member(GOOD, "xl/worksheets/sheet1.xml", LAUGHS), "DOCTYPE"),
}
BAD_TABLES = {
    "no_header": (workbook_bytes([["甲", "乙"], ["1", "2"]]), "没有找到表头"),
    "empty_sheet": (workbook_bytes([]), "是空的"),
}


def snapshot():
    return [model.objects.count() for model in (Plan, TaskNode, Assignment, Department, DepartmentAlias)]


def upload(client, region, data, name="表.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(
        reverse("tasks:import_upload"),
        {"file": file, "region": region.pk, "title": "坏文件", "kind": "annual", "start_year": 2019},
        follow=True,
    )


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_bad_uploads_are_refused_by_the_form(regions, client_for, case):
    data, message = BAD_UPLOADS[case]
    before = snapshot()
    response = upload(client_for(User.objects.get(username="wulong_reviewer")), regions["wulong"], data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("case", sorted({**BAD_UPLOADS, **BAD_TABLES}))
def test_bad_files_are_refused_by_the_preview(regions, case):
    data, message = {**BAD_UPLOADS, **BAD_TABLES}[case]
    with pytest.raises(FileUnreadable, match=message):
        preview_task_table(region=regions["wulong"], data=data)


@pytest.mark.parametrize("case", sorted(BAD_TABLES))
def test_unreadable_tables_return_to_the_upload_page_with_the_reason(regions, client_for, case):
    data, message = BAD_TABLES[case]
    before = snapshot()
    response = upload(client_for(User.objects.get(username="wulong_reviewer")), regions["wulong"], data)
    page = response.content.decode()
    assert "无法读取该文件" in page and message in page
    assert snapshot() == before


def test_work_item_without_lead_is_imported_after_confirming_the_warning(regions, client_for):
    """An empty lead cell no longer blocks the table: the item is imported without a lead and
    its lead is chosen on the plan's 待分配 page (tests/test_word_plans.py)."""
    table = {**table_data.WULONG_ANNEX2, "rows": [list(row) for row in table_data.WULONG_ANNEX2["rows"]]}
    table["rows"][2][3] = ""
    before = snapshot()
    client = client_for(User.objects.get(username="wulong_reviewer"))
    response = upload(client, regions["wulong"], build_bytes(table))
    page = response.content.decode()
    assert "1项工作没有牵头单位，导入后请在“待分配”页指定" in page
    assert "确认导入" in page
    client.post(response.redirect_chain[-1][0])  # the warning not ticked
    assert snapshot() == before
    client.post(response.redirect_chain[-1][0], {"confirm_warnings": "on"})
    item = TaskNode.objects.get(plan__title="坏文件", text__startswith="认真贯彻落实2019年全国节约用水工作会议精神")
    assert not item.assignments.exists()


def test_a_sheet_that_does_not_exist_is_named(regions):
    with pytest.raises(FileUnreadable, match="没有名为“总表”的工作表"):
        preview_task_table(region=regions["wulong"], data=GOOD, sheet="总表")
