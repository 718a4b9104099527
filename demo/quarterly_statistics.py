"""Two years (2022–2023) of plausible raw statistics for 黔江区, reported quarter by quarter
by the departments that lead each indicator and approved by the district reviewer.

The figures are illustrative, not official. They are chosen so that the 2023 board shows
a mix: most indicators met, 再生水利用率 / 非居民单位计划用水率 / 工业用水重复利用率 /
污水处理费收缴率 and the water-environment checklist not met, and 万元工业增加值用水量
met only through its year-on-year branch (14.19 m³/万元 is above half the national 24.3,
but 5.4 % below 2022's 15.0). In 2022 the appliance sampling found two failures, a
bottom-line miss.
"""

import hashlib
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core.periods import Quarter
from indicators.models import ChecklistAnswer, ChecklistEvidence, DataElement, DataReport, DataValue, UtilityFigures
from indicators.selectors import duties_for
from org.models import User

YEARS = (2022, 2023)
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

# Checklist answers of the fourth quarters: (indicator code, item) -> (answer, note).
ANSWERS = {
    ("WATER_ENVIRONMENT", 0): (True, "2023年地表水国控、市控断面水质均达到Ⅲ类。"),
    ("WATER_ENVIRONMENT", 1): (True, "建成区排口排查已完成，旱天无生活污水直排。"),
    ("WATER_ENVIRONMENT", 2): (False, "老城区仍有2处生活污水管网空白区，计划2024年6月底前完成管网建设。"),
    ("WATER_ENVIRONMENT", 3): (True, "建成区无黑臭水体。"),
    ("PRODUCT_WATER_QUOTA", 0): (True, "前10位工业行业单位产品用水量均低于重庆市地方定额。"),
}
# A minimal but real PDF, so evidence downloads open.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def quarter_value(element, annual, quarter, previous_annual):
    if element.cumulative:
        return (annual * YTD_SHARE[quarter.number]).quantize(Decimal("0.01"))
    if previous_annual is None or quarter.number == 4:
        return annual
    # Point-in-time figures move from last year-end towards this year-end.
    step = (annual - previous_annual) * quarter.number / 4
    value = previous_annual + step
    return value.quantize(Decimal("1") if element.code in COUNTS else Decimal("0.01"))


def _at(quarter, days_after_end):
    return timezone.make_aware(datetime.combine(quarter.last_day, time(10, 0))) + timedelta(days=days_after_end)


@transaction.atomic
def load(region, indicator_set):
    """Replace 黔江's demo reports of 2022–2023 with the figures above; returns how many
    quarters were loaded. Idempotent: loading twice leaves the same rows."""
    duties = duties_for(region, indicator_set)
    reviewer = User.objects.filter(username="qianjiang_reviewer").first()
    elements = {e.code: e for e in DataElement.objects.all()}
    for evidence in ChecklistEvidence.objects.filter(answer__report__region=region, answer__report__year__in=YEARS):
        evidence.file.delete(save=False)
    DataReport.objects.filter(region=region, year__in=YEARS).delete()
    quarters = [Quarter(year, number) for year in YEARS for number in range(1, 5)]
    for quarter in quarters:
        previous_annual = ANNUAL.get(quarter.year - 1, {})
        for department in duties.departments():
            clerk = User.objects.filter(department=department).first()
            report = DataReport.objects.create(
                region=region, department=department, year=quarter.year, quarter=quarter.number,
                state=DataReport.State.APPROVED, submitted_at=_at(quarter, 3), submitted_by=clerk,
                reviewed_at=_at(quarter, 6), reviewed_by=reviewer,
            )
            values = []
            for code in duties.elements_of(department):
                annual = Decimal(ANNUAL[quarter.year][code])
                before = Decimal(previous_annual[code]) if code in previous_annual else None
                values.append(DataValue(
                    region=region, element=elements[code], year=quarter.year, quarter=quarter.number, report=report,
                    value=quarter_value(elements[code], annual, quarter, before), entered_by=clerk,
                ))
            DataValue.objects.bulk_create(values)
            if duties.owned_indicators(department, "leakage"):
                _utilities(report, quarter)
            for indicator in duties.owned_indicators(department, "checklist"):
                _answers(report, indicator, quarter, clerk)
    return len(quarters)


def _utilities(report, quarter):
    share = YTD_SHARE[quarter.number]
    for name, supply, registered, metered, pipe_km, pressure in UTILITIES[quarter.year]:
        UtilityFigures.objects.create(
            region=report.region, report=report, utility=name, year=quarter.year, quarter=quarter.number,
            supply=Decimal(supply) * share, registered=Decimal(registered) * share,
            resident_metered=Decimal(metered) * share, pipe_km=Decimal(pipe_km), pressure=Decimal(pressure),
        )


def _answers(report, indicator, quarter, clerk):
    """Answered in the fourth quarter; earlier quarters leave the checklist open."""
    if quarter.number != 4:
        return
    for index, _question in enumerate(indicator.checklist):
        answer, note = ANSWERS.get((indicator.code, index), (True, ""))
        if quarter.year == 2022 and answer:
            note = note.replace("2023", "2022")
        row = ChecklistAnswer.objects.create(report=report, indicator=indicator, item=index, answer=answer, note=note)
        if answer:
            evidence = ChecklistEvidence(answer=row, name=f"{indicator.name}佐证{index + 1}.pdf", size=len(PDF),
                                         sha256=hashlib.sha256(PDF).hexdigest(), uploaded_by=clerk)
            evidence.file.save(f"demo-{quarter}-{indicator.code.lower()}-{index}.pdf", ContentFile(PDF), save=False)
            evidence.save()
