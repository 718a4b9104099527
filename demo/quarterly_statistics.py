"""Plausible raw statistics for 黔江区 from 2022 (the base year of its 2023 plan) up to the
current quarter, reported quarter by quarter by the departments that lead each indicator
(each through its own reporter account) and approved by the district reviewer.

The figures are illustrative, not official. Those of 2022–2023 are chosen so that the 2023
board shows a mix: most indicators met, 再生水利用率 / 非居民单位计划用水率 / 工业用水重复利用率 /
污水处理费收缴率 and the water-environment checklist not met, and 万元工业增加值用水量
met only through its year-on-year branch (14.19 m³/万元 is above half the national 24.3,
but 5.4 % below 2022's 15.0). In 2022 the appliance sampling found two failures, a
bottom-line miss.

Later years continue the trend of 2023 (``TREND``): water use falls while the economy
grows; the pipe networks of the old town are finished in 2024 (the checklist's 管网空白区
answered “是”); 计划用水率 creeps up and passes 90 % in 2027, 工业用水重复利用率 passes 83 %
in 2026; 再生水利用率 grows about 2 % a year, short of both 25 % and the 5 % growth, and
污水处理费收缴率 stays near 93.8 %: two misses that last.

Finished quarters are approved. In the current quarter the departments are still at it:
the first of every three (in order of first duty) has submitted, the second has a draft,
the third has not started (区城市管理局 among them, whose upload the browser journey tries).
"""

import hashlib
from datetime import timedelta
from decimal import Decimal
from typing import NamedTuple

from django.core.files.base import ContentFile
from django.db import transaction

from core.periods import Quarter
from indicators.models import ChecklistAnswer, ChecklistEvidence, DataElement, DataReport, DataValue, UtilityFigures
from indicators.selectors import duties_for
from org.models import User

from . import catalogue_data, dates
from .regions import reporter_of
from .store import put

FIRST_YEAR = 2022
YEARS = (2022, 2023)  # the years whose figures are written out below; later ones follow TREND
# Share of the annual total reached by the end of each quarter, for year-to-date figures.
YTD_SHARE = {1: Decimal("0.23"), 2: Decimal("0.48"), 3: Decimal("0.75"), 4: Decimal("1")}

COUNTS = {"WELLS_TOTAL", "WELLS_CLOSED", "HOUSEHOLDS"}
# Annual (Q4) values; point-in-time figures are the year-end state.
ANNUAL = {
    2022: {
        "BUILT_AREA": "26.1", "PERMEABLE_AREA": "11.9", "WELLS_TOTAL": "14", "WELLS_CLOSED": "12",
        "RES_WATER": "1452", "HOUSEHOLDS": "110000", "PERSONS_PER_HOUSEHOLD": "2.78",
        "TOTAL_WATER": "2930", "IND_NEW_WATER": "900", "IND_ADDED_VALUE": "600000", "RECLAIMED_WATER": "370",
        "SEWAGE_TREATED": "2000", "METERED_RES_WATER": "1340", "RES_TOTAL_WATER": "1452",
        "APPLIANCES_SAMPLED": "30", "APPLIANCES_PASSED": "28", "NONRES_WATER": "625", "PLANNED_NONRES_WATER": "540",
        "CITY_NEW_WATER": "2590", "IND_REUSED_WATER": "4050",
        "NEW_WATER_EXCL_PRIMARY": "2120", "GDP_EXCL_PRIMARY": "2210000",
        "SAVING_FUNDS": "205", "FISCAL_EXPENDITURE": "410000", "WRF_DUE": "1180", "WRF_COLLECTED": "1130",
        "SEWAGE_FEE_DUE": "2980", "SEWAGE_FEE_COLLECTED": "2790",
    },
    2023: {
        "BUILT_AREA": "26.5", "PERMEABLE_AREA": "12.4", "WELLS_TOTAL": "14", "WELLS_CLOSED": "14",
        "RES_WATER": "1480", "HOUSEHOLDS": "112000", "PERSONS_PER_HOUSEHOLD": "2.78",
        "TOTAL_WATER": "2890", "IND_NEW_WATER": "880", "IND_ADDED_VALUE": "620000", "RECLAIMED_WATER": "390",
        "SEWAGE_TREATED": "2050", "METERED_RES_WATER": "1380", "RES_TOTAL_WATER": "1480",
        "APPLIANCES_SAMPLED": "30", "APPLIANCES_PASSED": "30", "NONRES_WATER": "640", "PLANNED_NONRES_WATER": "560",
        "CITY_NEW_WATER": "2600", "IND_REUSED_WATER": "4100",
        "NEW_WATER_EXCL_PRIMARY": "2150", "GDP_EXCL_PRIMARY": "2350000",
        "SAVING_FUNDS": "230", "FISCAL_EXPENDITURE": "420000", "WRF_DUE": "1230", "WRF_COLLECTED": "1190",
        "SEWAGE_FEE_DUE": "3050", "SEWAGE_FEE_COLLECTED": "2860",
    },
}

# Per utility, annual: supply, registered, household-metered (万m³), DN75+ km, pressure MPa.
UTILITIES = {
    2022: [("黔江区自来水有限公司", "1960", "1645", "1160", "168", "0.42"),
           ("正阳工业园区供水站", "290", "262", "48", "31", "0.38")],
    2023: [("黔江区自来水有限公司", "2010", "1708", "1200", "172", "0.42"),
           ("正阳工业园区供水站", "300", "275", "50", "32", "0.38")],
}

# Checklist answers: (indicator code, item) -> (answer, note); the year in a note stands for
# the year answered.
ANSWERS = {
    ("WATER_ENVIRONMENT", 0): (True, "2023年地表水国控、市控断面水质均达到Ⅲ类。"),
    ("WATER_ENVIRONMENT", 1): (True, "建成区排口排查已完成，旱天无生活污水直排。"),
    ("WATER_ENVIRONMENT", 2): (False, "老城区仍有2处生活污水管网空白区，计划2024年6月底前完成管网建设。"),
    ("WATER_ENVIRONMENT", 3): (True, "建成区无黑臭水体。"),
    ("PRODUCT_WATER_QUOTA", 0): (True, "前10位工业行业单位产品用水量均低于重庆市地方定额。"),
}
# From the second quarter of 2024 on.
LATER_FROM = Quarter(2024, 2)
LATER_ANSWERS = {
    ("WATER_ENVIRONMENT", 2): (True, "老城区2处生活污水管网空白区已于2024年6月完成管网建设并通水。"),
}
# A minimal but real PDF, so evidence downloads open.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)



# After 2023, each figure moves by its factor a year (volumes also by a small wobble, the
# same on every run): water use falls, the economy and the town grow.
TREND = {
    "BUILT_AREA": "1.012", "PERMEABLE_AREA": "1.02", "WELLS_TOTAL": "1", "WELLS_CLOSED": "1",
    "RES_WATER": "1.012", "HOUSEHOLDS": "1.015", "PERSONS_PER_HOUSEHOLD": "1",
    "TOTAL_WATER": "0.99", "IND_NEW_WATER": "0.97", "IND_ADDED_VALUE": "1.05", "RECLAIMED_WATER": "1.035",
    "SEWAGE_TREATED": "1.015", "METERED_RES_WATER": "1.018", "RES_TOTAL_WATER": "1.012",
    "APPLIANCES_SAMPLED": "1", "APPLIANCES_PASSED": "1", "NONRES_WATER": "1.01", "PLANNED_NONRES_WATER": "1.018",
    "CITY_NEW_WATER": "0.995", "IND_REUSED_WATER": "0.99",
    "NEW_WATER_EXCL_PRIMARY": "0.985", "GDP_EXCL_PRIMARY": "1.06",
    "SAVING_FUNDS": "1.04", "FISCAL_EXPENDITURE": "1.03", "WRF_DUE": "1.01", "WRF_COLLECTED": "1.01",
    "SEWAGE_FEE_DUE": "1.02", "SEWAGE_FEE_COLLECTED": "1.02",
}
WOBBLE = {"TOTAL_WATER", "IND_ADDED_VALUE", "GDP_EXCL_PRIMARY", "FISCAL_EXPENDITURE", "SAVING_FUNDS", "RES_WATER",
          "SEWAGE_TREATED", "CITY_NEW_WATER"}
SAME_AS = {"RES_TOTAL_WATER": "RES_WATER"}  # the same volume under two definitions
PARTS = {"PERMEABLE_AREA": "BUILT_AREA", "METERED_RES_WATER": "RES_TOTAL_WATER",
         "PLANNED_NONRES_WATER": "NONRES_WATER"}  # a part stays below its whole however long the trend runs
# Per utility, a year: supply factor, registered share gained, metered factor, km added.
UTILITY_TREND = {"黔江区自来水有限公司": ("1.01", "0.003", "1.015", 3),
                 "正阳工业园区供水站": ("1.02", "0.002", "1.02", 1)}


def _wobble(code, year):
    digest = hashlib.sha256(f"{code}:{year}".encode()).digest()
    return 1 + Decimal(digest[0] % 9 - 4) / 1000


def _places(text):
    return Decimal(1).scaleb(-len(text.partition(".")[2]))


def annual(year):
    """The annual (Q4) figures of ``year`` as strings: as written above up to 2023, then
    following the trend."""
    if year in ANNUAL:
        return ANNUAL[year]
    before = annual(year - 1)
    figures = {}
    for code, text in before.items():
        value = Decimal(text) * Decimal(TREND[code]) * (_wobble(code, year) if code in WOBBLE else 1)
        figures[code] = value.quantize(_places(ANNUAL[max(ANNUAL)][code]))
    for code, whole in SAME_AS.items():
        figures[code] = figures[whole]
    for part, whole in PARTS.items():
        figures[part] = min(figures[part], (figures[whole] * Decimal("0.985")).quantize(figures[part]))
    return {code: str(value) for code, value in figures.items()}


def utilities(year):
    if year in UTILITIES:
        return UTILITIES[year]
    rows = []
    for name, supply, registered, metered, pipe_km, pressure in utilities(year - 1):
        grow, gained, metered_grow, km = UTILITY_TREND[name]
        share = Decimal(registered) / Decimal(supply) + Decimal(gained)
        new_supply = (Decimal(supply) * Decimal(grow)).quantize(Decimal(1))
        rows.append((name, str(new_supply), str((new_supply * share).quantize(Decimal(1))),
                     str((Decimal(metered) * Decimal(metered_grow)).quantize(Decimal(1))),
                     str(int(pipe_km) + km), pressure))
    return rows


def quarter_value(element, annual, quarter, previous_annual):
    if element.cumulative:
        return (annual * YTD_SHARE[quarter.number]).quantize(Decimal("0.01"))
    if previous_annual is None or quarter.number == 4:
        return annual
    # Point-in-time figures move from last year-end towards this year-end.
    step = (annual - previous_annual) * quarter.number / 4
    value = previous_annual + step
    return value.quantize(Decimal("1") if element.code in COUNTS else Decimal("0.01"))


class _Element(NamedTuple):
    code: str
    cumulative: bool


CUMULATIVE = {code: cumulative for code, _name, _unit, cumulative in catalogue_data.DATA_ELEMENTS}


def quarter_figures(quarter):
    """{element code: figure as reported for ``quarter``} (year-to-date where cumulative)."""
    before = annual(quarter.year - 1) if quarter.year > FIRST_YEAR else {}
    return {code: quarter_value(_Element(code, CUMULATIVE[code]), Decimal(text), quarter,
                                Decimal(before[code]) if code in before else None)
            for code, text in annual(quarter.year).items()}


# How far a department's report of a quarter has come (a report only moves forward).
NONE, DRAFT, SUBMITTED, APPROVED = 0, 1, 2, 3
RANK = {DataReport.State.DRAFT: DRAFT, DataReport.State.RETURNED: DRAFT, DataReport.State.SUBMITTED: SUBMITTED,
        DataReport.State.APPROVED: APPROVED}


def target_stage(quarter, current, index):
    """Finished quarters are approved; in the current one the ``index``-th department (in
    order of first duty) has submitted, has a draft or has not started, by turns."""
    if quarter < current:
        return APPROVED
    return (SUBMITTED, DRAFT, NONE)[index % 3]


@transaction.atomic
def load(region, indicator_set):
    """黔江's reports from 2022 up to the current quarter, each brought as far as the calendar
    says (never back); returns how many quarters are covered. A report already there and
    figures already right are left alone, so loading twice writes nothing."""
    duties = duties_for(region, indicator_set)
    reviewer = User.objects.filter(username="qianjiang_reviewer").first()
    elements = {e.code: e for e in DataElement.objects.all()}
    quarters = dates.quarters_from(FIRST_YEAR)
    current = dates.current_quarter()
    reports = {(r.department_id, r.year, r.quarter): r for r in DataReport.objects.filter(region=region)}
    values = {(v.element_id, v.year, v.quarter): v for v in DataValue.objects.filter(region=region)}
    departments = duties.departments()
    clerks = {department.pk: reporter_of(department) for department in departments}
    for quarter in quarters:
        figures = {code: Decimal(text) for code, text in annual(quarter.year).items()}
        before = annual(quarter.year - 1) if quarter.year > FIRST_YEAR else {}
        for index, department in enumerate(departments):
            stage = target_stage(quarter, current, index)
            if stage == NONE:
                continue  # not started yet (a report another part opened meanwhile is left to it)
            report = reports.get((department.pk, quarter.year, quarter.number))
            clerk, times = clerks[department.pk], _times(quarter, stage)
            if report is None:
                with dates.at(times[DRAFT]):
                    report, _ = put(DataReport, {"region": region, "department": department, "year": quarter.year,
                                                 "quarter": quarter.number}, by=clerk, row=None)
            with dates.at(times[DRAFT]):
                for code in duties.elements_of(department):
                    previous = Decimal(before[code]) if code in before else None
                    value = quarter_value(elements[code], figures[code], quarter, previous)
                    put(DataValue, {"region": region, "element": elements[code], "year": quarter.year,
                                    "quarter": quarter.number},
                        {"report": report, "value": value, "entered_by": clerk}, by=clerk,
                        row=values.get((elements[code].pk, quarter.year, quarter.number)))
                if duties.owned_indicators(department, "leakage"):
                    _utilities(report, quarter, clerk)
                for indicator in duties.owned_indicators(department, "checklist"):
                    _answers(report, indicator, quarter, clerk)
            _advance(report, stage, times, clerk, reviewer)
    return len(quarters)


def _times(quarter, stage):
    """When the report is drafted, submitted and approved: three days after the quarter,
    approved three days later; in the running quarter, by now."""
    if stage == APPROVED:
        submitted = dates.moment(quarter.last_day + timedelta(days=3), 9, 30)
        return {DRAFT: dates.moment(quarter.last_day + timedelta(days=2), 15),
                SUBMITTED: submitted, APPROVED: max(submitted, dates.moment(quarter.last_day + timedelta(days=6), 15))}
    drafted = dates.moment(quarter.first_day + timedelta(days=40), 15)
    return {DRAFT: drafted, SUBMITTED: max(drafted, dates.moment(quarter.first_day + timedelta(days=45), 9, 30))}


def _advance(report, stage, times, clerk, reviewer):
    if RANK[report.state] < SUBMITTED <= stage:
        with dates.at(times[SUBMITTED]):
            put(DataReport, {"pk": report.pk}, {"state": DataReport.State.SUBMITTED, "submitted_at": times[SUBMITTED],
                                                "submitted_by": clerk}, by=clerk, row=report)
    if RANK[report.state] < APPROVED <= stage:
        with dates.at(times[APPROVED]):
            put(DataReport, {"pk": report.pk}, {"state": DataReport.State.APPROVED, "reviewed_at": times[APPROVED],
                                                "reviewed_by": reviewer}, by=reviewer, row=report)


def _utilities(report, quarter, clerk):
    share = YTD_SHARE[quarter.number]
    for name, supply, registered, metered, pipe_km, pressure in utilities(quarter.year):
        put(UtilityFigures, {"region_id": report.region_id, "utility": name, "year": quarter.year,
                             "quarter": quarter.number}, {
            "report": report, "supply": Decimal(supply) * share, "registered": Decimal(registered) * share,
            "resident_metered": Decimal(metered) * share, "pipe_km": Decimal(pipe_km), "pressure": Decimal(pressure),
        }, by=clerk)


def _answers(report, indicator, quarter, clerk):
    """Answered every quarter, as things stand at its end (the old town's pipe networks were
    finished in June 2024), a “yes” with its evidence."""
    for index, _question in enumerate(indicator.checklist):
        key = (indicator.code, index)
        later = LATER_ANSWERS.get(key) if quarter >= LATER_FROM else None
        answer, note = later or ANSWERS.get(key, (True, ""))
        if answer and later is None:
            note = note.replace("2023年", f"{quarter.year}年")
        row, _ = put(ChecklistAnswer, {"report": report, "indicator": indicator, "item": index},
                     {"answer": answer, "note": note}, by=clerk)
        if answer and not row.evidence.exists():
            evidence = ChecklistEvidence(answer=row, name=f"{indicator.name}佐证{index + 1}.pdf", size=len(PDF),
                                         sha256=hashlib.sha256(PDF).hexdigest(), uploaded_by=clerk)
            evidence.file.save(f"demo-{quarter}-{indicator.code.lower()}-{index}.pdf", ContentFile(PDF), save=False)
            evidence.save()
