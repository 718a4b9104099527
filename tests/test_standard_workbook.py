"""导入评价标准: an administrator downloads a standard as its workbook, writes another one the
same way, uploads it, previews and confirms. Every cell is checked before anything is written;
each refusal names the sheet, row and column; the same code and version updates in place."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import FileUnreadable, ImportBlocked
from demo import catalogue as catalogue_demo
from demo import county_standard, county_standard_data
from indicators import standard_workbook as workbook
from indicators.models import DataElement, Indicator, IndicatorSet
from indicators.services.standards import spec_of, standard_commit, standard_prepare
from indicators.standard_workbook import parse_scoring, parse_target, scoring_cells_of, target_text_of
from indicators.targets import RuleError
from org.models import User
from tests.conftest import make_user


@pytest.fixture
def catalogue(regions):
    """The city list's catalogue (its data elements, the registry-fed ones, 黔江's quota)."""
    catalogue_demo.load_catalogue()


@pytest.fixture
def district_reviewer(regions):
    return make_user("standards_reviewer", regions["wulong"].departments.get(short_name="区水利局"),
                     User.Role.REVIEWER)


@pytest.fixture
def admin(db):
    return make_user("standards_admin", None, User.Role.ADMIN, is_staff=True, is_superuser=True)


def template():
    return workbook.build(county_standard_data.spec())


def edited(content, sheet_name, changes):
    """``content`` with cells changed: ``changes`` maps (row key, header) to the new value,
    the row key being an item's 序号 (评价项目), a key of the 标准 sheet, or a 数据项 code."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book[sheet_name]
    headers = {cell.value: cell.column for cell in sheet[1]}
    first = 1 if sheet_name in (workbook.STANDARD_SHEET, workbook.ELEMENTS_SHEET) else headers["序号"]
    rows = {str(sheet.cell(r, first).value): r for r in range(sheet.max_row, 1, -1)}  # the first row of each key
    cells = [(sheet.cell(rows[str(key)], 2 if sheet_name == workbook.STANDARD_SHEET else headers[header]), value)
             for (key, header), value in changes.items()]  # found before any is changed
    for cell, value in cells:
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # “=100” written as text, as the template writes it
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def without_item(content, number):
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book[workbook.ITEMS_SHEET]
    row = next(r for r in range(2, sheet.max_row + 1) if str(sheet.cell(r, 1).value) == str(number))
    sheet.delete_rows(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def prepared(content):
    return standard_prepare(parsed=workbook.read(content))


def stored_counts():
    return (IndicatorSet.objects.count(), Indicator.objects.count(), DataElement.objects.count(),
            Indicator.history.count(), IndicatorSet.history.count())


# --- the compact forms ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "rule"), [
    ("≥90", {"kind": "bound", "op": "ge", "value": "90"}),
    ("≤ 10%", {"kind": "bound", "op": "le", "value": "10"}),
    ("<=8.5", {"kind": "bound", "op": "le", "value": "8.5"}),
    ("＞0.5", {"kind": "bound", "op": "gt", "value": "0.5"}),
    ("=100", {"kind": "exact", "value": "100"}),
    ("100%", {"kind": "exact", "value": "100"}),
    ("≤WATER_QUOTA", {"kind": "quota", "reference": "WATER_QUOTA"}),
    ("<0.5×NATIONAL_IND_WATER", {"kind": "relative", "op": "lt", "factor": "0.5", "reference": "NATIONAL_IND_WATER"}),
    ("较上年下降≥5", {"kind": "change", "direction": "fall", "at_least": "5"}),
    ("较上年增长 ≥ 5%", {"kind": "change", "direction": "growth", "at_least": "5"}),
    ("≥25 或 较上年增长≥5", {"kind": "any", "rules": [{"kind": "bound", "op": "ge", "value": "25"},
                                                 {"kind": "change", "direction": "growth", "at_least": "5"}]}),
    ('{"kind": "bound", "op": "ge", "value": "45"}', {"kind": "bound", "op": "ge", "value": "45"}),
    ("", {}),
])
def test_targets_in_their_compact_form(text, rule):
    assert parse_target(text) == rule
    assert parse_target(target_text_of(rule)) == rule


@pytest.mark.parametrize("text", ["约90", "大于", "≥", "≥WATER_QUOTA", "=0.5×NATIONAL_GDP_WATER", "或≥5", "{not json"])
def test_a_target_that_cannot_be_read_is_refused(text):
    with pytest.raises(RuleError):
        parse_target(text)


def test_steps_and_per_unit_rules_in_their_compact_form():
    assert parse_scoring("分档", "越高越好", "5-10:1；10-15:2；15-:3") == {
        "kind": "steps", "better": "higher",
        "steps": [{"from": "5", "to": "10", "points": "1"}, {"from": "10", "to": "15", "points": "2"},
                  {"from": "15", "points": "3"}]}
    assert parse_scoring("分档", "越低越好", "-8:4; 8~10：2；计分对象=较上年降幅")["steps"] == [
        {"to": "8", "points": "4"}, {"from": "8", "to": "10", "points": "2"}]
    assert parse_scoring("分档", "越高越好", "-5-0:1；0-:2")["steps"][0] == {"from": "-5", "to": "0", "points": "1"}
    leakage = "标准线=10；达标得分=6；单位=1；加分=2；加分上限=4；未达标=不得分"
    assert parse_scoring("按单位加减分", "越低越好", leakage) == {
        "kind": "per_unit", "better": "lower", "line": "10", "at_line": "6", "unit": "1", "bonus": "2",
        "bonus_cap": "4", "worse": "zero"}
    assert parse_scoring("按单位加减分", "越高越好", "标准线=WATER_QUOTA；达标得分=5；单位=5；扣分=1；最低=0；"
                                               "计分对象=较上年降幅") == {
        "kind": "per_unit", "better": "higher", "reference": "WATER_QUOTA", "at_line": "5", "unit": "5",
        "penalty": "1", "floor": "0", "measure": "fall"}
    assert parse_scoring("", "", "") == {} and parse_scoring("全有全无", "", "") == {}
    assert parse_scoring("专家评分", "", "") == {"kind": "judged"}
    for rule in (item["scoring"] for item in county_standard_data.ITEMS):
        assert parse_scoring(*scoring_cells_of(rule)) == rule


@pytest.mark.parametrize(("cells", "column", "message"), [
    (("分档", "", "5-10:1"), "better", "评分方式为“分档”时须填方向：越高越好或越低越好"),
    (("分段", "", ""), "scoring_kind", "无法识别的评分方式“分段”"),
    (("分档", "越大越好", "5-10:1"), "better", "无法识别的方向“越大越好”"),
    (("分档", "越高越好", "5到10得1分"), "scoring_params", "无法识别的一档“5到10得1分”"),
    (("按单位加减分", "越高越好", "标准线=5；倍数=2"), "scoring_params", "无法识别的参数“倍数”"),
    (("按单位加减分", "越高越好", "标准线=5；未达标=减半"), "scoring_params", "“未达标=减半”"),
    (("", "", "5-10:1"), "scoring_kind", "填了评分参数，但没有填评分方式"),
    (("专家评分", "", '{"kind": "steps"}'), "scoring_kind", "评分方式为“专家评分”，评分参数的JSON却是“分档”"),
])
def test_scoring_cells_that_cannot_be_read_name_their_column(cells, column, message):
    with pytest.raises(workbook.ScoringCellError) as refused:
        parse_scoring(*cells)
    assert refused.value.key == column and str(refused.value).startswith(message)


# --- the county standard through the file --------------------------------------------------------


def test_the_template_reads_back_to_the_data_it_was_built_from():
    parsed = workbook.read(template())
    assert parsed.problems == []
    assert parsed.standard["code"] == "MWR_COUNTY_WATER_SAVING" and parsed.standard["min_points"] == Decimal("90")
    assert parsed.standard["source_note"] == county_standard_data.SOURCE_NOTE
    assert parsed.prerequisites == [1]
    assert [item.fields for item in parsed.items] == county_standard_data.ITEMS
    assert [e.code for e in parsed.elements] == sorted(
        e["code"] for e in county_standard_data.ELEMENTS + county_standard_data.SHARED_ELEMENTS)


def test_the_downloaded_template_round_trips_into_the_same_standard(catalogue, admin, client_for):
    indicator_set = county_standard.load_standard()
    before = spec_of(indicator_set)
    client = client_for(admin)
    page = client.get(reverse("indicators:standard_import"))
    assert page.status_code == 200 and reverse("indicators:standard_template") in page.content.decode()
    response = client.get(reverse("indicators:standard_template"))  # the example: the scored standard
    assert response.status_code == 200 and "attachment;" in response["Content-Disposition"]
    content = response.content
    # Loading it again over itself changes nothing.
    again = prepared(content)
    assert again.ok and again.existing == indicator_set and not again.changes_anything
    assert again.unchanged == 21
    # Into a catalogue without it: the same standard, item for item.
    indicator_set.delete()
    upload = client.post(reverse("indicators:standard_import"),
                         {"file": SimpleUploadedFile("县域标准.xlsx", content)})
    assert upload.status_code == 302
    preview = client.get(upload.url)
    text = preview.content.decode()
    assert preview.status_code == 200 and "节水型企业建成率" in text and "建成率达到5%得2分；达到10%得4分" in text
    assert not IndicatorSet.objects.filter(code=county_standard_data.CODE).exists()
    confirmed = client.post(upload.url)
    assert confirmed.status_code == 302
    loaded = IndicatorSet.objects.get(code=county_standard_data.CODE, version="2017")
    assert confirmed.url.endswith(f"#set-{loaded.pk}")
    assert spec_of(loaded) == before
    assert loaded.indicators.get(code="PUBLICITY").history.first().history_user == admin


def test_the_same_code_and_version_updates_in_place_and_the_preview_says_what_changes(catalogue, admin):
    indicator_set = county_standard.load_standard()
    leakage = indicator_set.indicators.get(code="LEAKAGE")
    content = edited(template(), workbook.ITEMS_SHEET, {
        (19, "满分"): "8", (21, "满分"): "7", (21, "评分标准（原文）"): "专家评分，满分7分",
        (16, "评分参数"): "标准线=9；达标得分=6；单位=1；加分=2；加分上限=4；未达标=不得分",
    })
    preview = prepared(content)
    assert preview.ok and preview.existing == indicator_set
    changes = {indicator.code: fields for _item, indicator, fields in preview.item_changes}
    assert changes["MANAGEMENT_BODY"] == [("满分", "7", "8")]
    assert changes["PUBLICITY"] == [("满分", "8", "7"), ("评分标准（原文）",
                                    "专家根据宣传活动记录、媒体报道和公众知晓情况评分，满分8分", "专家评分，满分7分")]
    assert changes["LEAKAGE"] == [("评分规则", "按单位加减分 · 越低越好 · 标准线=10；达标得分=6；单位=1；加分=2；"
                                            "加分上限=4；未达标=不得分",
                                   "按单位加减分 · 越低越好 · 标准线=9；达标得分=6；单位=1；加分=2；"
                                   "加分上限=4；未达标=不得分")]
    assert preview.unchanged == 18 and not preview.added and not preview.removed
    loaded = standard_commit(parsed=workbook.read(content), user=admin)
    assert loaded.indicator_set.pk == indicator_set.pk and (loaded.created, loaded.updated) == (0, 3)
    leakage.refresh_from_db()
    assert leakage.scoring["line"] == "9" and leakage.history.first().history_change_reason == "导入评价标准"
    assert IndicatorSet.objects.filter(code=county_standard_data.CODE).count() == 1


def test_an_item_the_file_no_longer_has_is_listed_for_removal_with_what_hangs_on_it(catalogue, admin):
    county_standard.load_standard()
    content = edited(without_item(template(), 20), workbook.STANDARD_SHEET, {("达标分数", "内容"): "87"})
    preview = prepared(content)
    assert preview.ok and [indicator.code for indicator, _hanging in preview.removed] == ["SAVING_PLAN"]
    standard_commit(parsed=workbook.read(content), user=admin)
    assert not Indicator.objects.filter(code="SAVING_PLAN").exists()
    assert IndicatorSet.objects.get(code=county_standard_data.CODE).min_points == Decimal("87")


def test_items_may_change_places(catalogue, admin):
    county_standard.load_standard()
    content = edited(template(), workbook.ITEMS_SHEET, {(19, "序号"): "21", (21, "序号"): "19"})
    standard_commit(parsed=workbook.read(content), user=admin)
    stored = dict(IndicatorSet.objects.get(code=county_standard_data.CODE).indicators.values_list("code", "number"))
    assert (stored["MANAGEMENT_BODY"], stored["PUBLICITY"]) == (21, 19)


def test_a_new_version_is_a_new_standard_beside_the_old(catalogue, admin):
    old = county_standard.load_standard()
    content = edited(template(), workbook.STANDARD_SHEET, {("版本", "内容"): "2018"})
    loaded = standard_commit(parsed=workbook.read(content), user=admin)
    assert loaded.created_set and loaded.indicator_set.pk != old.pk and loaded.created == 21
    assert old.indicators.count() == 21


# --- refusals: each names its sheet, row and column, and nothing is written --------------------------


BAD = [
    ("overlapping steps", workbook.ITEMS_SHEET, {(12, "评分参数"): "5-10:2；8-15:4；15-:6"},
     "评价项目表第13行“评分参数”列（O列）：第1档止于10，第2档始于8，两档之间有重叠"),
    ("a gap between steps", workbook.ITEMS_SHEET, {(12, "评分参数"): "5-10:2；12-15:4；15-:6"},
     "评价项目表第13行“评分参数”列（O列）：第1档止于10，第2档始于12，两档之间有空档"),
    ("a step above full points", workbook.ITEMS_SHEET, {(12, "评分参数"): "5-10:2；10-15:4；15-:7"},
     "评价项目表第13行“评分参数”列（O列）：第3档：得分7分超过满分6分"),
    ("a bonus cap above full points", workbook.ITEMS_SHEET, {(16, "满分"): "9"},
     "评价项目表第17行“评分参数”列（O列）：达标得分6分加上加分上限4分超过满分9分"),
    ("a pass score the standard cannot reach", workbook.STANDARD_SHEET, {("达标分数", "内容"): "101"},
     "标准表第7行“达标分数”（B列）：各评价项目满分合计100分，达标分数101分无法达到"),
    ("a prerequisite that is no item", workbook.STANDARD_SHEET, {("前提条件", "内容"): "1、30"},
     "标准表第8行“前提条件”（B列）：序号30不是本标准的评价项目"),
    ("a prerequisite typed as scored", workbook.STANDARD_SHEET, {("前提条件", "内容"): "1、2"},
     "评价项目表第3行“类型”列（E列）：“标准”表的前提条件列有序号2，但其类型为“评分”"),
    ("an unknown data element", workbook.ITEMS_SHEET, {(6, "公式"): "PLANNED_WATER / NONRES_WATER * 100"},
     "评价项目表第7行“公式”列（H列）：公式中的“PLANNED_WATER”不是已定义的数据项或参考值"),
    ("an unknown method", workbook.ITEMS_SHEET, {(7, "计算方法"): "估算"},
     "评价项目表第8行“计算方法”列（G列）：无法识别的计算方法“估算”：应为公式、漏损率、核查、专家评分之一"),
    ("an unknown type", workbook.ITEMS_SHEET, {(7, "类型"): "加分项"},
     "评价项目表第8行“类型”列（E列）：无法识别的类型“加分项”：应为前提（底线）或评分（导向）"),
    ("a duplicate code", workbook.ITEMS_SHEET, {(17, "代码"): "LEAKAGE"},
     "评价项目表第18行“代码”列（B列）：代码LEAKAGE与第17行重复"),
    ("a duplicate number", workbook.ITEMS_SHEET, {(17, "序号"): "16"},
     "评价项目表第18行“序号”列（A列）：序号16与第17行重复"),
    ("a target that cannot be read", workbook.ITEMS_SHEET, {(6, "目标"): "约90"},
     "评价项目表第7行“目标”列（J列）：无法识别的目标“约90”"),
    ("points that are no number", workbook.ITEMS_SHEET, {(6, "满分"): "六"},
     "评价项目表第7行“满分”列（L列）：“六”不是数字"),
    ("a judged item scored all or nothing", workbook.ITEMS_SHEET, {(19, "评分方式"): "全有全无"},
     "评价项目表第20行“评分方式”列（M列）：专家评分的项目须使用“专家评分”规则"),
    ("a formula item without a target", workbook.ITEMS_SHEET, {(6, "目标"): ""},
     "评价项目表第7行“目标”列（J列）：目标规则不能为空"),
    ("a checklist without items", workbook.ITEMS_SHEET, {(5, "核查事项"): ""},
     "评价项目表第6行“核查事项”列（I列）："),
    ("a code in lower case and spaces", workbook.ITEMS_SHEET, {(5, "代码"): "定额管理"},
     "评价项目表第6行“代码”列（B列）："),
    ("a name too long", workbook.ITEMS_SHEET, {(5, "项目名称"): "长" * 101},
     "评价项目表第6行“项目名称”列（D列）："),
    ("annual neither yes nor no", workbook.ITEMS_SHEET, {(5, "按全年考核"): "也许"},
     "评价项目表第6行“按全年考核”列（Q列）：“也许”：应填是或否"),
    ("a data element code twice", workbook.ELEMENTS_SHEET, {("HOUSEHOLDS", "代码"): "IND_ADDED_VALUE"},
     "数据项表第5行“代码”列（A列）：与第4行重复"),
    ("a blank version", workbook.STANDARD_SHEET, {("版本", "内容"): ""}, "标准表第3行“版本”（B列）：不能为空"),
]


@pytest.mark.parametrize(("case", "sheet", "changes", "message"), BAD, ids=[case for case, *_rest in BAD])
def test_each_problem_is_refused_by_sheet_row_and_column_and_nothing_is_written(catalogue, admin, case,
                                                                                 sheet, changes, message):
    content = edited(template(), sheet, changes)
    before = stored_counts()
    preview = prepared(content)
    assert len(preview.errors) == 1 and preview.errors[0].startswith(message), preview.errors
    with pytest.raises(ImportBlocked) as refused:
        standard_commit(parsed=workbook.read(content), user=admin, confirm_warnings=True)
    assert refused.value.problems == preview.errors
    assert stored_counts() == before


def test_every_problem_of_a_file_is_listed_at_once(catalogue):
    content = edited(template(), workbook.ITEMS_SHEET,
                     {(6, "满分"): "六", (7, "计算方法"): "估算", (12, "评分参数"): "x"})
    assert [error.split("：")[0] for error in prepared(content).errors] == [
        "评价项目表第7行“满分”列（L列）", "评价项目表第8行“计算方法”列（G列）", "评价项目表第13行“评分参数”列（O列）"]


def test_a_file_that_is_not_a_standard_workbook_is_unreadable():
    book = openpyxl.Workbook()
    book.active.title = "统计数据"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(FileUnreadable, match="没有找到“标准”“评价项目”工作表"):
        workbook.read(buffer.getvalue())
    book.active.title = "标准"
    book.create_sheet("评价项目").append(["名称", "分数"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(FileUnreadable, match="“评价项目”表没有找到表头"):
        workbook.read(buffer.getvalue())


def test_the_preview_of_a_refused_file_offers_no_confirmation(catalogue, admin, client_for):
    client = client_for(admin)
    content = edited(template(), workbook.STANDARD_SHEET, {("达标分数", "内容"): "120"})
    upload = client.post(reverse("indicators:standard_import"), {"file": SimpleUploadedFile("坏.xlsx", content)})
    page = client.get(upload.url)
    text = page.content.decode()
    assert "标准表第7行“达标分数”（B列）：各评价项目满分合计100分，达标分数120分无法达到" in text
    assert "btn-success" not in text
    assert client.post(upload.url).status_code == 200 and not IndicatorSet.objects.filter(
        code=county_standard_data.CODE).exists()


# --- another province's standard, in its own words ---------------------------------------------------

JIANGSU_ITEMS = [
    # a different order of columns, half-width brackets, no 单位/按全年考核/责任单位 columns
    ["序号", "项目名称", "代码", "类别", "类型", "计算方法", "公式", "核查事项", "目标", "具体要求(原文)", "满分",
     "评分方式", "方向", "评分参数", "评分标准(原文)", "牵头单位"],
    [1, "用水总量控制", "JS_TOTAL_USE", "基本条件", "底线", "公式", "JS_TOTAL_WATER", "", "≤JS_WATER_QUOTA",
     "用水总量控制在省下达指标以内", 0, "", "", "", "一票否决", "县水利局"],
    [2, "万元地区生产总值用水量下降率", "JS_GDP_FALL", "用水效率", "导向", "公式", "JS_TOTAL_WATER*10000/JS_GDP", "",
     "较上年下降≥4", "完成省下达的年度下降目标", 5, "分档", "越高越好", "2-4:3；4-:5；计分对象=较上年降幅",
     "下降2%（含）至4%得3分，4%（含）以上得5分", "县水利局"],
    [3, "节水载体覆盖率", "JS_CARRIER_SHARE", "节水载体", "导向", "公式", "JS_CARRIERS / JS_UNITS * 100", "", "≥20",
     "重点用水单位中节水载体占比不低于20%", 10, "按单位加减分", "越高越好",
     "标准线=20；达标得分=8；单位=2；加分=1；加分上限=2；扣分=1；最低=2",
     "达到20%得8分，每高2个百分点加1分，最多加2分；每低2个百分点扣1分，最低2分", "县发展改革委"],
    [4, "节水宣传", "JS_PUBLICITY", "社会参与", "导向", "专家评分", "", "", "", "“节水宣传周”等活动常态化开展", 5,
     "专家评分", "", "", "由考核组酌情赋分，最高5分", "县水利局"],
    [5, "计划用水管理", "JS_PLANNED", "制度建设", "导向", "核查", "", "建立计划用水户名录\n按月考核计划执行情况", "",
     "计划用水户全部纳入名录管理", 5, "全有全无", "", "", "全部做到得5分，否则不得分", "县水利局"],
]


def jiangsu_workbook():
    book = openpyxl.Workbook()
    standard = book.active
    standard.title = "标准"
    standard.append(["江苏省县域节水型社会建设评价（示例）"])
    for key, value in [("标准代码", "JS_COUNTY"), ("版本", "2021试行"),
                       ("标准名称", "江苏省县域节水型社会评价标准（示例）"),
                       ("来源", "苏水节〔2021〕示例号"), ("来源说明", "测试用：按江苏写法编写的五项标准"),
                       ("达标分数", "20分"), ("前提条件", "1")]:
        standard.append([key, value])
    items = book.create_sheet("评价项目")
    items.append(["附件：评价项目"])
    for row in JIANGSU_ITEMS:
        items.append(row)
    elements = book.create_sheet("数据项")
    elements.append(["代码", "名称", "单位", "累计"])
    elements.append(["JS_TOTAL_WATER", "全县用水总量", "万m³", "是"])
    elements.append(["JS_GDP", "全县地区生产总值", "万元", "是"])
    elements.append(["JS_CARRIERS", "节水载体数", "个", "否"])
    elements.append(["JS_UNITS", "重点用水单位数", "个", "否"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_another_provinces_standard_in_its_own_words_loads(db, admin, client_for):
    client = client_for(admin)
    upload = client.post(reverse("indicators:standard_import"),
                         {"file": SimpleUploadedFile("江苏.xlsx", jiangsu_workbook())})
    page = client.get(upload.url)
    text = page.content.decode()
    assert "参考值JS_WATER_QUOTA尚无任何数值" in text and 'name="confirm_warnings"' in text
    refused = client.post(upload.url)  # the warning not ticked: nothing written
    assert refused.status_code == 200 and not IndicatorSet.objects.exists()
    confirmed = client.post(upload.url, {"confirm_warnings": "on"})
    assert confirmed.status_code == 302
    loaded = IndicatorSet.objects.get(code="JS_COUNTY", version="2021试行")
    assert (loaded.name, loaded.source, loaded.min_points) == ("江苏省县域节水型社会评价标准（示例）",
                                                               "苏水节〔2021〕示例号", Decimal("20"))
    items = {i.number: i for i in loaded.indicators.all()}
    assert [items[n].kind for n in range(1, 6)] == ["bottom_line", "guiding", "guiding", "guiding", "guiding"]
    assert items[2].target_text == "完成省下达的年度下降目标"
    assert items[2].scoring_text == "下降2%（含）至4%得3分，4%（含）以上得5分"
    assert items[2].scoring == {"kind": "steps", "better": "higher", "measure": "fall",
                                "steps": [{"from": "2", "to": "4", "points": "3"}, {"from": "4", "points": "5"}]}
    assert items[3].scoring == {"kind": "per_unit", "better": "higher", "line": "20", "at_line": "8", "unit": "2",
                                "bonus": "1", "bonus_cap": "2", "penalty": "1", "floor": "2"}
    assert items[4].method == "judged" and items[4].scoring == {"kind": "judged"}
    assert items[5].checklist == ["建立计划用水户名录", "按月考核计划执行情况"] and items[5].scoring == {}
    assert items[1].target == {"kind": "quota", "reference": "JS_WATER_QUOTA"} and items[1].annual is False
    assert set(DataElement.objects.values_list("code", flat=True)) == {"JS_TOTAL_WATER", "JS_GDP", "JS_CARRIERS",
                                                                       "JS_UNITS"}
    assert DataElement.objects.get(code="JS_CARRIERS").cumulative is False
    assert loaded.full_points == Decimal("25")


# --- pages -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["indicators:standard_import", "indicators:standard_template",
                                  "indicators:standard_preview"])
def test_only_administrators_may_open_the_pages(world, reporter, reviewer, supervisor, outsider, administrator,
                                                client_for, name):
    kwargs = {"token": "0" * 32} if name == "indicators:standard_preview" else None
    url = reverse(name, kwargs=kwargs)
    for user in (reporter, reviewer, supervisor, outsider):
        assert client_for(user).get(url).status_code == 404, user
    if kwargs is None:
        assert client_for(administrator).get(url).status_code == 200


def test_the_blank_template_without_any_standard_has_the_sheets(db, admin, client_for):
    response = client_for(admin).get(reverse("indicators:standard_template"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["标准", "评价项目", "数据项", "填写说明"]
    assert [cell.value for cell in book["评价项目"][1]] == [header for _k, header, _w, _h in workbook.ITEM_COLUMNS]
    assert client_for(admin).get(reverse("indicators:standard_template"), {"set": "x"}).status_code == 404


def test_a_reviewer_cannot_confirm_an_administrators_upload(catalogue, admin, district_reviewer, client_for):
    upload = client_for(admin).post(reverse("indicators:standard_import"),
                                            {"file": SimpleUploadedFile("县域.xlsx", template())})
    assert client_for(district_reviewer).post(upload.url).status_code == 404
    assert not IndicatorSet.objects.filter(code=county_standard_data.CODE).exists()


@pytest.mark.parametrize(("name", "method"), [
    ("indicators:standard_import", "put"), ("indicators:standard_template", "post"),
    ("indicators:standard_preview", "delete"),
])
def test_wrong_methods_are_refused(world, administrator, client_for, name, method):
    kwargs = {"token": "0" * 32} if name == "indicators:standard_preview" else None
    assert getattr(client_for(administrator), method)(reverse(name, kwargs=kwargs)).status_code == 405


def test_the_catalogue_shows_points_scoring_and_source_and_links_administrators(catalogue, admin, district_reviewer,
                                                                               client_for):
    county_standard.load_standard()
    page = client_for(district_reviewer).get(reverse("indicators:catalogue")).content.decode()
    assert "降幅达到3%得2分；达到5%得4分；达到8%以上得6分" in page  # as written
    assert county_standard_data.SOURCE in page and "未能取得《节水型社会评价标准（试行）》原文" in page
    assert reverse("indicators:standard_import") not in page
    assert reverse("indicators:standard_import") in client_for(admin).get(
        reverse("indicators:catalogue")).content.decode()
