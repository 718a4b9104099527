"""统计数据批量导入: an administrator downloads a quarter's long table of every county × data
element, fills it in, uploads it, previews and confirms. Every row is checked before
anything is written, errors name the row and the column, a failed import writes nothing,
submitted and approved figures are never changed, and the commit asks the same number of
queries however many rows the file has."""

import io
from decimal import Decimal
from unittest import mock

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import jobs
from core.errors import FileUnreadable, ImportBlocked
from core.periods import Quarter
from indicators import bulk_workbook
from indicators.bulk_workbook import TemplateRow
from indicators.models import Adoption, ComputedValue, DataElement, DataReport, DataValue, Indicator, IndicatorSet
from indicators.services import bulk_statistics_commit, bulk_statistics_prepare
from org.models import Department, Region

pytestmark = pytest.mark.django_db

QUARTER = Quarter(2024, 1)
WATER, AREA, FUNDS = "BULK_WATER", "BULK_AREA", "BULK_FUNDS"


@pytest.fixture
def standard(world):
    """Three entered figures and one from the carrier registry; 区水利局 reports the first two,
    区城管局 the third (黔江 has no 区城管局 by that name, so nobody reports it there)."""
    DataElement.objects.create(code=WATER, name="批量测试用水总量", unit="万m³", min_value=0)
    DataElement.objects.create(code=AREA, name="批量测试建成区面积", unit="km²", min_value=1, max_value=500)
    DataElement.objects.create(code=FUNDS, name="批量测试节水投入", unit="万元", min_value=0)
    DataElement.objects.create(code="BULK_REGISTRY", name="批量测试节水型企业用水量", unit="万m³",
                               source=DataElement.Source.REGISTRY)
    indicator_set = IndicatorSet.objects.create(code="BULK", version="1", name="批量导入测试标准")
    rule = {"kind": "bound", "op": "ge", "value": "1"}
    Indicator.objects.create(indicator_set=indicator_set, number=1, code="BULK_1", name="单位面积用水量",
                             category="综合类", kind="guiding", formula=f"{WATER} / {AREA}",
                             target=rule, lead_text="区水利局")
    Indicator.objects.create(indicator_set=indicator_set, number=2, code="BULK_2", name="节水投入", category="综合类",
                             kind="guiding", formula=FUNDS, target=rule, lead_text="区城管局")
    for region in (world.district, world.other_district):
        Adoption.objects.create(region=region, indicator_set=indicator_set, since_year=2023)
    return indicator_set


def add_counties(world, standard, count, first=0):
    """``count`` more adopting counties, each with the two reporting departments."""
    counties = []
    for index in range(first, first + count):
        county = Region.objects.create(code=f"5002{index:02d}", name=f"测试{index}县", level=Region.Level.COUNTY,
                                       parent=world.city)
        Department.objects.create(region=county, short_name="区水利局", name=f"测试{index}县水利局")
        Department.objects.create(region=county, short_name="区城管局", name=f"测试{index}县城市管理局")
        Adoption.objects.create(region=county, indicator_set=standard, since_year=2023)
        counties.append(county)
    return counties


def row(region, code, value, *, name=None, element_name=None, comment=""):
    element = DataElement.objects.get(code=code)
    name = region.name if name is None else name
    element_name = element.name if element_name is None else element_name
    return TemplateRow(region.code, name, code, element_name, element.unit, value, comment)


def file_of(rows, quarter=QUARTER, scope_name=""):
    return bulk_workbook.build(rows, quarter=quarter, scope_name=scope_name)


def parsed_of(rows, quarter=QUARTER):
    return bulk_workbook.read(file_of(rows, quarter))


def good_rows(world):
    return [row(world.district, WATER, 3300), row(world.district, AREA, 42.5), row(world.district, FUNDS, 120),
            row(world.other_district, WATER, 2900), row(world.other_district, AREA, 38)]


def commit(rows, user, **kwargs):
    return bulk_statistics_commit(parsed=parsed_of(rows), quarter=QUARTER, user=user, source_sha256="a" * 64,
                                  **kwargs)


def stored(region, code, quarter=QUARTER):
    return DataValue.objects.get(region=region, element__code=code, year=quarter.year, quarter=quarter.number)


# --- the template --------------------------------------------------------------------------------


def test_the_template_lists_each_adopting_county_and_figure_with_what_is_stored(world, standard, administrator,
                                                                                client_for):
    report = DataReport.objects.create(region=world.district, department=world.water_bureau, year=2024, quarter=1)
    DataValue.objects.create(region=world.district, element=DataElement.objects.get(code=WATER), year=2024,
                             quarter=1, value=Decimal("3300.5000"), report=report, comment="=统计年鉴")
    Region.objects.create(code="500199", name="未采用县", level=Region.Level.COUNTY, parent=world.city)
    response = client_for(administrator).get(reverse("indicators:bulk_template"), {"year": 2024, "quarter": 1})
    assert response.status_code == 200
    assert "attachment;" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))[bulk_workbook.SHEET]
    assert sheet["A1"].value == "2024年第一季度统计数据批量导入表"
    assert [c.value for c in sheet[3]] == [header for _key, header, _width in bulk_workbook.COLUMNS]
    assert bulk_workbook.COLUMNS[0][1] == "行政区划代码" and bulk_workbook.COLUMNS[-1][1] == "备注"
    assert sheet["A3"].font.b and sheet.freeze_panes == "A4"
    body = [[c.value for c in r] for r in sheet.iter_rows(min_row=4)]
    # 黔江 (500114) before 武隆 (500156); no registry figure; 黔江 has nobody for the funds.
    assert [(r[0], r[2]) for r in body] == [("500114", WATER), ("500114", AREA), ("500156", WATER),
                                            ("500156", AREA), ("500156", FUNDS)]
    assert body[2][1:] == ["武隆区", WATER, "批量测试用水总量", "万m³", 3300.5, "=统计年鉴"]
    assert sheet["G6"].data_type == "s"  # a remark that looks like a formula stays text


def test_the_template_can_be_limited_to_a_province_or_city(world, standard, administrator, client_for):
    elsewhere = Region.objects.create(code="510000", name="四川省", level=Region.Level.PROVINCE)
    (county,) = add_counties(world, standard, 1)
    county.parent = Region.objects.create(code="510100", name="成都市", level=Region.Level.CITY, parent=elsewhere)
    county.save()
    response = client_for(administrator).get(reverse("indicators:bulk_template"),
                                             {"year": 2024, "quarter": 1, "region": "510000"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))[bulk_workbook.SHEET]
    assert sheet["A1"].value == "四川省2024年第一季度统计数据批量导入表"
    assert {r[0] for r in sheet.iter_rows(min_row=4, values_only=True)} == {county.code}


# --- reading --------------------------------------------------------------------------------------


def test_the_header_is_found_below_title_rows_and_columns_may_move(world, standard):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["附件2"])
    sheet.append(["2024年第一季度统计数据"])
    sheet.append([])
    sheet.append(["数值", "数据项代码", "行政区 划代码"])
    sheet.append([3300, "bulk_water", 500156])
    sheet.append([None, WATER, "500114"])
    sheet.append(["12", None, "500114"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = bulk_workbook.read(buffer.getvalue())
    assert parsed.quarter == QUARTER
    assert [(r.number, r.region_code, r.element_code, r.value) for r in parsed.rows] == [
        (5, "500156", WATER, 3300), (6, "500114", WATER, None)]
    assert parsed.problems == ["第7行 数据项代码列：填了数值，但数据项代码为空"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"region,element,value\n500156,X,1\n", "CSV"), (b"PK\x03\x04broken", "xlsx"), (None, "没有找到")],
)
def test_files_that_are_not_this_table_are_refused(content, message):
    if content is None:
        workbook = openpyxl.Workbook()
        workbook.active.append(["代码", "数值"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    with pytest.raises(FileUnreadable, match=message):
        bulk_workbook.read(content)


# --- checking -------------------------------------------------------------------------------------


def bad_rows(world):
    """case -> (the wrong row, the start of its message); the row is the first of the file."""
    city, district, other = world.city, world.district, world.other_district
    unadopted = Region.objects.create(code="500199", name="未采用县", level=Region.Level.COUNTY, parent=city)
    return {
        "unknown region": (TemplateRow("999999", "", WATER, "", "", 1),
                           "第4行 行政区划代码列：没有代码为“999999”的行政区"),
        "not a county": (TemplateRow(city.code, city.name, WATER, "", "", 1),
                         "第4行 行政区划代码列：重庆市（500000）不是区县级行政区"),
        "name mismatch": (row(district, WATER, 1, name="黔江区"),
                          "第4行 行政区名称列：“黔江区”与代码500156的行政区“武隆区”不一致"),
        "unknown element": (TemplateRow(district.code, "", "BULK_NONE", "", "", 1),
                            "第4行 数据项代码列：没有代码为“BULK_NONE”的数据项"),
        "registry element": (row(district, "BULK_REGISTRY", 1),
                             "第4行 数据项代码列：批量测试节水型企业用水量（BULK_REGISTRY）由节水载体名录自动计算"),
        "element name mismatch": (row(district, WATER, 1, element_name="用水量"),
                                  "第4行 数据项名称列：“用水量”与数据项BULK_WATER的名称"),
        "not a number": (row(district, WATER, "约三千"), "第4行 数值列：“约三千”不是数字"),
        "negative": (row(district, WATER, -5), "第4行 数值列：-5 是负数，批量测试用水总量不能为负"),
        "long comment": (row(district, WATER, 1, comment="很" * 301), "第4行 备注列：备注超过300字"),
        "no adopted set": (TemplateRow(unadopted.code, unadopted.name, WATER, "", "", 1),
                           "第4行 行政区划代码列：未采用县尚未采用指标体系，无法确定由哪个部门填报"),
        "nobody reports it": (row(other, FUNDS, 1),
                              "第4行 数据项代码列：黔江区的指标体系中没有部门负责填报批量测试节水投入"),
    }


@pytest.mark.parametrize("case", [
    "unknown region", "not a county", "name mismatch", "unknown element", "registry element", "element name mismatch",
    "not a number", "negative", "long comment", "no adopted set", "nobody reports it",
])
def test_each_problem_names_its_row_and_column_and_nothing_is_written(world, standard, administrator, case):
    bad, message = bad_rows(world)[case]
    rows = [bad, *good_rows(world)]
    preview = bulk_statistics_prepare(parsed=parsed_of(rows), quarter=QUARTER)
    assert len(preview.errors) == 1 and preview.errors[0].startswith(message), preview.errors
    with pytest.raises(ImportBlocked):
        commit(rows, administrator)
    assert not DataValue.objects.exists() and not DataReport.objects.exists()
    assert not DataValue.history.exists() and not DataReport.history.exists()


def test_a_county_and_figure_twice_is_an_error_on_the_second_row(world, standard):
    rows = [*good_rows(world), row(world.district, WATER, 3400)]
    preview = bulk_statistics_prepare(parsed=parsed_of(rows), quarter=QUARTER)
    assert preview.errors == ["第9行 数据项代码列：与第4行重复：武隆区的批量测试用水总量只能填一行"]


def test_a_file_of_another_quarter_is_refused(world, standard):
    preview = bulk_statistics_prepare(parsed=bulk_workbook.read(file_of(good_rows(world), Quarter(2023, 4))),
                                      quarter=QUARTER)
    assert preview.errors[0].startswith("文件标题写的是2023年第四季度，而导入选择的是2024年第一季度")


def test_blank_values_are_skipped_and_counted(world, standard):
    rows = [*good_rows(world)[:-1], row(world.other_district, AREA, None)]
    preview = bulk_statistics_prepare(parsed=parsed_of(rows), quarter=QUARTER)
    assert preview.ok and preview.skipped == 1 and preview.new == 4 and preview.counties == 2


def test_an_implausible_value_is_a_warning_to_confirm_and_is_stored_with_it(world, standard, administrator):
    rows = [row(world.district, AREA, "0.5"), row(world.district, WATER, 3300)]
    with pytest.raises(ImportBlocked) as refused:
        commit(rows, administrator)
    assert refused.value.warnings_only
    assert refused.value.preview.warnings == ["第4行 数值列：武隆区批量测试建成区面积 0.5 小于合理下限 1km²"]
    assert not DataValue.objects.exists()
    commit(rows, administrator, confirm_warnings=True)
    assert stored(world.district, AREA).warnings == ["0.5 小于合理下限 1km²"]


# --- writing --------------------------------------------------------------------------------------


def test_the_figures_go_into_each_departments_report_submitted_with_history(
    world, standard, administrator, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(jobs.recompute, "apply_async") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        preview = commit(good_rows(world), administrator)
    assert (preview.new, preview.changed, preview.counties, preview.reports_created) == (5, 0, 2, 3)
    water = stored(world.district, WATER)
    assert water.value == Decimal("3300") and water.report.department == world.water_bureau
    assert stored(world.district, FUNDS).report.department == world.urban_bureau
    assert (water.source_sha256, water.entered_by) == ("a" * 64, administrator)
    for report in DataReport.objects.all():
        assert (report.state, report.submitted_by, report.year, report.quarter) == ("submitted", administrator, 2024, 1)
        assert report.submitted_at is not None
        assert report.history.get().history_user == administrator
    assert DataValue.history.filter(history_type="+", history_user=administrator).count() == 5
    # One job naming both counties, the quarter and the same quarter next year; not one per county.
    counties = sorted([world.district.pk, world.other_district.pk])
    delay.assert_called_once_with(("indicator_values", counties, ["2024Q1", "2025Q1"]), countdown=0)


def test_the_recompute_runs_once_committed(world, standard, administrator, jobs_inline):
    with jobs_inline():
        commit(good_rows(world), administrator)
    computed = ComputedValue.objects.get(region=world.district, indicator__code="BULK_1", year=2024, quarter=1)
    assert computed.value == Decimal("77.647059")  # 3300 ÷ 42.5
    assert ComputedValue.objects.filter(year=2025, quarter=1, region=world.other_district).exists()  # next year's


def test_draft_and_returned_reports_are_updated_and_submitted(world, standard, administrator):
    draft = DataReport.objects.create(region=world.district, department=world.water_bureau, year=2024, quarter=1)
    DataValue.objects.create(region=world.district, element=DataElement.objects.get(code=WATER), year=2024,
                             quarter=1, value=100, report=draft, comment="初报")
    returned = DataReport.objects.create(region=world.district, department=world.urban_bureau, year=2024, quarter=1,
                                         state="returned", review_comment="请核对")
    preview = commit(good_rows(world), administrator)
    assert (preview.new, preview.changed, preview.reports_created, preview.reports_submitted) == (4, 1, 1, 2)
    water = stored(world.district, WATER)
    assert (water.value, water.comment, water.version, water.report_id) == (Decimal("3300"), "初报", 2, draft.pk)
    assert water.history.latest().history_type == "~"
    for report in (draft, returned):
        report.refresh_from_db()
        assert (report.state, report.submitted_by, report.version) == ("submitted", administrator, 2)
    assert stored(world.district, FUNDS).report_id == returned.pk


@pytest.mark.parametrize("state", ["submitted", "approved"])
def test_submitted_and_approved_figures_are_not_overwritten(world, standard, administrator, state):
    report = DataReport.objects.create(region=world.district, department=world.water_bureau, year=2024, quarter=1,
                                       state=state)
    DataValue.objects.create(region=world.district, element=DataElement.objects.get(code=WATER), year=2024,
                             quarter=1, value=3300, report=report)
    # The same figure is fine and left alone; a changed one, or a new one in that report, is refused.
    rows = good_rows(world)
    preview = bulk_statistics_prepare(parsed=parsed_of(rows), quarter=QUARTER)
    state_text = report.get_state_display()
    assert preview.unchanged == 1 and preview.errors[0].startswith(
        f"第5行 数值列：重庆市武隆区水利局2024年第一季度的数据报告{state_text}，不能通过批量导入修改"
    )
    rows[0] = rows[0]._replace(value=3400)
    with pytest.raises(ImportBlocked) as refused:
        commit(rows, administrator)
    assert "批量测试用水总量现为3300，导入为3400" in refused.value.preview.errors[0]
    assert stored(world.district, WATER).value == 3300 and DataValue.objects.count() == 1
    assert DataReport.objects.count() == 1


def test_importing_the_same_file_again_changes_nothing(world, standard, administrator,
                                                      django_capture_on_commit_callbacks):
    commit(good_rows(world), administrator)
    histories = DataValue.history.count(), DataReport.history.count()
    with (
        mock.patch.object(jobs.recompute, "apply_async") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        preview = commit(good_rows(world), administrator)
    assert (preview.new, preview.changed, preview.unchanged) == (0, 0, 5)
    assert (DataValue.history.count(), DataReport.history.count()) == histories
    delay.assert_not_called()


def test_a_commit_asks_the_same_queries_for_two_counties_as_for_six(world, standard, administrator):
    """SQLite splits an INSERT at 999 parameters, so both files stay below one batch; on
    PostgreSQL nothing is split at all."""

    def queries(counties, quarter):
        rows = [row(county, code, 10 + index) for index, county in enumerate(counties) for code in (WATER, AREA)]
        parsed = bulk_workbook.read(file_of(rows, quarter))
        with CaptureQueriesContext(connection) as captured:
            bulk_statistics_commit(parsed=parsed, quarter=quarter, user=administrator, source_sha256="b" * 64)
        return len(captured.captured_queries)

    two = queries([world.district, world.other_district], Quarter(2024, 1))
    six = queries([world.district, world.other_district, *add_counties(world, standard, 4)], Quarter(2024, 2))
    assert DataValue.objects.filter(year=2024, quarter=2).count() == 12
    assert six == two


# --- pages ----------------------------------------------------------------------------------------


def upload(client, content, *, year=2024, quarter=1, name="统计数据.xlsx"):
    return client.post(reverse("indicators:bulk_statistics"),
                       {"year": year, "quarter": quarter, "file": SimpleUploadedFile(name, content)})


def test_upload_preview_and_confirm(world, standard, administrator, client_for):
    client = client_for(administrator)
    home = client.get(reverse("indicators:bulk_statistics"), {"quarter": "2024Q1"})
    assert home.status_code == 200 and reverse("indicators:bulk_template") in home.content.decode()
    response = upload(client, file_of(good_rows(world)))
    assert response.status_code == 302
    page = client.get(response.url)
    text = page.content.decode()
    assert page.status_code == 200 and "批量测试建成区面积" in text and "统计数据.xlsx" in text
    assert page.context["preview"].new == 5 and not DataValue.objects.exists()
    with mock.patch.object(jobs.recompute, "apply_async"):
        confirmed = client.post(response.url)
    assert confirmed.status_code == 302 and DataValue.objects.count() == 5
    assert client.get(response.url).status_code == 404  # the upload is gone once confirmed


def test_the_preview_lists_the_first_errors_and_offers_no_confirmation(world, standard, administrator, client_for):
    client = client_for(administrator)
    rows = [row(world.district, WATER, f"错{index}") for index in range(3)]
    response = upload(client, file_of(rows))
    page = client.get(response.url)
    text = page.content.decode()
    assert "第4行 数值列：“错0”不是数字" in text and "第6行 数值列：“错2”不是数字" in text
    assert 'name="confirm_warnings"' not in text and "btn-success" not in text
    assert client.post(response.url).status_code == 200 and not DataValue.objects.exists()


def test_a_wrong_file_is_refused_with_the_reason(world, standard, administrator, client_for):
    client = client_for(administrator)
    response = upload(client, "代码,数值\n".encode())
    assert response.status_code == 200 and "CSV" in response.content.decode()
    big = SimpleUploadedFile("大.xlsx", b"PK\x03\x04" + b"0" * (10 * 1024 * 1024 + 1))
    response = client.post(reverse("indicators:bulk_statistics"), {"year": 2024, "quarter": 1, "file": big})
    assert response.status_code == 200 and "10 MB" in response.content.decode()


@pytest.mark.parametrize("name", ["indicators:bulk_statistics", "indicators:bulk_template", "indicators:bulk_preview"])
def test_only_administrators_may_open_the_pages(world, standard, reporter, reviewer, supervisor, outsider,
                                                administrator, client_for, name):
    kwargs = {"token": "0" * 32} if name == "indicators:bulk_preview" else None
    url = reverse(name, kwargs=kwargs)
    for user in (reporter, reviewer, supervisor, outsider):
        assert client_for(user).get(url).status_code == 404, user
    if kwargs is None:
        assert client_for(administrator).get(url).status_code == 200


def test_a_reviewer_cannot_confirm_an_administrators_upload(world, standard, administrator, reviewer, client_for):
    response = upload(client_for(administrator), file_of(good_rows(world)))
    assert client_for(reviewer).post(response.url).status_code == 404
    assert not DataValue.objects.exists()


@pytest.mark.parametrize(("name", "method"), [
    ("indicators:bulk_statistics", "put"), ("indicators:bulk_template", "post"), ("indicators:bulk_preview", "delete"),
])
def test_wrong_methods_are_refused(world, standard, administrator, client_for, name, method):
    kwargs = {"token": "0" * 32} if name == "indicators:bulk_preview" else None
    assert getattr(client_for(administrator), method)(reverse(name, kwargs=kwargs)).status_code == 405


def test_the_statistics_page_links_administrators_to_the_import(world, standard, administrator, reviewer, client_for):
    url = reverse("indicators:bulk_statistics")
    assert url in client_for(administrator).get(reverse("indicators:data_home")).content.decode()
    assert url not in client_for(reviewer).get(reverse("indicators:data_home")).content.decode()


@pytest.mark.postgresql  # COPY is PostgreSQL's
def test_the_copy_path_writes_the_same_rows(world, standard, administrator, monkeypatch):
    """A national file goes through ``COPY`` (``core.bulk``); here every write does."""
    monkeypatch.setattr("core.bulk.COPY_MIN_ROWS", 0)
    draft = DataReport.objects.create(region=world.district, department=world.water_bureau, year=2024, quarter=1)
    DataValue.objects.create(region=world.district, element=DataElement.objects.get(code=WATER), year=2024,
                             quarter=1, value=100, report=draft)
    preview = commit(good_rows(world), administrator)
    assert (preview.new, preview.changed, preview.reports_created, preview.reports_submitted) == (4, 1, 2, 1)
    assert stored(world.district, WATER).value == 3300 and stored(world.district, WATER).report_id == draft.pk
    assert DataReport.objects.filter(state="submitted", submitted_by=administrator).count() == 3
    imported = DataValue.history.filter(history_user=administrator)
    assert (imported.filter(history_type="+").count(), imported.filter(history_type="~").count()) == (4, 1)
    assert DataReport.history.filter(history_user=administrator, history_type="+").count() == 2


@pytest.mark.postgresql  # COPY is PostgreSQL's
def test_remarks_and_warnings_survive_copy(world, standard, administrator):
    remark = "统计年鉴\t表3-1\\n（第二行）\n=SUM(A1)"
    commit([row(world.district, WATER, 1, comment=remark), row(world.district, AREA, "0.5")], administrator,
           confirm_warnings=True)
    assert stored(world.district, WATER).comment == remark
    assert stored(world.district, AREA).warnings == ["0.5 小于合理下限 1km²"]


def test_without_an_adopting_county_the_page_explains_instead_of_offering_forms(world, administrator, client_for):
    page = client_for(administrator).get(reverse("indicators:bulk_statistics")).content.decode()
    assert "empty-state" in page and 'name="file"' not in page
    assert reverse("indicators:catalogue") in page
