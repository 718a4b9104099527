"""What the demo's departments write in their quarterly entries (工作台账): 进展情况, 存在问题
and 下步计划 made from the item's own words, its target and the demo's other data, so that
each entry reads like the ledger of that item and no two departments write the same lines.

- An item about 节水型居民小区 names the 小区 the registry has built by the quarter's end
  (``registry_data``) and counts them; one about publicity names the 世界水日 / 中国水周 /
  城市节约用水宣传周 activities of that quarter with their dates; one whose target is an
  indicator of 黔江's standard quotes the quarter's figure (``quarterly_statistics``).
- Counts grow through the year: a year's total is fixed per item and department, and each
  quarter reports the part done by its end.
- How far an item is follows the share of its time elapsed at a pace fixed per item and
  department (so it only moves forward); one that falls more than ten points behind, or
  whose indicator misses its target, is 滞后 and says why in concrete terms.

Everything is deterministic: the wording of an entry is drawn from a generator seeded by
the district, the item's place in its plan, the department and the quarter, never by the
run, so the same day gives the same entries.
"""

import hashlib
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from indicators.formulas import parse
from indicators.leakage import Utility, region_leakage

from . import catalogue_data, quarterly_statistics, registry_data

DISTRICTS = {registry_data.WULONG: "武隆区", registry_data.QIANJIANG: "黔江区"}
PLACES = {
    registry_data.WULONG: ["芙蓉广场", "仙女山游客中心", "乌江画廊滨江步道", "巷口镇农贸市场", "凤山街道文化广场"],
    registry_data.QIANJIANG: ["城西广场", "濯水古镇游客中心", "正阳街道文化广场", "黔江体育馆", "城南步行街"],
}
ROADS = {
    registry_data.WULONG: ["建设东路", "芙蓉中路", "巷口滨江路", "人民路", "白杨坪路"],
    registry_data.QIANJIANG: ["解放路", "城西大道", "新华大道", "正阳大道", "舟白大道"],
}
SCHOOLS = {
    registry_data.WULONG: ["武隆中学", "武隆区实验小学", "江口中学", "凤山小学", "芙蓉小学", "武隆区职业教育中心"],
    registry_data.QIANJIANG: ["黔江中学", "黔江区实验小学", "黔江区民族中学", "城东小学", "舟白小学", "新华中学"],
}
PLANTS = {registry_data.WULONG: "城区污水处理厂", registry_data.QIANJIANG: "黔江区城市污水处理厂"}
# What each department looks after, for the items every department leads (节水评价, 节水型社会建设 …).
FLAVOR = {
    "区水利局": ("取用水户", "家"), "区发展改革委": ("固定资产投资项目", "个"), "区教委": ("中小学校", "所"),
    "区经济信息委": ("规模以上工业企业", "家"), "区科技局": ("节水科技项目", "项"), "区财政局": ("节水资金项目", "个"),
    "区规划自然资源局": ("建设项目规划审批事项", "件"), "区生态环境局": ("重点排污单位", "家"),
    "区住房城乡建委": ("在建房屋建筑工地", "个"), "区城管局": ("城市供水和市政用水单位", "家"),
    "区城市管理局": ("城市供水和市政用水单位", "家"), "区交通局": ("交通运输场站和洗车点", "处"),
    "区农业农村委": ("灌区和农业园区", "个"), "区商务委": ("宾馆、餐饮和洗车经营户", "家"),
    "区文化旅游委": ("A级景区和星级酒店", "家"), "区卫生健康委": ("医疗卫生机构", "家"),
    "区市场监管局": ("用水器具经营门店", "家"), "区统计局": ("用水统计调查单位", "家"),
    "区机关事务中心": ("区级公共机构", "家"), "区机关事务管理中心": ("区级公共机构", "家"),
    "区税务局": ("水资源税纳税人", "户"), "区工业园区": ("园区入驻企业", "家"),
    "正阳工业园区管委会": ("园区入驻企业", "家"),
    "区司法局": ("节水相关规范性文件", "件"), "区应急局": ("安全生产重点单位", "家"),
    "区供水企业": ("供水营业户", "户"),
}
STREET = ("辖区社区和居民小区", "个")


def seed(*parts):
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:15], 16)


@dataclass
class Entry:
    status: str
    percent: int
    quantity: Decimal | None
    work_done: str
    problems: str
    next_plan: str
    first_draft: str  # what a clerk sends before the reviewer asks for the specifics


class Context:
    """One item, department and quarter, with the helpers the wording uses."""

    def __init__(self, item, department, quarter, plan, region_code):
        self.item, self.quarter, self.plan = item, quarter, plan
        self.region = region_code
        self.district = DISTRICTS[region_code]
        self.dept = department.short_name
        parent = item.parent.text if item.parent_id else ""
        self.text = f"{parent} {item.text}"
        self.n, self.year = quarter.number, quarter.year
        self.key = (region_code, item.position, self.dept)
        self.rng = random.Random(seed(*self.key, quarter))  # noqa: S311 (wording, not secrets)
        self.flavor = FLAVOR.get(self.dept, STREET)
        self.behind = False

    def total(self, name, low, high):
        """A total for the year, the same in every quarter of it."""
        return low + seed(*self.key, self.year, name) % (high - low + 1)

    def upto(self, name, low, high):
        """The part of the year's total done by the quarter's end: it grows through the year."""
        return max(1, round(self.total(name, low, high) * self.n / 4))

    def pick(self, options):
        """One of ``options`` for this quarter's wording."""
        return self.rng.choice(options)

    def keep(self, name, options):
        """One of ``options`` that stays the same for the item and department every quarter."""
        return options[seed(*self.key, name) % len(options)]

    def some(self, options, count):
        return self.rng.sample(options, min(count, len(options)))

    @property
    def first_year(self):
        """Whether this is the plan document's own first year (drafting), not a later copy."""
        return self.year == self.plan.start_year and not self.plan.title.endswith("（演示）")


def entry(item, department, quarter, plan, region_code, *, today):
    """The entry ``department`` writes for ``item`` in ``quarter``."""
    c = Context(item, department, quarter, plan, region_code)
    status, percent, expected = _progress(c, today)
    quantity, figure, missed = _measured(c)
    if missed:
        status, percent = "behind", min(percent, 90)
    elif figure and c.n >= 3 and status == "behind":
        status, percent = "in_progress", max(percent, min(95, expected // 5 * 5))  # its target is met
    c.behind = status == "behind"
    done, next_plan, reason = _theme(c)(c)
    first = done[0]  # what a clerk sends before the reviewer asks for the specifics
    if figure:
        done.append(figure)
    if status == "done":
        done.insert(0, c.pick(["本项任务年度目标已完成。", "本项工作已全面完成，转入常态化管理。",
                               "任务已按期完成，相关资料已归档。"]))
    problems = ""
    if status == "behind":
        problems = reason or c.pick(GENERIC_REASONS)
        if percent < expected - 10:
            problems += f"目前完成{percent}%，低于序时进度（{expected}%）。"
    elif c.rng.random() < 0.25:
        problems = c.pick(MINOR_PROBLEMS)
    if c.n == 4:
        next_plan = f"总结{c.year}年工作成效，{next_plan.rstrip('。')}，谋划{c.year + 1}年工作。"
    work = "".join(done)
    return Entry(status, percent, quantity, work, problems, next_plan, first)


def contribution(item, department, leads, quarter, plan, region_code):
    """A cooperating department's note for ``item`` and ``quarter``."""
    c = Context(item, department, quarter, plan, region_code)
    lead = "、".join(leads) or "牵头单位"
    what, unit = c.flavor
    meetings = c.total("meetings", 1, 2)
    return c.pick([
        f"按{lead}要求，报送本部门{c.quarter.chinese_label}相关工作情况和{what}数据{c.upto('data', 4, 16)}条，"
        f"参加工作推进会{meetings}次。",
        f"配合{lead}对{c.upto('visits', 2, 8)}{unit}{what}开展联合检查，提供佐证材料{c.upto('files', 3, 12)}份。",
        f"指定专人对接，向{lead}提供{what}情况说明1份，参加专题协调会{meetings}次。",
        f"结合本行业实际转发{lead}工作通知，督促{c.upto('units', 3, 12)}{unit}{what}落实节水要求。",
    ])


# --- how far an item is --------------------------------------------------------------------


def _progress(c, today):
    """(status, percent, expected percent): the share of the item's time elapsed by the
    quarter's end (by today in the running quarter), at the item's and department's pace."""
    start = date(c.plan.start_year, 1, 1)
    end = c.item.due_on or date(c.plan.end_year, 12, 31)
    as_of = min(c.quarter.last_day, today, end)
    elapsed = max(0, (as_of - start).days + 1) / max(1, (end - start).days + 1)
    spread = Decimal("0.5") if c.plan.start_year == c.plan.end_year else Decimal("1.4")
    pace = Decimal("0.8") + spread * Decimal(seed(*c.key, c.plan.start_year, "pace") % 1000) / 1000
    percent = min(100, int(Decimal(elapsed) * pace * 20) * 5)
    expected = int(100 * elapsed)
    if percent == 0:
        return ("not_started", 0, expected) if elapsed == 0 else ("in_progress", 5, expected)
    if percent == 100:
        return "done", 100, expected
    return ("behind" if percent < expected - 10 else "in_progress"), percent, expected


# --- 黔江's items that are indicators of its standard ---------------------------------------------

QIANJIANG_ITEMS = {
    9: "PERMEABLE_RATIO", 10: "WELL_CLOSURE", 11: "LEAKAGE", 13: "PER_CAPITA_DOMESTIC",
    14: "CARRIER_COMMUNITY_COVERAGE", 15: "TOTAL_WATER_USE", 16: "INDUSTRY_WATER_INTENSITY",
    17: "RECLAIMED_WATER_RATIO", 18: "HOUSEHOLD_METERING", 19: "APPLIANCE_PASS_RATE", 20: "PLANNED_USE_RATIO",
    21: "CARRIER_UNIT_COVERAGE", 22: "INDUSTRY_REUSE_RATE", 24: "CARRIER_ENTERPRISE_COVERAGE",
    25: "GDP_WATER_INTENSITY", 26: "SAVING_FUNDS_SHARE", 27: "WRF_COLLECTION_RATE", 28: "SEWAGE_FEE_COLLECTION_RATE",
}
INDICATORS = {row[1]: row for row in catalogue_data.INDICATORS}
FALLS = {"INDUSTRY_WATER_INTENSITY", "GDP_WATER_INTENSITY"}  # the item's target is the fall in %
MISSED = {  # why the figure falls short, as the lead department would say
    "RECLAIMED_WATER_RATIO": "再生水输配管网尚未延伸至正阳工业园区，园区企业仍以自来水为主，再生水用户少。",
    "SEWAGE_FEE_COLLECTION_RATE": "部分工业企业自备水污水处理费欠缴，已下达催缴通知，追缴进度慢。",
    "PLANNED_USE_RATIO": "新增的商业综合体和小微企业尚未核定用水计划，计划用水覆盖不全。",
    "INDUSTRY_REUSE_RATE": "卷烟、食品企业冷却水循环系统改造尚未完工，重复利用率提升有限。",
    "LEAKAGE": "老城区管网老化严重，部分路段管材到货延迟，改造未达序时。",
}
COVERAGE_TYPES = {"CARRIER_COMMUNITY_COVERAGE": "community", "CARRIER_UNIT_COVERAGE": "unit",
                  "CARRIER_ENTERPRISE_COVERAGE": "enterprise"}
UNIT_TYPES = {"unit", "agency", "school"}


def _measured(c):
    """(quantity, a sentence quoting it, whether it misses the target) for an item whose
    target is one of 黔江's indicators or a carrier rate; (None, "", False) otherwise."""
    if c.item.target_value is None:
        return None, "", False
    number = c.item.number.rstrip(".")
    if c.region == registry_data.QIANJIANG and number.isdigit() and int(number) in QIANJIANG_ITEMS:
        return _indicator(c, QIANJIANG_ITEMS[int(number)])
    carrier = next((kind for word, kind in (("企业", "enterprise"), ("公共机构", "unit"), ("居民小区", "community"))
                    if word in c.item.text), None)
    if carrier is None or c.item.target_unit != "%":
        return None, "", False
    built, base = _built(c.region, carrier, c.quarter.last_day), _base(c.region, carrier)
    rate = (Decimal(100) * len(built) / base).quantize(Decimal("0.1")) if base else Decimal(0)
    at_least = re.search(r"不(?:得)?少于(\d+)个", c.item.text)
    met = rate >= c.item.target_value and (at_least is None or len(built) >= int(at_least.group(1)))
    text = f"按{base}家同类用水户计，建成率{rate}%，目标为“{c.item.target_text.strip('。')}”"
    return rate, text + ("，已达到。" if met else "，尚未达到。"), not met and c.n >= 3


def _indicator(c, code):
    value = indicator_value(code, c.quarter, c.region)
    if value is None:
        return None, "", False
    _number, _code, name, _category, _kind, unit, _method, _formula, _target, requirement, *_rest = INDICATORS[code]
    if code in FALLS:
        before = indicator_value(code, c.quarter.shift(-4), c.region)
        fall = ((before - value) / before * 100).quantize(Decimal("0.01")) if before else Decimal(0)
        text = (f"{c.quarter.chinese_label}{name}{value.quantize(Decimal('0.01'))}{unit}，较上年同期下降{fall}%"
                f"（要求：{requirement}）。")
        return max(fall, Decimal(0)), text, fall < c.item.target_value and c.n >= 2
    shown = value.quantize(Decimal("0.01"))
    text = f"截至{c.quarter.last_day.month}月底，{name}{shown}{unit}（要求：{requirement}）。"
    target = c.item.target_value
    met = shown <= target if c.item.target_comparator == "le" else shown >= target
    if not met:
        text = text.rstrip("。") + "，尚未达标。"
    quantity = min(shown, Decimal(100)) if unit in ("%", "‰") else shown
    return quantity, text, not met


def indicator_value(code, quarter, region_code):
    """黔江's value of indicator ``code`` in ``quarter`` from the demo's own figures (the
    same arithmetic as the indicator engine, on the figures as reported)."""
    if region_code != registry_data.QIANJIANG or quarter.year < quarterly_statistics.FIRST_YEAR:
        return None
    figures = quarterly_statistics.quarter_figures(quarter)
    if code == "LEAKAGE":
        share = quarterly_statistics.YTD_SHARE[quarter.number]
        utilities = [Utility(name, Decimal(s) * share, Decimal(r) * share, Decimal(m) * share, Decimal(km), Decimal(p))
                     for name, s, r, m, km, p in quarterly_statistics.utilities(quarter.year)]
        return region_leakage(utilities, year_share=quarter.share_of_year)
    formula = INDICATORS[code][7]
    if not formula:
        return None
    for element, carrier in (("CARRIER_HOUSEHOLDS", "community"), ("CARRIER_UNIT_WATER", "unit"),
                             ("CARRIER_ENTERPRISE_WATER", "enterprise")):
        # An annual registry figure is scaled to the part of the year, as the engine's providers do.
        share = quarter.share_of_year if quarterly_statistics.CUMULATIVE[element] else 1
        figures[element] = _covered(region_code, carrier, quarter) * share
    figures["DAYS_YTD"] = Decimal(quarter.days_to_date)
    names = set(figures) | {"WATER_QUOTA"}
    return parse(formula, known_names=names).evaluate(figures)


# --- the registry as the ledger sees it ------------------------------------------------------------

def _carriers(region_code):
    users = registry_data.WULONG_USERS if region_code == registry_data.WULONG else registry_data.QIANJIANG_USERS
    rows = registry_data.WULONG_CARRIERS if region_code == registry_data.WULONG else registry_data.QIANJIANG_CARRIERS
    names = {key: (name, kind) for key, name, kind, *_rest in users}
    return [(kind, names[key][0] if key else entity, key, status, accepted, ended)
            for kind, _level, key, entity, status, _applied, accepted, _published, _recheck, ended in rows]


def _built(region_code, carrier_type, day):
    """Names of the carriers of the type (节水型单位 including 机关 and 学校) built on ``day``."""
    types = UNIT_TYPES if carrier_type == "unit" else {carrier_type}
    return [name for kind, name, _key, status, accepted, ended in _carriers(region_code)
            if kind in types and accepted and accepted <= day
            and (status in ("accepted", "published") or (ended and ended > day))]


def _creating(region_code, carrier_type):
    types = UNIT_TYPES if carrier_type == "unit" else {carrier_type}
    return [name for kind, name, _key, status, *_rest in _carriers(region_code)
            if kind in types and status == "creating"]


BASE_KINDS = {"enterprise": {"industry", "services"}, "unit": {"public", "school"}, "community": {"community"}}


def _users(region_code, kinds):
    rows = registry_data.WULONG_USERS if region_code == registry_data.WULONG else registry_data.QIANJIANG_USERS
    return [name for _key, name, kind, *_rest in rows if kind in kinds]


def _base(region_code, carrier_type):
    return len(_users(region_code, BASE_KINDS[carrier_type]))


def _covered(region_code, carrier_type, quarter):
    """The coverage figure (households, or new water in 万m³) of the carriers built by the
    quarter's end, from each user's latest year: what ``carriers.coverage`` gives the engine."""
    years = registry_data.QIANJIANG_YEARS if region_code == registry_data.QIANJIANG else {}
    keys = {name: key for key, name, *_rest in registry_data.QIANJIANG_USERS}
    total = Decimal(0)
    for name in _built(region_code, carrier_type, quarter.last_day):
        known = {year: amount for year, amount in years.get(keys.get(name), {}).items() if year <= quarter.year}
        if known:
            amount = Decimal(known[max(known)])
            total += amount if carrier_type == "community" else amount / 10000
    return total


# --- the themes: what an item is about decides what its department writes ---------------------------

GENERIC_REASONS = [
    "牵头科室人员调整，具体承办人变更后工作衔接不够顺畅。",
    "项目资金尚未拨付到位，部分工作未能按计划启动。",
    "涉及多个部门，协调会议推迟召开，工作推进慢于计划。",
]
MINOR_PROBLEMS = [
    "个别配合单位报送资料不及时，需反复催报。",
    "基层工作人员对节水政策掌握不够，业务培训有待加强。",
    "部分佐证材料（照片、签到表）收集不全，正在补充。",
    "工作经费较紧张，宣传和检查频次受到一定影响。",
]


def _theme(c):
    """The theme of the item: looked for in its title (黔江's items open with one), then in
    its sub-task (武隆's 附件1 groups items under one), then in its whole text; within each,
    the theme whose word comes first wins."""
    title = c.item.text.split("。")[0]
    parent = c.item.parent.text if c.item.parent_id and c.item.parent.level == 2 else ""
    for segment in (title if len(title) <= 20 else "", parent, c.item.text):
        found = [(segment.find(word), order, theme) for order, (words, theme) in enumerate(THEMES)
                 for word in words if word in segment]
        if found:
            return min(found, key=lambda hit: hit[:2])[2]
    return _general


def _publicity(c):
    place = c.pick(PLACES[c.region])
    leaflets, banners = c.upto("leaflets", 1500, 6000), c.upto("banners", 12, 40)
    posts = c.upto("posts", 8, 30)
    if c.n == 1:
        done = [f"{c.year}年3月22日“世界水日”、3月22日至28日“中国水周”期间，在{place}设点开展节水主题宣传，"
                f"发放宣传资料{leaflets}份、悬挂横幅{banners}条，现场解答群众咨询{c.total('asks', 80, 260)}人次。"]
        next_plan = "筹备全国城市节约用水宣传周活动，组织节水进社区、进企业。"
    elif c.n == 2:
        first = _second_sunday_of_may(c.year)
        done = [f"5月{first.day}日至{first.day + 6}日全国城市节约用水宣传周期间，组织节水进社区、进企业、进机关活动"
                f"{c.total('events', 3, 8)}场，在{place}开展节水器具展示和有奖问答。",
                f"今年以来微信公众号发布节水推文{posts}篇，累计发放宣传资料{leaflets}份。"]
        next_plan = "利用暑期开展“节水护水”志愿服务和节水实践活动。"
    elif c.n == 3:
        done = [f"7月至8月组织“节水护水”志愿服务{c.total('volunteer', 3, 7)}次，在{place}等人流密集处设置节水宣传展板"
                f"{c.total('boards', 6, 20)}块。", f"今年以来累计发布节水推文{posts}篇、发放宣传资料{leaflets}份。"]
        next_plan = "开展节水知识进社区、进机关活动，做好年度宣传资料归档。"
    else:
        done = [f"11月开展节水知识进社区、进机关活动{c.total('events4', 3, 6)}场；全年累计发放宣传资料{leaflets}份、"
                f"悬挂横幅{banners}条，发布节水推文{posts}篇，覆盖群众约{c.total('people', 8, 30)}千人次。"]
        next_plan = "提前谋划明年世界水日、中国水周宣传方案"
    return done, next_plan, "宣传活动与防汛值守时间冲突，部分场次延期举办。"


def _second_sunday_of_may(year):
    first = date(year, 5, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7)


def _schools(c):
    schools = c.some(SCHOOLS[c.region], 3)
    count = c.upto("schools", 6, 18)
    if c.n == 1:
        done = [f"世界水日当周，组织{'、'.join(schools)}等{count}所学校开展节水主题升旗仪式和“节水大使”主题班会，"
                f"参与学生{c.total('pupils', 2, 6)}千人次。"]
    elif c.n == 2:
        done = [f"在{schools[0]}举办“节水大使”进课堂活动，低年级学生参与“小手拉大手”家庭节水打卡，"
                f"累计覆盖学校{count}所。"]
    elif c.n == 3:
        done = [f"布置暑期节水实践作业，收回节水小报、家庭用水记录{c.total('homework', 600, 1500)}份；"
                f"秋季开学第一课融入节水内容，累计覆盖学校{count}所。"]
    else:
        done = [f"将节水知识纳入{count}所中小学地方课程和校本课程，评选“节水小卫士”{c.total('stars', 30, 80)}名。"]
    return (done, "继续推进节水教育进课堂，会同区水利局评选节水示范学校。",
            "部分学校课时安排紧张，节水主题班会未全部按计划开展。")


def _carrier_theme(carrier_type, label):
    def theme(c):
        day = c.quarter.last_day
        built, creating = _built(c.region, carrier_type, day), _creating(c.region, carrier_type)
        others = [name for name in _users(c.region, BASE_KINDS[carrier_type]) if name not in built + creating]
        visited = c.some(others or built, 2)
        done = []
        if built:
            done.append(f"截至{day.month}月底，已建成{label}{len(built)}个（{'、'.join(built[:4])}"
                        f"{'等' if len(built) > 4 else ''}）。")
        if creating:
            done.append(f"{'、'.join(creating)}正在开展创建，已完成节水器具排查和水平衡测试资料收集。")
        if visited:
            done.append(f"本季度走访{'、'.join(visited)}，指导制定节水改造方案，排查跑冒滴漏点"
                        f"{c.upto('leaks', 6, 24)}处并督促整改。")
        target = visited[0] if visited else (built or ["申报单位"])[0]
        return (done, f"指导{target}完善创建资料，争取{'年底前' if c.n < 4 else '明年上半年'}申报验收。",
                f"{target}节水改造资金尚未落实，创建申报推迟。")
    return theme


def _planned_use(c):
    if "水平衡" in c.item.text:
        tested = c.upto("tests", 2, 8)
        return ([f"今年组织{tested}家重点取用水单位开展水平衡测试，对用水水平未达到定额标准的"
                 f"{c.total('cut', 1, 3)}家单位核减年度计划用水量。"],
                "督促测试单位落实整改建议，复核核减后的用水计划。", "水平衡测试服务机构少，部分单位测试排期推后。")
    units = c.upto("plans", 40, 120)
    done = [f"向{units}家非居民用水单位下达{c.year}年度用水计划，对超计划用水的{c.total('over', 2, 6)}家单位发出预警。"]
    if c.region == registry_data.WULONG:
        done.append("对年用水量6000立方米以上尚未纳入计划管理的江口电力设备制造有限公司、武隆区中医院等单位发函督促申报用水计划。")
    return done, "对超计划用水单位实施累进加价，开展计划用水执行情况检查。", "部分新增用水户未及时登记，计划下达滞后。"


def _monitoring(c):
    names = ["长坝灌区", "乌江水泥有限公司", "羊角造纸有限公司", "仙女山滑雪场", "仙女山矿泉水有限公司"] \
        if c.region == registry_data.WULONG else ["正阳化工有限公司", "黔江卷烟厂", "黔江区自来水有限公司"]
    shown = c.some(names, 3)
    return ([f"对{'、'.join(shown)}等{len(names)}家重点监控用水单位的取水计量设施开展现场核查，"
             f"在线监测数据上传率{c.pick(['96.5', '98.2', '99.1', '100'])}%。",
             f"依托国家水资源信息管理系统核对{c.quarter.chinese_label}取水量，发现数据异常"
             f"{c.total('anomalies', 1, 4)}处并已核实。"],
            "更新重点用水单位监控名录，督促计量设施定期检定。",
            f"{shown[0]}在线计量设施故障，厂家维修周期较长，数据中断。")


def _quota(c):
    what, unit = c.flavor
    if "协调、配合" in c.item.text:
        return ([f"配合市级部门开展用水定额修订，梳理本区{what}用水情况，反馈修订意见{c.total('opinions', 3, 9)}条。"],
                "跟踪市级定额修订进展，及时转发执行新定额。", "市级修订进度调整，本区配合工作相应推迟。")
    return ([f"对{c.upto('checked', 6, 24)}{unit}{what}开展用水定额执行情况检查，发现超定额用水"
             f"{c.total('over', 1, 4)}{unit}，已下达整改通知。"],
            "在取水许可和计划核定中严格套用定额，开展定额执行抽查。", "部分单位用水台账不规范，定额对比核算工作量大。")


def _evaluation(c):
    what, _unit = c.flavor
    count = c.upto("projects", 3, 12)
    if "协调、配合" in c.item.text:
        return ([f"配合市级部门梳理节水评价相关制度，报送本区执行情况{c.total('reports', 1, 3)}份。"],
                "按市级新要求修订本区节水评价审查流程。", "市级文件尚未印发，配套工作暂缓。")
    stopped = c.total("stopped", 0, 1)
    return ([f"对本部门审批的{count}个{what}开展节水评价审查，{c.total('revised', 1, 3)}个补充节水措施后通过，"
             + (f"{stopped}个因节水评价不合格暂缓审批。" if stopped else "其余均一次通过。")],
            "落实节水评价一票否决，对新申报项目同步审查节水章节。",
            "部分项目业主对节水评价要求不熟悉，补充材料周期长。")


def _three_simultaneous(c):
    return ([f"审查新建、改建和扩建项目节水设施设计{c.upto('designs', 4, 16)}个，现场核查“三同时”落实情况"
             f"{c.upto('sites', 2, 10)}个，责令{c.total('fix', 1, 3)}个项目补建节水设施。"],
            "将节水设施纳入施工图审查和竣工验收要点。", "个别项目施工图变更未同步报审节水设施，需补充审查。")


def _pricing(c):
    steps = ["开展城市供水定价成本监审前期调研，收集供水企业成本资料。",
             "完成居民阶梯水价执行情况评估，形成评估报告。",
             f"对{c.total('units', 4, 12)}家超定额用水的非居民单位执行累进加价。",
             f"全年累计收取超定额累进加价水费{c.total('fee', 12, 60)}万元。"]
    return [steps[c.n - 1]], "推进非居民用水超定额累进加价全覆盖。", "供水企业成本资料报送不全，监审工作推迟。"


def _pipes(c):
    roads = c.some(ROADS[c.region], 2)
    km = Decimal(c.upto("km", 30, 120)) / 10
    return ([f"完成{'、'.join(roads)}等{c.upto('sites', 2, 8)}处老旧供水管网改造，今年累计改造{km}公里，"
             f"处理管网漏点{c.upto('leaks', 20, 80)}处。"],
            f"推进{roads[-1]}沿线管网改造和分区计量建设。",
            f"{roads[0]}段施工与燃气管道改造交叉，需协调同步开挖，管材到货延迟。")


def _reclaimed(c):
    plant = PLANTS[c.region]
    volume = c.upto("reuse", 20, 80)
    return ([f"{plant}再生水今年累计用于道路清扫、绿化浇洒和河道补水{volume}万立方米。",
             f"推进{c.pick(['城区环卫车辆加水点', '滨江公园绿化', '建筑工地降尘'])}使用再生水，新增再生水用户"
             f"{c.total('users', 1, 4)}个。"],
            "加快再生水输配管网建设，扩大再生水使用范围。", MISSED["RECLAIMED_WATER_RATIO"])


def _rain(c):
    area = Decimal(c.upto("area", 20, 90)) / 10
    return ([f"推进{c.upto('sponge', 2, 7)}个海绵城市和老旧小区改造项目，今年新增透水铺装、下沉式绿地{area}万平方米，"
             f"配建雨水调蓄设施{c.total('tanks', 1, 4)}处。"],
            "加强新建项目雨水利用设施审查和竣工核验。", "老旧小区改造项目施工图调整，雨水集蓄设施推迟开工。")


def _appliances(c):
    if "采购" in c.item.text:
        what, _unit = c.flavor
        buys, sets = c.upto("buys", 1, 4), c.upto("sets", 6, 40)
        return ([f"审核本部门及所联系{what}政府采购用水器具项目{buys}个、共{sets}件（套），均选用符合水效标准的产品。"],
                "继续在采购需求中写明水效等级要求。", "")
    if "民用建筑" in c.item.text:
        return ([f"对{c.upto('sites', 5, 20)}个在建住宅和公共建筑项目开展节水器具使用专项检查，整改不合格器具"
                 f"{c.total('bad', 10, 60)}套。"], "将节水器具纳入竣工验收检查内容。",
                "部分工地施工进度变化，检查未全部覆盖。")
    batches = c.upto("batches", 6, 20)
    return ([f"对{c.upto('shops', 8, 30)}家用水器具经营门店开展专项检查，抽检水嘴、坐便器等样品{batches}批次。"],
            "继续开展节水器具市场抽检，查处不符合节水标准的产品。", "抽检样品送检周期较长，结果尚未全部出具。")


def _irrigation(c):
    if "种植结构" in c.text:
        return ([f"推广节水抗旱农作物品种{c.upto('mu', 2, 8)}千亩，在{c.pick(['白马镇', '火炉镇', '长坝镇'])}"
                 "调减高耗水作物种植面积。"], "继续优化种植结构，推广水肥一体化技术。",
                "受天气影响，部分地块播种推迟。")
    return ([f"今年新增高效节水灌溉面积{c.upto('mu', 2, 9)}千亩，完成长坝灌区渠道防渗改造{c.upto('km', 2, 9)}公里。",
             "开展灌区用水计量设施排查，农田灌溉水有效利用系数测算样点已完成布设。"],
            "推进节水型灌区创建，完成灌溉水有效利用系数测算。", "灌区改造项目中央资金下达晚，施工招标推迟。")


def _industry(c):
    firms = (["乌江水泥有限公司", "羊角造纸有限公司", "江口电力设备制造有限公司", "白马食品加工有限公司"]
             if c.region == registry_data.WULONG
             else ["正阳化工有限公司", "黔江卷烟厂", "武陵山食品有限公司", "舟白建材有限公司"])
    shown = c.some(firms, 2)
    return ([f"指导{'、'.join(shown)}等{c.upto('firms', 3, 9)}家企业实施冷却水循环、中水回用等节水技术改造。",
             f"今年以来组织高耗水企业水平衡测试{c.upto('tests', 1, 5)}家。"],
            "严格高耗水项目准入，推动园区企业间串联用水。", f"{shown[0]}节水改造设备到货延迟，改造未按期完工。")


def _planning(c):
    if c.first_year:
        steps = ["比选确定规划编制单位，制定编制工作方案。", "完成基础资料收集和现状调查，形成规划初稿。",
                 f"征求{c.total('depts', 8, 15)}个区级部门和街道意见，修改完善规划文本。",
                 "规划通过专家评审，已报区政府审定。"]
        return [steps[c.n - 1]], "按评审意见修改完善后报批。", "规划基础数据核对工作量大，初稿完成时间推迟。"
    return ([f"对照规划目标开展{c.year}年实施情况跟踪，梳理重点项目{c.total('projects', 5, 12)}个，"
             f"其中已完工{c.upto('finished', 1, 5)}个。"], "开展规划中期评估，衔接新一轮国民经济和社会发展规划。",
            "部分规划项目前期工作滞后，资金来源尚未落实。")


def _rules(c):
    name = c.keep("rule", ["城市节约用水管理办法", "计划用水管理实施细则", "节水奖惩办法", "特种行业用水管理办法"])
    if c.first_year:
        steps = [f"起草《{c.district}{name}（征求意见稿）》。", f"书面征求{c.total('depts', 8, 16)}个部门意见，"
                 f"收到修改意见{c.total('ops', 10, 30)}条。", "完成合法性审查和集体审议。",
                 f"《{c.district}{name}》已印发实施。"]
        return [steps[c.n - 1]], "做好文件宣传解读，督促各单位执行。", "征求意见反馈较慢，合法性审查排队时间长。"
    return ([f"开展《{c.district}{name}》执行情况检查，抽查执行单位{c.upto('checks', 4, 15)}家，"
             f"发现并督促整改问题{c.total('issues', 2, 8)}个。"], "根据执行情况评估修订相关制度。", "")


def _statistics(c):
    return ([f"完成{c.quarter.chinese_label}用水统计报表审核，涉及用水单位{c.total('units', 60, 160)}家；"
             f"通报未按规定安装计量设施或未按时报送台账的单位{c.total('named', 2, 6)}家。"],
            "规范用水统计台账，开展统计数据质量抽查。", "部分单位统计人员变动，报表报送不及时。")


def _funds(c):
    money = c.upto("money", 80, 400)
    uses = c.pick(["节水改造和管网更新", "节水型载体创建奖补和宣传", "再生水利用和雨水收集项目"])
    return ([f"今年累计落实节水专项资金{money}万元，主要用于{uses}。"],
            "做好节水资金绩效评价，争取市级节水资金支持。", "财政收支平衡压力大，节水资金拨付进度慢于计划。")


def _water_fee(c):
    return ([f"今年累计征收水资源税{c.upto('tax', 150, 600)}万元，对{c.total('owing', 2, 5)}户欠缴单位下达催缴通知。"],
            "会同税务部门核对取水户取水量，确保应收尽收。", "部分取水户计量设施不完善，取水量核定存在争议。")


def _sewage_fee(c):
    return ([f"今年累计收缴污水处理费{c.upto('fee', 600, 2800)}万元，对自备水用户开展核查"
             f"{c.total('checked', 5, 15)}户。"],
            "完善自备水用户污水处理费征收台账。", MISSED["SEWAGE_FEE_COLLECTION_RATE"])


def _wells(c):
    return ([f"对公共供水管网覆盖范围内自备井开展排查，复核已关停自备井{c.total('wells', 12, 14)}眼，"
             "防止擅自恢复取水。"],
            "加强执法巡查，严格取水许可审批。", "")


def _environment(c):
    return ([f"排查建成区排口{c.upto('outlets', 30, 90)}个，{c.total('fixed', 1, 3)}处雨污混接点已完成整改；"
             f"开展城市水体巡查{c.upto('patrols', 6, 24)}次，未发现黑臭水体。"],
            "推进污水管网空白区建设，巩固黑臭水体治理成效。", "部分老旧片区雨污分流改造涉及拆迁，推进困难。")


def _totals(c):
    return ([f"将{c.year}年度用水总量和强度控制指标分解到{c.total('towns', 8, 14)}个乡镇（街道）和重点用水户，"
             f"核查{c.quarter.chinese_label}取用水量{c.total('users', 40, 90)}户。"],
            "开展用水总量控制指标执行情况评估。", "部分乡镇取水计量覆盖不全，用水量核算偏差较大。")


def _platform(c):
    return ([f"推进智能化供节水平台建设，今年接入远传水表{c.upto('meters', 300, 1200)}只、大用户"
             f"{c.upto('big', 10, 40)}户，实现夜间最小流量在线监测。"],
            "完成平台与供水企业营收系统数据对接。", "供水企业营收系统接口改造进度慢，数据对接推迟。")


def _incidents(c):
    what, unit = c.flavor
    return ([f"{c.quarter.chinese_label}本部门负责的{what}领域未发生城市节水、安全生产、环境污染等负面事件；"
             f"排查{what}涉水风险隐患{c.upto('risks', 4, 20)}{unit}，开展涉水舆情监测{c.total('watch', 10, 13)}次。"],
            "持续做好舆情监测和风险隐患排查。", "")


def _contract(c):
    return ([f"向{c.upto('units', 2, 8)}家公共机构和企业推介合同节水管理模式，"
             f"{c.pick(['武隆区人民医院', '仙女山旅游度假酒店', '黔江中心医院'])}已与节水服务企业洽谈合作。"],
            "推动签订合同节水项目，落实税收优惠政策。", "用水单位对效益分享方式顾虑较多，签约进度慢。")


def _technology(c):
    return ([f"组织申报节水科技项目{c.upto('projects', 1, 4)}项，推广节水新技术、新产品"
             f"{c.total('products', 2, 6)}项。"],
            "跟踪项目实施，开展节水技术成果推广。", "企业研发投入意愿不强，项目储备不足。")


def _metering(c):
    communities = c.some(_users(c.region, {"community"}), 2)
    return ([f"完成{'、'.join(communities)}等老旧小区一户一表改造，今年累计改造{c.upto('homes', 300, 1500)}户。"],
            "继续推进老旧小区一户一表改造，实现抄表到户、收费到户。",
            f"{communities[0]}部分住户不配合入户施工，改造推迟。")


def _institutions(c):
    return ([f"明确节水管理机构和专职人员{c.total('staff', 2, 5)}名，开展节水业务培训{c.upto('trainings', 1, 4)}次。"],
            "常态化开展城市节水日常宣传和技术推广。", "")


def _coordination(c):
    what, _unit = c.flavor
    task = c.pick(["节水工作调研", "定额修订意见征集", "节水评价制度梳理"])
    return ([f"配合市级部门完成{task}，梳理本区{what}情况，报送材料{c.total('reports', 1, 3)}份、"
             f"意见建议{c.upto('opinions', 2, 9)}条。"], "跟踪市级工作部署，做好对接落实。",
            "市级工作安排调整，配合事项相应推迟。")


def _society(c):
    what, unit = c.flavor
    return ([f"围绕节水型社会建设，对本部门负责的{c.upto('units', 3, 15)}{unit}{what}开展节水检查，"
             f"督促整改用水浪费问题{c.upto('issues', 2, 9)}个，召开推进会{c.upto('meetings', 1, 3)}次。"],
            f"推动{what}建立节水管理制度，配合做好节水型社会达标自评。", GENERIC_REASONS[seed(*c.key) % 3])


def _services(c):
    return ([f"对{c.upto('units', 8, 30)}家宾馆、洗浴、洗车等服务业单位开展节水检查，督促{c.total('fixed', 3, 9)}家"
             "安装循环用水设施和节水器具；在控制性详细规划审查中落实城市节水要求。"],
            "开展城市用水效率评价，严格限制高耗水服务业用水。", "洗车行业经营户多且分散，循环用水设施改造推进慢。")


def _general(c):
    what, unit = c.flavor
    meetings = c.upto("meetings", 1, 4)
    if any(word in c.text for word in ("学习", "贯彻", "部署", "精神", "攻坚战", "国家节水行动")):
        return ([f"召开专题会议{meetings}次，传达学习节约用水工作部署，结合{what}实际制定本部门节水工作清单。"],
                "逐项落实工作清单，开展节水工作督导。", "")
    return ([f"结合{what}实际推进节水工作，今年开展节水检查{c.upto('checks', 2, 10)}次、"
             f"覆盖{c.upto('units', 4, 20)}{unit}，"
             f"召开推进会{meetings}次。"],
            f"继续督促{what}落实节水措施。", GENERIC_REASONS[seed(*c.key) % len(GENERIC_REASONS)])


THEMES = [  # (words, theme); on a tie of place, the earlier in this list
    (("协调、配合相关事宜",), _coordination),
    (("节水型社会",), _society),
    (("城镇节水", "服务业", "洗车"), _services),
    (("机构职责",), _institutions),
    (("节水评价",), _evaluation),
    (("节水型居民小区", "居民小区"), _carrier_theme("community", "节水型居民小区")),
    (("节水型企业", "企业创建"), _carrier_theme("enterprise", "节水型企业")),
    (("节水型单位", "公共机构", "节水机关", "节水型机关"), _carrier_theme("unit", "节水型单位（机关）")),
    (("学校", "学生"), _schools),
    (("宣传", "用水意识"), _publicity),
    (("计划用水",), _planned_use),
    (("重点用水单位", "监控"), _monitoring),
    (("定额",), _quota),
    (("三同时",), _three_simultaneous),
    (("水价", "阶梯", "累进加价"), _pricing),
    (("一户一表",), _metering),
    (("管网", "漏损"), _pipes),
    (("再生水", "非常规水", "中水", "矿井水"), _reclaimed),
    (("雨水", "海绵", "渗透"), _rain),
    (("技术创新", "科学技术"), _technology),
    (("器具", "水效标识", "节水产品"), _appliances),
    (("灌溉", "种植", "农业"), _irrigation),
    (("重复利用", "工业", "工艺", "产业"), _industry),
    (("规划",), _planning),
    (("统计", "计量"), _statistics),
    (("水资源费",), _water_fee),
    (("污水处理费",), _sewage_fee),
    (("资金", "财政", "激励"), _funds),
    (("自备井", "自备水"), _wells),
    (("水环境", "黑臭", "直排"), _environment),
    (("用水总量", "强度控制", "地区生产总值"), _totals),
    (("平台", "智能"), _platform),
    (("负面事件",), _incidents),
    (("合同节水", "服务机构"), _contract),
    (("制度", "政策", "办法", "机制", "法规"), _rules),
]
