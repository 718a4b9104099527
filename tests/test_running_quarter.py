"""A quarter whose entries are not all due yet is shown as running: nothing not yet due is
late or missing, no composite, band, rank or change on last quarter is given, reports built
then say so on their first page; an item's own earlier due date makes its entry due then;
departments that only cooperate are ranked apart from those that lead; a scorecard says in
sentences why each part is what it is."""

from datetime import date

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from docx import Document

from core.periods import WULONG_2019
from reports import explain, selectors, services
from reports.jobs import sweep_scores
from reports.models import Scorecard
from reports.report_workbook import provisional_note
from tasks.models import Assignment
from tasks.services import contribution_save
from tests.test_scorecards import Q2, plan, quarter_of_work, submit  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

BEFORE, DUE_DAY, AFTER = date(2023, 6, 10), date(2023, 6, 30), date(2023, 7, 1)


def card(department):
    return Scorecard.objects.get(department=department, year=2023, quarter=2)


def parts(scorecard, *keys):
    return {key: (scorecard.components[key]["numerator"], scorecard.components[key]["denominator"]) for key in keys}


@pytest.fixture
def early_entry(plan, world):  # noqa: F811
    """Mid-quarter: 区水利局 has sent A; nothing else is in."""
    submit(plan.items["A"], world.water_bureau, "2023-06-05 10:00 +0800", percent=50)
    return plan


# --- the deadline of each entry ---------------------------------------------------------------


def test_an_items_own_earlier_date_in_the_quarter_is_its_entrys_due_date():
    assert WULONG_2019.due_on(Q2) == date(2023, 6, 30)
    assert WULONG_2019.due_on(Q2, date(2023, 5, 15)) == date(2023, 5, 15)
    # A date after the quarter's deadline, or before the quarter began, leaves the quarter's.
    assert WULONG_2019.due_on(Q2, date(2023, 12, 31)) == date(2023, 6, 30)
    assert WULONG_2019.due_on(Q2, date(2023, 3, 31)) == date(2023, 6, 30)
    status = WULONG_2019.status(Q2, submitted_on=date(2023, 5, 20), today=BEFORE, item_due=date(2023, 5, 15))
    assert (status.state, status.days_late) == ("late", 5)
    assert WULONG_2019.status(Q2, submitted_on=None, today=BEFORE, item_due=date(2023, 5, 31)).state == "missing"


@pytest.mark.parametrize(("today", "running"), [(BEFORE, True), (DUE_DAY, True), (AFTER, False)])
def test_the_quarter_runs_up_to_and_on_its_due_day(today, running):
    assert WULONG_2019.is_running(Q2, today) is running


# --- scorecards before, on and after the deadline -------------------------------------------


@pytest.mark.parametrize("today", [BEFORE, DUE_DAY])
def test_before_the_deadline_no_department_is_late_missing_or_banded(early_entry, world, today):
    services.scores_compute(world.district, Q2, today=today)
    cards = Scorecard.objects.filter(year=2023, quarter=2)
    assert cards.count() == 2 and all(c.running and c.composite is None and c.band == "" for c in cards)
    water = card(world.water_bureau)
    # A is in (on time); B, C, D are not due yet and count nowhere.
    assert parts(water, "completeness", "on_time") == {"completeness": (1, 1), "on_time": (1, 1)}
    assert (water.reported, water.leads) == (1, 4)
    # 区城管局 has sent nothing and nothing of it is due: no part of its items applies.
    assert card(world.urban_bureau).components["completeness"]["value"] is None


def test_after_the_deadline_missing_entries_count(early_entry, world):
    services.scores_compute(world.district, Q2, today=AFTER)
    water = card(world.water_bureau)
    assert not water.running and water.composite is not None and water.band
    assert parts(water, "completeness", "on_time") == {"completeness": (1, 4), "on_time": (1, 4)}
    assert card(world.urban_bureau).components["completeness"]["numerator"] == 0


def test_an_entry_sent_on_the_due_day_is_on_time(plan, world):  # noqa: F811
    submit(plan.items["A"], world.water_bureau, "2023-06-30 23:30 +0800", percent=50)
    services.scores_compute(world.district, Q2, today=AFTER)
    assert parts(card(world.water_bureau), "on_time")["on_time"] == (1, 4)


def test_an_entry_due_by_its_items_earlier_date_is_late_or_missing_mid_quarter(plan, world):  # noqa: F811
    items = plan.items
    items["A"].due_on, items["C"].due_on = date(2023, 5, 15), date(2023, 5, 31)
    items["A"].save(update_fields=["due_on"])
    items["C"].save(update_fields=["due_on"])
    submit(items["A"], world.water_bureau, "2023-05-20 10:00 +0800", percent=100, status="done")
    services.scores_compute(world.district, Q2, today=BEFORE)
    water = card(world.water_bureau)
    assert water.running
    # A came five days after its own date: late. C's date has passed without an entry: missing.
    assert parts(water, "completeness", "on_time") == {"completeness": (1, 2), "on_time": (0, 2)}


def test_a_quarter_scored_while_running_is_scored_in_full_by_the_sweep(early_entry, world):
    services.scores_compute(world.district, Q2, today=BEFORE)
    assert card(world.water_bureau).running
    with time_machine.travel("2023-07-02 03:00 +0800", tick=False):
        sweep_scores()
    assert not card(world.water_bureau).running and card(world.water_bureau).composite is not None


# --- the pages --------------------------------------------------------------------------------


def test_the_pages_show_a_running_quarter_as_running(early_entry, world, reviewer, client_for):
    client = client_for(reviewer)
    with time_machine.travel("2023-06-10 10:00 +0800", tick=False):
        services.scores_compute(world.district, Q2)
        summary = client.get(reverse("reports:summary"), {"quarter": "2023Q2"}).content.decode()
        page = client.get(reverse("reports:scorecard", args=[card(world.water_bureau).pk])).content.decode()
        report_page = client.get(reverse("reports:quarterly"), {"quarter": "2023Q2"}).content.decode()
    assert 'data-testid="quarter-running"' in summary and 'data-testid="quarter-running"' in report_page
    for html in (summary, page):
        assert "进行中" in html and "较差" not in html and "已报 1/4 项" in html
    assert "未到期" in page  # B, C and D


def test_the_change_on_last_quarter_is_not_taken_from_a_running_quarter(early_entry, world):
    Scorecard.objects.create(plan=early_entry, department=world.water_bureau, year=2023, quarter=1,
                             composite=90, band="green", leads=4)
    services.scores_compute(world.district, Q2, today=BEFORE)
    (row,) = [row for row in selectors.scorecards(early_entry, Q2) if row.card.department == world.water_bureau]
    assert row.change is None and row.rank is None


def test_the_city_page_shows_a_running_quarter_without_a_mean(early_entry, world, supervisor, client_for):
    services.scores_compute(world.district, Q2, today=BEFORE)
    rows = selectors.city([world.district], Q2)
    assert rows[0].running and rows[0].average is None
    html = client_for(supervisor).get(reverse("reports:city"), {"quarter": "2023Q2"}).content.decode()
    assert "进行中" in html


# --- reports built before the deadline ---------------------------------------------------------


def build_on(region, moment):
    report = services.report_request(region=region, quarter=Q2, enqueue=False)
    with time_machine.travel(moment, tick=False):
        services.scores_compute(region, Q2)
        return services.report_build(report)


def test_the_caveat_reads_as_a_bureau_writes_it():
    assert provisional_note(date(2026, 12, 6), date(2026, 12, 31)) == (
        "本报告生成于2026年12月6日，本季度截止日期为2026年12月31日，数据截至生成之日，仅供参考。")


def test_a_report_built_mid_quarter_says_so_on_its_first_page_in_every_format(early_entry, world):
    caveat = provisional_note(date(2023, 6, 10), date(2023, 6, 30))
    report = build_on(world.district, "2023-06-10 10:00 +0800")
    document = Document(report.document.open("rb"))
    assert caveat in [p.text for p in document.paragraphs[:3]]
    overview = openpyxl.load_workbook(report.workbook.open("rb"))["概况"]
    assert (overview["A3"].value, overview["B3"].value) == ("说明", caveat)  # under the title and 填报单位 line
    html = report.html.open("rb").read().decode()
    assert caveat in html and html.index(caveat) < html.index("一、概况")
    scores = {row[0]: row[1:5] for row in openpyxl.load_workbook(report.workbook.open("rb"))["部门评分"]
              .iter_rows(min_row=3, values_only=True)}
    assert scores["区水利局"] == (None, "进行中", "牵头", None)


def test_a_report_built_after_the_deadline_has_no_caveat(early_entry, world):
    report = build_on(world.district, "2023-07-01 10:00 +0800")
    assert "仅供参考" not in "\n".join(p.text for p in Document(report.document.open("rb")).paragraphs)
    assert "仅供参考" not in report.html.open("rb").read().decode()


# --- leads and cooperating-only departments ---------------------------------------------------


@pytest.fixture
def cooperating_only(quarter_of_work, world):  # noqa: F811
    """区经济信息委 only cooperates, on E, and gave its contribution: 100 on its one part."""
    item = quarter_of_work.items["E"]
    Assignment.objects.create(node=item, department=world.economy_bureau, role="cooperating")
    contribution_save(item=item, department=world.economy_bureau, quarter=Q2, note="提供企业名单", user=None)
    services.scores_compute(world.district, Q2)
    return quarter_of_work


def test_cooperating_only_departments_are_ranked_apart(cooperating_only, world, reviewer, client_for):
    rows = selectors.scorecards(cooperating_only, Q2)
    ranked = [(row.card.department.short_name, row.group, row.rank) for row in rows]
    assert ranked == [("区城管局", "lead", 1), ("区水利局", "lead", 2), ("区经济信息委", "cooperating", 1)]
    assert card(world.economy_bureau).composite == 100  # its own score, never above the leads in their list
    with translation.override("zh-hans"):
        sentences = explain.explain(card(world.economy_bureau), date(2023, 6, 30))
    assert "该部门不牵头工作事项，仅协办，与其他仅协办部门一并排名，不与牵头部门比较。" in sentences
    assert any(s.startswith("报送完整率：不适用（不牵头工作事项）") for s in sentences)
    html = client_for(reviewer).get(reverse("reports:summary"), {"quarter": "2023Q2"}).content.decode()
    html = html[html.index('data-testid="scorecards"'):]
    assert html.index('data-testid="group-lead"') < html.index("区水利局") < html.index(
        'data-testid="group-cooperating"') < html.index("区经济信息委")


# --- the scorecard in sentences -----------------------------------------------------------------


def test_the_scorecard_explains_each_part_in_sentences(quarter_of_work, world, reviewer, client_for):  # noqa: F811
    services.scores_compute(world.district, Q2)
    water = card(world.water_bureau)
    with translation.override("zh-hans"):
        sentences = explain.explain(water, date(2023, 6, 30))
    assert sentences[0].startswith("综合得分62.8：")
    assert "一般" in sentences[0]
    assert "报送完整率 75.0：应报4项，已报送3项。" in sentences
    assert "按时报送率 50.0：应报4项，按时报送2项，逾期报送1项，未报1项。" in sentences
    assert any(s.startswith("未被退回 66.7：已报送3项，其中1项本季度被退回过") for s in sentences)
    assert any(s.startswith("牵头指标达标：不适用（未牵头指标）") for s in sentences)
    html = client_for(reviewer).get(reverse("reports:scorecard", args=[water.pk])).content.decode()
    assert "按时报送率 50.0：应报4项，按时报送2项，逾期报送1项，未报1项。" in html


def test_a_running_scorecard_explains_what_is_in_so_far(early_entry, world):
    services.scores_compute(world.district, Q2, today=BEFORE)
    with translation.override("zh-hans"):
        first = explain.explain(card(world.water_bureau), date(2023, 6, 30))[0]
    assert first.startswith("2023年第二季度尚未截止") and "已报1/4项" in first

