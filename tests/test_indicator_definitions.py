"""Indicators as written: each of 黔江's 20 指标释义 is stored and shown whole (the formula and
every “其中…” note), in the demo catalogue and when the 附件's own indicator table is uploaded
through the standard import, from .xlsx, .xls or .ods. The expected text is the source
table's cells as openpyxl reads them, not the portal's reader."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import FileUnreadable, ImportBlocked
from demo import catalogue as catalogue_demo
from indicators import standard_workbook as workbook
from indicators.models import Indicator, IndicatorSet
from indicators.services.standards import standard_commit, standard_prepare
from org.models import User
from tests.conftest import make_user

FIXTURES = Path(__file__).parent / "fixtures"
TABLE = {"xlsx": FIXTURES / "xlsx" / "qianjiang_indicators.xlsx",
         "xls": FIXTURES / "source_tables" / "qianjiang_indicators.xls",
         "ods": FIXTURES / "source_tables" / "qianjiang_indicators.ods"}


def source_rows():
    """{序号: (指标, 指标释义, 具体要求)} of the committed 附件 table, cell by cell."""
    sheet = openpyxl.load_workbook(TABLE["xlsx"]).active
    rows = {}
    for number, _goal, name, definition, _kind, requirement, *_units in sheet.iter_rows(min_row=4, values_only=True):
        rows[int(number)] = (name, definition, requirement)
    return rows


SOURCE = source_rows()


def cut_short(definition):
    """How the catalogue used to keep a definition: its first paragraph only."""
    return definition.split("\n")[0]


@pytest.fixture
def catalogue(regions):
    return catalogue_demo.load_catalogue()


@pytest.fixture
def admin(db):
    return make_user("definitions_admin", None, User.Role.ADMIN, is_staff=True, is_superuser=True)


def stored(indicator_set):
    return {i.number: i for i in indicator_set.indicators.all()}


def test_the_source_table_has_twenty_definitions_twelve_with_notes():
    assert sorted(SOURCE) == list(range(1, 21))
    with_notes = [n for n, (_name, definition, _req) in SOURCE.items() if "\n" in definition]
    assert len(with_notes) == 12
    # The notes the tester found missing are in the cells.
    assert "统计口径为规模以上工业企业或全口径工业企业" in SOURCE[8][1]
    assert "包括计费用水量和免费用水量" in SOURCE[3][1]
    assert "不包括工业企业内部的回用水" in SOURCE[9][1]
    assert SOURCE[15][1].startswith("某行业（企业）年生产用水总量（新水量）÷某行业（企业）年产品产量（产品数量）")


def test_every_demo_definition_and_requirement_is_the_source_cell_in_full(catalogue):
    items = stored(catalogue)
    assert len(items) == 20
    for number, (name, definition, requirement) in SOURCE.items():
        assert items[number].name == name
        assert items[number].definition == definition, number
        assert items[number].target_text == requirement, number
    assert items[12].target_text == "不低于90％"  # the 附件's full-width ％, kept


def test_the_catalogue_page_shows_each_definition_whole(catalogue, admin, client_for):
    page = client_for(admin).get(reverse("indicators:catalogue"))
    text = page.content.decode()
    for number, (_name, definition, _req) in SOURCE.items():
        for paragraph in filter(None, definition.split("\n")):
            assert paragraph in text, (number, paragraph)


@pytest.mark.parametrize("ext", sorted(TABLE))
def test_the_document_table_restores_cut_definitions_from_each_format(catalogue, admin, ext):
    cut = 0
    for indicator in catalogue.indicators.all():
        if cut_short(indicator.definition) != indicator.definition:
            Indicator.objects.filter(pk=indicator.pk).update(definition=cut_short(indicator.definition))
            cut += 1
    assert cut == 12
    parsed = workbook.read(TABLE[ext].read_bytes())
    assert parsed.document and len(parsed.items) == 20
    preview = standard_prepare(parsed=parsed)
    assert preview.ok, preview.errors
    assert preview.existing == catalogue and not preview.added and not preview.removed
    assert len(preview.item_changes) == 12 and preview.unchanged == 8
    item, _indicator, changes = preview.item_changes[0]
    assert item.sheet == "指标任务分工" and [label for label, _old, _new in changes] == ["指标释义"]
    loaded = standard_commit(parsed=parsed, user=admin)
    assert (loaded.created, loaded.updated, loaded.removed) == (0, 12, 0)
    items = stored(IndicatorSet.objects.get(pk=catalogue.pk))
    for number, (_name, definition, requirement) in SOURCE.items():
        assert items[number].definition == definition, (ext, number)
        assert items[number].target_text == requirement
    # What the document does not say stays as the standard stores it.
    assert items[3].method == "leakage" and items[8].target["kind"] == "any"
    assert items[1].formula == "PERMEABLE_AREA / BUILT_AREA * 100"


def test_the_document_table_goes_through_the_import_page(catalogue, admin, client_for):
    Indicator.objects.filter(indicator_set=catalogue, number=8).update(definition=cut_short(SOURCE[8][1]))
    client = client_for(admin)
    page = client.get(reverse("indicators:standard_import")).content.decode()
    assert "发文附件中的指标表（序号、指标、指标释义" in page
    upload = client.post(reverse("indicators:standard_import"),
                         {"file": SimpleUploadedFile("附件.xlsx", TABLE["xlsx"].read_bytes())})
    assert upload.status_code == 302
    preview = client.get(upload.url)
    text = preview.content.decode()
    assert preview.status_code == 200 and "指标任务分工表第11行" in text and "其中，工业用水量是指工矿企业" in text
    assert client.post(upload.url).status_code == 302
    assert catalogue.indicators.get(number=8).definition == SOURCE[8][1]
    assert catalogue.indicators.get(number=8).history.first().history_user == admin


def document(rows, headers=("序号", "指标名称", "指标解释", "类型", "指标要求", "牵头单位", "配合单位")):
    """Another district's indicator table: its own headers, a title above them."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "考核指标"
    sheet.append(["某区创建节水型城市考核指标"])
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_another_districts_table_sets_the_rule_its_wording_gives(catalogue, admin):
    definition = "（城市节水财政投入÷城市本级财政支出）×1000‰\n\n其中，城市节水财政投入含节水宣传经费。"
    content = document([
        ("18", "节水资金投入占比", definition, "导向指标", "1.5‰～3‰", "区财政局", "区城市管理局\n区水利局"),
        ("1", "城市可渗透地面面积比例", SOURCE[1][1], "导向指标", "≥45%且≤60%", "区住房城乡建委", ""),
    ])
    parsed = workbook.read(content)
    preview = standard_prepare(parsed=parsed)
    assert preview.ok, preview.errors
    standard_commit(parsed=parsed, user=admin)
    funds = catalogue.indicators.get(number=18)
    assert funds.definition == definition and funds.target_text == "1.5‰～3‰"
    assert funds.target == {"kind": "range", "min": "1.5", "max": "3", "min_inclusive": True, "max_inclusive": True}
    assert funds.responsible_text == "区城市管理局、区水利局"
    permeable = catalogue.indicators.get(number=1)
    assert permeable.target == {"kind": "all", "rules": [{"kind": "bound", "op": "ge", "value": "45"},
                                                         {"kind": "bound", "op": "le", "value": "60"}]}
    # The 18 items it does not name are kept as they were.
    assert catalogue.indicators.count() == 20
    assert catalogue.indicators.get(number=3).definition == SOURCE[3][1]


def test_a_row_naming_no_item_of_any_standard_is_refused_by_row_and_column(catalogue, admin):
    before = {i.pk: i.definition for i in catalogue.indicators.all()}
    content = document([("1", "城市可渗透地面面积比例", "新的释义", "导向指标", "不低于45%", "", ""),
                        ("2", "城市绿地率", "（绿地面积÷建成区面积）×100%", "导向指标", "不低于40%", "", "")])
    parsed = workbook.read(content)
    with pytest.raises(ImportBlocked) as blocked:
        standard_commit(parsed=parsed, user=admin)
    assert blocked.value.problems == [
        "考核指标表第4行“指标名称”列（B列）：“城市绿地率”不是“重庆市节水型城市评选标准”（2022）的评价项目"]
    assert {i.pk: i.definition for i in catalogue.indicators.all()} == before


def test_a_document_table_without_a_stored_standard_says_what_to_upload_instead(db, admin):
    parsed = workbook.read(document([("1", "城市可渗透地面面积比例", "释义", "导向指标", "不低于45%", "", "")]))
    preview = standard_prepare(parsed=parsed)
    assert len(preview.errors) == 1 and "新标准请用评价标准导入表" in preview.errors[0]


def test_a_table_with_neither_shape_is_unreadable(db):
    with pytest.raises(FileUnreadable, match="发文附件中的指标表"):
        workbook.read(document([("1", "x", "y", "z", "w", "", "")], headers=("序号", "名称", "说明", "", "", "", "")))
