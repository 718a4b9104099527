"""Deterministic synthetic data at national shape, for benchmarks (``manage.py generate_scale_data``).

One country-shaped tree of regions (provinces → cities → counties) and, for every county,
20 departments, a plan of 6 key tasks and 60 work items with lead and cooperating
departments, quarters of progress, the raw statistics of the demo indicator set, water
users and carriers. Only inputs are written, never what is computed from them (indicator
values, scorecards, verdicts), and no history rows: the benchmarks time exactly that.

Every figure comes from a ``random.Random`` seeded with the seed and the county's code, so
the same arguments give the same rows however the work is chunked; timestamps derive from
the quarters' deadlines. Rows go in with ``bulk_create`` (no signals: no history rows, no
jobs), a chunk of counties at a time to bound memory, all in one transaction.
"""

import dataclasses
import itertools
import math
import random
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, models, reset_queries, transaction
from django.db.models.deletion import get_candidate_relations_to_delete
from django.utils import timezone

from carriers.models import Carrier, CarrierTarget, UserYear, WaterUser
from core.periods import Quarter
from indicators.leakage import Utility, utility_leakage
from indicators.models import Adoption, DataElement, DataReport, DataValue, ReferenceValue, UtilityFigures
from indicators.selectors import duties_for
from org.models import Department, DepartmentAlias, Region
from reports.scoring import expected_percent
from tasks.models import Assignment, Contribution, Plan, ProgressReport, TaskNode

from . import catalogue, catalogue_data, regions_data, table_data
from .progress import CONTRIBUTION_NOTE, RETURN_COMMENT, WORK
from .quarterly_statistics import ANNUAL, YTD_SHARE, quarter_value
from .registry import credit_code

MARKER = "（规模测试）"  # ends every generated plan's title: how an earlier run is recognised
SYNTHETIC = "规模测试（合成数据）"  # the source of generated reference values
CHUNK, BATCH = 50, 2000  # counties built in memory at a time; rows per INSERT
COUNTIES_PER_CITY, CITIES_PER_PROVINCE, MAX_PROVINCES = 9, 10, 31
REAL_PREFIXES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                 53, 54, 61, 62, 63, 64, 65]
PREFIXES = [*REAL_PREFIXES, *(p for p in range(10, 100) if p not in REAL_PREFIXES)]  # national shape first
# Place names are two characters, one from each pool (about 3,400 of them), then three.
FIRST = "清安东西南北平长永兴新宁丰泰和康宝金玉白青云龙凤华德广福吉昌嘉建景靖乐临隆洛梅明鹤红黄旺博常定阜高"
FIRST += "固海汉合怀会晋兰黎灵茂美蒙普庆仁荣瑞"
SECOND = "河山平江阳川原林城水宁安昌州陵台溪泉湖源口坪池桥关沙丘岭峰谷塘浦洲湾田庄集店坝岗堡屯阴远化德兴丰和泰定"
STREETS = ["城东", "城西", "城南", "城北", "新华", "人民", "东城", "西城", "滨江", "河西", "桃源", "龙潭"]
# (short name after the 县/区 prefix, full name after the county, other spellings, weight as lead unit)
BUREAUS = [
    ("水利局", "水利局", ["节水办"], 6), ("发展改革委", "发展和改革委员会", ["发改委"], 1),
    ("住房城乡建委", "住房和城乡建设委员会", ["住建委"], 3), ("城管局", "城市管理局", ["城市管理局"], 3),
    ("财政局", "财政局", [], 1), ("教委", "教育委员会", [], 1), ("卫生健康委", "卫生健康委员会", ["卫健委"], 1),
    ("经济信息委", "经济和信息化委员会", ["经信委"], 3), ("农业农村委", "农业农村委员会", ["农委"], 1),
    ("生态环境局", "生态环境局", [], 1), ("规划自然资源局", "规划和自然资源局", ["规资局"], 1),
    ("机关事务管理中心", "机关事务管理中心", ["机关事务中心"], 1), ("统计局", "统计局", [], 1),
    ("市场监管局", "市场监督管理局", ["市场监督管理局"], 1), ("商务委", "商务委员会", [], 1),
    ("文化旅游委", "文化和旅游发展委员会", ["文旅委"], 1),
]
UTILITY = "供水企业"
INDUSTRIES = [("水泥制造", "水泥"), ("饮料制造", "矿泉水"), ("农副食品加工", "食品"), ("造纸", "纸业"),
              ("纺织", "纺织"), ("建材", "建材"), ("化学原料制造", "化工"), ("电气机械制造", "电气设备")]
# The wording of key tasks, sub-tasks and work items comes from the source documents' tables.
_HEADINGS = [r[0] for r in table_data.WULONG_ANNEX1["rows"]] + [r[1] for r in table_data.QIANJIANG_TASKS["rows"]]
KEY_TASKS = sorted({heading.split("）", 1)[1].rstrip("。") for heading in _HEADINGS if heading})
SUB_TASKS = sorted({r[1].split(".", 1)[1].strip() for r in table_data.WULONG_ANNEX1["rows"] if r[1]})
ITEMS = [r[2] for t in (table_data.WULONG_ANNEX1, table_data.WULONG_ANNEX2, table_data.QIANJIANG_TASKS)
         for r in t["rows"]]
NUMERALS = "一二三四五六七八九十"
# (work done, problems, next quarter's plan) by status, worded as the demo's entries are.
WORK_TEXTS = {status: [tuple(w[2:]) for w in WORK if w[0] == status] for status in {w[0] for w in WORK}}
WORK_TEXTS["not_started"] = [("尚未启动，正在制定实施方案。", "", "完成实施方案并启动实施。")]
BASE = {code: float(value) for code, value in ANNUAL[max(ANNUAL)].items()}  # 黔江's figures set the magnitudes
# A county's ratios, drawn once on both sides of the indicators' targets, drifting yearly.
RATIOS = {
    "per_capita": (105, 165), "persons": (2.5, 3.3), "metered": (0.84, 0.99), "permeable": (0.38, 0.56),
    "reuse": (0.72, 0.93), "nonres": (0.35, 0.55), "planned": (0.8, 0.99), "public": (0.3, 0.6),
    "excl_primary": (0.78, 0.9), "gross": (1.05, 1.2), "sewage": (0.7, 0.85), "reclaimed": (0.12, 0.32),
    "funds": (0.0003, 0.0009), "wrf_rate": (0.3, 0.5), "wrf_paid": (0.9, 1.0), "fee_rate": (1.2, 1.6),
    "fee_paid": (0.88, 1.0), "industry": (0.5, 2.0), "fiscal": (0.7, 1.4),
    "ind_intensity": (8, 22), "gdp_intensity": (8, 26),  # m³/万元, falling most years
}
COUNTS = {"WELLS_TOTAL", "WELLS_CLOSED", "HOUSEHOLDS", "APPLIANCES_SAMPLED", "APPLIANCES_PASSED"}


class AlreadyGenerated(RuntimeError):
    pass


@dataclass
class Context:
    """What the generation of every county shares."""

    seed: int
    quarters: list
    cutoff: datetime  # nothing generated happens later
    indicator_set: object
    elements: dict  # code -> DataElement
    lead_spellings: list  # the catalogue's 区… lead units
    month_ends: list  # the due dates a work item can have
    reporters: dict = field(default_factory=dict)  # bureau -> [element codes it reports]
    leakage_owner: str = ""

    @property
    def years(self):
        return sorted({q.year for q in self.quarters})


def _rng(*parts):
    return random.Random("-".join(map(str, parts)))  # noqa: S311 — reproducible synthetic data, on purpose


# --- entry point ------------------------------------------------------------------------


def exists():
    return Plan.objects.filter(title__endswith=MARKER).exists()


@transaction.atomic
def generate(*, regions, quarters, seed, today, replace=False, log=print):
    """Write the scale data; returns a Counter of rows written per model name."""
    if exists():
        if not replace:
            raise AlreadyGenerated(
                "这个数据库已有规模测试数据，如需重新生成请加 --replace / "
                "scale data already exists in this database: use --replace to regenerate it."
            )
        delete_scale_data()
    last = Quarter.containing(today).previous()  # the last quarter wholly in the past
    context = _context(seed, Quarter.range(last.shift(1 - quarters), last), today, log)
    counts = Counter()
    counties = _regions(regions, seed, counts)
    with _given_timestamps():
        for start in range(0, len(counties), CHUNK):
            _chunk(counties[start : start + CHUNK], context, counts)
            reset_queries()  # under DEBUG, Django would keep every INSERT's SQL: hundreds of MB
            log(f"区县 counties {min(start + CHUNK, len(counties))}/{len(counties)}")
    if connection.vendor == "postgresql":
        # Planner statistics for the new rows now, rather than whenever autovacuum (if on) gets to them.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return counts


def _context(seed, quarters, today, log):
    for row in regions_data.REGIONS:  # load_catalogue() sets 黔江's water quota: it needs the demo's regions
        parent = Region.objects.filter(code=row["parent"]).first()
        if Region.objects.get_or_create(code=row["code"], defaults={**row, "parent": parent})[1]:
            log(f"演示行政区 demo region {row['code']} {row['name']} (needed by the indicator catalogue)")
    indicator_set = catalogue.load_catalogue()
    leads = {name for i in indicator_set.indicators.all() for name in i.lead_text.split("、") if name[:1] == "区"}
    months = [date(y, m, 1) for y in range(quarters[0].year, quarters[-1].year + 1) for m in range(1, 13)]
    context = Context(
        seed, quarters, timezone.make_aware(datetime.combine(today, time(0))) - timedelta(minutes=1), indicator_set,
        {e.code: e for e in DataElement.objects.all()}, sorted(leads),
        [_month_end(m) for m in months if m >= quarters[0].first_day],
    )
    _carry_national_references(context.years)
    return context


def _carry_national_references(years):
    """The national averages end with the latest 水资源公报; a later year carries the last
    known value, marked synthetic, so that the “× national average” targets can be checked."""
    for code, name, unit, _values in catalogue_data.REFERENCES:
        known = dict(ReferenceValue.objects.filter(code=code, region=None).values_list("year", "value"))
        for year in years:
            earlier = [y for y in known if y < year]
            if year not in known and earlier:
                known[year] = known[max(earlier)]
                ReferenceValue.objects.create(code=code, name=name, unit=unit, year=year, value=known[year],
                                              source=f"{SYNTHETIC}：沿用{max(earlier)}年数值")


@contextmanager
def _given_timestamps():
    """bulk_create stamps auto_now fields with the present; generated rows carry the times
    their story implies (entered last quarter, not today), so that stamping is off meanwhile."""
    fields = [f for m in (Plan, Contribution, DataReport, DataValue, WaterUser, Carrier) for f in m._meta.fields
              if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _save(model, rows, counts):
    model.objects.bulk_create(rows, batch_size=BATCH)  # fills in the primary keys (INSERT … RETURNING)
    counts[model.__name__] += len(rows)


def _at(day, days_later, hour, context):
    """A moment on a day (before the cutoff), in the portal's time zone; called a million
    times, so the zone is looked up once (in ``cutoff``) rather than by make_aware."""
    moment = datetime.combine(day + timedelta(days=days_later), time(hour, 30), tzinfo=context.cutoff.tzinfo)
    return min(moment, context.cutoff)


def _month_end(first):
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


# --- regions and departments ------------------------------------------------------------


def _regions(count, seed, counts):
    """Provinces of ~10 cities of ~9 counties, under province prefixes no region uses yet."""
    rng = _rng(seed, "regions")
    cities = max(1, math.ceil(count / COUNTIES_PER_CITY))
    provinces = min(MAX_PROVINCES, math.ceil(cities / CITIES_PER_PROVINCE))
    taken = {int(code[:2]) for code in Region.objects.values_list("code", flat=True)}
    prefixes = [p for p in PREFIXES if p not in taken][:provinces]
    if math.ceil(cities / provinces) > 99 or math.ceil(count / cities) > 99:
        raise ValueError(f"{count} counties do not fit six-digit division codes")
    first, second = "".join(dict.fromkeys(FIRST)), "".join(dict.fromkeys(SECOND))
    stems = ["".join(p) for p in itertools.product(first, second) if p[0] != p[1]]
    more = ["".join(p) for p in itertools.product(first, second, second) if len(set(p)) == 3]
    rng.shuffle(stems)
    rng.shuffle(more)
    stems = iter(stems + more)  # three characters only past ~3,400 names
    top = [Region(code=f"{p}0000", name=f"{next(stems)}省", level=Region.Level.PROVINCE) for p in prefixes]
    _save(Region, top, counts)
    middle = [Region(code=f"{top[i % provinces].code[:2]}{i // provinces + 1:02d}00", name=f"{next(stems)}市",
                     level=Region.Level.CITY, parent=top[i % provinces]) for i in range(cities)]
    _save(Region, middle, counts)
    counties = []
    for i in range(count):
        city, suffix = middle[i % cities], "区" if rng.random() < 0.34 else "县"  # about a third are 区
        counties.append(Region(code=f"{city.code[:4]}{i // cities + 1:02d}", name=f"{next(stems)}{suffix}",
                               level=Region.Level.COUNTY, parent=city))
    _save(Region, counties, counts)
    return counties


def _departments(county, context, rows):
    """{key: Department}: bureaus by short name without the 县/区 prefix, the utility, 3 街道/乡镇."""
    prefix, place, rng = county.name[-1], f"{county.parent.name}{county.name}", _rng(context.seed, county.code, "org")
    found, spellings = {}, {}
    for short, full, other, _weight in BUREAUS:
        found[short] = Department(region=county, short_name=prefix + short, name=place + full)
        spellings[short] = {prefix + s for s in other}
    found[UTILITY] = Department(region=county, short_name=prefix + UTILITY, name=f"{county.name}自来水有限公司",
                                kind=Department.Kind.UTILITY)
    spellings[UTILITY] = {UTILITY}
    for i, stem in enumerate(rng.sample(STREETS, 3)):
        short = f"{stem}街道" if prefix == "区" else ("城关镇" if i == 0 else f"{stem}{rng.choice('镇乡')}")
        full = f"{short}办事处" if prefix == "区" else f"{short}人民政府"
        found[short] = Department(region=county, short_name=short, name=place + full, kind=Department.Kind.SUBDISTRICT)
        spellings[short] = {full}
    # The catalogue names its lead units as 黔江 writes them (区城市管理局); a 县 knows them by
    # that spelling too, or no department there would own an indicator.
    known = {key: {d.short_name[1:], *(n[1:] for n in spellings[key])} for key, d in found.items()}
    for spelling in context.lead_spellings:
        owner = next((key for key, names in known.items() if spelling[1:] in names), None)  # 区城市管理局 → 城管局
        if owner is None:
            raise ValueError(f"no department of a county answers to the catalogue's lead unit {spelling}")
        spellings[owner].add(spelling)
    for key, department in found.items():
        rows["departments"].append(department)
        rows["aliases"] += [DepartmentAlias(region=county, department=department, name=name)
                         for name in sorted(spellings[key] - {department.short_name, department.name})]
    return found


def _learn_reporters(county, context):
    """Which bureau reports which statistic follows from the catalogue (``duties_for``), asked
    once, for the first county: every county has the same bureaus."""
    duties = duties_for(county, context.indicator_set)
    if duties.unresolved:
        raise ValueError(f"lead units not found in {county}: {[i.name for i in duties.unresolved]}")
    for code, owner in duties.elements.items():
        context.reporters.setdefault(owner.short_name[1:], []).append(code)
    for indicator in duties.indicators:
        if indicator.method == "leakage":
            context.leakage_owner = duties.indicator_owner[indicator.pk].short_name[1:]
            context.reporters.setdefault(context.leakage_owner, [])


# --- one chunk of counties --------------------------------------------------------------


# The rows of a chunk by kind, inserted in this order: parents before their children.
KINDS = ["departments", "aliases", "plans", "key_tasks", "sub_tasks", "items", "assignments", "progress",
         "contributions", "data_reports", "values", "utilities", "references", "adoptions", "users", "user_years",
         "carriers", "targets"]


def _chunk(counties, context, counts):
    rows = {kind: [] for kind in KINDS}
    departments = {county.code: _departments(county, context, rows) for county in counties}
    _save(Department, rows["departments"], counts)
    _save(DepartmentAlias, rows["aliases"], counts)
    if not context.reporters:
        _learn_reporters(counties[0], context)
    for county in counties:
        rng = _rng(context.seed, county.code)
        annual = _annual_series(rng, [context.years[0] - 1, *context.years])  # the year before: Q1–Q3 start there
        _plan(rng, county, departments[county.code], context, rows)
        _statistics(rng, county, departments[county.code], annual, context, rows)
        _registry(rng, county, departments[county.code], annual, context, rows)
    counts["work items"] += len(rows["items"])
    for kind in KINDS[2:]:
        if rows[kind]:
            _save(type(rows[kind][0]), rows[kind], counts)


# --- plan, tasks and progress ----------------------------------------------------------


def _plan(rng, county, departments, context, rows):
    start, end = context.years[0], context.years[-1]
    years, created = str(start) if start == end else f"{start}—{end}", timezone.make_aware(datetime(start, 1, 10, 9))
    plan = Plan(region=county, title=f"{county.name}{years}年节约用水工作任务{MARKER}",
                kind=Plan.Kind.ANNUAL if start == end else Plan.Kind.COUNTY_STANDARD,
                document_number=f"{county.name[:-1]}府办发〔{start}〕{rng.randint(10, 120)}号",
                start_year=start, end_year=end, created_at=created, updated_at=created)
    rows["plans"].append(plan)
    leads = [departments[b[0]] for b in BUREAUS] + [departments[UTILITY]]
    weights = [b[3] for b in BUREAUS] + [1]
    position, items = itertools.count(1), []
    for k, text in enumerate(rng.sample(KEY_TASKS, 6)):
        key = TaskNode(plan=plan, level=1, position=next(position), number=f"{NUMERALS[k]}、", text=text)
        rows["key_tasks"].append(key)
        groups = [key] if rng.random() < 0.5 else [None] * rng.randint(2, 3)  # half have sub-tasks
        for g in range(len(groups)):
            if groups[g] is None:
                groups[g] = TaskNode(plan=plan, parent=key, level=2, position=next(position),
                                     number=f"（{NUMERALS[g]}）", text=rng.choice(SUB_TASKS))
                rows["sub_tasks"].append(groups[g])
            for n in range(10 // len(groups) + (g < 10 % len(groups))):  # 10 work items per key task
                items.append(_item(rng, plan, groups[g], next(position), n + 1, county, context))
    rows["items"] += items
    for item in items:
        lead = rng.choices(leads, weights)[0]
        others = rng.sample([d for d in departments.values() if d is not lead], rng.choice([0, 1, 1, 2]))
        rows["assignments"].append(Assignment(node=item, department_id=lead.pk, role=Assignment.Role.LEAD))
        rows["assignments"] += [Assignment(node=item, department_id=d.pk, role=Assignment.Role.COOPERATING, position=i)
                             for i, d in enumerate(others)]
        _progress(rng, plan, item, lead, others, context, rows)


def _item(rng, plan, parent, position, number, county, context):
    due = rng.choice(context.month_ends)
    item = TaskNode(plan=plan, parent=parent, level=3, position=position, number=f"{number}.",
                    text=rng.choice(ITEMS).replace("全区", f"全{county.name[-1]}"), due_on=due,
                    due_text=f"{due.year}年{due.month}月底前")
    if rng.random() < 0.25:  # a quantitative target: 不少于3家
        item.target_value, item.target_unit = Decimal(rng.randint(2, 10)), rng.choice("家个项处")
        item.target_comparator, item.target_text = "ge", f"不少于{item.target_value}{item.target_unit}"
    return item


def _progress(rng, plan, item, lead, others, context, rows):
    """The lead's entry per quarter (about 8 % never reported), its percent growing with the
    time elapsed at the item's own pace; notes from most cooperating departments."""
    # Most items keep pace with the time elapsed; about one in seven lags (滞后).
    pace, percent = rng.uniform(0.4, 0.8) if rng.random() < 0.15 else rng.uniform(0.9, 1.3), 0
    for index, quarter in enumerate(context.quarters):
        expected = expected_percent(item, plan, quarter)
        percent = max(percent, min(100, round(expected * pace + rng.uniform(-5, 5))))
        due = plan.deadline_rule.due_on(quarter)
        for department in others:
            if rng.random() < 0.8:
                rows["contributions"].append(Contribution(
                    item=item, department_id=department.pk, year=quarter.year, quarter=quarter.number,
                    note=CONTRIBUTION_NOTE, updated_at=_at(due, -rng.randint(0, 6), rng.randint(9, 17), context),
                ))
        if rng.random() < 0.08:
            continue  # never reported: shows as missing
        status = "done" if percent == 100 else "not_started" if percent == 0 else "in_progress"
        if pace < 0.8 and percent < expected - 10:
            status = "behind"
        work, problems, next_plan = rng.choice(WORK_TEXTS[status])
        report = ProgressReport(
            item=item, department_id=lead.pk, year=quarter.year, quarter=quarter.number, status=status,
            percent=percent, work_done=work.format(n=rng.randint(2, 6)), problems=problems, next_plan=next_plan,
        )
        if item.target_value is not None:
            report.quantity = (item.target_value * percent / 100).quantize(Decimal(1))
        _review(rng, report, due, latest=index == len(context.quarters) - 1, context=context)
        rows["progress"].append(report)


def _review(rng, record, due, *, latest, context):
    """Mostly approved; some waiting or returned, more so in the latest quarter, which also
    has a few drafts; about 6 % submitted late."""
    draw = rng.random()
    approved, submitted, returned = (0.6, 0.85, 0.95) if latest else (0.9, 0.96, 1.0)  # cumulative odds
    record.state = ("approved" if draw < approved else "submitted" if draw < submitted else
                    "returned" if draw < returned else "draft")
    if record.state == "draft":
        return
    days = rng.randint(1, 12) if rng.random() < 0.06 else -rng.randint(0, 4)
    record.submitted_at = _at(due, days, rng.randint(9, 17), context)
    if record.state != "submitted":
        record.reviewed_at = _at(record.submitted_at.date(), rng.randint(1, 6), 10, context)
    if record.state == "returned":
        record.review_comment = RETURN_COMMENT


# --- raw statistics ---------------------------------------------------------------------


def _annual_series(rng, years):
    """{year: {element code: Decimal}}: yearly figures shaped like 黔江's, scaled to the
    county's size, each indicator's ratio on either side of its target and drifting."""
    size = min(4.0, max(0.25, rng.lognormvariate(0, 0.6)))
    ratios = {name: rng.uniform(low, high) for name, (low, high) in RATIOS.items()}
    wells, sampled = rng.randint(3, 25), rng.randint(20, 60)
    series = {}
    for year in years:
        closed = wells if rng.random() < 0.75 else max(0, wells - rng.randint(1, 3))
        passed = sampled if rng.random() < 0.85 else sampled - rng.randint(1, 3)
        series[year] = _annual(ratios, size, wells, closed, sampled, passed)
        size *= rng.uniform(0.99, 1.04)
        for name, (low, high) in RATIOS.items():
            if name.endswith("intensity"):  # water per 万元 falls most years, by up to 12 %
                ratios[name] *= rng.uniform(0.88, 1.03)
            else:
                ratios[name] = min(high, max(low, ratios[name] + rng.uniform(-0.15, 0.15) * (high - low)))
    return series


def _annual(r, size, wells, closed, sampled, passed):
    households, persons = round(BASE["HOUSEHOLDS"] * size), round(r["persons"], 2)
    residents = r["per_capita"] * households * persons * 365 / 1e7  # 万m³ from L/人·天
    added_value = BASE["IND_ADDED_VALUE"] * size * r["industry"]
    industry = added_value * r["ind_intensity"] / 1e4
    nonres = residents * r["nonres"]
    city = industry + residents + nonres * r["public"]
    excl_primary, sewage, gross = city * r["excl_primary"], city * r["sewage"], city * r["gross"]
    built, fiscal = BASE["BUILT_AREA"] * size**0.7, BASE["FISCAL_EXPENDITURE"] * size * r["fiscal"]
    figures = {
        "BUILT_AREA": built, "PERMEABLE_AREA": built * r["permeable"], "WELLS_TOTAL": wells, "WELLS_CLOSED": closed,
        "RES_WATER": residents, "HOUSEHOLDS": households, "PERSONS_PER_HOUSEHOLD": persons, "TOTAL_WATER": gross,
        "IND_NEW_WATER": industry, "IND_ADDED_VALUE": added_value, "RECLAIMED_WATER": sewage * r["reclaimed"],
        "SEWAGE_TREATED": sewage, "METERED_RES_WATER": residents * r["metered"], "RES_TOTAL_WATER": residents,
        "APPLIANCES_SAMPLED": sampled, "APPLIANCES_PASSED": passed, "NONRES_WATER": nonres,
        "PLANNED_NONRES_WATER": nonres * r["planned"], "CITY_NEW_WATER": city,
        "IND_REUSED_WATER": industry * r["reuse"] / (1 - r["reuse"]), "NEW_WATER_EXCL_PRIMARY": excl_primary,
        "GDP_EXCL_PRIMARY": excl_primary * 1e4 / r["gdp_intensity"], "SAVING_FUNDS": fiscal * r["funds"],
        "FISCAL_EXPENDITURE": fiscal, "WRF_DUE": gross * r["wrf_rate"],
        "WRF_COLLECTED": gross * r["wrf_rate"] * r["wrf_paid"], "SEWAGE_FEE_DUE": sewage * r["fee_rate"],
        "SEWAGE_FEE_COLLECTED": sewage * r["fee_rate"] * r["fee_paid"],
    }
    return {code: Decimal(f"{value:.0f}" if code in COUNTS else f"{value:.2f}") for code, value in figures.items()}


def _statistics(rng, county, departments, annual, context, rows):
    """Per quarter, each reporting bureau's data report with the figures it owns (year-to-date
    where the element is cumulative) and the utilities' leakage figures; the water quotas."""
    utilities = {year: _utilities(rng, county, figures) for year, figures in annual.items()}
    for quarter in context.quarters:
        for owner, codes in context.reporters.items():
            report = DataReport(region_id=county.pk, department_id=departments[owner].pk, year=quarter.year,
                                quarter=quarter.number)
            _review(rng, report, quarter.last_day + timedelta(days=6), latest=quarter == context.quarters[-1],
                    context=context)
            report.updated_at = report.reviewed_at or report.submitted_at or context.cutoff
            rows["data_reports"].append(report)
            rows["values"] += [
                DataValue(region_id=county.pk, element_id=element.pk, year=quarter.year, quarter=quarter.number,
                          report=report, entered_at=report.updated_at,
                          value=quarter_value(element, annual[quarter.year][code], quarter,
                                               annual[quarter.year - 1][code]))
                for code, element in ((c, context.elements[c]) for c in codes)
            ]
            if owner == context.leakage_owner:
                share = YTD_SHARE[quarter.number]  # year-to-date volumes, as the demo's statistics
                rows["utilities"] += [
                    UtilityFigures(region_id=county.pk, report=report, year=quarter.year, quarter=quarter.number,
                                   utility=u.name, supply=_d(u.supply * share), registered=_d(u.registered * share),
                                   resident_metered=_d(u.resident_metered * share), pipe_km=u.pipe_km,
                                   pressure=u.pressure)
                    for u in utilities[quarter.year]
                ]
    code, name, unit = catalogue_data.WATER_QUOTA
    for year in context.years:  # the assigned quota: mostly a little above the year's use
        quota = annual[year]["TOTAL_WATER"] * Decimal(f"{rng.uniform(0.97, 1.12):.4f}")
        rows["references"].append(ReferenceValue(code=code, name=name, unit=unit, region=county, year=year,
                                              value=_d(quota, 2), source=SYNTHETIC))
    rows["adoptions"].append(Adoption(region=county, indicator_set=context.indicator_set, since_year=context.years[0]))


def _utilities(rng, county, figures):
    """1–2 utilities' annual figures, each with its leakage rate drawn around the 8.5 % limit
    and its registered volume set so that, after the CJJ 92 corrections, the rate comes out."""
    supply = float(figures["RES_WATER"] + figures["NONRES_WATER"]) * 1.15
    shares = [1.0] if rng.random() < 0.5 else [0.85, 0.15]
    names = [f"{county.name}自来水有限公司", f"{county.name}工业园区供水站"]
    result = []
    for name, share in zip(names, shares, strict=False):
        volume = supply * share
        draft = Utility(name, _d(volume), Decimal(0), _d(volume * rng.uniform(0.5, 0.65)),
                        _d(volume * 0.0693 * rng.uniform(0.85, 1.15), 3), _d(rng.uniform(0.36, 0.5), 3))
        rate = Decimal(f"{rng.uniform(5, 11.5):.2f}") + utility_leakage(draft).correction
        result.append(dataclasses.replace(draft, registered=_d(draft.supply * (1 - rate / 100))))
    return result


def _d(value, places=4):
    return Decimal(f"{value:.{places}f}") if isinstance(value, float) else value.quantize(Decimal(10) ** -places)


# --- water users and carriers -----------------------------------------------------------


def _registry(rng, county, departments, annual, context, rows):
    """Ten water users sized against the county's statistics so that the registry's coverage
    figures land on both sides of their targets, a few carriers, and yearly carrier targets."""
    place, first = county.name, context.years[0]
    # (name, kind, industry, element the use is a share of, share, certified as)
    enterprise, unit, community = rng.uniform(0.1, 0.32), rng.uniform(0.08, 0.25), rng.uniform(0.05, 0.16)
    users = [(f"{place[:-1]}{word}有限公司", "industry", industry, "IND_NEW_WATER", share, kind)
             for (industry, word), share, kind in zip(rng.sample(INDUSTRIES, 4),
                                                      [enterprise * 0.6, enterprise * 0.4, 0.12, 0.08],
                                                      ["enterprise", "enterprise", "", ""], strict=True)]
    users += [
        (f"{place}{rng.choice(['宾馆', '大酒店', '温泉度假酒店'])}", "services", "住宿", "NONRES_WATER", 0.04, ""),
        (f"{place}级机关集中办公区", "public", "公共管理", "PUBLIC", unit * 0.6, "agency"),
        (f"{place}人民医院", "public", "卫生", "PUBLIC", 0.06, ""),
        (f"{place}第一中学", "school", "教育", "PUBLIC", unit * 0.4, "school"),
        (f"{rng.choice(STREETS)}花园", "community", "", "HOUSEHOLDS", community, "community"),
        (f"{rng.choice(STREETS)}小区", "community", "", "HOUSEHOLDS", 0.04, ""),
    ]
    updated, made = timezone.make_aware(datetime(first, 1, 10, 9, 0)), []
    for serial, (name, kind, industry, base, share, certified) in enumerate(users, start=1):
        surface = kind == "industry" and rng.random() < 0.3
        user = WaterUser(region=county, name=name, kind=kind, industry=industry, uses_surface=surface,
                         uses_public=not surface, updated_at=updated,
                         credit_code="" if kind == "community" else credit_code(kind, county.code, serial))
        made.append(user)
        reuse = rng.uniform(0.5, 2.0) if kind == "industry" else 0
        for year in context.years:
            rows["user_years"].append(_user_year(rng, user, year, annual[year], base, share, reuse, surface))
        if certified:
            rows["carriers"].append(_carrier(rng, county, certified, _before(rng, first), user=user))
    rows["users"] += made
    # One enterprise is still being created (applied last quarter); an education base needs no user.
    pending = context.quarters[-1].first_day + timedelta(days=rng.randint(0, 60))
    rows["carriers"].append(_carrier(rng, county, "enterprise", pending, user=made[2], status="creating"))
    education = _carrier(rng, county, "education_base", _before(rng, first), entity_name=f"{place}节水教育基地")
    rows["carriers"].append(education)
    for year in context.years:
        for carrier_type, word, owner, most in (("enterprise", "节水型企业", "经济信息委", 3),
                                                ("unit", "节水型单位", "机关事务管理中心", 2),
                                                ("community", "节水型居民小区", "住房城乡建委", 2)):
            count = rng.randint(1, most)
            rows["targets"].append(CarrierTarget(
                region=county, year=year, carrier_type=carrier_type, min_count=count, department=departments[owner],
                text=f"建成{word}不少于{count}个",
            ))


def _user_year(rng, user, year, figures, base, share, reuse, surface):
    if base == "HOUSEHOLDS":
        households = round(float(figures["HOUSEHOLDS"]) * share)
        volume = Decimal(households * 60)  # m³ a household a year, as in the demo registry
        return UserYear(user=user, year=year, public_supply=volume, total_use=volume, households=households)
    if base == "PUBLIC":  # what the city uses beyond industry and households
        amount = figures["CITY_NEW_WATER"] - figures["IND_NEW_WATER"] - figures["RES_WATER"]
    else:
        amount = figures[base]
    new = _d(float(amount) * share * 10_000, 2)  # 万m³ → m³
    reused = _d(float(new) * reuse, 2)
    return UserYear(user=user, year=year, surface_withdrawal=new if surface else 0,
                    public_supply=0 if surface else new, total_use=new + reused, reused_water=reused,
                    planned_quota=_d(float(new) * rng.uniform(0.95, 1.3), 0))


def _before(rng, year):
    """An application date in the year before ``year``: certified by the first generated
    quarter, the carrier counts throughout."""
    return date(year - 1, rng.randint(2, 8), rng.randint(1, 28))


def _carrier(rng, county, carrier_type, applied, *, status="published", user=None, entity_name=""):
    accepted = applied + timedelta(days=rng.randint(60, 120)) if status != "creating" else None
    published = accepted + timedelta(days=rng.randint(15, 40)) if accepted else None
    return Carrier(region=county, carrier_type=carrier_type, level=rng.choice(["county", "county", "city"]),
                   user=user, entity_name=entity_name, status=status, applied_on=applied, accepted_on=accepted,
                   published_on=published,
                   updated_at=timezone.make_aware(datetime.combine(published or applied, time(10))))


# --- replacing an earlier run ------------------------------------------------------------


def delete_scale_data():
    """Delete what earlier runs generated and every row referring to it (benchmarks and pages
    may have added some): the regions of the marked plans, their cities and provinces unless
    these hold other regions too, and the synthetic national reference values."""
    regions = set(Region.objects.filter(plans__title__endswith=MARKER).values_list("pk", flat=True))
    level = regions
    for _ in range(2):  # their cities, then those cities' provinces
        parents = set(Region.objects.filter(pk__in=level, parent__isnull=False).values_list("parent", flat=True))
        shared = Region.objects.filter(parent__in=parents).exclude(pk__in=regions).values_list("parent", flat=True)
        level = parents - set(shared)
        regions |= level
    _delete(Region.objects.filter(pk__in=regions))
    ReferenceValue.objects.filter(region=None, source__startswith=SYNTHETIC).delete()


def _delete(queryset, path=()):
    """One DELETE per table, children first, without loading the rows or sending signals:
    django-simple-history would write a history row per deleted row, millions of them.
    Self-references need nothing: the regions (and plans' trees) go as whole sets."""
    model = queryset.model
    for relation in get_candidate_relations_to_delete(model._meta):
        related, fk = relation.related_model, relation.field
        on_delete = fk.remote_field.on_delete
        if related is model or related in path or on_delete is models.DO_NOTHING:
            continue  # DO_NOTHING: history rows, which hold no constraint
        dependants = related._base_manager.filter(**{f"{fk.name}__in": queryset})
        if on_delete is models.SET_NULL:
            dependants.update(**{fk.name: None})
        else:
            _delete(dependants, (*path, model))
    queryset._raw_delete(queryset.db)
