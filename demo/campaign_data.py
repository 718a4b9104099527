"""The city's creation campaign as seed 000 tells it (重庆市水利局关于2019年度重庆市县域节水型
社会达标建设工作总结的报告, 2020年1月3日), and what the demo adds to bring it to today.

From the report:
- the goal: "从而实现提前两年完成全市30%以上县（区）级行政区达到节水型社会标准的目标" (by 2022);
  重庆 has 38 county-level divisions (GB/T 2260: 26 districts, 12 counties);
- 2019: 合川区、大足区、潼南区、荣昌区 — 自评, 技术评估 by five experts of 重庆大学、西南大学、
  重庆市水利发展研究中心 scoring on site, 现场验收 by 市水利局、市经信委、市城管局、市机关事务局,
  公示无异议, reported to 水利部 for 复核 (the report's date);
- 2020: 涪陵、长寿、梁平、垫江 to finish by the end of 2020;
- before 2019, "璧山、永川等4个创建成功的区" (the other two are not named);
- 6月14日 a meeting of 12 区县 on creation; two joint meetings of 18 市级部门 (市发展改革委、
  市教委、市城管局 among them); three supervision visits of 市节水办; funding weighed by each
  county's progress, 36233万元 of project funds in 2019.

What the report does not say is the demo's and is marked （演示） where it is shown: the
expert's names, the dates of meetings and visits, the scores, the naming's document. 武隆
creates this year and is in 自评 on its own figures."""

COUNTY_TOTAL = 38  # 重庆市's county-level divisions (GB/T 2260): the goal's 30% is of these

# The counties the report names, beyond the two demo districts already loaded.
REGIONS = [
    ("500102", "涪陵区"), ("500111", "大足区"), ("500115", "长寿区"), ("500117", "合川区"),
    ("500118", "永川区"), ("500120", "璧山区"), ("500152", "潼南区"), ("500153", "荣昌区"),
    ("500155", "梁平区"), ("500231", "垫江县"),
]

CAMPAIGN = {
    "name": "重庆市县域节水型社会达标建设",
    "goal_text": "全市30%以上县（区）级行政区达到节水型社会标准",
    "goal_year": 2022,
    "goal_share": "30",
    # Set at the start of 2019 ("年初，局党组召开专题会议…明确了2019-2020年创建…目标任务").
    "source": "重庆市水利局党组专题会议（2019年初）",
}

# The report itself, with which the 2019 batch was reported to 水利部 for 复核.
REPORT_2019 = "重庆市水利局关于2019年度重庆市县域节水型社会达标建设工作总结的报告（2020年1月3日）"

NAMED_BEFORE = ["500120", "500118"]  # 璧山、永川: "创建成功的区", before 2019
BATCH_2019 = ["500117", "500111", "500152", "500153"]  # 合川、大足、潼南、荣昌
BATCH_2020 = ["500102", "500115", "500155", "500231"]  # 涪陵、长寿、梁平、垫江
WULONG = "500156"

# The joint acceptance group as the report writes it, and the city departments it names.
ACCEPTANCE_GROUP = "市水利局、市经信委、市城管局、市机关事务局"
CITY_DEPARTMENTS = [  # (short name, full name, aliases)
    ("市经济信息委", "重庆市经济和信息化委员会", ["市经信委"]),
    ("市机关事务局", "重庆市机关事务管理局", []),
    ("市发展改革委", "重庆市发展和改革委员会", ["市发改委"]),
    ("市教委", "重庆市教育委员会", []),
]

# Five experts of the three institutions the report names; their names are the demo's.
EXPERTS = [  # (username, name, affiliation, field, title)
    ("expert_cqu_1", "陈立新（演示）", "重庆大学", "给水排水工程", "教授"),
    ("expert_cqu_2", "刘建华（演示）", "重庆大学", "水文水资源", "副教授"),
    ("expert_swu_1", "王晓梅（演示）", "西南大学", "农业水土工程", "教授"),
    ("expert_swu_2", "张国强（演示）", "西南大学", "环境工程", "副教授"),
    ("expert_cqwrc", "李明（演示）", "重庆市水利发展研究中心", "水资源管理", "正高级工程师"),
]

# The two joint meetings of 18 市级部门 (the report's 6月14日 meeting of 12 区县 on creation was
# not a 联席会议 of departments, so it is not one here).
MEETINGS_2019 = [  # (month, day, title, attendance as written, decisions as written)
    (4, 18, "推动节水型社会建设联席会议（第一次，日期为演示）",
     "市发展改革委、市教委、市城管局等18个市级部门",
     "根据职能职责，明确责任、分解任务、督导推进。"),
    (10, 24, "推动节水型社会建设联席会议（第二次，日期为演示）",
     "市发展改革委、市教委、市城管局等18个市级部门",
     "根据职能职责，明确责任、分解任务、督导推进。"),
]

VISIT_PURPOSE = ("检查《“十三五”水资源消耗总量和强度双控行动方案》和《节水型社会建设“十三五”规划》落实情况，"
                 "现场指导节水型公共机构和节水型小区的创建工作")
VISITS_2019 = [  # (month, day, counties) — the report says three visits, not when or where
    (5, 22, ["500117", "500111"]),
    (8, 20, ["500152", "500153"]),
    (11, 12, ["500102", "500115", "500155", "500231"]),
]

FUNDING_2019 = {
    "total": "36233",
    "basis": "2019年市财政安排节水型社会建设、中型灌区节水配套改造和农田高效节水灌溉项目资金共计36233万元；"
             "市水利局根据各区县完成任务情况和标准要求，考量对各区县的资金奖补份额。",
}
