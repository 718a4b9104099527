"""The demo registry. Names and figures are illustrative, not official.

武隆区 (2019): the key-monitoring thresholds of its 2019 工作方案, the carrier targets of its
附件2 (two met, two missed), a planned-use threshold of 6,000 m³/yr and audits above 30 %
over plan (the rule of another district in the design, used here to exercise the pages).

黔江区 (2022–2023): the carriers behind its three coverage indicators, with figures chosen
so the coverage rates equal the statistics of quarterly_statistics.py (节水型企业 205 万m³,
节水型单位 48 万m³, 节水型居民小区 12,500 户 in 2023). Creation went on after the plan's
first year: 舟白建材 was accepted in 2024 and 官渡峡小区 in 2025, so the coverage keeps up
with the growing town.
"""

from datetime import date

WULONG, QIANJIANG = "500156", "500114"

# (name, rule measure, threshold, kinds)
WULONG_RULES = [
    ("年地表取水量300万立方米以上的取水单位", "surface_withdrawal", 3_000_000, []),
    ("年地下水（地热水、矿泉水）取水量50万立方米以上的取水单位", "ground_withdrawal", 500_000, []),
    (
        "年用水量100万立方米以上的工业企业、服务企业和公共机构",
        "new_water",
        1_000_000,
        ["industry", "services", "public"],
    ),
    ("大型和5万亩以上重点中型灌区", "irrigated_area_mu", 50_000, ["irrigation"]),
]
WULONG_PLANNED_USE_FROM = 6_000
WULONG_AUDIT_OVER_PERCENT = 30

# Users: (key, name, kind, industry, code serial or None, sources "SGP")
# Years: key -> {year: (surface, ground, public, total use, reused, quota, households, irrigated mu)}
WULONG_USERS = [
    ("E1", "乌江水泥有限公司", "industry", "水泥制造", 1, "S"),
    ("E2", "仙女山矿泉水有限公司", "industry", "饮料制造", 2, "G"),
    ("E3", "白马食品加工有限公司", "industry", "农副食品加工", 3, "P"),
    ("E4", "江口电力设备制造有限公司", "industry", "电气机械制造", 4, "P"),
    ("E5", "羊角造纸有限公司", "industry", "造纸", 5, "S"),
    ("E6", "土坎纺织有限公司", "industry", "纺织", 6, "P"),
    ("E7", "火炉建材有限公司", "industry", "建材", 7, "P"),
    ("E8", "桐梓农产品加工厂", "industry", "农副食品加工", 8, "P"),
    ("S1", "仙女山旅游度假酒店", "services", "住宿", 11, "P"),
    ("S2", "喀斯特旅游景区管理有限公司", "services", "旅游", 12, "SP"),
    ("S3", "芙蓉江洗车服务中心", "services", "洗车", 13, "P"),
    ("S4", "仙女山滑雪场", "services", "体育娱乐", 14, "S"),
    ("P1", "武隆区人民医院", "public", "卫生", 21, "P"),
    ("P2", "武隆区级机关集中办公区", "public", "公共管理", 22, "P"),
    ("P3", "武隆区水利局", "public", "公共管理", 23, "P"),
    ("P4", "武隆区中医院", "public", "卫生", 24, "P"),
    ("P5", "武隆区行政服务中心", "public", "公共管理", 25, "P"),
    ("P6", "武隆区疾病预防控制中心", "public", "卫生", 26, "P"),
    ("K1", "武隆中学", "school", "教育", 31, "P"),
    ("K2", "武隆区实验小学", "school", "教育", 32, "P"),
    ("K3", "江口中学", "school", "教育", 33, "P"),
    ("K4", "武隆区职业教育中心", "school", "教育", 34, "P"),
    ("I1", "长坝灌区", "irrigation", "农业灌溉", None, "S"),
    *[(f"C{n}", name, "community", "", None, "P") for n, name in enumerate(
        ["芙蓉花园", "滨江苑", "巷口新城", "凤山小区", "乌江明珠", "仙女湖小区", "白马山居", "建设路小区",
         "桐梓苑", "江口新村"], start=1)],
]

WULONG_YEARS = {
    "E1": {2018: (3_100_000, 0, 0, 4_900_000, 1_650_000, 3_000_000, None, None),
           2019: (3_200_000, 0, 0, 5_000_000, 1_700_000, 3_000_000, None, None)},
    "E2": {2019: (0, 620_000, 0, 640_000, 0, 450_000, None, None)},
    "E3": {2019: (0, 0, 180_000, 200_000, 20_000, 150_000, None, None)},
    "E4": {2019: (0, 0, 95_000, 300_000, 205_000, None, None, None)},
    "E5": {2018: (1_300_000, 0, 0, 2_500_000, 1_150_000, 1_000_000, None, None),
           2019: (1_400_000, 0, 0, 2_600_000, 1_200_000, 1_000_000, None, None)},
    "E6": {2019: (0, 0, 48_000, 60_000, 12_000, 50_000, None, None)},
    "E7": {2019: (0, 0, 5_200, 5_200, 0, None, None, None)},
    "E8": {2019: (0, 0, 9_800, 9_800, 0, None, None, None)},
    "S1": {2019: (0, 0, 260_000, 260_000, 0, 250_000, None, None)},
    "S2": {2019: (120_000, 0, 30_000, 150_000, 0, 100_000, None, None)},
    "S3": {2019: (0, 0, 7_500, 7_500, 0, None, None, None)},
    "S4": {2019: (1_100_000, 0, 0, 1_100_000, 0, 1_200_000, None, None)},
    "P1": {2019: (0, 0, 130_000, 130_000, 0, 100_000, None, None)},
    "P2": {2019: (0, 0, 60_000, 60_000, 0, 65_000, None, None)},
    "P3": {2019: (0, 0, 8_000, 8_000, 0, 9_000, None, None)},
    "P4": {2019: (0, 0, 90_000, 90_000, 0, None, None, None)},
    "P5": {2019: (0, 0, 12_000, 12_000, 0, 12_000, None, None)},
    "P6": {2019: (0, 0, 6_500, 6_500, 0, 6_000, None, None)},
    "K1": {2019: (0, 0, 70_000, 70_000, 0, 60_000, None, None)},
    "K2": {2019: (0, 0, 22_000, 22_000, 0, 22_000, None, None)},
    "K3": {2019: (0, 0, 15_000, 15_000, 0, 12_000, None, None)},
    "K4": {2019: (0, 0, 30_000, 30_000, 0, 20_000, None, None)},
    "I1": {2019: (5_800_000, 0, 0, 5_800_000, 0, 6_000_000, None, 52_000)},
    **{f"C{n}": {2019: (0, 0, households * 60, households * 60, 0, None, households, None)}
       for n, households in enumerate([1800, 1200, 2500, 900, 1600, 800, 1100, 1400, 2000, 1300], start=1)},
}

# (carrier type, level, user key or None, entity name, status, applied, accepted, published, re-check, ended)
WULONG_CARRIERS = [
    ("enterprise", "county", "E3", "", "published", date(2019, 4, 1), date(2019, 6, 20), date(2019, 7, 5),
     date(2022, 6, 20), None),
    ("enterprise", "county", "E6", "", "accepted", date(2019, 8, 1), date(2019, 10, 15), None, date(2022, 10, 15),
     None),
    ("enterprise", "county", "E7", "", "failed_recheck", date(2018, 3, 1), date(2018, 5, 1), date(2018, 5, 20), None,
     date(2019, 3, 15)),
    ("enterprise", "city", "E1", "", "creating", date(2019, 9, 1), None, None, None, None),
    ("unit", "county", "P2", "", "published", date(2019, 8, 10), date(2019, 11, 20), date(2019, 12, 5),
     date(2022, 11, 20), None),
    ("agency", "city", "P3", "", "published", date(2020, 3, 1), date(2020, 5, 28), date(2020, 6, 15), None, None),
    ("community", "county", "C1", "", "accepted", date(2019, 5, 10), date(2019, 8, 1), None, None, None),
    ("irrigation", "city", "I1", "", "creating", date(2019, 11, 1), None, None, None, None),
    ("education_base", "county", None, "仙女山节水教育基地", "accepted", date(2019, 9, 1), date(2019, 12, 1), None,
     None, None),
]

# (year, carrier type, at least, rate at least, due, new in year, responsible department, as written)
WULONG_TARGETS = [
    (2019, "enterprise", 2, 10, None, False, "区经济信息委",
     "2019年度，节水型企业建成率不低于10%（节水企业不得少于2个）"),
    (2019, "unit", None, 15, None, False, "区机关事务中心", "公共机构节水型单位建成率不低于15%"),
    (2019, "community", 2, 5, None, False, "区住房城乡建委",
     "节水型居民小区建成率不低于5%（节水型居民小区不得少于2个）"),
    (2020, "agency", 1, None, date(2020, 6, 30), True, "区水利局", "2020年上半年完成水利行业节水型机关创建工作"),
]

# (user key, year, over %, ordered, due, auditor, reported, rectified)
WULONG_AUDITS = [
    ("S2", 2019, 50, date(2020, 2, 10), date(2020, 5, 10), "重庆市水利工程咨询有限公司", date(2020, 4, 30), None),
    ("E5", 2019, 40, date(2020, 2, 10), date(2020, 5, 10), "", None, None),
]

QIANJIANG_USERS = [
    ("QE1", "正阳化工有限公司", "industry", "化学原料制造", 1, "SP"),
    ("QE2", "黔江卷烟厂", "industry", "烟草制品", 2, "P"),
    ("QE3", "武陵山食品有限公司", "industry", "农副食品加工", 3, "P"),
    ("QE4", "舟白建材有限公司", "industry", "建材", 4, "P"),
    ("QU1", "黔江区级机关集中办公区", "public", "公共管理", 11, "P"),
    ("QU2", "黔江中心医院", "public", "卫生", 12, "P"),
    ("QU3", "黔江区机关事务管理中心", "public", "公共管理", 13, "P"),
    ("QC1", "城西花园", "community", "", None, "P"),
    ("QC2", "正阳新城", "community", "", None, "P"),
    ("QC3", "舟白小区", "community", "", None, "P"),
    ("QC4", "官渡峡小区", "community", "", None, "P"),
]
QIANJIANG_YEARS = {  # new water only (total = new, nothing reused), or households for communities
    "QE1": {2022: 1_200_000, 2023: 1_150_000},
    "QE2": {2022: 700_000, 2023: 650_000},
    "QE3": {2023: 250_000},
    "QE4": {2022: 320_000, 2023: 330_000},
    "QU1": {2022: 250_000, 2023: 240_000},
    "QU2": {2022: 160_000, 2023: 150_000},
    "QU3": {2023: 90_000},
    "QC1": {2022: 5_000, 2023: 5_100},
    "QC2": {2022: 4_800, 2023: 4_900},
    "QC3": {2023: 2_500},
    "QC4": {2022: 3_000, 2023: 3_050},
}
QIANJIANG_CARRIERS = [
    ("enterprise", "county", "QE1", "", "published", date(2021, 3, 1), date(2021, 6, 10), date(2021, 7, 1),
     date(2024, 6, 10), None),
    ("enterprise", "county", "QE2", "", "accepted", date(2022, 5, 1), date(2022, 8, 15), None, None, None),
    ("enterprise", "city", "QE3", "", "accepted", date(2023, 2, 1), date(2023, 5, 20), None, None, None),
    ("unit", "county", "QU1", "", "published", date(2021, 4, 1), date(2021, 9, 1), date(2021, 9, 20), None, None),
    ("unit", "county", "QU2", "", "accepted", date(2022, 1, 10), date(2022, 4, 12), None, None, None),
    ("agency", "county", "QU3", "", "accepted", date(2023, 6, 1), date(2023, 9, 18), None, None, None),
    ("community", "county", "QC1", "", "published", date(2021, 5, 1), date(2021, 10, 8), date(2021, 11, 1), None,
     None),
    ("community", "county", "QC2", "", "accepted", date(2022, 7, 1), date(2022, 10, 20), None, None, None),
    ("community", "county", "QC3", "", "accepted", date(2023, 3, 1), date(2023, 6, 6), None, None, None),
    ("enterprise", "county", "QE4", "", "accepted", date(2024, 3, 1), date(2024, 9, 12), None, None, None),
    ("community", "county", "QC4", "", "accepted", date(2025, 2, 20), date(2025, 6, 18), None, None, None),
]

# The standard each kind's carriers were evaluated under (节水型企业: GB/T 7119-2018, which
# a migration registers); kinds not listed name none.
STANDARD_OF_KIND = {"enterprise": "GB/T 7119-2018"}

# 黔江's two utilities' leak-repair ledgers of 2023 (illustrative): (utility, quarter, month
# or None for the whole quarter, km inspected, leaks found, repaired, mean hours, m³ lost).
QIANJIANG_LEAK_REPAIRS = [
    ("黔江区自来水有限公司", 1, 1, "42.5", 6, 6, "9.5", "1850"),
    ("黔江区自来水有限公司", 1, 2, "38", 4, 3, "12", "1320"),
    ("黔江区自来水有限公司", 1, 3, "45", 7, 7, "8", "2100"),
    ("黔江区自来水有限公司", 2, 4, "40", 5, 5, "10", "1500"),
    ("黔江区自来水有限公司", 2, 5, "44", 3, 4, "11", "900"),
    ("黔江区自来水有限公司", 2, 6, "41", 6, 5, "9", "1780"),
    ("正阳工业园区供水站", 1, None, "18", 3, 3, "16", "640"),
    ("正阳工业园区供水站", 2, None, "20", 2, 2, "14", "410"),
]
