"""The raw-statistics Excel template: download, fill in offline, upload, preview, confirm.
Bad files are refused with the row and column, and nothing is written."""

import hashlib
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import signed_workbook
from demo import catalogue as indicator_demo
from indicators.models import Adoption, DataValue, UtilityFigures
from org.models import User

QUARTER = "2024Q1"
FIGURES = {"RES_WATER": 340, "HOUSEHOLDS": 112000, "PERSONS_PER_HOUSEHOLD": 2.78, "METERED_RES_WATER": 318,
           "RES_TOTAL_WATER": 340, "PLANNED_NONRES_WATER": 130, "NONRES_WATER": 150}


@pytest.fixture
def clerk(regions):
    standard = indicator_demo.load_catalogue()
    Adoption.objects.create(region=regions["qianjiang"], indicator_set=standard, since_year=2022)
    return User.objects.get(username="qianjiang_cgj")


def template(client, quarter=QUARTER):
    response = client.get(f"{reverse('indicators:data_template')}?quarter={quarter}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def fill(workbook, figures=FIGURES, utility=("黔江区自来水有限公司", 480, 410, 290, 172, 0.42)):
    sheet = workbook["数据填报"]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(5, sheet.max_row + 1)}
    for code, value in figures.items():
        sheet.cell(row=rows[code], column=8, value=value)
    if utility:
        for column, value in enumerate(utility, start=1):
            workbook["供水企业漏损"].cell(row=3, column=column, value=value)
    return rows


def upload(client, workbook, quarter=QUARTER, name="填报表.xlsx"):
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    response = client.post(
        f"{reverse('indicators:data_upload')}?quarter={quarter}", {"file": SimpleUploadedFile(name, data)}
    )
    return response, data


def test_the_template_lists_the_departments_figures_locked_and_marked(clerk, client_for):
    workbook = template(client_for(clerk))
    sheet = workbook["数据填报"]
    assert sheet["A1"].value == "重庆市黔江区城市管理局2024年第一季度指标基础数据填报表"
    assert [c.value for c in sheet[4]] == [
        "代码",
        "所属指标",
        "数据项",
        "单位",
        "口径",
        "上季度",
        "上年同期",
        "本期数值",
        "说明",
    ]
    codes = [sheet.cell(row=r, column=1).value for r in range(5, sheet.max_row + 1)]
    assert sorted(codes) == sorted(FIGURES)
    assert sheet.cell(row=5, column=5).value in ("累计", "时点")
    assert sheet.protection.sheet and sheet["A5"].protection.locked and not sheet["H5"].protection.locked
    assert workbook[signed_workbook.META_SHEET].sheet_state == "hidden"
    assert "供水企业漏损" in workbook.sheetnames


def test_a_filled_template_is_previewed_then_saved_with_its_hash(clerk, client_for):
    client = client_for(clerk)
    workbook = template(client)
    fill(workbook)
    response, data = upload(client, workbook)
    assert response.status_code == 302
    preview = client.get(response.url)
    page = preview.content.decode()
    assert preview.status_code == 200 and "城市居民家庭生活用水总量（新水量）" in page and "— → 340" in page
    assert not DataValue.objects.exists()  # nothing before the confirmation
    saved = client.post(response.url)
    assert saved.status_code == 302
    values = {v.element.code: v for v in DataValue.objects.select_related("element")}
    assert {code: float(v.value) for code, v in values.items()} == {k: float(v) for k, v in FIGURES.items()}
    assert {v.source_sha256 for v in values.values()} == {hashlib.sha256(data).hexdigest()}
    assert UtilityFigures.objects.get().registered == 410
    # The same file again changes nothing.
    response, _ = upload(client, template(client))
    assert "该文件没有任何改动" in client.get(response.url).content.decode()


def test_text_and_negative_numbers_are_named_by_row_and_column_and_nothing_is_written(clerk, client_for):
    client = client_for(clerk)
    workbook = template(client)
    rows = fill(
        workbook, {**FIGURES, "RES_WATER": "约三百", "NONRES_WATER": -1}, utility=("甲水厂", 100, "九十", 1, 1, 0.4)
    )
    response, _ = upload(client, workbook)
    page = client.get(response.url).content.decode()
    assert f"第{rows['RES_WATER']}行H列（本期数值）：“约三百”不是数字" in page
    assert f"第{rows['NONRES_WATER']}行H列（本期数值）：-1 是负数" in page
    assert "“供水企业漏损”第3行C列（注册用户用水量（万m³））：注册用户用水量（万m³）：“九十”不是数字" in page
    assert client.post(response.url).status_code == 200  # no confirmation possible
    assert not DataValue.objects.exists() and not UtilityFigures.objects.exists()


def test_warnings_need_the_confirmation_box(clerk, client_for):
    client = client_for(clerk)
    workbook = template(client)
    fill(workbook, {**FIGURES, "METERED_RES_WATER": 400})  # more than all households' 340
    response, _ = upload(client, workbook)
    page = client.get(response.url).content.decode()
    assert "大于“建成区居民家庭用水总量”的 340万m³，两者不一致" in page and 'name="confirm_warnings"' in page
    client.post(response.url)
    assert not DataValue.objects.exists()
    assert client.post(response.url, {"confirm_warnings": "on"}).status_code == 302
    assert DataValue.objects.get(element__code="METERED_RES_WATER").warnings


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("quarter", "这是重庆市黔江区城市管理局2023年第四季度的填报表，不是本部门2024年第一季度的"),
        ("department", "这是重庆市黔江区水利局2024年第一季度的填报表"),
        ("forged", "模板标识被修改过或已损坏"),
        ("headers", "表头被修改过"),
        ("code", "不是本部门填报的数据项"),
    ],
)
def test_templates_of_something_else_are_refused(clerk, client_for, change, message):
    client = client_for(clerk)
    if change == "quarter":
        workbook = template(client, "2023Q4")
    elif change == "department":
        workbook = template(client_for(User.objects.get(username="qianjiang_reviewer")))
    else:
        workbook = template(client)
        fill(workbook)
    sheet = workbook["数据填报"]
    if change == "forged":
        workbook[signed_workbook.META_SHEET]["A1"] = "forged"
    elif change == "headers":
        sheet["H4"] = "数值"
    elif change == "code":
        sheet["A5"] = "IND_NEW_WATER"
    response, _ = upload(client, workbook)
    followed = client.get(response.url, follow=True)
    assert message in followed.content.decode()
    client.post(response.url)
    assert not DataValue.objects.exists()


def test_not_a_workbook_is_refused_before_parsing(clerk, client_for):
    client = client_for(clerk)
    response = client.post(
        f"{reverse('indicators:data_upload')}?quarter={QUARTER}",
        {"file": SimpleUploadedFile("数据.xlsx", "代码,数值\nRES_WATER,340\n".encode())},
    )
    assert response.status_code == 200
    assert "不是Excel" in response.content.decode() or "xlsx" in response.content.decode()
    assert not DataValue.objects.exists()
