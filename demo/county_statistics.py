"""The figures that let 武隆 and 黔江 be judged under the county standard
(``county_standard_data``), quarter by quarter up to the current one, dated from the day the
demo loads (``dates``): 武隆 from 2019, the year of its 工作方案, 黔江 from 2022, its base year.

武隆 answers to the county standard alone, so it gets every figure the standard needs:
year-to-date statistics, its two water utilities' leakage figures, the checklists of its
management items and the experts' judgements of the two judged items. 黔江 already reports
the city list's statistics (``quarterly_statistics``); it gets only what the county
standard adds: the new data elements, its checklists and judgements.

The figures are illustrative, not official, and follow rules rather than a table, so that
any year the clock reaches has them. They are chosen so that 武隆's board is a mix on any
day: 万元GDP用水量 falls 4.2–4.9 % a year against the 5 % line (a per-unit rule: 2 points
lost), 万元工业增加值用水量 falls 5.6–7.4 % (the middle step, 4 of 6), 计划用水覆盖率 stays
below 90 % (a point or more lost per 5 %), the leakage rate comes down from above the 10 %
line to below it, the public fixtures never reach the 100 % all-or-nothing target, and the
experts give part of the points of the two judged items, with their reasons.

Loading twice writes nothing the second time: every row is looked up on its natural key and
written only when missing or different; reports that exist are left as they are.
"""

import hashlib
from collections import Counter
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from core.periods import Quarter
from indicators.models import (
    ChecklistAnswer,
    ChecklistEvidence,
    DataElement,
    DataReport,
    DataValue,
    Indicator,
    Judgement,
    ReferenceValue,
    UtilityFigures,
)
from indicators.selectors import adopted_sets_of, duties_for
from org.models import Region, User

from . import county_standard_data, dates

WULONG, QIANJIANG = "500156", "500114"
FIRST_YEAR = {WULONG: 2019, QIANJIANG: 2022}
REVIEWER = {WULONG: "wulong_reviewer", QIANJIANG: "qianjiang_reviewer"}
# Share of the annual total reached by the end of each quarter, for year-to-date figures.
YTD_SHARE = {1: Decimal("0.23"), 2: Decimal("0.48"), 3: Decimal("0.75"), 4: Decimal("1")}
COUNTS = {"HOUSEHOLDS", "SAVING_FIXTURES", "PUBLIC_FIXTURES"}
# Measured once a year: the quarters before the fourth report last year's measurement.
MEASURED_YEARLY = {"IRRIGATION_COEFF"}
QUOTA_CODE, QUOTA_NAME, QUOTA_UNIT = "WATER_QUOTA", "下达的用水总量控制指标", "万m³"
CENT, MILLI = Decimal("0.01"), Decimal("0.001")
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _d(value, places=CENT):
    return Decimal(str(value)).quantize(places, ROUND_HALF_UP)


def _product(year, first, rate):
    """Π (1 − rate(y)/100) for the years after ``first`` up to ``year``."""
    result = Decimal(1)
    for y in range(first + 1, year + 1):
        result *= 1 - rate(y) / 100
    return result


# --- 武隆's annual figures ----------------------------------------------------------------------


def _gdp_fall(year):  # 4.15–4.90 %: short of the 5 % line by less than one point
    return Decimal("4.15") + Decimal((year * 7) % 10) / 12


def _industry_fall(year):  # 5.6–7.4 %: the 5–8 % step
    return Decimal("5.6") + Decimal((year * 3) % 5) * Decimal("0.45")


def wulong_annual(year):
    k = year - FIRST_YEAR[WULONG]
    gdp = Decimal(1_700_000) * Decimal("1.055") ** k
    gdp_intensity = Decimal("37.5") * _product(year, 2019, _gdp_fall)
    added_value = Decimal(420_000) * Decimal("1.06") ** k
    industry_intensity = Decimal("14.8") * _product(year, 2019, _industry_fall)
    nonres = Decimal(1250) * Decimal("1.02") ** k
    planned_share = min(Decimal(72) + Decimal("1.5") * k, Decimal(86))
    fixtures = 5200 + 150 * k
    fixture_share = min(Decimal(86) + Decimal("2.2") * k, Decimal("98.6"))
    irrigated = Decimal("18.6") + Decimal("0.1") * k
    efficient_share = Decimal("15.5") + Decimal("1.1") * k
    return {
        "GDP": _d(gdp, Decimal(100)),
        "TOTAL_WATER": _d(gdp_intensity * _d(gdp, Decimal(100)) / 10000),
        "IND_ADDED_VALUE": _d(added_value, Decimal(100)),
        "IND_NEW_WATER": _d(industry_intensity * _d(added_value, Decimal(100)) / 10000),
        "IRRIGATION_COEFF": _d(min(Decimal("0.485") + Decimal("0.005") * k, Decimal("0.530")), MILLI),
        "NONRES_WATER": _d(nonres),
        "PLANNED_NONRES_WATER": _d(nonres * planned_share / 100),
        "HOUSEHOLDS": Decimal(45_500 + 600 * k),
        "PUBLIC_INST_WATER": _d(Decimal(60) * Decimal("1.01") ** k),
        "NONCONV_WATER": _d(Decimal(38) * Decimal("1.06") ** k),
        "PUBLIC_FIXTURES": Decimal(fixtures),
        "SAVING_FIXTURES": _d(fixtures * fixture_share / 100, Decimal(1)),
        "IRRIGATED_AREA": _d(irrigated),
        "EFFICIENT_IRRIGATED_AREA": _d(irrigated * efficient_share / 100),
    }


def wulong_quota(year):
    return Decimal(7200) if year <= 2020 else Decimal(7150) if year <= 2023 else Decimal(7100)


# Leakage (CJJ 92-2016): the region's rate comes down from 10.85 % by 0.47 points a year, to
# 7.2 % at least. Per utility: (name, supply 万m³, household-metered share, DN75+ km, MPa).
LEAKAGE_TARGET = (Decimal("10.85"), Decimal("0.47"), Decimal("7.2"))
MAIN_UTILITY, TOWN_UTILITY = "武隆区自来水有限公司", "仙女山镇供水站"


def _utility_rates(supply, metered, pipe_km, pressure):
    """R1 + R2 + R3 of a utility's annual figures (no frost in 武隆)."""
    r1 = Decimal("0.08") * metered / supply * 100
    r2 = max(Decimal(-3), min(Decimal(3), Decimal("0.99") * (pipe_km / supply - Decimal("0.0693")) * 100))
    r3 = Decimal("0.5") if Decimal("0.35") <= pressure <= Decimal("0.55") else Decimal(1)
    return r1 + r2 + r3


def wulong_utilities(year):
    """[(name, supply, registered, household-metered, DN75+ km, pressure)] for the year, the
    main utility's registered consumption chosen so that the region's rate is on its line."""
    k = year - FIRST_YEAR[WULONG]
    start, step, lowest = LEAKAGE_TARGET
    target = max(start - step * k, lowest)
    town_supply = _d(Decimal(175) * Decimal("1.03") ** k)
    town = (TOWN_UTILITY, town_supply, _d(town_supply * Decimal("0.882")), _d(town_supply * Decimal("0.5")),
            Decimal(21), Decimal("0.50"))
    town_rate = (town[1] - town[2]) / town[1] * 100 - _utility_rates(town[1], town[3], town[4], town[5])
    supply = _d(Decimal(1380) * Decimal("1.02") ** k)
    metered, pipe_km, pressure = _d(supply * Decimal("0.56")), Decimal(92 + 2 * k), Decimal("0.45")
    main_rate = (target * (supply + town_supply) - town_rate * town_supply) / supply
    comprehensive = main_rate + _utility_rates(supply, metered, pipe_km, pressure)
    registered = _d(supply * (1 - comprehensive / 100))
    return [(MAIN_UTILITY, supply, registered, metered, pipe_km, pressure), town]


# --- 黔江's annual figures (only what the county standard adds to the city list) -----------------


def qianjiang_annual(year):
    k = year - FIRST_YEAR[QIANJIANG]
    fixtures = 6100 + 120 * k
    share = Decimal(100) if k >= 2 else Decimal("99.2")
    irrigated = Decimal("21.5") + Decimal("0.1") * k
    return {
        "GDP": _d(Decimal(2_700_000) * Decimal("1.06") ** k, Decimal(100)),
        "IRRIGATION_COEFF": _d(min(Decimal("0.495") + Decimal("0.006") * k, Decimal("0.540")), MILLI),
        "PUBLIC_INST_WATER": _d(Decimal(300) * Decimal("1.01") ** k),
        "NONCONV_WATER": _d(Decimal(410) * Decimal("1.05") ** k),
        "PUBLIC_FIXTURES": Decimal(fixtures),
        "SAVING_FIXTURES": _d(fixtures * share / 100, Decimal(1)),
        "IRRIGATED_AREA": _d(irrigated),
        "EFFICIENT_IRRIGATED_AREA": _d(irrigated * (Decimal(24) + Decimal("1.5") * k) / 100),
    }


QIANJIANG_QUOTA = Decimal(3000)  # the city list's demo quota (catalogue.QIANJIANG_QUOTA) carried on

ANNUAL = {WULONG: wulong_annual, QIANJIANG: qianjiang_annual}


def quarter_value(element, region_code, quarter):
    """The figure of ``element`` reported for ``quarter``: year-to-date for a cumulative one,
    the state at the quarter's end for the others (moving from last year-end to this one)."""
    annual = ANNUAL[region_code](quarter.year)[element.code]
    first = FIRST_YEAR[region_code]
    previous = ANNUAL[region_code](quarter.year - 1)[element.code] if quarter.year > first else None
    if element.cumulative:
        return _d(annual * YTD_SHARE[quarter.number])
    if quarter.number == 4 or previous is None:
        return annual
    if element.code in MEASURED_YEARLY:
        return previous
    value = previous + (annual - previous) * quarter.number / 4
    return _d(value, Decimal(1) if element.code in COUNTS else CENT)


# --- checklists and judgements -----------------------------------------------------------------

# (indicator code, item) -> (the quarter from which the answer is yes, or None: always;
#                            the note while it is no, the note once it is yes)
CHECKLIST_NOTES = {
    ("QUOTA_MANAGEMENT", 0): (None, "", "执行重庆市现行农业、工业、服务业和生活用水定额，"
                                        "{period}核定计划用水{n}户均按定额核定。"),
    ("QUOTA_MANAGEMENT", 1): (None, "", "{period}办理取水许可{m}件、节水评价审查{m}项，用水量均按定额复核。"),
    ("QUOTA_MANAGEMENT", 2): (None, "", "已完成{last}年工业、农业、服务业用水指标分析，报区水利局备案。"),
    ("WATER_METERING", 0): (None, "", "规模以上取水口{n}个，均安装计量设施，{period}抽查{m}处运行正常。"),
    ("WATER_METERING", 1): (None, "", "用水统计台账按月更新，{last}年用水统计年报已按时报送。"),
    ("KEY_USER_MONITORING", 0): (None, "", "重点用水单位监控名录已印发，{period}复核名录内单位{m}家。"),
    ("KEY_USER_MONITORING", 1): (Quarter(2020, 2), "名录内{m}家单位中仍有2家未联网，已督促安装远传设备。",
                                 "名录内{m}家单位用水计量设施均已接入水资源管理信息系统。"),
    ("TIERED_PRICING", 0): (None, "", "城区居民生活用水执行三级阶梯水价，{period}抽查水费账单{n}份。"),
    ("TIERED_PRICING", 1): (Quarter(2025, 1), "阶梯水价已在城区实行，{m}个建制镇中尚有3个未推行，计划逐镇推开。",
                            "具备条件的{m}个建制镇均已推行阶梯水价。"),
    ("PROGRESSIVE_PRICING", 0): (None, "", "非居民用水超定额累进加价实施办法已印发执行。"),
    ("PROGRESSIVE_PRICING", 1): (Quarter(2022, 1), "累进加价办法已出台，加价水费尚未开征，供水企业正在改造收费系统。",
                                 "{period}对超计划用水单位{m}家征收累进加价水费。"),
    ("THREE_SIMULTANEOUS", 0): (None, "", "{period}新建、改扩建项目{m}个，均编制节水措施方案。"),
    ("THREE_SIMULTANEOUS", 1): (None, "", "{period}竣工验收项目{m}个，节水设施与主体工程同时投入使用。"),
    ("SAVING_PLAN", 0): (Quarter(2019, 4), "节约用水规划正在编制，计划年底前报区政府审批。",
                         "节约用水规划已经区政府批复实施。"),
    ("SAVING_PLAN", 1): (None, "", "节水目标和指标已纳入国民经济和社会发展规划，{last}年执行情况已评估。"),
}

# (points, reason) of the experts by year, for the two judged items; the latest year's text
# holds for the years after it.
JUDGEMENTS = {
    WULONG: {
        "MANAGEMENT_BODY": [
            (2019, "4.5", "专家组意见：区节水工作领导小组已成立，办公室设在区水利局；乡镇（街道）尚未明确节水专职人员，"
                          "节水考核办法未出台。扣2.5分。"),
            (2020, "5.5", "专家组意见：节水考核办法已印发并纳入部门年度目标考核；联席会议全年召开2次，"
                          "但仍有4个乡镇未明确专人。扣1.5分。"),
            (2022, "6", "专家组意见：机构、人员和制度基本健全，节水工作台账规范；个别部门季度进展报送不及时。扣1分。"),
            (2024, "6.5", "专家组意见：领导小组运转正常，各牵头单位按季度报送进展，考核结果已通报；"
                          "乡镇节水管理人员培训覆盖不全。扣0.5分。"),
        ],
        "PUBLICITY": [
            (2019, "5", "专家组意见：开展了“世界水日”“中国水周”宣传，但进学校、进社区活动较少，媒体报道不足。扣3分。"),
            (2021, "6", "专家组意见：“节水大使”进校园活动覆盖城区小学，区报社、电视台开设节水专栏；"
                        "乡镇宣传仍偏少。扣2分。"),
            (2023, "7", "专家组意见：宣传进机关、进学校、进社区、进企业均有记录，公众知晓率抽样调查达82%；"
                        "农村地区宣传有待加强。扣1分。"),
        ],
    },
    QIANJIANG: {
        "MANAGEMENT_BODY": [
            (2022, "6", "专家组意见：节水办设在区水利局，创建工作专班运转正常；街道节水管理人员不固定。扣1分。"),
            (2023, "6.5", "专家组意见：创建方案28项任务均明确牵头、责任单位并按季度调度；考核细则尚待完善。扣0.5分。"),
        ],
        "PUBLICITY": [
            (2022, "6.5", "专家组意见：宣传活动丰富，城区覆盖面较好；乡镇宣传记录不全。扣1.5分。"),
            (2024, "7.5", "专家组意见：节水宣传进社区、进企业形成常态，新媒体宣传效果明显。扣0.5分。"),
        ],
    },
}


def _period(quarter):
    return f"{quarter.year}年第{'一二三四'[quarter.number - 1]}季度"


def checklist_answer(code, item, quarter):
    """(answer, note) of a checklist item for ``quarter``."""
    since, while_no, once_yes = CHECKLIST_NOTES.get((code, item), (None, "", ""))
    n = 12 + (quarter.year * 3 + quarter.number * 5) % 9
    m = 2 + (quarter.year + quarter.number * 2) % 5
    words = {"period": _period(quarter), "n": n, "m": m, "last": quarter.year - 1}
    if since is not None and quarter < since:
        return False, while_no.format(**words)
    return True, once_yes.format(**words)


def judgement_for(region_code, code, year):
    """(points, reason) the experts gave for ``year``, or None before the first."""
    found = None
    for since, points, reason in JUDGEMENTS[region_code][code]:
        if since <= year:
            found = (Decimal(points), reason)
    return found


# --- loading -----------------------------------------------------------------------------------


def load(indicator_set, *, day=None):
    """Write what is missing or different for both regions; returns a Counter of what was
    written, by kind."""
    written = Counter()
    for code in (WULONG, QIANJIANG):
        region = Region.objects.get(code=code)
        _quotas(region, written, day)
        _Loader(region, indicator_set, written, day).load()
    return written


def _quotas(region, written, day):
    for year in dates.years_from(FIRST_YEAR[region.code], day):
        stored = ReferenceValue.objects.filter(code=QUOTA_CODE, region=region, year=year).first()
        if region.code == WULONG:
            value = wulong_quota(year)
            if stored is not None and stored.value == value:
                continue
            ReferenceValue.objects.update_or_create(
                code=QUOTA_CODE, region=region, year=year,
                defaults={"name": QUOTA_NAME, "unit": QUOTA_UNIT, "value": value,
                          "source": "演示数据：市水利局下达的年度用水总量控制指标"})
            written["quotas"] += 1
        elif stored is None:  # 黔江's own years are the city list's (catalogue); later ones carry on
            ReferenceValue.objects.create(code=QUOTA_CODE, region=region, year=year, name=QUOTA_NAME,
                                          unit=QUOTA_UNIT, value=QIANJIANG_QUOTA, source="演示数据")
            written["quotas"] += 1


def _at(quarter, days_after_end):
    return timezone.make_aware(datetime.combine(quarter.last_day, time(10, 0))) + timedelta(days=days_after_end)


class _Loader:
    def __init__(self, region, indicator_set, written, day):
        self.region, self.indicator_set, self.written = region, indicator_set, written
        self.code = region.code
        self.current = dates.current_quarter(day)
        self.last_finished = dates.last_finished_quarter(day)
        self.quarters = dates.quarters_from(FIRST_YEAR[self.code], day)
        self.reviewer = User.objects.get(username=REVIEWER[self.code])
        self.duties = duties_for(region, adopted_sets_of(region))
        self.indicators = {i.code: i for i in indicator_set.indicators.all()}
        mine = {i.pk for i in self.indicators.values()}
        if self.code == WULONG:
            self.codes = set(self.duties.elements)  # everything it reports is for the county standard
        else:  # the figures the city list does not already ask of it
            self.codes = {e["code"] for e in county_standard_data.ELEMENTS} & set(self.duties.elements)
        self.leakage = [i for i in self.indicators.values() if i.method == Indicator.Method.LEAKAGE] \
            if self.code == WULONG else []
        self.checklists = [i for i in self.duties.indicators if i.method == Indicator.Method.CHECKLIST and i.pk in mine]
        self.elements = {e.code: e for e in DataElement.objects.filter(code__in=self.codes)}
        first = Quarter(FIRST_YEAR[self.code], 1)
        of_region = {"region": region, "year__gte": first.year}
        self.reports = {(r.department_id, r.year, r.quarter): r
                        for r in DataReport.objects.filter(**of_region)}
        self.values = {(v.element.code, v.year, v.quarter): v
                       for v in DataValue.objects.filter(**of_region, element__code__in=self.codes)
                       .select_related("element")}
        self.utilities = {(u.utility, u.year, u.quarter): u for u in UtilityFigures.objects.filter(**of_region)}
        self.answers = {(a.report_id, a.indicator_id, a.item): a for a in ChecklistAnswer.objects.filter(
            report__region=region, report__year__gte=first.year, indicator__in=mine).prefetch_related("evidence")}
        self.clerks = {}

    def clerk(self, department):
        """The department's own reporter; the reviewer where it has none yet."""
        if department.pk not in self.clerks:
            self.clerks[department.pk] = (User.objects.filter(department=department, role=User.Role.REPORTER)
                                          .order_by("pk").first() or self.reviewer)
        return self.clerks[department.pk]

    def load(self):
        for quarter in self.quarters:
            for department in self.duties.departments():
                codes = [code for code in self.duties.elements_of(department) if code in self.codes]
                leakage = [i for i in self.leakage if self.duties.indicator_owner.get(i.pk) == department]
                checklists = [i for i in self.checklists if self.duties.indicator_owner.get(i.pk) == department]
                if not (codes or leakage or checklists):
                    continue
                report = self.report(department, quarter)
                if report is None:
                    continue
                self.data_values(report, codes, quarter)
                if leakage:
                    self.utility_figures(report, quarter)
                for indicator in checklists:
                    self.checklist(report, indicator, quarter)
        self.judgements()

    def report(self, department, quarter):
        key = (department.pk, quarter.year, quarter.number)
        if key in self.reports:
            return self.reports[key]  # left as it is: its state and dates are the district's record
        clerk = self.clerk(department)
        finished = quarter < self.current
        if not finished and self.code == QIANJIANG:
            # Who has begun 黔江's current quarter is the city list's part to say
            # (quarterly_statistics): the county figures join the reports it opened.
            return None
        report = DataReport.objects.create(
            region=self.region, department=department, year=quarter.year, quarter=quarter.number,
            state=DataReport.State.APPROVED if finished else DataReport.State.SUBMITTED,
            submitted_at=_at(quarter, 3) if finished else timezone.now() - timedelta(days=1), submitted_by=clerk,
            reviewed_at=_at(quarter, 7) if finished else None, reviewed_by=self.reviewer if finished else None,
            self_reviewed=finished and clerk == self.reviewer,
        )
        self.reports[key] = report
        self.written["reports"] += 1
        return report

    def data_values(self, report, codes, quarter):
        new = []
        for code in codes:
            element = self.elements[code]
            value = quarter_value(element, self.code, quarter)
            stored = self.values.get((code, quarter.year, quarter.number))
            if stored is None:
                new.append(DataValue(region=self.region, element=element, year=quarter.year, quarter=quarter.number,
                                     value=value, report=report, entered_by=report.submitted_by))
            elif stored.value != value and stored.report_id == report.pk:
                stored.value, stored.version = value, stored.version + 1
                stored.save()
                self.written["values changed"] += 1
        if new:
            DataValue.objects.bulk_create(new)
            self.written["values"] += len(new)

    def utility_figures(self, report, quarter):
        share = YTD_SHARE[quarter.number]
        for name, supply, registered, metered, pipe_km, pressure in wulong_utilities(quarter.year):
            figures = {"supply": _d(supply * share, Decimal("0.0001")),
                       "registered": _d(registered * share, Decimal("0.0001")),
                       "resident_metered": _d(metered * share, Decimal("0.0001")), "pipe_km": _d(pipe_km, MILLI),
                       "pressure": _d(pressure, MILLI), "frost_depth": Decimal("0.00")}
            stored = self.utilities.get((name, quarter.year, quarter.number))
            if stored is not None and all(getattr(stored, key) == value for key, value in figures.items()):
                continue
            if stored is not None and stored.report_id != report.pk:
                continue  # entered by someone else's report: theirs
            UtilityFigures.objects.update_or_create(region=self.region, utility=name, year=quarter.year,
                                                    quarter=quarter.number, defaults={**figures, "report": report})
            self.written["utility figures"] += 1

    def checklist(self, report, indicator, quarter):
        for item in range(len(indicator.checklist)):
            answer, note = checklist_answer(indicator.code, item, quarter)
            row = self.answers.get((report.pk, indicator.pk, item))
            if row is None:
                row = ChecklistAnswer.objects.create(report=report, indicator=indicator, item=item, answer=answer,
                                                     note=note)
                self.written["checklist answers"] += 1
            elif (row.answer, row.note) != (answer, note):
                row.answer, row.note = answer, note
                row.save()
                self.written["checklist answers changed"] += 1
            if answer and not any(True for _e in row.evidence.all()):
                self.evidence(row, indicator, item, quarter, report.submitted_by)

    def evidence(self, row, indicator, item, quarter, clerk):
        name = f"{indicator.name}佐证{item + 1}（{_period(quarter)}）.pdf"
        evidence = ChecklistEvidence(answer=row, name=name, size=len(PDF), sha256=hashlib.sha256(PDF).hexdigest(),
                                     uploaded_by=clerk)
        evidence.file.save(f"demo-county-{self.code}-{quarter}-{indicator.code.lower()}-{item}.pdf", ContentFile(PDF),
                           save=False)
        evidence.save()
        self.written["evidence files"] += 1

    def judgements(self):
        """The experts' points for each year, recorded in its fourth quarter once that quarter
        is over; the first year's in the quarter its work began."""
        stored = {(j.indicator_id, j.year, j.quarter): j
                  for j in Judgement.objects.filter(region=self.region, indicator__indicator_set=self.indicator_set)}
        first = FIRST_YEAR[self.code]
        for code in JUDGEMENTS[self.code]:
            indicator = self.indicators[code]
            when = [Quarter(first, 1)] + [Quarter(year, 4) for year in range(first, self.last_finished.year + 1)]
            for quarter in when:
                if quarter > self.last_finished:
                    continue
                points, reason = judgement_for(self.code, code, quarter.year)
                row = stored.get((indicator.pk, quarter.year, quarter.number))
                if row is not None and (row.points, row.reason) == (points, reason):
                    continue
                if row is None:
                    row = Judgement(region=self.region, indicator=indicator, year=quarter.year, quarter=quarter.number)
                else:
                    row.version += 1
                row.points, row.reason, row.judged_by = points, reason, self.reviewer
                row.full_clean()
                row.save()
                self.written["judgements"] += 1
