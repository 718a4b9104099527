"""The county-level standard, 水利部《节水型社会评价标准（试行）》(2017, issued with
水资源〔2017〕184号), as the data of its workbook (``indicators.standard_workbook``): the demo
builds the workbook from this module and loads it through the same service an
administrator's upload goes through.

The published text could not be obtained. What was checked, what was reconstructed and
from where is written in ``SOURCE_NOTE``, which is stored with the standard and shown
beside it, so that nobody mistakes the reconstruction for the original.
"""

from decimal import Decimal

CODE, VERSION = "MWR_COUNTY_WATER_SAVING", "2017"

SOURCE = "水利部《关于开展县域节水型社会达标建设工作的通知》（水资源〔2017〕184号）附件《节水型社会评价标准（试行）》"

SOURCE_NOTE = (
    "未能取得《节水型社会评价标准（试行）》原文，本标准为整理重建，不是原文。"
    "已核实的：水利部于2017年5月印发《关于开展县域节水型社会达标建设工作的通知》并发布该标准；标准设11类20个评价指标，"
    "其中用水定额管理、计划用水管理、用水计量、水价机制、节水“三同时”管理、节水载体建设六类见于于琪洋、孙淑云、刘静"
    "（水利部水资源管理中心）2020年1月发表的县域节水型社会达标建设综述（fx361.cc转载）。"
    "重建的：其余五类（用水效率控制、城镇节水、农业节水、节水管理、节水宣传）及全部20个评分项目的名称取自武隆府办发"
    "〔2019〕78号：三、（一）2 用水总量、万元国内生产总值用水量降幅、万元工业增加值用水量降幅、农田灌溉水有效利用系数；"
    "（一）3 用水定额；（一）4 计划用水；（一）5 用水计量、统计；（一）6 重点用水单位监控；（一）7 节水“三同时”；"
    "（一）8 居民阶梯水价、非居民超定额累进加价；（二）7 公共供水管网；（二）6 高效节水灌溉；（二）12 非常规水源；"
    "（三）1 节水器具；（四）节水宣传；四、（一）领导小组及节水办；附件1（一）1 节约用水规划；附件2第15项节水型企业、"
    "公共机构节水型单位、节水型居民小区建成率（不低于10%、15%、5%）。"
    "满分100分、达标分数90分、用水总量为前提条件（不计分，一票否决）依本系统设计文件，未与原文核对。"
    "各项满分、分档界限和加减分幅度为重建，评分措辞沿用同类评价标准的写法（“达到5%得1分；达到10%得2分；达到15%以上"
    "得3分”“每低5%扣1分”“达到标准得6分，每降低1%加2分，降低2%以上加4分；高于标准不得分”）；漏损率标准取"
    "CJJ 92-2016一级评定标准10%。三项建成率按本系统节水载体台账计算用水量（户数）占比，原文可能按个数计算。"
    "管理机构和宣传教育两项由专家评分。"
)

BOTTOM, SCORED = "bottom_line", "guiding"
FORMULA, LEAKAGE, CHECKLIST, JUDGED = "formula", "leakage", "checklist", "judged"

# Raw statistics the standard needs that the city list (catalogue_data) does not have.
ELEMENTS = [
    {"code": "GDP", "name": "地区生产总值", "unit": "万元", "cumulative": True},
    {"code": "IRRIGATION_COEFF", "name": "农田灌溉水有效利用系数（最近一次测算）", "unit": "", "cumulative": False},
    {"code": "PUBLIC_INST_WATER", "name": "公共机构用水总量（新水量）", "unit": "万m³", "cumulative": True},
    {"code": "NONCONV_WATER", "name": "非常规水源利用量（再生水、集蓄雨水等）", "unit": "万m³", "cumulative": True},
    {"code": "SAVING_FIXTURES", "name": "公共场所已使用节水器具数", "unit": "件", "cumulative": False},
    {"code": "PUBLIC_FIXTURES", "name": "公共场所用水器具总数", "unit": "件", "cumulative": False},
    {"code": "EFFICIENT_IRRIGATED_AREA", "name": "高效节水灌溉面积", "unit": "万亩", "cumulative": False},
    {"code": "IRRIGATED_AREA", "name": "有效灌溉面积", "unit": "万亩", "cumulative": False},
]
# The city list's elements the standard uses too (catalogue_data.DATA_ELEMENTS), for the
# workbook's 数据项 sheet: a catalogue without the city list gets them from the file.
SHARED_ELEMENTS = [
    {"code": "TOTAL_WATER", "name": "各类用水户取用水总量（含输水损失）", "unit": "万m³", "cumulative": True},
    {"code": "IND_NEW_WATER", "name": "工业用水量（新水量）", "unit": "万m³", "cumulative": True},
    {"code": "IND_ADDED_VALUE", "name": "城市工业增加值", "unit": "万元", "cumulative": True},
    {"code": "NONRES_WATER", "name": "公共供水非居民用水单位用水总量", "unit": "万m³", "cumulative": True},
    {"code": "PLANNED_NONRES_WATER", "name": "已下达用水计划的公共供水非居民单位实际用水量", "unit": "万m³",
     "cumulative": True},
    {"code": "HOUSEHOLDS", "name": "城市居民总户数", "unit": "户", "cumulative": False},
]
# Element ranges beyond “not negative”.
RANGES = {"IRRIGATION_COEFF": ("0", "1")}
# Parts that can never exceed their whole.
NOT_ABOVE = {"SAVING_FIXTURES": "PUBLIC_FIXTURES", "EFFICIENT_IRRIGATED_AREA": "IRRIGATED_AREA",
             "PUBLIC_INST_WATER": "TOTAL_WATER", "NONCONV_WATER": "TOTAL_WATER"}


def _item(number, code, category, name, kind, unit, method, *, points, target=None, target_text="", scoring=None,
          scoring_text="", formula="", checklist=(), annual=False, lead="", responsible="", definition=""):
    return {
        "number": number, "code": code, "category": category, "name": name, "kind": kind, "unit": unit,
        "method": method, "formula": formula, "checklist": list(checklist), "target": target or {},
        "target_text": target_text, "points": Decimal(points), "scoring": scoring or {}, "scoring_text": scoring_text,
        "annual": annual, "lead_text": lead, "responsible_text": responsible, "definition": definition,
    }


def _steps(*steps, better="higher", measure=None):
    rule = {"kind": "steps", "better": better, "steps": []}
    for low, high, points in steps:
        step = {}
        if low is not None:
            step["from"] = low
        if high is not None:
            step["to"] = high
        step["points"] = points
        rule["steps"].append(step)
    if measure:
        rule["measure"] = measure
    return rule


def _bound(op, value):
    return {"kind": "bound", "op": op, "value": value}


PREREQUISITE, EFFICIENCY, QUOTA, PLANNED, METERING, PRICING = (
    "前提条件", "用水效率控制", "用水定额管理", "计划用水管理", "用水计量", "水价机制")
THREE, CARRIERS, URBAN, FARMING, MANAGEMENT, PUBLICITY = (
    "节水“三同时”管理", "节水载体建设", "城镇节水", "农业节水", "节水管理", "节水宣传")

ITEMS = [
    _item(1, "TOTAL_WATER_USE", PREREQUISITE, "用水总量", BOTTOM, "万m³", FORMULA, points="0",
          formula="TOTAL_WATER", target={"kind": "quota", "reference": "WATER_QUOTA"},
          target_text="用水总量不超过上级下达的年度用水总量控制指标",
          scoring_text="前提条件，不计分；用水总量超过控制指标的，不予评定达标", annual=True,
          lead="区水利局", responsible="区经济信息委、区城市管理局、区统计局",
          definition="区域内各类用水户取用的包括输水损失在内的毛水量之和。"),
    _item(2, "GDP_WATER_FALL", EFFICIENCY, "万元国内生产总值用水量降幅", SCORED, "m³/万元", FORMULA, points="6",
          formula="TOTAL_WATER * 10000 / GDP", target={"kind": "change", "direction": "fall", "at_least": "5"},
          target_text="万元国内生产总值用水量较上年下降，降幅达到上级下达的年度目标（5%）",
          scoring={"kind": "per_unit", "better": "higher", "line": "5", "at_line": "6", "unit": "1", "penalty": "2",
                   "floor": "0", "count": "started", "measure": "fall"},
          scoring_text="降幅达到5%得6分；每低1个百分点扣2分（不足1个百分点按1个百分点计），扣完为止", annual=True,
          lead="区水利局", responsible="区发展改革委、区统计局",
          definition="万元国内生产总值用水量＝用水总量÷地区生产总值；降幅＝（上年值－本年值）÷上年值×100%。"),
    _item(3, "IND_WATER_FALL", EFFICIENCY, "万元工业增加值用水量降幅", SCORED, "m³/万元", FORMULA, points="6",
          formula="IND_NEW_WATER * 10000 / IND_ADDED_VALUE",
          target={"kind": "change", "direction": "fall", "at_least": "5"},
          target_text="万元工业增加值用水量较上年下降，降幅达到上级下达的年度目标（5%）",
          scoring=_steps(("3", "5", "2"), ("5", "8", "4"), ("8", None, "6"), measure="fall"),
          scoring_text="降幅达到3%得2分；达到5%得4分；达到8%以上得6分", annual=True,
          lead="区经济信息委", responsible="区水利局、区统计局",
          definition="万元工业增加值用水量＝工业用水量（新水量）÷工业增加值；降幅按较上年计算。"),
    _item(4, "IRRIGATION_EFFICIENCY", EFFICIENCY, "农田灌溉水有效利用系数", SCORED, "", FORMULA, points="4",
          formula="IRRIGATION_COEFF", target=_bound("ge", "0.50"),
          target_text="达到上级下达的年度目标值（0.50）", scoring_text="达到年度目标值得4分，否则不得分", annual=True,
          lead="区水利局", responsible="区农业农村委",
          definition="灌入田间可被作物吸收利用的水量与灌溉系统取用的灌溉总水量的比值，按首尾测算分析法测算。"),
    _item(5, "QUOTA_MANAGEMENT", QUOTA, "用水定额管理", SCORED, "", CHECKLIST, points="4",
          checklist=["执行重庆市发布的农业、工业、服务业和生活用水定额",
                     "取水许可审批、计划用水核定和节水评价中严格使用用水定额",
                     "每年对工业、农业、服务业等用水指标进行分析总结"],
          target_text="严格执行用水定额，定额在取水许可、计划用水管理等工作中得到应用",
          scoring_text="各项均落实得4分，有一项未落实不得分", lead="区水利局",
          responsible="区经济信息委、区农业农村委、区城市管理局",
          definition="在规划编制、水资源论证、取水许可审批和用水计划核定中严格执行用水定额标准。"),
    _item(6, "PLANNED_USE_COVERAGE", PLANNED, "计划用水覆盖率", SCORED, "%", FORMULA, points="6",
          formula="PLANNED_NONRES_WATER / NONRES_WATER * 100", target=_bound("ge", "90"),
          target_text="纳入计划用水管理的非居民用水单位用水量占比不低于90%",
          scoring={"kind": "per_unit", "better": "higher", "line": "90", "at_line": "6", "unit": "5", "penalty": "1",
                   "floor": "0"},
          scoring_text="覆盖率达到90%得6分；每低5%扣1分，扣完为止", annual=True,
          lead="区水利局、区城市管理局", responsible="各供水企业",
          definition="（已下达用水计划的非居民用水单位实际用水量÷非居民用水单位用水总量）×100%"),
    _item(7, "WATER_METERING", METERING, "用水计量", SCORED, "", CHECKLIST, points="5",
          checklist=["规模以上取水口全部安装取水计量设施", "建立规范的用水统计台账，按规定报送用水统计年报"],
          target_text="取用水计量设施安装到位，用水统计制度健全",
          scoring_text="各项均落实得5分，有一项未落实不得分", lead="区水利局",
          responsible="区城市管理局、区市场监管局",
          definition="确保用水单位依法安装和使用检定合格的计量设施，加强用水统计和通报。"),
    _item(8, "KEY_USER_MONITORING", METERING, "重点用水单位监控", SCORED, "", CHECKLIST, points="3",
          checklist=["建立重点用水单位监控名录", "名录内单位的用水计量设施与水资源管理信息系统联网运行"],
          target_text="建立重点用水单位监控名录并实施在线监控",
          scoring_text="各项均落实得3分，有一项未落实不得分", lead="区水利局",
          responsible="区规划自然资源局、区城市管理局",
          definition="年地表取水量300万立方米以上、年地下水取水量50万立方米以上的取水单位等纳入重点监控名录。"),
    _item(9, "TIERED_PRICING", PRICING, "城镇居民阶梯水价", SCORED, "", CHECKLIST, points="3",
          checklist=["城镇居民生活用水实行阶梯水价制度", "阶梯水价在具备实施条件的建制镇推行"],
          target_text="全面实行城镇居民阶梯水价", scoring_text="全面实行得3分，否则不得分", lead="区发展改革委",
          responsible="区城市管理局"),
    _item(10, "PROGRESSIVE_PRICING", PRICING, "非居民用水超定额累进加价", SCORED, "", CHECKLIST, points="3",
          checklist=["非居民用水实行超定额（超计划）累进加价制度", "累进加价费用按规定征收"],
          target_text="全面实行非居民用水超定额累进加价", scoring_text="全面实行得3分，否则不得分",
          lead="区发展改革委", responsible="区城市管理局、区水利局"),
    _item(11, "THREE_SIMULTANEOUS", THREE, "节水“三同时”管理", SCORED, "", CHECKLIST, points="4",
          checklist=["新建、改建、扩建建设项目制订节水措施方案",
                     "节水设施与主体工程同时设计、同时施工、同时投入使用"],
          target_text="严格落实节水设施“三同时”制度", scoring_text="各项均落实得4分，有一项未落实不得分",
          lead="区住房城乡建委", responsible="区城市管理局、区经济信息委、区水利局"),
    _item(12, "ENTERPRISE_CARRIER_RATE", CARRIERS, "节水型企业建成率", SCORED, "%", FORMULA, points="6",
          formula="CARRIER_ENTERPRISE_WATER / IND_NEW_WATER * 100", target=_bound("ge", "10"),
          target_text="节水型企业建成率不低于10%",
          scoring=_steps(("5", "10", "2"), ("10", "15", "4"), ("15", None, "6")),
          scoring_text="建成率达到5%得2分；达到10%得4分；达到15%以上得6分", annual=True,
          lead="区经济信息委", responsible="区水利局",
          definition="（节水型企业年用水量（新水量）÷工业用水量（新水量））×100%，节水型企业按节水载体台账计。"),
    _item(13, "UNIT_CARRIER_RATE", CARRIERS, "公共机构节水型单位建成率", SCORED, "%", FORMULA, points="4",
          formula="CARRIER_UNIT_WATER / PUBLIC_INST_WATER * 100", target=_bound("ge", "15"),
          target_text="公共机构节水型单位建成率不低于15%",
          scoring=_steps(("5", "10", "1"), ("10", "15", "2"), ("15", None, "4")),
          scoring_text="建成率达到5%得1分；达到10%得2分；达到15%以上得4分", annual=True,
          lead="区机关事务中心", responsible="区教委、区卫生健康委",
          definition="（节水型单位（含节水型机关、学校）年用水量÷公共机构用水总量）×100%"),
    _item(14, "COMMUNITY_CARRIER_RATE", CARRIERS, "节水型居民小区建成率", SCORED, "%", FORMULA, points="4",
          formula="CARRIER_HOUSEHOLDS / HOUSEHOLDS * 100", target=_bound("ge", "5"),
          target_text="节水型居民小区建成率不低于5%",
          scoring={"kind": "per_unit", "better": "higher", "line": "5", "at_line": "4", "unit": "1", "penalty": "1",
                   "floor": "0"},
          scoring_text="建成率达到5%得4分；每低1个百分点扣1分，扣完为止", annual=True,
          lead="区住房城乡建委", responsible="区城市管理局、区水利局",
          definition="（节水型居民小区居民户数÷城镇居民总户数）×100%"),
    _item(15, "NONCONVENTIONAL_WATER", URBAN, "非常规水源利用", SCORED, "万m³", FORMULA, points="5",
          formula="NONCONV_WATER", target={"kind": "change", "direction": "growth", "at_least": "0"},
          target_text="非常规水源利用量不低于上年", scoring_text="利用量不低于上年得5分，否则不得分", annual=True,
          lead="区水利局", responsible="区住房城乡建委、区城市管理局",
          definition="再生水、集蓄雨水、矿井水等非常规水源的年利用量。"),
    _item(16, "LEAKAGE", URBAN, "公共供水管网漏损率", SCORED, "%", LEAKAGE, points="10",
          target=_bound("le", "10"),
          target_text="不高于《城镇供水管网漏损控制及评定标准》（CJJ 92-2016）一级评定标准10%",
          scoring={"kind": "per_unit", "better": "lower", "line": "10", "at_line": "6", "unit": "1", "bonus": "2",
                   "bonus_cap": "4", "worse": "zero"},
          scoring_text="达到标准得6分，每降低1%加2分，降低2%以上加4分；高于标准不得分", annual=True,
          lead="区城市管理局", responsible="供水企业",
          definition="〔（供水总量－注册用户用水量）÷供水总量〕×100%－修正值，按CJJ 92-2016分供水企业计算。"),
    _item(17, "FIXTURE_RATE", URBAN, "公共场所节水器具普及率", SCORED, "%", FORMULA, points="5",
          formula="SAVING_FIXTURES / PUBLIC_FIXTURES * 100", target={"kind": "exact", "value": "100"},
          target_text="公共场所全部使用节水器具", scoring_text="达到100%得5分，否则不得分", annual=True,
          lead="区城市管理局", responsible="区机关事务中心、区住房城乡建委",
          definition="（公共场所已使用节水器具数÷公共场所用水器具总数）×100%"),
    _item(18, "EFFICIENT_IRRIGATION", FARMING, "高效节水灌溉面积占比", SCORED, "%", FORMULA, points="4",
          formula="EFFICIENT_IRRIGATED_AREA / IRRIGATED_AREA * 100", target=_bound("ge", "20"),
          target_text="高效节水灌溉面积占有效灌溉面积的比例不低于20%",
          scoring=_steps(("10", "20", "1"), ("20", "30", "2"), ("30", None, "4")),
          scoring_text="占比达到10%得1分；达到20%得2分；达到30%以上得4分", annual=True,
          lead="区水利局", responsible="区农业农村委",
          definition="（喷灌、微灌、管道输水灌溉面积÷有效灌溉面积）×100%"),
    _item(19, "MANAGEMENT_BODY", MANAGEMENT, "节水管理机构与制度", SCORED, "", JUDGED, points="7",
          scoring={"kind": "judged"},
          target_text="设立节水管理机构，配备工作人员，建立节水工作协调机制和考核制度",
          scoring_text="专家根据材料和现场核查评分，满分7分", lead="区水利局",
          responsible="区级各部门和单位"),
    _item(20, "SAVING_PLAN", MANAGEMENT, "节约用水规划", SCORED, "", CHECKLIST, points="3",
          checklist=["编制节约用水规划并经区县人民政府批准", "节水目标和指标纳入国民经济和社会发展规划"],
          target_text="编制并实施节约用水规划", scoring_text="各项均落实得3分，有一项未落实不得分",
          lead="区水利局", responsible="区发展改革委"),
    _item(21, "PUBLICITY", PUBLICITY, "节水宣传教育", SCORED, "", JUDGED, points="8",
          scoring={"kind": "judged"},
          target_text="开展节水进机关、进学校、进社区、进企业活动，利用报刊、电视、网络等媒体宣传节水",
          scoring_text="专家根据宣传活动记录、媒体报道和公众知晓情况评分，满分8分", lead="区水利局",
          responsible="区教委、新闻媒体"),
]

STANDARD = {
    "code": CODE, "version": VERSION, "name": "节水型社会评价标准（试行）", "source": SOURCE,
    "source_note": SOURCE_NOTE, "min_points": Decimal("90"), "guiding_share": None, "min_guiding": None,
}


def spec():
    """The standard in the workbook's terms (``indicators.standard_workbook.build``)."""
    return {"standard": dict(STANDARD), "items": [dict(item) for item in ITEMS],
            "elements": sorted(SHARED_ELEMENTS + ELEMENTS, key=lambda e: e["code"])}
