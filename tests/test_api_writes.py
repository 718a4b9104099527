"""The API's writes: a department system's progress entries and figures, a utility's rows, a
statistics bureau's figures for many counties. Each goes through the pages' checks and
services: all or nothing, every error naming its field and row, stale versions 409,
approved entries never changed, an audit entry for every call, refused or not."""

import datetime
import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from core.periods import Quarter
from demo import catalogue as indicator_demo
from indicators.models import Adoption, DataReport, DataValue, UtilityFigures
from org.models import Department, Region, User
from org.services.tokens import token_revoke
from tasks.models import ProgressReport, TaskNode, TaskTarget
from tasks.services import progress_approve
from tests.api_support import api_for
from tests.helpers import enter_figures
from tests.test_bulk_statistics import AREA, FUNDS, WATER, standard  # noqa: F401 (a fixture)
from tests.test_progress import plan, urban  # noqa: F401 (fixtures: 武隆's 2019 table and its 区城管局)

Q3 = Quarter(2019, 3)
Q1_2024 = Quarter(2024, 1)
# GET and POST /progress are one route (named after its read); a write is found by its path.
PROGRESS, DATA, BULK = (reverse(f"api:{name}") for name in ("progress_list", "data_report_list",
                                                              "statistics_bulk_write"))
WRITES = {"progress_write": PROGRESS, "data_report_write": DATA, "statistics_bulk_write": BULK}


# --- progress ------------------------------------------------------------------------------------


@pytest.fixture
def items(plan, urban):  # noqa: F811
    """Two work items the 区城管局 leads, without targets (their one quantity, if any, typed)."""
    led = TaskNode.objects.filter(plan=plan, level=3, assignments__department=urban,
                                  assignments__role="lead").order_by("position")[:2]
    TaskTarget.objects.filter(node__in=led).delete()
    return list(led)


@pytest.fixture
def urban_api(urban):  # noqa: F811
    return api_for(urban)


def entry(item, version=None, **fields):
    return {"item": item.pk, "version": version, "status": "in_progress", "percent": 60,
            "work_done": "完成管网改造2.3公里。", **fields}


def progress_counts():
    return ProgressReport.objects.count(), sum(ProgressReport.objects.values_list("version", flat=True))


def last_audit(name):
    return AuditEntry.objects.filter(path=WRITES[name], method="POST").latest("pk")


def assert_refused(response, status, fields, name="progress_write"):
    assert response.status_code == status, response.content.decode()
    answer = response.json()
    assert answer["detail"]
    named = {error["field"] for error in answer["errors"]}
    assert set(fields) <= named, answer
    assert last_audit(name).outcome == AuditEntry.Outcome.FAILED
    return answer


def test_a_department_system_saves_drafts_and_submits_them_to_the_reviewer(items, urban_api, client_for):
    first, second = items
    response = urban_api.post(PROGRESS, {"quarter": "2019Q3", "entries": [entry(first), entry(second, percent="40")]})
    assert response.status_code == 200, response.content.decode()
    saved = response.json()["entries"]
    assert [row["item_id"] for row in saved] == [first.pk, second.pk]
    assert {row["state"] for row in saved} == {"draft"} and saved[1]["percent"] == 40
    entry_audit = last_audit("progress_write")
    assert entry_audit.outcome == AuditEntry.Outcome.SUCCESS
    assert entry_audit.username == urban_api.account.username and entry_audit.user == urban_api.account

    versions = {row["item_id"]: row["version"] for row in saved}
    response = urban_api.post(PROGRESS, {"quarter": "2019年第三季度", "submit": True, "entries": [
        {"item": first.pk, "version": versions[first.pk], "problems": "雨季施工受阻"},
        {"item": second.pk, "version": versions[second.pk]}]})
    assert response.status_code == 200, response.content.decode()
    submitted = response.json()["entries"]
    assert {row["state"] for row in submitted} == {"submitted"}
    assert submitted[0]["work_done"] == "完成管网改造2.3公里。"  # left out: kept as stored
    assert submitted[0]["problems"] == "雨季施工受阻"
    report = ProgressReport.objects.get(pk=submitted[0]["id"])
    assert report.submitted_by == urban_api.account

    reviewer = User.objects.get(username="wulong_reviewer")
    inbox = client_for(reviewer).get(reverse("tasks:review_inbox"), {"quarter": "2019Q3"})
    assert {row.report.pk for row in inbox.context["rows"]} == {row["id"] for row in submitted}


def test_every_error_is_named_and_nothing_is_written(items, urban_api):
    first, second = items
    before = progress_counts()
    response = urban_api.post(PROGRESS, {"quarter": "2019Q3", "entries": [
        entry(first, status="perhaps"), entry(second, percent="一百")]})
    assert_refused(response, 422, ["entries[0].status", "entries[1].percent"])
    # submitting checks what a submission must hold, entry by entry
    response = urban_api.post(PROGRESS, {"quarter": "2019Q3", "submit": True, "entries": [
        entry(first), entry(second, work_done="  ")]})
    assert_refused(response, 422, ["entries[1].work_done"])
    assert progress_counts() == before


def test_a_quarter_outside_the_plan_and_another_departments_item_are_refused(items, urban_api, regions, plan):  # noqa: F811
    before = progress_counts()
    response = urban_api.post(PROGRESS, {"quarter": "2021Q1", "entries": [entry(items[0])]})
    assert "2021" in assert_refused(response, 422, ["quarter"])["errors"][0]["message"]
    water_item = TaskNode.objects.filter(plan=plan, level=3).exclude(assignments__department__short_name="区城管局")[0]
    response = urban_api.post(PROGRESS, {"quarter": "2019Q3", "entries": [entry(items[0]), entry(water_item)]})
    assert_refused(response, 422, ["entries[1].item"])
    # another district's system: the item is none of its own
    other = api_for(regions["qianjiang"].departments.get(short_name="区城市管理局"))
    response = other.post(PROGRESS, {"quarter": "2019Q3", "entries": [entry(items[0])]})
    assert_refused(response, 422, ["entries[0].item"])
    response = urban_api.post(PROGRESS, {"quarter": "2019Q9", "entries": [entry(items[0])]})
    assert_refused(response, 422, ["quarter"])
    assert progress_counts() == before


def test_a_stale_version_is_a_conflict_and_an_approved_entry_is_never_changed(items, urban_api):
    first, second = items
    saved = urban_api.post(PROGRESS, {"quarter": "2019Q3", "entries": [entry(first), entry(second)]}).json()
    versions = [row["version"] for row in saved["entries"]]
    again = urban_api.post(PROGRESS, {"quarter": "2019Q3", "entries": [entry(first, versions[0], percent=70)]})
    assert again.status_code == 200
    before = progress_counts()
    stale = urban_api.post(PROGRESS, {"quarter": "2019Q3", "entries": [
        entry(second, versions[1], percent=80), entry(first, versions[0], percent=90)]})
    assert_refused(stale, 409, ["entries[1].version"])
    unaware = urban_api.post(PROGRESS, {"quarter": "2019Q3", "entries": [entry(first, None)]})
    assert_refused(unaware, 409, ["entries[0].version"])
    assert progress_counts() == before

    report = ProgressReport.objects.get(item=second, year=2019, quarter=3)
    submitted = urban_api.post(PROGRESS, {"quarter": "2019Q3", "submit": True,
                                          "entries": [entry(second, report.version)]}).json()["entries"][0]
    progress_approve(report=report, user=User.objects.get(username="wulong_reviewer"), version=submitted["version"])
    report.refresh_from_db()
    before = progress_counts()
    response = urban_api.post(PROGRESS, {"quarter": "2019Q3", "entries": [entry(second, report.version, percent=5)]})
    answer = assert_refused(response, 422, ["entries[0]"])
    assert "已通过" in answer["errors"][0]["message"]
    assert progress_counts() == before and ProgressReport.objects.get(pk=report.pk).percent == 60


def test_targets_are_written_through_the_entry_pages_fields(items, urban_api):
    item = items[0]
    target = TaskTarget.objects.create(node=item, kind="count", comparator="ge", value=3, unit="座", wording="建成3座")
    response = urban_api.post(PROGRESS, {"quarter": "2019Q3", "entries": [
        entry(item, quantity="2", targets=[{"target": target.pk, "quantity": 2}, {"target": 999999, "quantity": 1}])]})
    assert_refused(response, 422, ["entries[0].quantity", "entries[0].targets[1].target"])
    response = urban_api.post(PROGRESS, {"quarter": "2019Q3", "entries": [
        entry(item, targets=[{"target": target.pk, "quantity": "2"}])]})
    assert response.status_code == 200, response.content.decode()
    assert [(row["target_id"], row["quantity"]) for row in response.json()["entries"][0]["targets"]] == [
        (target.pk, "2.0000")]


def test_a_quantity_is_checked_as_the_entry_page_checks_it(items, urban_api):
    counted, uncounted = items
    TaskNode.objects.filter(pk=counted.pk).update(target_value=10, target_unit="座", target_comparator="ge")
    TaskNode.objects.filter(pk=uncounted.pk).update(target_value=None, target_comparator="")
    before = progress_counts()
    response = urban_api.post(PROGRESS, {"quarter": "2019Q3", "entries": [
        entry(counted, quantity="三座"), entry(uncounted, quantity=2)]})
    assert_refused(response, 422, ["entries[0].quantity", "entries[1].quantity"])
    assert progress_counts() == before
    response = urban_api.post(PROGRESS, {"quarter": "2019Q3", "entries": [entry(counted, quantity="１２")]})
    assert response.status_code == 200, response.content.decode()
    assert response.json()["entries"][0]["quantity"] == "12.0000"


def test_wrong_types_unknown_fields_and_bad_json_are_refused(items, urban_api):
    before = progress_counts()
    for body, field in (
        ({"quarter": "2019Q3", "entries": [entry(items[0], percent=True)]}, "entries[0].percent"),
        ({"quarter": "2019Q3", "entries": [entry(items[0], work_done=["a"])]}, "entries[0].work_done"),
        ({"quarter": "2019Q3", "entries": [{**entry(items[0]), "colour": "red"}]}, "entries[0].colour"),
        ({"quarter": "2019Q3", "entries": "all"}, "entries"),
        ({"quarter": "2019Q3", "submit": "maybe", "entries": [entry(items[0])]}, "submit"),
    ):
        response = urban_api.post(PROGRESS, body)
        assert_refused(response, 422, [field])
    response = urban_api.post(PROGRESS, raw=b'{"quarter": "2019Q3", "entries": [')
    assert response.status_code == 400 and "JSON" in response.json()["detail"]
    assert last_audit("progress_write").outcome == AuditEntry.Outcome.FAILED
    assert progress_counts() == before


def test_district_city_read_only_expired_and_revoked_tokens_write_nothing(items, urban, regions):  # noqa: F811
    before = progress_counts()
    body = {"quarter": "2019Q3", "entries": [entry(items[0])]}
    district = api_for(urban, User.Role.REVIEWER)
    response = district.post(PROGRESS, body)
    assert response.status_code == 403 and "部门" in response.json()["detail"]
    read_only = api_for(urban, read_only=True)
    assert read_only.post(PROGRESS, body).status_code == 403
    expired = api_for(urban, username="expired_system")
    type(expired.row).objects.filter(pk=expired.row.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    revoked = api_for(urban, username="revoked_system")
    token_revoke(token=revoked.row, by=None)
    for api in (expired, revoked):
        assert api.post(PROGRESS, body).status_code == 401
        assert last_audit("progress_write").outcome == AuditEntry.Outcome.FAILED
    assert progress_counts() == before


@override_settings(API_MAX_BODY_BYTES=2000)
def test_a_body_over_the_limit_is_refused_before_it_is_read(items, urban_api):
    before = progress_counts()
    body = {"quarter": "2019Q3", "entries": [entry(items[0], work_done="长" * 3000)]}
    response = urban_api.post(PROGRESS, body)
    assert response.status_code == 413 and "MB" in response.json()["detail"]
    assert last_audit("progress_write").outcome == AuditEntry.Outcome.FAILED
    assert progress_counts() == before


# --- a department's figures ----------------------------------------------------------------------

URBAN = {"RES_WATER": "340", "HOUSEHOLDS": 112000, "PERSONS_PER_HOUSEHOLD": 2.78, "METERED_RES_WATER": "318",
         "RES_TOTAL_WATER": "340", "PLANNED_NONRES_WATER": "130", "NONRES_WATER": "150"}
UTILITY = {"utility": "黔江区自来水有限公司", "supply": "480", "registered": 410, "resident_metered": "290",
           "pipe_km": "172", "pressure": "0.42", "frost_depth": None}


@pytest.fixture
def qianjiang(regions):
    Adoption.objects.create(region=regions["qianjiang"], indicator_set=indicator_demo.load_catalogue(),
                            since_year=2022)
    return regions["qianjiang"]


@pytest.fixture
def qianjiang_urban(qianjiang):
    return Department.objects.get(region=qianjiang, short_name="区城市管理局")


def figures(values=URBAN, **extra):
    return {"quarter": "2024Q1", "values": [{"element": code, "value": value} for code, value in values.items()],
            "utilities": [UTILITY], **extra}


def data_counts():
    return DataReport.objects.count(), DataValue.objects.count(), UtilityFigures.objects.count()


def test_a_department_system_saves_and_submits_its_figures(qianjiang, qianjiang_urban, client_for):
    api = api_for(qianjiang_urban)
    response = api.post(DATA, figures())
    assert response.status_code == 200, response.content.decode()
    answer = response.json()
    assert answer["state"] == "draft"
    assert {row["element"]: row["value"] for row in answer["values"]}["PERSONS_PER_HOUSEHOLD"] == "2.7800"
    assert answer["utilities"][0]["registered"] == "410.0000"
    assert last_audit("data_report_write").outcome == AuditEntry.Outcome.SUCCESS
    assert last_audit("data_report_write").username == api.account.username
    # The utility's system posts its rows alone: the figures stay as they are.
    utility = {**UTILITY, "supply": "500", "comment": "计量系统导出"}
    response = api.post(DATA, {"quarter": "2024Q1", "version": answer["version"], "utilities": [utility]})
    assert response.status_code == 200, response.content.decode()
    answer = response.json()
    assert answer["utilities"][0]["supply"] == "500.0000" and len(answer["values"]) == len(URBAN)
    # Submitted: the district's reviewer finds it among the reports to review.
    response = api.post(DATA, {"quarter": "2024Q1", "version": answer["version"], "submit": True})
    assert response.status_code == 200, response.content.decode()
    report = DataReport.objects.get(pk=answer["id"])
    assert report.state == "submitted" and report.submitted_by == api.account
    reviewer = User.objects.get(username="qianjiang_reviewer")
    page = client_for(reviewer).get(reverse("indicators:data_home"), {"region": qianjiang.code, "quarter": "2024Q1"})
    assert any(found is not None and found.pk == report.pk for _department, found, _count in page.context["rows"])


def test_figures_refused_by_field_and_warnings_need_a_confirmation(qianjiang, qianjiang_urban):
    api = api_for(qianjiang_urban)
    before = data_counts()
    bad = figures({**URBAN, "RES_WATER": "三百四十", "NONRES_WATER": -150, "CARRIER_COUNT": "3"})
    bad["utilities"] = [{**UTILITY, "pressure": "high"}]
    answer = assert_refused(api.post(DATA, bad), 422, ["values[7].element"], name="data_report_write")
    bad["values"].pop()
    answer = assert_refused(api.post(DATA, bad), 422, ["values[0].value", "values[6].value", "utilities[0].pressure"],
                            name="data_report_write")
    assert any("三百四十" in error["message"] for error in answer["errors"])
    too_long = figures()
    too_long["values"][0]["comment"] = "长" * 301
    assert_refused(api.post(DATA, too_long), 422, ["values[0].comment"], name="data_report_write")
    assert data_counts() == before

    enter_figures(qianjiang, Quarter(2023, 1), department=qianjiang_urban, RES_WATER="200")
    before = data_counts()
    response = api.post(DATA, figures())
    answer = assert_refused(response, 422, [], name="data_report_write")
    assert any(warning["field"] == "values[0].value" and "+70.0%" in warning["message"]
               for warning in answer["warnings"])
    assert data_counts() == before
    response = api.post(DATA, figures(confirm_warnings=True))
    assert response.status_code == 200, response.content.decode()
    assert DataValue.objects.get(element__code="RES_WATER", year=2024).warnings


def test_a_stale_report_is_a_conflict(qianjiang, qianjiang_urban):
    api = api_for(qianjiang_urban)
    version = api.post(DATA, figures()).json()["version"]
    assert api.post(DATA, figures(version=version)).status_code == 200
    before = data_counts()
    assert_refused(api.post(DATA, figures(version=version)), 409, ["version"], name="data_report_write")
    assert_refused(api.post(DATA, figures()), 409, ["version"], name="data_report_write")
    assert data_counts() == before and DataValue.objects.get(element__code="RES_WATER", year=2024).value == D("340")
    version = api.post(DATA, figures(version=version + 1, submit=True, confirm_warnings=True)).json()["version"]
    response = api.post(DATA, figures({"RES_WATER": "1"}, version=version))
    assert_refused(response, 422, [""], name="data_report_write")
    assert "已报送" in response.content.decode()
    assert DataValue.objects.get(element__code="RES_WATER", year=2024).value == D("340")


# --- a statistics bureau's figures for many counties ------------------------------------------------


@pytest.fixture
def bureau(world, standard):  # noqa: F811
    return api_for(world.city_bureau, User.Role.SUPERVISOR, username="city_statistics")


def bulk(world, *rows, **extra):
    return {"quarter": "2024Q1", "rows": [
        {"region": region.code, "element": code, "value": value, **more} for region, code, value, more in rows],
        **extra}


def test_a_city_statistics_system_imports_its_counties_figures(world, bureau):
    response = bureau.post(BULK, bulk(world, (world.district, WATER, "1200.5", {"department": "区水利局"}),
                                      (world.other_district, WATER, 800, {})))
    assert response.status_code == 200, response.content.decode()
    answer = response.json()
    assert (answer["new"], answer["counties"], answer["reports_created"]) == (2, 2, 2)
    value = DataValue.objects.get(region=world.district, element__code=WATER)
    assert value.value == D("1200.5") and value.report.state == "submitted"
    assert value.report.submitted_by == bureau.account
    entry = last_audit("statistics_bulk_write")
    assert entry.outcome == AuditEntry.Outcome.SUCCESS and entry.username == "city_statistics"


def test_bulk_rows_outside_the_region_or_wrong_are_refused_and_nothing_is_written(world, bureau, standard):  # noqa: F811
    province = Region.objects.create(code="510000", name="四川省", level=Region.Level.PROVINCE)
    county = Region.objects.create(code="510104", name="锦江区", level=Region.Level.COUNTY, parent=province)
    Department.objects.create(region=county, short_name="区水利局", name="成都市锦江区水利局")
    Adoption.objects.create(region=county, indicator_set=standard, since_year=2023)
    before = data_counts()
    response = bureau.post(BULK, bulk(world, (world.district, WATER, "1", {}), (county, WATER, "2", {})))
    assert_refused(response, 422, ["rows[1].region"], name="statistics_bulk_write")
    response = bureau.post(BULK, bulk(world, (world.district, WATER, "1", {"department": "区城管局"}),
                                      (world.district, AREA, "x", {}), (world.other_district, FUNDS, "3", {})))
    assert_refused(response, 422, ["rows[0].department", "rows[1].value", "rows[2].element"],
                   name="statistics_bulk_write")
    response = bureau.post(BULK, bulk(world, (world.district, AREA, "900", {})))
    answer = assert_refused(response, 422, [], name="statistics_bulk_write")
    assert answer["warnings"][0]["field"] == "rows[0].value"
    assert data_counts() == before
    assert bureau.post(BULK, bulk(world, (world.district, AREA, "900", {}), confirm_warnings=True)).status_code == 200


def test_only_a_city_system_account_imports_in_bulk(world, standard):  # noqa: F811
    for api in (api_for(world.water_bureau), api_for(world.water_bureau, User.Role.REVIEWER),
                api_for(world.city_bureau, User.Role.SUPERVISOR, read_only=True)):
        response = api.post(BULK, bulk(world, (world.district, WATER, "1", {})))
        assert response.status_code == 403, response.content.decode()
        assert last_audit("statistics_bulk_write").outcome == AuditEntry.Outcome.FAILED
    assert not DataValue.objects.exists()


# --- hostile input through the API (the sweeps of tests/test_xss.py and test_export_formulas.py
# take the progress texts and the figures' and utilities' remarks through the API; these are
# the bulk rows') ------------------------------------------------------------------------------------

SCRIPT = '"><script>alert(1)</script>'
FORMULA = '=HYPERLINK("http://x","y")'


def test_a_bulk_rows_hostile_department_and_remark_stay_text(world, bureau, administrator, client_for):
    response = bureau.post(BULK, bulk(world, (world.district, WATER, "1", {"department": SCRIPT})))
    assert response.status_code == 422 and response["Content-Type"].startswith("application/json")
    assert not DataValue.objects.exists()
    response = bureau.post(BULK, bulk(world, (world.district, WATER, "1", {"department": "区水利局",
                                                                          "comment": SCRIPT}),
                                      (world.district, AREA, "20", {"comment": FORMULA})))
    assert response.status_code == 200, response.content.decode()
    report = DataValue.objects.get(element__code=WATER).report
    page = client_for(administrator).get(reverse("indicators:data_report", args=[report.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    export = client_for(administrator).get(reverse("indicators:bulk_template"),
                                           {"year": 2024, "quarter": 1, "region": world.city.code})
    sheet = openpyxl.load_workbook(io.BytesIO(export.getvalue())).active
    cells = [row[6] for row in sheet.iter_rows(min_row=4) if row[6].value == FORMULA]
    assert cells and all(cell.data_type == "s" for cell in cells)
