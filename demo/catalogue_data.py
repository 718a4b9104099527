"""The 20 evaluation indicators of 黔江府办〔2023〕13号 附件 (after 重庆市节水型城市评选标准),
their data elements and the national reference values of the design document.

Formulas are the 指标释义 written over data elements; the unit conversions are in the
formula so that the value comes out in the indicator's unit:
- 人均生活用水量: 万m³ × 10⁷ L ÷ (户数 × 户均人口 × 天数) = L/人·天, where DAYS_YTD is the
  days the year-to-date volume covers (365 or 366 in the fourth quarter);
- 万元工业增加值用水量 and 万元GDP用水量: 万m³ × 10⁴ ÷ 万元 = m³/万元.
"""

from . import table_data

BOTTOM, GUIDING = "bottom_line", "guiding"
ECO, SAFE, OVERALL = "生态宜居", "安全韧性", "综合类"

# (code, name, unit, cumulative)
DATA_ELEMENTS = [
    ("BUILT_AREA", "城市建成区总面积", "km²", False),
    ("PERMEABLE_AREA", "建成区具有渗透能力的地表（含水域）面积", "km²", False),
    ("WELLS_TOTAL", "公共供水管网覆盖范围内自备井总数", "眼", False),
    ("WELLS_CLOSED", "公共供水管网覆盖范围内已关停自备井数", "眼", False),
    ("RES_WATER", "城市居民家庭生活用水总量（新水量）", "万m³", True),
    ("HOUSEHOLDS", "城市居民总户数", "户", False),
    ("PERSONS_PER_HOUSEHOLD", "每户平均人数（最近一次人口普查）", "人/户", False),
    ("CARRIER_HOUSEHOLDS", "节水型居民小区（社区）居民户数", "户", False),
    ("TOTAL_WATER", "各类用水户取用水总量（含输水损失）", "万m³", True),
    ("IND_NEW_WATER", "工业用水量（新水量）", "万m³", True),
    ("IND_ADDED_VALUE", "城市工业增加值", "万元", True),
    ("RECLAIMED_WATER", "城市再生水利用量", "万m³", True),
    ("SEWAGE_TREATED", "城市污水处理厂处理总量", "万m³", True),
    ("METERED_RES_WATER", "建成区居民抄表到户总水量", "万m³", True),
    ("RES_TOTAL_WATER", "建成区居民家庭用水总量", "万m³", True),
    ("APPLIANCES_SAMPLED", "生活用水器具抽检样品数", "件", True),
    ("APPLIANCES_PASSED", "抽检合格的节水生活用水器具样品数", "件", True),
    ("NONRES_WATER", "公共供水非居民用水单位用水总量", "万m³", True),
    ("PLANNED_NONRES_WATER", "已下达用水计划的公共供水非居民单位实际用水量", "万m³", True),
    ("CITY_NEW_WATER", "城市用水总量（新水量）", "万m³", True),
    ("CARRIER_UNIT_WATER", "节水型单位年用水总量（新水量）", "万m³", True),
    ("IND_REUSED_WATER", "工业重复利用水量（不含电厂）", "万m³", True),
    ("CARRIER_ENTERPRISE_WATER", "节水型企业年用水总量（新水量）", "万m³", True),
    ("NEW_WATER_EXCL_PRIMARY", "用水总量（新水量，不含第一产业）", "万m³", True),
    ("GDP_EXCL_PRIMARY", "地区生产总值（不含第一产业）", "万元", True),
    ("SAVING_FUNDS", "城市节水财政投入", "万元", True),
    ("FISCAL_EXPENDITURE", "城市本级财政支出", "万元", True),
    ("WRF_DUE", "应收水资源费（税）", "万元", True),
    ("WRF_COLLECTED", "实收水资源费（税）", "万元", True),
    ("SEWAGE_FEE_DUE", "应收污水处理费（含自备水）", "万元", True),
    ("SEWAGE_FEE_COLLECTED", "实收污水处理费（含自备水）", "万元", True),
]

# Computed from the carrier registry (``carriers.coverage``), never entered.
REGISTRY = {"CARRIER_HOUSEHOLDS", "CARRIER_UNIT_WATER", "CARRIER_ENTERPRISE_WATER"}

# Judged on the whole year's figure: the annual total against the annual quota, the CJJ 92
# leakage rate (an annual assessment) and the intensities compared with last year's and the
# national annual figures. Before the fourth quarter they show the year-to-date value as
# progress and keep last year's judgement, instead of a verdict that flips during the year.
ANNUAL = {"TOTAL_WATER_USE", "LEAKAGE", "INDUSTRY_WATER_INTENSITY", "GDP_WATER_INTENSITY"}

# Parts that can never be more than their whole: entering more is a warning.
NOT_ABOVE = {
    "PERMEABLE_AREA": "BUILT_AREA",
    "WELLS_CLOSED": "WELLS_TOTAL",
    "CARRIER_HOUSEHOLDS": "HOUSEHOLDS",
    "METERED_RES_WATER": "RES_TOTAL_WATER",
    "APPLIANCES_PASSED": "APPLIANCES_SAMPLED",
    "PLANNED_NONRES_WATER": "NONRES_WATER",
    "CARRIER_ENTERPRISE_WATER": "IND_NEW_WATER",
    "RECLAIMED_WATER": "SEWAGE_TREATED",
    "SAVING_FUNDS": "FISCAL_EXPENDITURE",
}
# Plausible ranges beyond "not negative" (every element is at least 0).
RANGES = {"PERSONS_PER_HOUSEHOLD": ("1", "10")}

# The design document's national figures (中国水资源公报, current prices), m³ per 万元.
NATIONAL_SOURCE = "中国水资源公报（当年价）"
REFERENCES = [
    ("NATIONAL_GDP_WATER", "全国万元国内生产总值用水量", "m³/万元",
     {2018: "66.8", 2019: "60.8", 2020: "57.2", 2021: "51.8", 2022: "49.6", 2023: "46.9"}),
    ("NATIONAL_IND_WATER", "全国万元工业增加值用水量", "m³/万元",
     {2018: "41.3", 2019: "38.4", 2020: "32.9", 2021: "28.2", 2022: "24.1", 2023: "24.3"}),
]
# A region's assigned quota has this code, one value per region and year (entered by the
# administrator; the demo sets 黔江's).
WATER_QUOTA = ("WATER_QUOTA", "下达的用水总量控制指标", "万m³")


def bound(op, value):
    return {"kind": "bound", "op": op, "value": value}


def either(*rules):
    return {"kind": "any", "rules": list(rules)}


INDICATOR_SET = {
    "code": "CQ_WATER_SAVING_CITY",
    "version": "2022",
    "name": "重庆市节水型城市评选标准",
    "source": "渝城管局〔2022〕81号；黔江府办〔2023〕13号 附件",
    # All bottom-line indicators met and at least 80 % of the guiding ones.
    "guiding_share": 80,
}

# (number, code, name, category, kind, unit, method, formula, target, requirement, lead, responsible); the
# requirement as the 附件 writes it (its full-width ％ too), the definition is ``DEFINITIONS``.
INDICATORS = [
    (1, "PERMEABLE_RATIO", "城市可渗透地面面积比例", ECO, GUIDING, "%", "formula",
     "PERMEABLE_AREA / BUILT_AREA * 100", bound("ge", "45"), "不低于45%",
     "区住房城乡建委", "区规划自然资源局、区城市管理局、各街道办事处"),
    (2, "WELL_CLOSURE", "自备井关停率", ECO, BOTTOM, "%", "formula",
     "WELLS_CLOSED / WELLS_TOTAL * 100", {"kind": "exact", "value": "100"}, "100%",
     "区水利局", "区规划自然资源局、区城市管理局、各街道办事处"),
    (3, "LEAKAGE", "城市公共供水管网漏损率", ECO, BOTTOM, "%", "leakage",
     "", bound("le", "8.5"), "不高于8.5%", "区城市管理局", "区供水企业"),
    (4, "WATER_ENVIRONMENT", "城市水环境质量", ECO, GUIDING, "", "checklist", "", {},
     "水环境质量持续改善；建成区旱天无生活污水直排口，无生活污水管网空白区，无黑臭水体。",
     "区生态环境局", "区住房城乡建委、各街道办事处"),
    (5, "PER_CAPITA_DOMESTIC", "城市居民人均生活用水量", ECO, GUIDING, "L/人·天", "formula",
     "RES_WATER * 10000000 / (HOUSEHOLDS * PERSONS_PER_HOUSEHOLD * DAYS_YTD)", bound("le", "140"),
     "不高于140L/人·天", "区城市管理局", "区水利局"),
    (6, "CARRIER_COMMUNITY_COVERAGE", "节水型居民小区覆盖率", ECO, GUIDING, "%", "formula",
     "CARRIER_HOUSEHOLDS / HOUSEHOLDS * 100", bound("ge", "10"), "不低于10%",
     "区住房城乡建委", "区城市管理局、区水利局"),
    (7, "TOTAL_WATER_USE", "用水总量", SAFE, BOTTOM, "万m³", "formula", "TOTAL_WATER",
     {"kind": "quota", "reference": "WATER_QUOTA"}, "不超过下达的用水总量控制指标", "区水利局", "区城市管理局"),
    (8, "INDUSTRY_WATER_INTENSITY", "万元工业增加值用水量", SAFE, GUIDING, "m³/万元", "formula",
     "IND_NEW_WATER * 10000 / IND_ADDED_VALUE",
     either({"kind": "relative", "op": "lt", "factor": "0.5", "reference": "NATIONAL_IND_WATER"},
            {"kind": "change", "direction": "fall", "at_least": "5"}),
     "低于全国平均值的50%或年降低率不低于5%", "区经济信息委", "区水利局、正阳工业园区管委会"),
    (9, "RECLAIMED_WATER_RATIO", "再生水利用率", SAFE, GUIDING, "%", "formula",
     "RECLAIMED_WATER / SEWAGE_TREATED * 100",
     either(bound("ge", "25"), {"kind": "change", "direction": "growth", "at_least": "5"}),
     "不低于25%或者年增长率不低于5%", "区住房城乡建委", "区经济信息委、区生态环境局、区城市管理局、区水利局"),
    (10, "HOUSEHOLD_METERING", "居民家庭一户一表率", SAFE, GUIDING, "%", "formula",
     "METERED_RES_WATER / RES_TOTAL_WATER * 100", bound("ge", "90"), "不低于90%", "区城市管理局", "区供水企业"),
    (11, "APPLIANCE_PASS_RATE", "节水型生活用水器具市场抽检合格率", SAFE, BOTTOM, "%", "formula",
     "APPLIANCES_PASSED / APPLIANCES_SAMPLED * 100", {"kind": "exact", "value": "100"}, "100%",
     "区市场监管局", ""),
    (12, "PLANNED_USE_RATIO", "非居民单位计划用水率", SAFE, GUIDING, "%", "formula",
     "PLANNED_NONRES_WATER / NONRES_WATER * 100", bound("ge", "90"), "不低于90％",
     "区城市管理局、区水利局", "各供水企业"),
    (13, "CARRIER_UNIT_COVERAGE", "节水型单位覆盖率", SAFE, GUIDING, "%", "formula",
     "CARRIER_UNIT_WATER / (CITY_NEW_WATER - IND_NEW_WATER - RES_WATER) * 100", bound("ge", "15"), "不低于15%",
     "区机关事务管理中心", "区教委、区商务委、区卫生健康委"),
    (14, "INDUSTRY_REUSE_RATE", "工业用水重复利用率", SAFE, GUIDING, "%", "formula",
     "IND_REUSED_WATER / (IND_NEW_WATER + IND_REUSED_WATER) * 100", bound("ge", "83"), "不低于83%",
     "区经济信息委", "区城市管理局、区水利局、正阳工业园区管委会"),
    (15, "PRODUCT_WATER_QUOTA", "工业企业单位产品用水量", SAFE, GUIDING, "", "checklist", "", {},
     "不高于国家发布GB/T18916定额系列标准或市级部门制定的地方定额", "区经济信息委",
     "区城市管理局、区水利局、正阳工业园区管委会"),
    (16, "CARRIER_ENTERPRISE_COVERAGE", "节水型企业覆盖率", SAFE, GUIDING, "%", "formula",
     "CARRIER_ENTERPRISE_WATER / IND_NEW_WATER * 100", bound("ge", "20"), "不低于20%", "区经济信息委",
     "区城市管理局、区水利局"),
    (17, "GDP_WATER_INTENSITY", "万元地区生产总值用水量", OVERALL, GUIDING, "m³/万元", "formula",
     "NEW_WATER_EXCL_PRIMARY * 10000 / GDP_EXCL_PRIMARY",
     either({"kind": "relative", "op": "lt", "factor": "0.4", "reference": "NATIONAL_GDP_WATER"},
            {"kind": "change", "direction": "fall", "at_least": "5"}),
     "低于全国平均值的40%或年降低率不低于5%", "区水利局", "正阳工业园区管委会、区发展改革委、区经济信息委"),
    (18, "SAVING_FUNDS_SHARE", "节水资金投入占比", OVERALL, GUIDING, "‰", "formula",
     "SAVING_FUNDS / FISCAL_EXPENDITURE * 1000", bound("ge", "0.5"), "不低于0.5‰", "区财政局",
     "区城市管理局、区教委、区经济信息委、区住房城乡建委、区水利局"),
    (19, "WRF_COLLECTION_RATE", "水资源费（税）收缴率", OVERALL, GUIDING, "%", "formula",
     "WRF_COLLECTED / WRF_DUE * 100", bound("ge", "95"), "不低于95%", "区水利局", "区财政局"),
    (20, "SEWAGE_FEE_COLLECTION_RATE", "污水处理费(含自备水)收缴率", OVERALL, GUIDING, "%", "formula",
     "SEWAGE_FEE_COLLECTED / SEWAGE_FEE_DUE * 100", bound("ge", "95"), "不低于95%", "区住房城乡建委",
     "区财政局、各供水企业"),
]

# Each 指标释义 in full as 黔江's 附件 writes it, formula and the “其中…” notes on what is counted:
# the cells of the table itself (``table_data``), so the catalogue cannot drift from the source.
DEFINITIONS = {int(row[0]): row[3] for row in table_data.QIANJIANG_INDICATORS["rows"]}

CHECKLISTS = {
    "WATER_ENVIRONMENT": ["水环境质量持续改善", "建成区旱天无生活污水直排口", "无生活污水管网空白区", "无黑臭水体"],
    "PRODUCT_WATER_QUOTA": ["用水量排名前10位的工业行业单位产品用水量均不高于国家或地方定额"],
}
