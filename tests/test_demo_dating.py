"""The demo lives today (DESIGN.md): loaded on any day, both districts have raw figures,
entries, reviews, scores and verdicts for the current and the previous quarter, with history
back to their documents; each department's entries are its own reporter's; the entries read
like ledgers of their items. Loaded here as if on two days far apart, and the first of them
loaded again a quarter later."""

import io
import re
from collections import Counter
from datetime import date, datetime, time

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.periods import Quarter
from demo import ledger, quarterly_statistics, regions_data
from indicators.models import Adoption, ComputedValue, DataReport, DataValue
from org.models import User
from reports.models import RegionVerdict, Scorecard
from tasks.models import Assignment, Contribution, Plan, ProgressReport
from tests.helpers import kept_for_module

WULONG, QIANJIANG = "500156", "500114"
DAYS = [date(2026, 12, 6), date(2031, 2, 15)]
CITY_LIST = "CQ_WATER_SAVING_CITY"


@pytest.fixture(scope="module", params=DAYS, ids=str)
def _loaded_on(request, django_db_setup, django_db_blocker):
    with kept_for_module(django_db_blocker):
        call_command("load_demo", password="demo-pass-1", today=request.param, stdout=io.StringIO())
        yield request.param


@pytest.fixture
def day(_loaded_on, db):
    """The day the demo was loaded as if on (each test's own changes are rolled back)."""
    return _loaded_on


def quarters(day):
    current = Quarter.containing(day)
    return current, current.previous()


def entries(code, quarter):
    return ProgressReport.objects.filter(item__plan__region__code=code, year=quarter.year, quarter=quarter.number)


@pytest.mark.parametrize("code", [WULONG, QIANJIANG])
def test_entries_reviews_and_scores_in_the_current_and_previous_quarter(day, code):
    current, previous = quarters(day)
    reviewer = User.objects.get(username={WULONG: "wulong_reviewer", QIANJIANG: "qianjiang_reviewer"}[code])
    states = Counter(entries(code, previous).values_list("state", flat=True))
    assert states["approved"] > 20 and states["returned"] > 0 and not states["draft"]
    assert set(entries(code, previous).exclude(state="draft").values_list("reviewed_by", flat=True)) == {reviewer.pk}
    states = Counter(entries(code, current).values_list("state", flat=True))
    assert states["submitted"] > 5 and states["draft"] > 5 and not states["approved"]
    for quarter in (current, previous):
        if code == QIANJIANG:  # 武隆's annual tasks name no cooperating departments
            assert Contribution.objects.filter(item__plan__region__code=code, year=quarter.year,
                                               quarter=quarter.number).exists() == (quarter == previous)
        cards = Scorecard.objects.filter(plan__region__code=code, year=quarter.year, quarter=quarter.number)
        assert cards.count() >= 10, quarter
        # The current quarter is running: what is in so far, without a composite or band (a
        # department is not 较差 for entries not due yet); the last finished one is scored in full.
        assert {card.running for card in cards} == {quarter == current}, quarter
        assert cards.exclude(composite=None).exists() == (quarter == previous), quarter
        assert cards.exclude(band="").exists() == (quarter == previous), quarter


def test_qianjiang_figures_values_and_verdicts_in_both_quarters(day):
    current, previous = quarters(day)
    for quarter in (current, previous):
        values = DataValue.objects.filter(region__code=QIANJIANG, year=quarter.year, quarter=quarter.number)
        assert values.count() >= 12, quarter
        computed = ComputedValue.objects.filter(region__code=QIANJIANG, year=quarter.year, quarter=quarter.number,
                                                indicator__indicator_set__code=CITY_LIST)
        assert computed.count() == 20, quarter
    reports = DataReport.objects.filter(region__code=QIANJIANG, year=previous.year, quarter=previous.number)
    assert set(reports.values_list("state", flat=True)) == {"approved"}
    now = DataReport.objects.filter(region__code=QIANJIANG, year=current.year, quarter=current.number)
    assert set(now.values_list("state", flat=True)) == {"draft", "submitted"}
    # The last finished quarter's board is a mix of met and not met (再生水利用率 and 污水处理费 stay short).
    statuses = Counter(ComputedValue.objects.filter(region__code=QIANJIANG, year=previous.year, quarter=previous.number,
                                                    indicator__indicator_set__code=CITY_LIST)
                       .values_list("status", flat=True))
    assert statuses["met"] >= 10 and statuses["not_met"] >= 2


def test_every_region_with_a_standard_has_a_verdict_in_both_quarters(day):
    current, previous = quarters(day)
    adoptions = list(Adoption.objects.select_related("region"))
    assert {adoption.region.code for adoption in adoptions} == {WULONG, QIANJIANG}
    for adoption in adoptions:
        for quarter in (current, previous):
            assert RegionVerdict.objects.filter(region=adoption.region, indicator_set=adoption.indicator_set,
                                                year=quarter.year, quarter=quarter.number).exists(), (adoption, quarter)


def test_history_goes_back_to_the_documents(day):
    current = Quarter.containing(day)
    source = Plan.objects.get(region__code=WULONG, title="武隆区2019年节约用水工作任务")
    reported = set(ProgressReport.objects.filter(item__plan=source).values_list("year", "quarter"))
    assert sorted(reported) == [(2019, n) for n in (1, 2, 3, 4)]
    for year in (current.year - 1, current.year):
        assert Plan.objects.filter(region__code=WULONG, title=f"武隆区{year}年节约用水工作任务（演示）",
                                   start_year=year, end_year=year).exists()
    # 黔江: entries in every quarter from its plan's first (2023Q1), figures from its base year (2022Q1).
    reported = set(ProgressReport.objects.filter(item__plan__region__code=QIANJIANG).values_list("year", "quarter"))
    assert reported == {(q.year, q.number) for q in Quarter.range(Quarter(2023, 1), current)}
    figures = set(DataValue.objects.filter(region__code=QIANJIANG).values_list("year", "quarter"))
    assert figures == {(q.year, q.number) for q in Quarter.range(Quarter(2022, 1), current)}
    # After the plan's own years, a one-year copy per year keeps a plan running.
    copies = Plan.objects.filter(region__code=QIANJIANG, title__endswith="（演示）")
    assert sorted(copies.values_list("start_year", "end_year")) == [(y, y) for y in range(2026, current.year + 1)]


def test_nothing_is_dated_after_the_day(day):
    end = timezone.make_aware(datetime.combine(day, time.max))
    for model in (ProgressReport, DataReport):
        assert not model.objects.filter(submitted_at__gt=end).exists(), model.__name__
        assert not model.objects.filter(reviewed_at__gt=end).exists(), model.__name__
        assert not model.history.filter(history_date__gt=end).exists(), model.__name__
    assert not Contribution.objects.filter(updated_at__gt=end).exists()
    # Back-dated: the 2019 entries were submitted in 2019 and early 2020, not on the day of loading.
    years = set(ProgressReport.objects.filter(year=2019).values_list("submitted_at__year", flat=True))
    assert years <= {2019, 2020}


def test_each_department_reports_through_its_own_account(day):
    for report in ProgressReport.objects.exclude(submitted_by=None).select_related("submitted_by"):
        assert report.submitted_by.department_id == report.department_id, report
        assert report.submitted_by.role == User.Role.REPORTER
    for report in DataReport.objects.exclude(submitted_by=None).select_related("submitted_by"):
        assert report.submitted_by.department_id == report.department_id, report
    for note in Contribution.objects.select_related("updated_by"):
        assert note.updated_by.department_id == note.department_id
    for department_id in set(Assignment.objects.filter(node__plan__region__code__in=[WULONG, QIANJIANG])
                             .values_list("department", flat=True)):
        # People: a department's system account (demo/systems.py) reports through the API, not as its clerk.
        reporters = User.objects.filter(department=department_id, role=User.Role.REPORTER, is_active=True,
                                        is_system=False)
        assert reporters.count() == 1, department_id
        reporter = reporters.get()
        prefix = regions_data.REPORTER_PREFIX[reporter.department.region.code]
        assert re.fullmatch(rf"{prefix}_[a-z]+", reporter.username) and reporter.display_name.endswith("填报员")


def test_the_browser_journeys_find_what_they_start_from(day):
    """The journeys of test_browser_journeys.py start from the current quarter: 城管局 of 武隆
    with one entry submitted and items not yet reported, 黔江's 城市管理局 with no figures yet."""
    current = Quarter.containing(day)
    urban = entries(WULONG, current).filter(department__short_name="区城管局", item__plan__title__endswith="（演示）")
    assert Counter(urban.values_list("state", flat=True))["submitted"] == 1
    led = Assignment.objects.filter(department__region__code=WULONG, department__short_name="区城管局", role="lead",
                                    node__plan__title=f"武隆区{current.year}年节约用水工作任务（演示）").count()
    assert urban.count() < led
    assert not DataReport.objects.filter(region__code=QIANJIANG, department__short_name="区城市管理局",
                                         year=current.year, quarter=current.number).exists()


# --- the ledgers --------------------------------------------------------------------------


def test_entries_read_like_ledgers_not_repeated_lines(day):
    previous = Quarter.containing(day).previous()
    texts = list(entries(QIANJIANG, previous).values_list("work_done", flat=True)) + list(
        entries(WULONG, previous).values_list("work_done", flat=True))
    assert len(set(texts)) >= 0.95 * len(texts)
    notes = Contribution.objects.filter(year=previous.year, quarter=previous.number).values_list("note", flat=True)
    assert len(set(notes)) >= 0.8 * len(list(notes))
    behind = ProgressReport.objects.filter(status="behind", state="approved")
    assert behind.exists() and not behind.filter(problems="").exists()


def written(plan_title, text_start, quarter, day, number=None):
    """What the lead department writes for the plan's item in ``quarter`` (whether or not
    the demo has it report then: one entry in seven is never reported)."""
    lead = Assignment.objects.select_related("node__plan__region", "node__parent", "department").filter(
        node__plan__title=plan_title, node__text__startswith=text_start, role="lead").first()
    if number:
        lead = Assignment.objects.select_related("node__plan__region", "node__parent", "department").filter(
            node__plan__title=plan_title, node__number=number, role="lead").first()
    plan = lead.node.plan
    return ledger.entry(lead.node, lead.department, quarter, plan, plan.region.code, today=day)


def test_an_item_about_communities_names_them_and_counts(day):
    entry = written("武隆区2019年节约用水工作任务", "节水型居民小区建成率", Quarter(2019, 4), day)
    # 芙蓉花园 was accepted on 1 August 2019 (registry_data); one of ten, but the target asks for two.
    assert "已建成节水型居民小区1个（芙蓉花园）" in entry.work_done and "建成率10.0%" in entry.work_done
    assert entry.status == "behind" and entry.quantity == 10 and entry.problems
    later = written("重庆市黔江区创建重庆市节水型城市工作方案", "推进节水型居民小区创建", Quarter(2025, 4), day)
    assert "城西花园、正阳新城、舟白小区、官渡峡小区" in later.work_done  # 官渡峡小区 was accepted in June 2025


def test_publicity_names_the_days_of_its_quarter(day):
    by_quarter = {n: written("武隆区2019年节约用水工作任务", "围绕节约用水攻坚战", Quarter(2019, n), day).work_done
                  for n in (1, 2, 3, 4)}
    assert "3月22日“世界水日”" in by_quarter[1] and "中国水周" in by_quarter[1]
    assert "5月12日至18日全国城市节约用水宣传周" in by_quarter[2]  # the second Sunday of May 2019 is the 12th
    counts = [int(re.search(r"发放宣传资料(\d+)份", by_quarter[n]).group(1)) for n in (1, 2, 3, 4)]
    assert counts == sorted(counts) and counts[0] < counts[3]  # the year's count grows


def test_an_indicator_item_quotes_the_quarters_figure(day):
    entry = written("重庆市黔江区创建重庆市节水型城市工作方案", "", Quarter(2023, 4), day, number="17")
    value = ComputedValue.objects.get(region__code=QIANJIANG, indicator__code="RECLAIMED_WATER_RATIO", year=2023,
                                      quarter=4)
    assert f"再生水利用率{value.value:.2f}%" in entry.work_done and "尚未达标" in entry.work_done
    assert entry.status == "behind" and "再生水输配管网" in entry.problems


def test_the_ledger_is_the_same_on_every_run(day):
    first = written("重庆市黔江区创建重庆市节水型城市工作方案", "", Quarter(2024, 2), day, number="11")
    assert first == written("重庆市黔江区创建重庆市节水型城市工作方案", "", Quarter(2024, 2), day, number="11")
    assert "漏损率" in first.work_done


def test_the_documented_years_keep_their_figures(day):
    assert quarterly_statistics.annual(2022) == quarterly_statistics.ANNUAL[2022]
    assert quarterly_statistics.annual(2023) == quarterly_statistics.ANNUAL[2023]
    later = quarterly_statistics.annual(2030)
    assert float(later["PERMEABLE_AREA"]) < float(later["BUILT_AREA"])  # a part stays below its whole


# --- a later day ----------------------------------------------------------------------------


@pytest.mark.parametrize("_loaded_on", [DAYS[0]], indirect=True, ids=str)
def test_a_later_day_finishes_what_was_the_current_quarter(day):
    """Loaded again a quarter later, the demo brings the quarter that was running forward (its
    drafts submitted and reviewed, its figures approved) and opens the new one, adding no
    second entry for anything. (On the module's load of its first day, as the other tests of
    that day see it: a second load of the same day would write nothing.)"""
    assert day == date(2026, 12, 6)
    then = Quarter(2026, 4)
    assert Counter(entries(WULONG, then).values_list("state", flat=True))["draft"] > 5
    call_command("load_demo", password="demo-pass-1", today=date(2027, 1, 20), stdout=io.StringIO())
    for code in (WULONG, QIANJIANG):
        states = Counter(entries(code, then).values_list("state", flat=True))
        assert states["submitted"] == 0 and states["approved"] > 20 and states["returned"] > 0, states
        assert states["draft"] < (states["approved"] + states["returned"]) / 5  # begun and never sent: missing
        now = Counter(entries(code, Quarter(2027, 1)).values_list("state", flat=True))
        assert now["submitted"] > 5 and now["draft"] > 5
    reports = DataReport.objects.filter(region__code=QIANJIANG, year=2026, quarter=4)
    assert set(reports.values_list("state", flat=True)) == {"approved"}
    assert Plan.objects.filter(title="武隆区2027年节约用水工作任务（演示）").exists()
    assert Plan.objects.filter(title="重庆市黔江区2027年节水型城市工作任务（演示）").exists()
