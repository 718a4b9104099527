"""Leakage and checklist items in the vectorised engine give exactly the rows the Python
engine gives one value at a time, on cases the demo lacks: a rate exactly on its line, R2
held at both ends, pressures and frost exactly on their steps, a utility whose figures are
refused (the first by name decides the reason), no utility at all, a part of a year in a
leap year; checklists unanswered, answered in part, with a “no”, with an item the list no
longer has."""

from core.periods import Quarter
from indicators.models import Adoption, ChecklistAnswer, DataReport, Indicator
from tests.helpers import enter_figures, enter_utility
from tests.test_vector_values import assert_same, catalogue  # noqa: F401 - fixture

QUARTERS = [Quarter(2023, 2), Quarter(2023, 4), Quarter(2024, 1), Quarter(2024, 2), Quarter(2024, 3),
            Quarter(2024, 4)]


def utility(region, quarter, name, supply, registered, metered, pipe, pressure, frost="0"):
    return enter_utility(region, quarter, name, supply=supply, registered=registered, resident_metered=metered,
                         pipe_km=pipe, pressure=pressure, frost_depth=frost)


def answer(region, quarter, indicator, item, said):
    report = enter_figures(region, quarter)
    return ChecklistAnswer.objects.create(report=report, indicator=indicator, item=item, answer=said)


def test_leakage_and_checklists_beyond_the_demo(catalogue, regions):  # noqa: F811
    district, county = regions["qianjiang"], regions["wulong"]
    for region in (district, county):
        Adoption.objects.get_or_create(region=region, indicator_set=catalogue, defaults={"since_year": 2022})
    # 8.5 exactly, the line of a rule “not above 8.5”: 100 − 91.5, pipe at 0.0693 km per 万m³ (R2 = 0).
    utility(district, Quarter(2023, 4), "甲水厂", "100", "91.5", "0", "6.93", "0.2")
    # R2 held at +3 and at −3; pressure exactly on 0.35 and 0.75, frost on 1.4 and past it.
    utility(district, Quarter(2023, 2), "乙水厂", "50", "40", "30", "1000", "0.35", "1.4")
    utility(district, Quarter(2023, 2), "甲水厂", "30", "29", "10", "0", "0.75", "1.41")
    # Refused figures: the first utility by name gives the reason.
    utility(district, Quarter(2024, 1), "丙水厂", "0", "0", "0", "10", "0.4")
    utility(district, Quarter(2024, 1), "丁水厂", "80", "70", "10", "10", "0.4")
    utility(district, Quarter(2024, 2), "A厂", "80", "81", "10", "10", "0.4")
    utility(district, Quarter(2024, 2), "B厂", "0", "0", "0", "10", "0.4")
    # A part of a leap year (2024Q3: 274 of 366 days), pressure exactly 0.55 and just past 0.75.
    utility(district, Quarter(2024, 3), "甲水厂", "1234.5678", "1100.1234", "700.5", "88.123", "0.55", "0.5")
    utility(district, Quarter(2024, 3), "乙水厂", "3.0001", "2.9999", "0", "1.5", "0.751")
    utility(district, Quarter(2024, 4), "甲水厂", "1500", "1300", "800", "100", "0.6")
    utility(district, Quarter(2024, 4), "乙水厂", "15", "16", "8", "1", "0.6")  # judged on this year's: refused
    # The county has no utility in any quarter: its leakage is incomplete throughout.
    enter_figures(county, Quarter(2023, 4), RES_WATER=1200)

    checklist = Indicator.objects.get(indicator_set=catalogue, code="WATER_ENVIRONMENT")
    assert len(checklist.checklist) == 4
    answer(district, Quarter(2023, 4), checklist, 0, True)  # the others unanswered
    answer(district, Quarter(2023, 4), checklist, 2, None)
    for item in range(4):  # all yes, and an item the list no longer has
        answer(district, Quarter(2024, 1), checklist, item, True)
    answer(district, Quarter(2024, 1), checklist, 7, False)
    for item, said in enumerate([True, False, None, False]):
        answer(district, Quarter(2024, 2), checklist, item, said)
    answer(county, Quarter(2024, 4), checklist, 3, False)
    # Answers of a report not yet counted are not read.
    draft = DataReport.objects.get(region=county, year=2024, quarter=4)
    DataReport.objects.filter(pk=draft.pk).update(state=DataReport.State.DRAFT)

    expected = assert_same([district.pk, county.pk], QUARTERS, catalogue)
    leakage = Indicator.objects.get(indicator_set=catalogue, code="LEAKAGE")
    rows = {(region, year, quarter): row for (region, indicator, year, quarter), row in expected.items()
            if indicator == leakage.pk}
    assert (str(rows[(district.pk, 2023, 4)][0]), rows[(district.pk, 2023, 4)][1]) == ("8.500000", "met")
    assert rows[(district.pk, 2024, 1)][0] is None and "评定沿用2023年全年" in rows[(district.pk, 2024, 1)][2]
    assert rows[(district.pk, 2024, 4)][1:3] == ("incomplete", "乙水厂：注册用户用水量大于供水总量")
    assert rows[(county.pk, 2024, 4)][1:3] == ("incomplete", "缺少供水企业漏损数据")
    checks = {(region, year, quarter): row for (region, indicator, year, quarter), row in expected.items()
              if indicator == checklist.pk}
    assert {row[1] for row in checks.values()} == {"met", "not_met", "incomplete"}
