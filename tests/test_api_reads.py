"""The read routes of /api/v1/ for indicators, reports, carriers and campaigns: the lineage
answered is the lineage page's, a department's records stay its own, the filters filter (and
a bad one is refused naming it), pages are stable, a page pulled again unchanged is a 304,
and a list of 50 reads in a fixed number of queries. The lineage answered is the lineage
page's: tests/test_api_lineage.py (on the demo's indicators)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from carriers.models import Carrier, UserYear, WaterUser
from core.periods import Quarter
from indicators.models import ComputedValue, DataReport, Indicator, IndicatorSet
from org.models import Department, Region, User
from reports.models import RegionVerdict, Scorecard
from tests.api_support import api_for
from tests.test_route_matrix import (
    a_computed_value,
    a_creation,
    a_data_report,
    a_plan,
    a_scorecard,
    adopted_standard,  # noqa: F401 (autouse: the route-test standard the indicator builders compute)
)

Q1_2023 = Quarter(2023, 1)


def results(response):
    assert response.status_code == 200, response.content.decode()
    return response.json()["results"]


# --- a department's records are its own -----------------------------------------------------------------


def test_a_reporter_token_reads_only_its_departments_data_reports_and_scorecards(world):
    from indicators.services import data_report_open

    own = a_data_report(world.district)  # 区水利局's
    other = data_report_open(department=world.urban_bureau, quarter=Q1_2023)
    card = a_scorecard(world.district)
    colleague_card = Scorecard.objects.create(plan=a_plan(world.district), department=world.urban_bureau,
                                              year=2023, quarter=1)
    api = api_for(world.water_bureau)
    assert [r["id"] for r in results(api.get(reverse("api:data_report_list")))] == [own.pk]
    assert [r["id"] for r in results(api.get(reverse("api:scorecard_list")))] == [card.pk]
    assert api.get(reverse("api:data_report_detail", kwargs={"report_id": other.pk})).status_code == 404
    assert api.get(reverse("api:scorecard_detail", kwargs={"scorecard_id": colleague_card.pk})).status_code == 404
    # A department of the district not its own is outside the token's scope.
    assert api.get(reverse("api:data_report_list"), {"department": world.urban_bureau.pk}).status_code == 404
    reviewer = api_for(world.water_bureau, User.Role.REVIEWER)
    assert {r["id"] for r in results(reviewer.get(reverse("api:data_report_list")))} == {own.pk, other.pk}


def test_a_data_report_answers_its_figures_as_stored_and_the_version_to_send_back(world):
    from indicators.models import DataElement, DataValue, UtilityFigures

    report = a_data_report(world.district)
    element = DataElement.objects.get(code="ROUTE_A")
    DataValue.objects.create(region=world.district, element=element, year=2023, quarter=1, value=Decimal("26.5"),
                             report=report, comment="据统计年鉴")
    UtilityFigures.objects.create(region=world.district, utility="武隆区自来水公司", year=2023, quarter=1,
                                  supply=100, registered=80, resident_metered=40, pipe_km=12, pressure="0.3",
                                  report=report)
    answer = api_for(world.water_bureau).get(reverse("api:data_report_detail", kwargs={"report_id": report.pk})).json()
    assert answer["version"] == report.version and answer["state"] == "draft"
    assert answer["values"] == [{**answer["values"][0], "element": "ROUTE_A", "name": "路由测试数据项", "unit": "万m³",
                                 "value": "26.5000", "comment": "据统计年鉴"}]
    assert answer["utilities"][0]["utility"] == "武隆区自来水公司" and answer["utilities"][0]["pressure"] == "0.300"


# --- filters ------------------------------------------------------------------------------------------


def test_the_filters_filter(world):
    from indicators.services import data_report_open

    first = a_data_report(world.district)
    later = data_report_open(department=world.water_bureau, quarter=Quarter(2023, 2))
    DataReport.objects.filter(pk=later.pk).update(state="submitted")
    api = api_for(world.water_bureau, User.Role.REVIEWER)
    listing = reverse("api:data_report_list")
    assert [r["id"] for r in results(api.get(listing, {"quarter": "2023Q1"}))] == [first.pk]
    assert [r["id"] for r in results(api.get(listing, {"quarter": "2023年第二季度"}))] == [later.pk]
    assert [r["id"] for r in results(api.get(listing, {"state": "submitted"}))] == [later.pk]
    assert [r["id"] for r in results(api.get(listing, {"region": world.district.code, "state": "draft"}))] == [first.pk]

    values = reverse("api:indicator_value_list")
    value = a_computed_value(world.district)
    standard = value.indicator.indicator_set
    everything = results(api.get(values))
    assert {r["id"] for r in everything} == set(
        ComputedValue.objects.filter(region=world.district).values_list("pk", flat=True))
    assert results(api.get(values, {"standard": "ROUTE"})) == everything
    assert results(api.get(values, {"standard": str(standard.pk), "indicator": value.indicator.code})) == [
        r for r in everything if r["id"] == value.pk]
    assert results(api.get(values, {"quarter": "2023Q2"})) == []

    RegionVerdict.objects.create(region=world.district, indicator_set=standard, year=2023, quarter=1,
                                 verdict="met", reason="全部达标")
    verdicts = reverse("api:verdict_list")
    assert [r["reason"] for r in results(api.get(verdicts, {"year": 2023, "standard": "ROUTE"}))] == ["全部达标"]
    assert results(api.get(verdicts, {"quarter": "2024Q1"})) == []


@pytest.mark.parametrize(("route", "params", "field"), [
    ("api:data_report_list", {"quarter": "2023Q5"}, "quarter"),
    ("api:data_report_list", {"state": "approved_maybe"}, "state"),
    ("api:indicator_value_list", {"standard": "NO_SUCH_STANDARD"}, "standard"),
    ("api:indicator_value_list", {"status": "great"}, "status"),
    ("api:verdict_list", {"year": "二〇二三"}, "year"),
    ("api:scorecard_list", {"quarter": "last quarter"}, "quarter"),
    ("api:water_user_list", {"year": "2023年"}, "year"),
    ("api:creation_list", {"campaign": "x"}, "campaign"),
    ("api:water_user_list", {"kind": "alien"}, "kind"),
    ("api:carrier_list", {"type": "spaceship"}, "type"),
    ("api:carrier_list", {"status": "dreaming"}, "status"),
])
def test_a_bad_filter_is_refused_in_chinese_naming_the_field(world, route, params, field):
    response = api_for(world.water_bureau, User.Role.REVIEWER).get(reverse(route), params)
    assert response.status_code == 422, response.content.decode()
    answer = response.json()
    assert [error["field"] for error in answer["errors"]] == [field]
    message = answer["errors"][0]["message"]
    assert message.startswith(f"{field}：") and any("\u4e00" <= ch <= "\u9fff" for ch in message), message


# --- pages, ETags, queries --------------------------------------------------------------------------------


def test_pages_are_stable_and_cover_the_list_once(world):
    for number in range(7):
        WaterUser.objects.create(region=world.district, name=f"测试单位{number % 3}-{number}", kind="community")
    api = api_for(world.water_bureau)
    listing = reverse("api:water_user_list")
    whole = [r["id"] for r in results(api.get(listing, {"page_size": 100}))]
    pages, page = [], 1
    while page:
        answer = api.get(listing, {"page": page, "page_size": 3}).json()
        assert answer["count"] == 7 and answer["page_size"] == 3
        pages += [r["id"] for r in answer["results"]]
        page = answer["next_page"]
    assert pages == whole and len(set(pages)) == 7
    assert [r["id"] for r in results(api.get(listing, {"page_size": 100}))] == whole  # the same order again


def test_a_list_pulled_again_unchanged_is_a_304_and_changed_is_not(world):
    a_scorecard(world.district)
    api = api_for(world.water_bureau, User.Role.REVIEWER)
    listing = reverse("api:scorecard_list")
    first = api.get(listing)
    assert first.status_code == 200 and first["ETag"]
    again = api.get(listing, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and not again.content
    Scorecard.objects.update(composite=Decimal("88.5"), band="green")
    changed = api.get(listing, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and results(changed)[0]["composite"] == "88.5"


def _fifty(world):
    """Fifty rows of every list in the district: reports, values, verdicts, scorecards, users
    with their years and carriers, carriers, creation records."""
    standard = IndicatorSet.objects.get(code="ROUTE")
    indicator = Indicator.objects.get(code="ROUTE_FORMULA")
    plan = a_plan(world.district)
    quarters = [Quarter(2000 + n // 4, n % 4 + 1) for n in range(50)]
    for quarter in quarters:
        DataReport.objects.create(region=world.district, department=world.water_bureau, year=quarter.year,
                                  quarter=quarter.number)
        ComputedValue.objects.create(region=world.district, indicator=indicator, year=quarter.year,
                                     quarter=quarter.number, value=Decimal("1.5"), status="met")
        RegionVerdict.objects.create(region=world.district, indicator_set=standard, year=quarter.year,
                                     quarter=quarter.number, verdict="met", reason="达标")
        Scorecard.objects.create(plan=plan, department=world.water_bureau, year=quarter.year,
                                 quarter=quarter.number, composite=Decimal("80"), leads=1,
                                 parts={"n": [4, 0, 0, 0, 0, 0, 0], "d": [5, 0, 0, 0, 0, 0, 0],
                                        "w": [25, 15, 25, 15, 10, 5, 5]})
    for number in range(50):
        user = WaterUser.objects.create(region=world.district, name=f"单位{number}", kind="community")
        UserYear.objects.create(user=user, year=2023, total_use=100)
        Carrier.objects.create(region=world.district, carrier_type="community", level="county", user=user,
                               accepted_on=date(2023, 5, 1), status="accepted")
    county = world.district
    for number in range(49):
        Region.objects.create(code=f"5002{number:02d}", name=f"测试县{number}", level=Region.Level.COUNTY,
                              parent=world.city)
    creation = a_creation(county)
    for region in Region.objects.filter(code__startswith="5002"):
        creation.campaign.creations.create(batch=creation.batch, region=region, stage_since=date(2024, 1, 1),
                                           assessment_year=2023)


@pytest.mark.parametrize("route", [
    "api:data_report_list", "api:indicator_value_list", "api:verdict_list", "api:scorecard_list",
    "api:water_user_list", "api:carrier_list", "api:creation_list", "api:campaign_list",
])
def test_a_list_of_50_reads_in_a_fixed_number_of_queries(world, route, django_assert_max_num_queries):
    _fifty(world)
    supervisor = api_for(world.city_bureau, User.Role.SUPERVISOR)  # reads the city's campaign too
    with django_assert_max_num_queries(12):
        response = supervisor.get(reverse(route), {"page_size": 50})
    expected = 1 if route == "api:campaign_list" else 50
    assert len(results(response)) == expected


def test_the_registry_answers_credit_codes_and_the_bureaus_evidence_only_to_its_overseers(world):
    from carriers.models import CarrierEvidence

    user = WaterUser.objects.create(region=world.district, name="武隆区某某公司", kind="industry",
                                    credit_code="91500232MA5U4B7X2Q")
    carrier = Carrier.objects.create(region=world.district, carrier_type="enterprise", level="county", user=user)
    CarrierEvidence.objects.create(carrier=carrier, name="验收意见.pdf", size=8, sha256="1" * 64,
                                   file="evidence/x.pdf")
    reporter = api_for(world.urban_bureau)
    reviewer = api_for(world.water_bureau, User.Role.REVIEWER)
    assert results(reporter.get(reverse("api:water_user_list")))[0]["credit_code"] == "91500232MA5U4B7X2Q"
    assert results(reporter.get(reverse("api:carrier_list")))[0]["evidence"] == []
    assert [e["name"] for e in results(reviewer.get(reverse("api:carrier_list")))[0]["evidence"]] == ["验收意见.pdf"]


def test_a_countys_token_reads_its_creation_record_and_not_the_citys_campaign(world):
    creation = a_creation(world.district)
    api = api_for(world.water_bureau, User.Role.REVIEWER)
    assert [r["id"] for r in results(api.get(reverse("api:creation_list")))] == [creation.pk]
    assert results(api.get(reverse("api:campaign_list"))) == []
    outsider = api_for(world.other_water_bureau, User.Role.REVIEWER)
    assert [r["region"] for r in results(outsider.get(reverse("api:creation_list")))] == []
    supervisor = api_for(world.city_bureau, User.Role.SUPERVISOR)
    assert [r["id"] for r in results(supervisor.get(reverse("api:campaign_list")))] == [creation.campaign_id]
    assert [r["stage"] for r in results(supervisor.get(reverse("api:creation_list"),
                                                       {"campaign": creation.campaign_id}))] == [creation.stage]
    assert Department.objects.filter(region=world.city).exists()
