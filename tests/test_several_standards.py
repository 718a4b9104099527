"""A district under two standards at once: the city's list judged on indicators met and the
county standard judged in points. Each has its own board, verdict, place in the city
comparison and section of the quarterly report; the experts' judgement of an item is
recorded with its reason, refused when stale; the scorecards' "indicators led" counts a
scored item by the share of its full points; adopting and removing a standard through the
pages, removal keeping every value and verdict computed under it.

The computed values are written by hand (points and award words included), so that the
pages are tested on known numbers whatever the indicator engine does."""

import io
from decimal import Decimal as D

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document

from core.periods import Quarter
from core.recompute import _Marks
from core.workflow import EditConflict
from indicators.models import Adoption, ComputedValue, DataElement, Indicator, IndicatorSet, Judgement
from indicators.services import adoption_remove, adoption_save, judgement_save
from reports import services
from reports.models import RegionVerdict, Scorecard
from tests.test_scorecards import Q2, plan, quarter_of_work  # noqa: F401 - fixtures

JULY = "2023-07-15 10:00 +0800"  # Q2's reports are due by then: the pages open on Q2


def item(standard, number, code, kind="guiding", lead="区水利局", **fields):
    fields.setdefault("method", "checklist")
    if fields["method"] == "checklist":
        fields.setdefault("checklist", ["有"])
    return Indicator.objects.create(indicator_set=standard, number=number, code=code, name=fields.pop("name", code),
                                    category="测试", kind=kind, lead_text=lead, **fields)


def computed(region, indicator, status, *, points=None, award="", value=None, explanation="", lineage=None,
             quarter=Q2):
    return ComputedValue.objects.create(
        region=region, indicator=indicator, year=quarter.year, quarter=quarter.number, status=status, value=value,
        points=points, award=award, explanation=explanation or f"{indicator.name}{status}",
        lineage=lineage or {"method": indicator.method},
    )


@pytest.fixture
def standards(world):
    """武隆 adopts both; 黔江 only the city's list (so the list is the one most districts adopt)."""
    DataElement.objects.create(code="REUSE", name="再生水利用量", unit="%")
    DataElement.objects.create(code="SAVING", name="节水量", unit="%")
    city = IndicatorSet.objects.create(code="CITY", version="2021", name="节水型城市指标", guiding_share=50)
    county = IndicatorSet.objects.create(code="COUNTY", version="2017", name="县域节水型社会评价标准",
                                         min_points=D("60"))
    items = {
        "B1": item(city, 1, "B1", "bottom_line", name="城市漏损率"),
        "G1": item(city, 2, "G1", name="计划用水率"),
        "G2": item(city, 3, "G2", lead="区城管局", name="节水器具普及率"),
        "P1": item(county, 1, "P1", "bottom_line", name="用水总量控制"),
        "S1": item(county, 2, "S1", method="formula", formula="REUSE", unit="%", points=30, name="再生水利用率",
                   scoring={"kind": "steps", "better": "higher", "steps": [
                       {"from": "5", "to": "10", "points": "10"}, {"from": "10", "to": "15", "points": "20"},
                       {"from": "15", "points": "30"}]}),
        "S2": item(county, 3, "S2", method="formula", formula="SAVING", unit="%", points=40, name="万元GDP用水量降幅",
                   scoring_text="达到标准得40分，每低1%扣5分"),
        "J1": item(county, 4, "J1", lead="区城管局", method="judged", scoring={"kind": "judged"}, points=30,
                   name="节水宣传教育", annual=False),
    }
    Adoption.objects.create(region=world.district, indicator_set=city, since_year=2023)
    Adoption.objects.create(region=world.district, indicator_set=county, since_year=2023)
    Adoption.objects.create(region=world.other_district, indicator_set=city, since_year=2023)
    return city, county, items


@pytest.fixture
def computed_q2(standards, world):
    """Q2 of 武隆 under both standards, and 黔江 under the list. County points: S1 20 of 30,
    S2 25 of 40, J1 judged 10 of 30, P1 met: 55 of 100, 5 short of the pass score 60."""
    _city, _county, items = standards
    district = world.district
    computed(district, items["B1"], "met")
    computed(district, items["G1"], "met")
    computed(district, items["G2"], "not_met")
    computed(district, items["P1"], "met", points=D("0"), award="用水总量控制在指标内")
    computed(district, items["S1"], "met", points=D("20"), value=D("12.5"),
             award="再生水利用率12.5%，达到10%以上，得20分")
    computed(district, items["S2"], "not_met", points=D("25"), value=D("-3"),
             award="降幅低于标准3%，扣15分，得25分")
    computed(district, items["J1"], "met", points=D("10"), award="专家评分10分：宣传活动未覆盖农村")
    other = world.other_district
    for code in ("B1", "G1", "G2"):
        computed(other, items[code], "met")
    services.scores_compute(district, Q2)
    services.scores_compute(other, Q2)
    return standards


def marked(callbacks, recompute):
    """{(year, quarter)} a recompute was marked stale for, by the callbacks of a commit (not
    run here: the engine of the values is not what these tests are about)."""
    keys = set()
    for callback in callbacks:
        if isinstance(callback, _Marks) and callback.name == recompute:
            keys |= {(quarter.year, quarter.number) for _region, quarter in callback.keys}
    return keys


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- two boards, two verdicts ----------------------------------------------------------------


def test_the_region_has_a_verdict_under_each_standard(computed_q2, world):
    verdicts = {v.indicator_set.code: v for v in RegionVerdict.objects.filter(region=world.district, year=2023,
                                                                               quarter=2)}
    assert set(verdicts) == {"CITY", "COUNTY"}
    # The list: bottom line met, 1 of 2 guiding met = 50 % ≥ 50 %.
    assert verdicts["CITY"].verdict == "met"
    # The county standard: 0 + 20 + 25 + 10 = 55 points of 100, the pass score is 60.
    assert verdicts["COUNTY"].verdict == "not_met" and verdicts["COUNTY"].points == D("55")
    assert verdicts["COUNTY"].reason == "得分55分，少于要求的60分，差5分"
    assert verdicts["COUNTY"].figures["points"] == {"earned": "55", "needed": "60", "possible": "100", "pending": "0"}


def test_two_boards_one_per_standard(computed_q2, world, reviewer, client_for):
    client = client_for(reviewer)
    board = reverse("indicators:board")
    first = page(client, board, quarter="2023Q2")
    # Tabs for both standards; the list (first in code order) is shown, judged on indicators met.
    assert "节水型城市指标" in first and "县域节水型社会评价标准" in first and 'data-testid="standard-tabs"' in first
    assert "standard=COUNTY" in first and "城市漏损率" in first and "再生水利用率" not in first
    assert 'data-testid="board-points"' not in first
    scored = page(client, board, quarter="2023Q2", standard="COUNTY")
    assert "再生水利用率" in scored and "城市漏损率" not in scored
    for text in ("满分", "得分", "得分说明", "达标分数", "再生水利用率12.5%，达到10%以上，得20分",
                 "降幅低于标准3%，扣15分，得25分", "得分55分，少于要求的60分，差5分", "前提条件满足",
                 "达到标准得40分，每低1%扣5分",  # the rule as the standard words it
                 "达到10%得20分"):  # the rule in words where it was not recorded
        assert text in scored, text
    points = scored[scored.index('data-testid="board-points"'):scored.index('data-testid="board-table"')]
    assert "55" in points and "100" in points and "60" in points and "5分" in points
    # The quarter arrows keep the standard.
    assert "?quarter=2023Q1&amp;region=500156&amp;standard=COUNTY" in scored


def test_a_judged_item_shows_its_judgement_and_a_link_for_the_reviewer_only(computed_q2, world, reviewer, reporter,
                                                                            client_for):
    _city, _county, items = computed_q2
    judged = items["J1"]
    Judgement.objects.create(region=world.district, indicator=judged, year=2023, quarter=1, points=D("10"),
                             reason="宣传活动未覆盖农村", judged_by=reviewer)
    link = reverse("indicators:judgement", args=[world.district.code, judged.pk, "2023Q2"])
    scored = page(client_for(reviewer), reverse("indicators:board"), quarter="2023Q2", standard="COUNTY")
    cell = scored[scored.index('data-testid="judgement-J1"'):]
    # The judgement that holds (from Q1) and who gave it; its reason is in the award words above.
    assert "专家评分：10分（2023年第一季度） · reviewer" in cell[:200]
    assert "专家评分10分：宣传活动未覆盖农村" in scored
    assert link in scored
    as_reporter = page(client_for(reporter), reverse("indicators:board"), quarter="2023Q2", standard="COUNTY")
    assert "专家评分：10分" in as_reporter and link not in as_reporter


def test_the_summary_and_the_home_page_show_a_verdict_per_standard(computed_q2, quarter_of_work, world,  # noqa: F811
                                                                   reviewer, supervisor, client_for):
    summary = page(client_for(reviewer), reverse("reports:summary"), quarter="2023Q2")
    assert summary.count('data-testid="summary-verdict"') == 2
    assert "得分55分，少于要求的60分，差5分" in summary and "节水型城市指标" in summary
    with time_machine.travel(JULY, tick=False):
        home = page(client_for(reviewer), reverse("home"))
        city_home = page(client_for(supervisor), reverse("home"))
    cards = home[home.index('data-testid="home-verdicts"'):]
    assert cards.count('data-testid="home-verdict"') == 2
    assert "节水型城市指标" in cards and "县域节水型社会评价标准" in cards
    assert "得分55分（满分100分），达标分数60分" in cards
    latest = city_home[city_home.index('data-testid="latest-verdicts"'):]
    assert latest.count("县域节水型社会评价标准") == 1 and latest.count("节水型城市指标") == 2
    assert "55分（达标分数60分）" in latest


# --- the city comparison -------------------------------------------------------------------------


def test_the_city_compares_the_districts_under_one_standard_at_a_time(computed_q2, world, supervisor, client_for):
    client = client_for(supervisor)
    city = reverse("reports:city")
    default = page(client, city, quarter="2023Q2")
    # The list is the standard most districts adopt: it is compared first, in indicators met.
    table = default[default.index('data-testid="city-table"'):]
    assert "导向指标达标" in table and "达标分数" not in table
    assert table.count("badge text-bg-success") == 2 and "未采用" not in table  # both districts compliant
    scored = page(client, city, quarter="2023Q2", standard="COUNTY")
    table = scored[scored.index('data-testid="city-table"'):]
    assert "达标分数" in table and ">55<" in table and ">60<" in table
    # 黔江 does not adopt the county standard: it says so, with no verdict nor pass score.
    qianjiang = table[table.index("黔江区"):]
    assert 'data-testid="not-adopted"' in qianjiang[:600] and "未采用" in qianjiang[:600]
    chart = client.get(city, {"quarter": "2023Q2", "standard": "COUNTY"}).context["chart_data"]
    assert chart["series"][1]["values"] == [None, 55.0]  # by code: 黔江 (500114), then 武隆 (500156)


# --- the quarterly report ------------------------------------------------------------------------


def test_the_report_has_a_section_per_standard(computed_q2, world):
    report = services.report_request(region=world.district, quarter=Q2, enqueue=False)
    with time_machine.travel(JULY, tick=False):
        built = services.report_build(report)
    workbook = openpyxl.load_workbook(built.workbook.open("rb"))
    assert workbook.sheetnames[:3] == ["概况", "指标-节水型城市指标", "指标-县域节水型社会评价标准"]
    overview = list(workbook["概况"].iter_rows(min_row=2, values_only=True))
    assert ("评价标准", "节水型城市指标") in overview and ("评价标准", "县域节水型社会评价标准") in overview
    assert ("得分", "得分55分（满分100分，达标分数60分），差5分") in overview
    county = list(workbook["指标-县域节水型社会评价标准"].iter_rows(min_row=3, values_only=True))  # from the header
    assert county[0] == ("序号", "指标", "类型", "数值", "单位", "要求", "状态", "说明", "评分标准", "满分", "得分",
                         "得分说明")
    rows = {row[1]: row for row in county[1:]}
    assert rows["再生水利用率"][9:] == (30.0, 20.0, "再生水利用率12.5%，达到10%以上，得20分")
    assert rows["用水总量控制"][2] == "前提条件"
    assert rows["合计"][9:] == (100.0, 55.0, "得分55分（满分100分，达标分数60分），差5分")
    city = list(workbook["指标-节水型城市指标"].iter_rows(min_row=4, values_only=True))
    assert [row[1] for row in city] == ["城市漏损率", "计划用水率", "节水器具普及率"]
    text = "\n".join(p.text for p in Document(built.document.open("rb")).paragraphs)
    assert "（一）节水型城市指标" in text and "（二）县域节水型社会评价标准" in text
    assert "按县域节水型社会评价标准评分，得分55分（满分100分，达标分数60分），差5分。" in text
    assert "万元GDP用水量降幅（满分40分，得25分）：降幅低于标准3%，扣15分，得25分。" in text
    assert "纳入评价的3项指标中，达标2项，未达标1项。" in text
    html = built.html.open("rb").read().decode()
    assert "1. 节水型城市指标" in html and "2. 县域节水型社会评价标准" in html and "得分说明" in html


# --- the experts' judgement ----------------------------------------------------------------------


def test_a_reviewer_judges_an_item_and_the_region_is_recomputed(computed_q2, world, reviewer, client_for,
                                                                django_capture_on_commit_callbacks):
    judged = computed_q2[2]["J1"]
    client = client_for(reviewer)
    url = reverse("indicators:judgement", args=[world.district.code, judged.pk, "2023Q2"])
    shown = page(client, url)
    assert "专家评分，0至30分，须写明理由" in shown and 'data-testid="full-points">30<' in shown
    assert "尚未评分" in shown
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, {"points": "12", "reason": "宣传进农村、进学校，台账齐全", "version": ""})
    assert response.status_code == 302 and "standard=COUNTY" in response.url
    judgement = Judgement.objects.get(region=world.district, indicator=judged)
    assert (judgement.points, judgement.year, judgement.quarter, judgement.judged_by) == (D("12"), 2023, 2, reviewer)
    # The region's values are recomputed from the quarter on.
    stale = marked(callbacks, "indicator_values")
    assert {(2023, 2), (2023, 3), (2023, 4)} <= stale and (2023, 1) not in stale
    # Editing changes the one row and keeps the history.
    client.post(url, {"points": "15", "reason": "补充了社区宣传记录", "version": judgement.version})
    assert Judgement.objects.filter(region=world.district, indicator=judged).count() == 1
    judgement.refresh_from_db()
    assert judgement.points == D("15") and judgement.version == 2
    history = page(client, url)
    rows = history[history.index('data-testid="judgement-history"'):]
    assert "补充了社区宣传记录" in rows and "宣传进农村、进学校，台账齐全" in rows


def test_a_stale_judgement_is_refused_with_what_is_stored_now(computed_q2, world, reviewer, administrator,
                                                              client_for):
    judged = computed_q2[2]["J1"]
    url = reverse("indicators:judgement", args=[world.district.code, judged.pk, "2023Q2"])
    opened = page(client_for(reviewer), url)  # the reviewer opens the page: nothing judged yet
    assert 'name="version"' in opened
    client_for(administrator).post(url, {"points": "20", "reason": "管理员评分", "version": ""})
    response = client_for(reviewer).post(url, {"points": "8", "reason": "审核员评分", "version": ""})
    text = response.content.decode()
    assert response.status_code == 200 and "已有他人对本季度该项评分：20分，“管理员评分”" in text
    assert Judgement.objects.get(indicator=judged).points == D("20")
    # Submitting again, knowingly, replaces it.
    assert client_for(reviewer).post(url, {"points": "8", "reason": "审核员评分", "version": "1"}).status_code == 302
    assert Judgement.objects.get(indicator=judged).points == D("8")
    with pytest.raises(EditConflict):
        judgement_save(region=world.district, indicator=judged, quarter=Q2, points=D("9"), reason="旧页面",
                       user=reviewer, version=1)


def test_a_judgement_must_stay_within_full_points_and_say_why(computed_q2, world, reviewer, client_for):
    judged = computed_q2[2]["J1"]
    url = reverse("indicators:judgement", args=[world.district.code, judged.pk, "2023Q2"])
    client = client_for(reviewer)
    over = client.post(url, {"points": "31", "reason": "超过满分", "version": ""})
    assert over.status_code == 200 and "30" in over.content.decode()
    blank = client.post(url, {"points": "5", "reason": "   ", "version": ""})
    assert blank.status_code == 200
    negative = client.post(url, {"points": "-1", "reason": "负分", "version": ""})
    assert negative.status_code == 200
    assert not Judgement.objects.exists()


def test_only_the_regions_reviewer_and_administrators_judge(computed_q2, world, reviewer, reporter, supervisor,
                                                            outsider, administrator, client_for):
    items = computed_q2[2]
    url = reverse("indicators:judgement", args=[world.district.code, items["J1"].pk, "2023Q2"])
    assert client_for(administrator).get(url).status_code == 200
    for user in (reporter, supervisor, outsider):
        assert client_for(user).get(url).status_code == 404, user
        assert client_for(user).post(url, {"points": "1", "reason": "越权"}).status_code == 404, user
    assert not Judgement.objects.exists()
    # A computed item takes no judgement, nor does a quarter that is not one.
    computed_item = reverse("indicators:judgement", args=[world.district.code, items["S1"].pk, "2023Q2"])
    assert client_for(reviewer).get(computed_item).status_code == 404
    bad_quarter = reverse("indicators:judgement", args=[world.district.code, items["J1"].pk, "2023Q5"])
    assert client_for(reviewer).get(bad_quarter).status_code == 404


# --- the lineage of a scored item -----------------------------------------------------------------


def test_the_lineage_shows_the_award_the_rule_the_judgement_and_the_corrections(standards, world, reviewer,
                                                                                client_for):
    _city, _county, items = standards
    lineage = {
        "method": "leakage", "scoring": {"rule": {}, "full": "30", "measured": "12.5"},
        "judgement": {"id": 1, "points": "10", "reason": "宣传活动未覆盖农村", "by": "武隆审核员",
                      "at": "2026-01-05T10:00:00+08:00", "quarter": "2025Q4"},
        "annual": {"from": "2025Q4", "status": "met", "points": "20", "value": "12.5"},
        "inputs": {"utilities": {"武隆自来水公司": {
            "entry": 1, "state": "approved", "sha256": "", "value": "1000", "supply": "1000", "registered": "880",
            "resident_metered": "500", "pipe_km": "300", "pressure": "0.35",
            "frost_depth": "0", "r_wl": "12.0000", "r1": "2.0000", "r2": "3", "r2_raw": "3.7000",
            "r2_clamped": True, "r3": "0.5", "r4": "0", "rate": "6.5000", "year_share": "0.4959",
            "annualised_supply": "2016.5"}}},
        "references": {"NATIONAL_AVG": {"value": "24.3", "year": 2023, "source": "中国水资源公报",
                                        "published_on": "2024-06-14"}},
    }
    value = computed(world.district, items["S1"], "met", points=D("20"), value=D("12.5"), lineage=lineage,
                     award="再生水利用率12.5%，达到10%以上，得20分", quarter=Quarter(2026, 1))
    text = page(client_for(reviewer), reverse("indicators:lineage", args=[value.pk]))
    award = text[text.index('data-testid="lineage-award"'):]
    assert "20" in award[:200] and "再生水利用率12.5%，达到10%以上，得20分" in award[:400]
    assert "达到10%得20分" in text  # the rule, in words
    assert "本季度为年内累计进度，评定沿用2025年全年结果" in text
    judgement = text[text.index('data-testid="lineage-judgement"'):]
    judgement = judgement[:600]
    assert "武隆审核员" in judgement and "2026年1月5日 10:00" in judgement and "宣传活动未覆盖农村" in judgement
    assert "2025年第四季度" in judgement
    corrections = text[text.index('data-testid="leakage-corrections"'):]
    for figure in ("12.0000", "2.0000", "计算值3.7000，按±3个百分点封顶", "6.5000", "0.4959", "2016.5"):
        assert figure in corrections, figure
    assert "2023年数值" in text and "2024年6月14日发布" in text


# --- the scorecards' "indicators led" --------------------------------------------------------------


def test_indicators_led_count_the_share_of_full_points_awarded(computed_q2, quarter_of_work,  # noqa: F811
                                                               world, reviewer, client_for):
    services.scores_compute(world.district, Q2)
    water = Scorecard.objects.get(department=world.water_bureau, year=2023, quarter=2)
    # 区水利局 leads B1 (met: 1), G1 (met: 1), P1 (met, no points of its own: 1), S1 (20 of 30:
    # 0.6667) and S2 (25 of 40: 0.625): 4.2917 → 4.29 of 5 = 85.8.
    assert water.components["indicators"] == {"value": "85.8", "numerator": "4.29", "denominator": 5, "weight": 15}
    # With the hand-computed parts of tests/test_scorecards.py (75, 50, 50, –, 66.7, 100):
    # (25×75 + 15×50 + 25×50 + 15×85.8 + 5×66.7 + 5×100) ÷ 90 = 5995.5 ÷ 90 = 66.62 → 66.6.
    assert water.composite == D("66.6")
    # 区城管局 leads G2 (not met: 0) and J1 (judged 10 of 30: 0.33): 0.33 of 2 = 16.5.
    urban = Scorecard.objects.get(department=world.urban_bureau, year=2023, quarter=2)
    assert urban.components["indicators"] == {"value": "16.5", "numerator": "0.33", "denominator": 2, "weight": 15}
    text = page(client_for(reviewer), reverse("reports:scorecard", args=[water.pk]))
    assert "4.29 / 5" in text and "满分30分得20分" in text and "计0.67" in text and "计1" in text
    assert "按得分占满分的比例计" in text


# --- adopting a standard through the pages --------------------------------------------------------


def test_the_reviewer_adopts_a_standard_and_the_region_is_recomputed(standards, world, reviewer, client_for,
                                                                     django_capture_on_commit_callbacks):
    new = IndicatorSet.objects.create(code="PROVINCE", version="2024", name="省级节水型社会评价标准")
    url = reverse("indicators:adoptions", args=[world.district.code])
    client = client_for(reviewer)
    shown = page(client, url)
    assert "节水型城市指标" in shown and "县域节水型社会评价标准" in shown and "取消…" not in shown
    with time_machine.travel("2024-05-01 10:00 +0800", tick=False), \
            django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, {"indicator_set": new.pk, "since_year": 2024})
    assert response.status_code == 302
    assert Adoption.objects.get(region=world.district, indicator_set=new).since_year == 2024
    for recompute in ("indicator_values", "scores"):
        assert marked(callbacks, recompute) == {(2024, 1), (2024, 2)}, recompute
    # Posting an adopted standard with another year changes the year, not a second adoption.
    client.post(url, {"indicator_set": new.pk, "since_year": 2023})
    assert Adoption.objects.filter(region=world.district, indicator_set=new).get().since_year == 2023


def test_removing_a_standard_keeps_what_was_computed_under_it(computed_q2, world, reviewer, administrator,
                                                             client_for):
    _city, county, _items = computed_q2
    url = reverse("indicators:adoption_remove", args=[world.district.code, county.pk])
    assert client_for(reviewer).get(url).status_code == 404
    assert client_for(reviewer).post(url).status_code == 404
    confirm = page(client_for(administrator), url)
    kept = confirm[confirm.index('data-testid="kept"'):]
    assert "4个指标计算值（2023年第二季度—2023年第二季度）" in kept and "1个达标结论" in kept
    assert "得分55分，少于要求的60分，差5分" in confirm
    values = ComputedValue.objects.filter(region=world.district, indicator__indicator_set=county).count()
    assert client_for(administrator).post(url).status_code == 302
    assert not Adoption.objects.filter(region=world.district, indicator_set=county).exists()
    assert ComputedValue.objects.filter(region=world.district, indicator__indicator_set=county).count() == values
    # A later recompute of the quarter keeps the verdict given under the standard.
    services.scores_compute(world.district, Q2)
    assert RegionVerdict.objects.filter(region=world.district, indicator_set=county, year=2023, quarter=2).exists()
    # The board still shows it, as no longer adopted.
    board = page(client_for(reviewer), reverse("indicators:board"), quarter="2023Q2", standard="COUNTY")
    assert "已不再采用" in board and "再生水利用率12.5%，达到10%以上，得20分" in board
    assert "县域节水型社会评价标准" in page(client_for(reviewer), reverse("reports:summary"), quarter="2023Q2")


def test_removal_is_refused_for_a_standard_not_adopted(standards, world):
    _city, county, _items = standards
    adoption_remove(region=world.district, indicator_set=county)
    with pytest.raises(ValidationError, match=r"未采用|not adopt"):
        adoption_remove(region=world.district, indicator_set=county)
    adoption, created = adoption_save(region=world.district, indicator_set=county, since_year=2023)
    assert created and adoption.since_year == 2023


def test_the_quarterly_page_names_the_standards_of_the_report(computed_q2, world, reviewer, client_for):
    text = page(client_for(reviewer), reverse("reports:quarterly"), quarter="2023Q2")
    standards = text[text.index('data-testid="report-standards"'):]
    assert "节水型城市指标、县域节水型社会评价标准（按分值评价）" in standards[:400]


def test_the_workbook_of_a_single_standard_keeps_its_sheet_name(standards, world):
    from reports.report_workbook import build, report_data

    Adoption.objects.filter(indicator_set__code="COUNTY").delete()
    with time_machine.travel(JULY, tick=False):
        data = report_data(world.district, Q2)
    assert [section.indicator_set.code for section in data.standards] == ["CITY"]
    workbook = openpyxl.load_workbook(io.BytesIO(build(data)))
    assert "指标达标情况" in workbook.sheetnames


def test_a_quarter_without_values_says_so_under_each_standard(computed_q2, world):
    from reports.report_workbook import build, report_data

    with time_machine.travel(JULY, tick=False):
        data = report_data(world.district, Quarter(2023, 1))
    assert [section.board for section in data.standards] == [[], []]
    assert data.standards[1].points_text == "本季度尚无得分（满分100分，达标分数60分）"
    overview = list(openpyxl.load_workbook(io.BytesIO(build(data)))["概况"].iter_rows(min_row=2, values_only=True))
    assert ("达标结论", "未评价") in overview and ("得分", "本季度尚无得分（满分100分，达标分数60分）") in overview


def test_a_former_version_of_a_standard_keeps_its_own_board(computed_q2, world, reviewer, client_for):
    """The district moved to a new version of the county standard: the old version's board
    (values kept) and the new one's are told apart by their keys, not the shared code."""
    _city, county, _items = computed_q2
    newer = IndicatorSet.objects.create(code="COUNTY", version="2024", name="县域节水型社会评价标准（2024年版）",
                                        min_points=D("60"))
    Adoption.objects.filter(indicator_set=county).delete()
    Adoption.objects.create(region=world.district, indicator_set=newer, since_year=2024)
    client = client_for(reviewer)
    board = page(client, reverse("indicators:board"), quarter="2023Q2", standard="COUNTY")
    assert "县域节水型社会评价标准（2024年版）" in board and f"standard={county.pk}" in board
    older = page(client, reverse("indicators:board"), quarter="2023Q2", standard=str(county.pk))
    assert "已不再采用" in older and "再生水利用率12.5%，达到10%以上，得20分" in older
