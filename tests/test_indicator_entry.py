"""Entering raw statistics in the form: who reports what, drafts, submission, blocking
errors by field, warnings that need a confirmation and are stored, review, locking, and
the recompute that follows a commit."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from core.periods import Quarter
from demo import catalogue as indicator_demo
from indicators.models import Adoption, ComputedValue, DataReport, DataValue, UtilityFigures
from indicators.selectors import adopted_set_of, duties_for
from indicators.services import data_report_approve, data_report_open
from org.models import Department, User
from tests.helpers import enter_figures

Q1_2024 = Quarter(2024, 1)
URBAN = {  # 区城市管理局's figures for 2024Q1
    "RES_WATER": "340", "HOUSEHOLDS": "112000", "PERSONS_PER_HOUSEHOLD": "2.78", "METERED_RES_WATER": "318",
    "RES_TOTAL_WATER": "340", "PLANNED_NONRES_WATER": "130", "NONRES_WATER": "150",
}
UTILITY = {"u0_utility": "黔江区自来水有限公司", "u0_supply": "480", "u0_registered": "410",
           "u0_resident_metered": "290", "u0_pipe_km": "172", "u0_pressure": "0.42", "u0_frost_depth": ""}


@pytest.fixture
def qianjiang(regions):
    standard = indicator_demo.load_catalogue()
    Adoption.objects.create(region=regions["qianjiang"], indicator_set=standard, since_year=2022)
    return regions["qianjiang"]


@pytest.fixture
def clerk(qianjiang):
    return User.objects.get(username="qianjiang_cgj")


@pytest.fixture
def reviewer(qianjiang):
    return User.objects.get(username="qianjiang_reviewer")


def urban(region):
    return Department.objects.get(region=region, short_name="区城市管理局")


def entry_url(quarter=Q1_2024):
    return f"{reverse('indicators:data_entry')}?quarter={quarter}"


def form_data(report, values=URBAN, *, utility=UTILITY, **extra):
    data = {"version": report.version, **{f"value_{code}": value for code, value in values.items()}, **utility}
    data.update(extra)
    return data


def stored(region, quarter=Q1_2024):
    return {
        row.element.code: row.value
        for row in DataValue.objects.filter(region=region, year=quarter.year, quarter=quarter.number).select_related(
            "element"
        )
    }


def test_each_figure_has_one_reporting_department(qianjiang):
    duties = duties_for(qianjiang, Adoption.objects.get().indicator_set)
    owners = {code: department.short_name for code, department in duties.elements.items()}
    assert owners["RES_WATER"] == owners["HOUSEHOLDS"] == "区城市管理局"  # 5. 人均生活用水量 comes first
    assert "CARRIER_HOUSEHOLDS" not in owners  # counted from the carrier registry, never entered
    assert owners["IND_NEW_WATER"] == owners["IND_REUSED_WATER"] == "区经济信息委"
    assert owners["CITY_NEW_WATER"] == "区机关事务管理中心"
    assert owners["PLANNED_NONRES_WATER"] == "区城市管理局"  # “区城市管理局、区水利局”: the first lead
    assert len(owners) == 28 and not duties.unresolved  # 31 elements, 3 from the registry
    checklist_owners = {i.code: duties.indicator_owner[i.pk].short_name for i in duties.indicators
                        if i.method != "formula"}
    assert checklist_owners == {
        "LEAKAGE": "区城市管理局", "WATER_ENVIRONMENT": "区生态环境局", "PRODUCT_WATER_QUOTA": "区经济信息委",
    }


def test_the_form_lists_the_departments_figures_by_indicator(qianjiang, clerk, client_for):
    response = client_for(clerk).get(entry_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "5. 城市居民人均生活用水量" in page and "城市居民家庭生活用水总量（新水量）" in page
    assert "城市公共供水管网漏损率" in page  # the utility table
    assert "工业用水量（新水量）" not in page  # 区经济信息委's


def test_a_draft_is_saved_and_does_not_count_until_submitted(qianjiang, clerk, client_for, jobs_inline):
    client = client_for(clerk)
    report = data_report_open(department=urban(qianjiang), quarter=Q1_2024)
    response = client.post(entry_url(), form_data(report, save="1"))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == DataReport.State.DRAFT
    assert stored(qianjiang)["RES_WATER"] == D("340")
    assert UtilityFigures.objects.get(report=report).registered == D("410")
    assert not ComputedValue.objects.filter(region=qianjiang, year=2024).exists()

    with jobs_inline():
        response = client.post(entry_url(), form_data(report, submit="1"))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == DataReport.State.SUBMITTED and report.submitted_by == clerk
    # The commit enqueued a recompute of the quarter: 340 万m³ over 91 days (2024 is a leap
    # year) for 112,000 households of 2.78 people: 3.4e9 L ÷ 28,333,760 person-days = 119.998 L.
    per_capita = ComputedValue.objects.get(
        region=qianjiang, year=2024, quarter=1, indicator__code="PER_CAPITA_DOMESTIC"
    )
    assert round(per_capita.value, 3) == D("119.998") and per_capita.status == "met"
    assert per_capita.lineage["inputs"]["DAYS_YTD"]["value"] == "91"
    assert per_capita.lineage["inputs"]["RES_WATER"]["state"] == "submitted"


def test_text_and_negative_numbers_are_refused_by_field_and_nothing_is_written(qianjiang, clerk, client_for):
    report = data_report_open(department=urban(qianjiang), quarter=Q1_2024)
    values = {**URBAN, "RES_WATER": "三百四十", "NONRES_WATER": "-150"}
    response = client_for(clerk).post(entry_url(), form_data(report, values, save="1"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "“三百四十”不是数字" in page
    assert "-150 是负数" in page
    assert stored(qianjiang) == {} and not UtilityFigures.objects.exists()


def test_warnings_need_a_confirmation_and_are_stored_with_the_value(qianjiang, clerk, client_for):
    # Last year's first quarter: 200 万m³; 340 is 70 % more.
    enter_figures(qianjiang, Quarter(2023, 1), department=urban(qianjiang), RES_WATER="200")
    report = data_report_open(department=urban(qianjiang), quarter=Q1_2024)
    client = client_for(clerk)
    response = client.post(entry_url(), form_data(report, save="1"))
    assert response.status_code == 200
    assert "较上年同期（2023年第一季度）的 200 变化 +70.0%，超过50%" in response.content.decode()
    assert stored(qianjiang) == {}

    response = client.post(entry_url(), form_data(report, save="1", confirm_warnings="on"))
    assert response.status_code == 302
    value = DataValue.objects.get(report=report, element__code="RES_WATER")
    assert value.warnings == ["较上年同期（2023年第一季度）的 200 变化 +70.0%，超过50%"]
    # Saving the same figure again does not ask again.
    report.refresh_from_db()
    assert client.post(entry_url(), form_data(report, save="1")).status_code == 302


def test_a_part_larger_than_its_whole_and_a_missing_denominator_are_warnings(qianjiang, clerk, client_for):
    report = data_report_open(department=urban(qianjiang), quarter=Q1_2024)
    values = {**URBAN, "METERED_RES_WATER": "360"}  # more than the 340 of all households
    del values["NONRES_WATER"]
    response = client_for(clerk).post(entry_url(), form_data(report, values, save="1"))
    page = response.content.decode()
    assert "大于“建成区居民家庭用水总量”的 340万m³，两者不一致" in page
    assert "分母“公共供水非居民用水单位用水总量”本期尚未填报或为0" in page


def test_submission_needs_every_figure(qianjiang, clerk, client_for):
    report = data_report_open(department=urban(qianjiang), quarter=Q1_2024)
    values = dict(URBAN)
    del values["HOUSEHOLDS"]
    response = client_for(clerk).post(entry_url(), form_data(report, values, submit="1", confirm_warnings="on"))
    assert response.status_code == 200
    assert "报送前请填写此项" in response.content.decode()
    report.refresh_from_db()
    assert report.state == DataReport.State.DRAFT and stored(qianjiang) == {}


def test_a_stale_form_is_refused(qianjiang, clerk, client_for):
    report = data_report_open(department=urban(qianjiang), quarter=Q1_2024)
    client = client_for(clerk)
    assert client.post(entry_url(), form_data(report, save="1")).status_code == 302
    stale = form_data(report, {**URBAN, "RES_WATER": "345"}, save="1")  # still carries version 1
    response = client.post(entry_url(), stale)
    assert "他人已保存了该报表" in response.content.decode()
    assert stored(qianjiang)["RES_WATER"] == D("340")


def test_review_locks_approved_figures_and_return_needs_a_reason(qianjiang, clerk, reviewer, client_for, jobs_inline):
    report = data_report_open(department=urban(qianjiang), quarter=Q1_2024)
    with jobs_inline():
        client_for(clerk).post(entry_url(), form_data(report, submit="1"))
    report.refresh_from_db()
    review = reverse("indicators:data_review", args=[report.pk])
    client_for(reviewer).post(review, {"action": "return", "comment": "", "version": report.version})
    report.refresh_from_db()
    assert report.state == DataReport.State.SUBMITTED  # no reason, no return
    with jobs_inline():
        client_for(reviewer).post(review, {"action": "approve", "version": report.version})
    report.refresh_from_db()
    assert report.state == DataReport.State.APPROVED and report.reviewed_by == reviewer

    response = client_for(clerk).post(entry_url(), form_data(report, {**URBAN, "RES_WATER": "999"}, save="1"))
    assert stored(qianjiang)["RES_WATER"] == D("340")
    assert "不能" in response.content.decode()

    with jobs_inline():
        client_for(reviewer).post(reverse("indicators:data_reopen", args=[report.pk]), {"reason": "户数有误"})
    report.refresh_from_db()
    assert report.state == DataReport.State.RETURNED and "户数有误" in report.review_comment
    history = client_for(clerk).get(report.get_absolute_url()).content.decode()
    assert "户数有误" in history


def test_only_counted_reports_feed_the_indicators_and_every_change_recomputes(qianjiang, reviewer, jobs_inline):
    report = enter_figures(qianjiang, Q1_2024, department=urban(qianjiang), state=DataReport.State.SUBMITTED,
                           NONRES_WATER="150", PLANNED_NONRES_WATER="140")
    with jobs_inline() as enqueued:
        data_report_approve(report=report, user=reviewer, version=report.version)
    # One recompute of this quarter and the same quarter next year (which compares with it);
    # once it ran, the scores of both marked stale, one job for both. (The department is also
    # told: not a recompute.)
    recomputes = [callback for callback in enqueued if hasattr(callback, "keys")]
    assert [(marks.name, sorted(str(quarter) for _region, quarter in marks.keys)) for marks in recomputes] == [
        ("indicator_values", ["2024Q1", "2025Q1"]), ("scores", ["2024Q1", "2025Q1"])]
    planned = ComputedValue.objects.get(region=qianjiang, year=2024, quarter=1, indicator__code="PLANNED_USE_RATIO")
    assert round(planned.value, 2) == D("93.33") and planned.lineage["inputs"]["NONRES_WATER"]["state"] == "approved"


def test_utility_names_carry_over_to_the_next_quarter_without_their_figures(qianjiang, clerk, client_for):
    figures = {"supply": D(480), "registered": D(410), "resident_metered": D(290), "pipe_km": D(172),
               "pressure": D("0.42")}
    last_quarter = enter_figures(qianjiang, Quarter(2023, 4), department=urban(qianjiang))
    UtilityFigures.objects.create(region=qianjiang, report=last_quarter, utility="黔江区自来水有限公司",
                                  year=2023, quarter=4, **figures)
    client = client_for(clerk)
    page = client.get(entry_url()).content.decode()
    assert 'value="黔江区自来水有限公司"' in page and 'value="480"' not in page

    # Saving a draft of other figures leaves the untouched carried-over row alone…
    report = data_report_open(department=urban(qianjiang), quarter=Q1_2024)
    carried = {"u0_utility": "黔江区自来水有限公司"}
    assert client.post(entry_url(), form_data(report, utility=carried, save="1")).status_code == 302
    assert not UtilityFigures.objects.filter(report__year=2024).exists()
    # …while a row the clerk has started must be complete.
    report.refresh_from_db()
    started = {**carried, "u0_supply": "480"}
    response = client.post(entry_url(), form_data(report, utility=started, save="1"))
    assert response.status_code == 200 and "请填写注册用户用水量" in response.content.decode()


def test_a_reporter_lists_and_reads_only_their_own_departments_statistics(qianjiang, clerk, reviewer, client_for):
    """The statistics page of a reporter is their own department's row; another department's
    report is a 404, though the reviewer lists and reads them all."""
    own = data_report_open(department=urban(qianjiang), quarter=Q1_2024)
    duties = duties_for(qianjiang, adopted_set_of(qianjiang))
    other_department = next(d for d in duties.departments() if d != own.department)
    other = data_report_open(department=other_department, quarter=Q1_2024)
    page = reverse("indicators:data_home") + f"?quarter={Q1_2024}"
    listed = client_for(clerk).get(page).context["rows"]
    assert [department for department, _report, _count in listed] == [own.department]
    everyone = [department for department, _report, _count in client_for(reviewer).get(page).context["rows"]]
    assert own.department in everyone and other_department in everyone
    assert client_for(clerk).get(own.get_absolute_url()).status_code == 200
    assert client_for(clerk).get(other.get_absolute_url()).status_code == 404
    assert client_for(reviewer).get(other.get_absolute_url()).status_code == 200
