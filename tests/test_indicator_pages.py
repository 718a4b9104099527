"""The indicator pages on the demo data, the qualitative checklist with evidence, and the
demo itself: 20 indicators computed for 黔江 with a mix of statuses, lineage for every
input, and a recompute that changes nothing."""

import io
import json
import re
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from core.periods import Quarter
from demo import catalogue as indicator_demo
from demo import dates
from demo import regions as org_demo
from demo import registry as carrier_demo
from indicators.models import ComputedValue, DataReport, Indicator
from indicators.services import data_report_open
from org.models import Department, Region, User
from tests.conftest import make_user
from tests.helpers import kept_for_module

Q4_2023 = Quarter(2023, 4)
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker):
    """The demo's regions, indicators and registry (the coverage indicators count its
    carriers), loaded once for the module's tests (each test's own changes are rolled back)."""
    with kept_for_module(django_db_blocker):
        org_demo.load(password="pw-for-tests-1")
        indicator_demo.load(password="")
        carrier_demo.load(password="")
        yield


@pytest.fixture
def demo(_demo_once, db):
    return Region.objects.get(code="500114")


def computed(region, code, quarter=Q4_2023):
    return ComputedValue.objects.get(region=region, indicator__code=code, year=quarter.year, quarter=quarter.number)


def test_the_demo_computes_all_20_indicators_with_a_mix_of_statuses(demo):
    values = ComputedValue.objects.filter(region=demo, year=2023, quarter=4)
    statuses = {value.indicator.code: value.status for value in values.select_related("indicator")}
    assert len(statuses) == 20
    assert sorted(code for code, status in statuses.items() if status == "not_met") == [
        "INDUSTRY_REUSE_RATE", "PLANNED_USE_RATIO", "RECLAIMED_WATER_RATIO", "SEWAGE_FEE_COLLECTION_RATE",
        "WATER_ENVIRONMENT",
    ]
    assert all(status == "met" for code, status in statuses.items() if code not in {
        "INDUSTRY_REUSE_RATE", "PLANNED_USE_RATIO", "RECLAIMED_WATER_RATIO", "SEWAGE_FEE_COLLECTION_RATE",
        "WATER_ENVIRONMENT"})


def test_the_industry_rule_is_met_only_through_its_year_on_year_branch(demo):
    # 880 万m³ ÷ 620,000 万元 = 14.19 m³/万元, above half the national figure out by 2023's end
    # (2022's 24.1: 12.05); in 2022
    # 900 ÷ 600,000 = 15.00, so the fall is (15 − 14.1935) ÷ 15 = 5.38 % ≥ 5 %.
    industry = computed(demo, "INDUSTRY_WATER_INTENSITY")
    assert round(industry.value, 4) == D("14.1935") and industry.value > D("12.05")
    assert industry.status == "met"
    assert industry.explanation.endswith("（12.05m³/万元），未满足要求；较上年下降5.38%，满足年降低率不低于5%的要求。")


def test_demo_leakage_worked_by_hand(demo):
    # 黔江区自来水有限公司: R_WL = 302/2010 = 15.0249 %; R1 = 0.08 × 1200/2010 = 4.7761;
    # A = 172/2010 = 0.085572 → R2 = 0.99 × (0.085572 − 0.0693) = 1.6109; R3 (0.42 MPa) = 0.5
    # → 8.1379 %. 正阳工业园区供水站: 8.3333 − 1.3333 − 3 (R2 3.6993 clamped) − 0.5 = 3.5 %.
    # Weighted by supply: (8.1379 × 2010 + 3.5 × 300) ÷ 2310 = 7.5355 % ≤ 8.5 %.
    leakage = computed(demo, "LEAKAGE")
    assert round(leakage.value, 3) == D("7.536") and leakage.status == "met"
    assert computed(demo, "LEAKAGE", Quarter(2022, 4)).status == "not_met"  # 8.65 %
    assert set(leakage.lineage["inputs"]["utilities"]) == {"黔江区自来水有限公司", "正阳工业园区供水站"}


def test_lineage_names_every_input_its_entry_and_the_reference(demo, client_for):
    industry = computed(demo, "INDUSTRY_WATER_INTENSITY")
    inputs = industry.lineage["inputs"]
    assert set(inputs) == {"IND_NEW_WATER", "IND_ADDED_VALUE"}
    assert all(entry["state"] == "approved" and entry["entry"] for entry in inputs.values())
    assert industry.lineage["formula"] == "IND_NEW_WATER * 10000 / IND_ADDED_VALUE"
    assert industry.lineage["previous_year"]["value"] == "15.000000"
    page = client_for(User.objects.get(username="qianjiang_reviewer")).get(
        reverse("indicators:lineage", args=[industry.pk])
    )
    text = page.content.decode()
    assert "工业用水量（新水量）" in text and "区经济信息委" in text and "24.1" in text
    assert "工业用水量（新水量） × 10000 ÷ " in text and "IND_NEW_WATER" not in text  # the formula in words


def test_a_reporter_reads_the_lineage_figures_but_links_only_to_their_own_departments_report(demo, client_for):
    """The figures are the district's aggregate; the reports behind them are their departments'."""
    industry = computed(demo, "INDUSTRY_WATER_INTENSITY")
    url = reverse("indicators:lineage", args=[industry.pk])
    economy = Department.objects.get(region=demo, short_name="区经济信息委")
    link = reverse("indicators:data_report", args=[DataReport.objects.get(department=economy, year=2023, quarter=4).pk])
    assert link in client_for(User.objects.get(username="qianjiang_reviewer")).get(url).content.decode()
    text = client_for(User.objects.get(username="qianjiang_cgj")).get(url).content.decode()  # 区城市管理局
    assert "区经济信息委" in text and "工业用水量（新水量）" in text
    assert link not in text
    clerk = make_user("economy_clerk", economy, User.Role.REPORTER)
    assert link in client_for(clerk).get(url).content.decode()


def test_the_board_shows_every_indicator_with_its_trend(demo, client_for, django_assert_max_num_queries):
    client = client_for(User.objects.get(username="qianjiang_reviewer"))
    with django_assert_max_num_queries(20):
        response = client.get(reverse("indicators:board"))
    # The demo is dated relative to today: the latest quarter with values is the current one.
    assert response.status_code == 200 and dates.current_quarter().label in response.content.decode()
    with django_assert_max_num_queries(20):
        response = client.get(reverse("indicators:board"), {"quarter": "2023Q4"})
    page = response.content.decode()
    assert response.status_code == 200 and "2023年第四季度" in page
    assert page.count('class="sparkline"') == 18  # checklists have no values to draw
    assert "较上年下降5.38%，满足年降低率不低于5%的要求" in page and "未达标" in page


def test_the_city_supervisor_sees_the_indicator_across_districts_with_a_chart(demo, client_for):
    indicator = Indicator.objects.get(code="PER_CAPITA_DOMESTIC")
    client = client_for(User.objects.get(username="cq_city"))
    url = reverse("indicators:indicator_detail", args=[indicator.pk])
    latest = client.get(url).content.decode()
    chart = json.loads(re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', latest).group(1))
    assert chart["categories"][-1] == dates.current_quarter().label  # the demo runs up to today
    page = client.get(url, {"quarter": "2023Q4"}).content.decode()
    assert "黔江区" in page and "vendor/echarts/echarts.common.min.js" in page
    chart = json.loads(re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page).group(1))
    assert chart["categories"][0] == "2022年第一季度" and chart["series"][0]["name"] == "黔江区"
    assert chart["series"][0]["values"][-1] == pytest.approx(130.2, abs=0.1)


def test_the_catalogue_shows_definitions_and_formulas(demo, client_for):
    page = client_for(User.objects.get(username="wulong_reviewer")).get(reverse("indicators:catalogue"))
    text = page.content.decode()
    assert text.count('<tr id="indicator-') == 20
    assert "RES_WATER" not in text  # formulas read by the data elements' names
    assert " × 10000000 ÷ (" in text and "× 本年1月1日至本季度末的天数)" in text
    assert "无黑臭水体" in text


def test_recomputing_the_demo_leaves_identical_rows(demo):
    before = list(ComputedValue.objects.order_by("pk").values())
    call_command("recompute", region="500114", stdout=io.StringIO())
    assert list(ComputedValue.objects.order_by("pk").values()) == before


# --- the checklist ---------------------------------------------------------------------------


@pytest.fixture
def environment_clerk(demo):
    """区生态环境局's reporter, with the demo's report of 2024Q4 taken away to start afresh."""
    clerk = User.objects.get(username="qianjiang_sthjj")
    DataReport.objects.filter(department=clerk.department, year=2024, quarter=4).delete()
    return clerk


def test_a_checklist_needs_every_answer_and_evidence_for_a_yes(demo, environment_clerk, client_for, jobs_inline):
    client = client_for(environment_clerk)
    quarter = Quarter(2024, 4)
    report = data_report_open(department=environment_clerk.department, quarter=quarter)
    indicator = Indicator.objects.get(code="WATER_ENVIRONMENT")

    def answer(item, value, note=""):
        url = reverse("indicators:checklist_answer", args=[report.pk, indicator.pk, item])
        return client.post(url, {"answer": value, "note": note})

    page = client.get(f"{reverse('indicators:data_entry')}?quarter={quarter}").content.decode()
    assert "建成区旱天无生活污水直排口" in page
    answer(0, "yes")
    response = answer(1, "no")  # a no needs its reason
    assert "请说明尚未达到的情况" in client.get(response.url).content.decode()
    submit = reverse("indicators:data_submit", args=[report.pk])
    response = client.post(submit, {"version": report.version}, follow=True)
    assert "第1项：选“是”须上传佐证材料" in response.content.decode()
    first = report.answers.get(item=0)
    client.post(reverse("indicators:checklist_evidence_upload", args=[first.pk]),
                {"file": SimpleUploadedFile("监测报告.pdf", PDF)})
    assert first.evidence.count() == 1
    for item in (1, 2, 3):
        answer(item, "yes" if item != 2 else "no", "老城区仍有管网空白区" if item == 2 else "")
        if item != 2:
            row = report.answers.get(item=item)
            client.post(reverse("indicators:checklist_evidence_upload", args=[row.pk]),
                        {"file": SimpleUploadedFile(f"记录{item}.pdf", PDF + bytes([item]))})
    with jobs_inline():
        client.post(submit, {"version": report.version})
    report.refresh_from_db()
    assert report.state == DataReport.State.SUBMITTED
    result = computed(demo, "WATER_ENVIRONMENT", quarter)
    assert result.status == "not_met" and result.explanation == "第3项核查结果为“否”"
    assert len(result.lineage["answers"]) == 4
    download = client_for(User.objects.get(username="qianjiang_reviewer")).get(
        reverse("indicators:checklist_evidence_download", args=[first.evidence.get().pk])
    )
    assert download["Content-Disposition"].startswith("attachment")
