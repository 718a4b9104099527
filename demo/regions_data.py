"""Regions, departments and department groups of the demo, taken from the two source documents.

- 武隆区 (500156): 武隆府办发〔2019〕78号, its 附件1 总体任务分解表, 附件2 2019年任务分解表 and the
  leading-group list in 四、保障措施. Its tables write 区城管局, 区经济信息委, 区机关事务中心.
- 黔江区 (500114): 黔江府办〔2023〕13号, its 28 tasks with inline （牵头单位：…；责任单位：…） and
  the 20-indicator 附件. Its tables write 区城市管理局, 区机关事务管理中心.

Each region's ``short_name`` is the spelling its own document uses most; every other
spelling either document uses (or officials commonly write) is an alias. The 街道 are not
named in the documents, which say 各街道办事处; the real 街道办事处 of each district are
listed so that the group resolves to something.
"""

REGIONS = [  # parent before child
    # 重庆市 is a municipality directly under the central government: province level.
    {"code": "500000", "name": "重庆市", "level": "province", "parent": None},
    {"code": "500114", "name": "黔江区", "level": "county", "parent": "500000"},
    {"code": "500156", "name": "武隆区", "level": "county", "parent": "500000"},
]


def _bureau(short_name, name, *aliases, kind="bureau"):
    return {"short_name": short_name, "name": name, "kind": kind, "aliases": list(aliases)}


DEPARTMENTS = {
    "500000": [
        # The city supervisors' units; 重庆市城市管理局 co-issued the city standard (渝城管局〔2022〕81号).
        _bureau("市水利局", "重庆市水利局"),
        _bureau("市城市管理局", "重庆市城市管理局", "市城管局"),
    ],
    "500156": [
        _bureau("区水利局", "重庆市武隆区水利局", "武隆区水利局", "区节水办"),
        _bureau("区发展改革委", "重庆市武隆区发展和改革委员会", "区发改委", "武隆区发展改革委"),
        _bureau("区教委", "重庆市武隆区教育委员会", "武隆区教委"),
        _bureau("区经济信息委", "重庆市武隆区经济和信息化委员会", "区经信委", "武隆区经济信息委"),
        _bureau("区科技局", "重庆市武隆区科学技术局"),
        _bureau("区财政局", "重庆市武隆区财政局"),
        _bureau("区规划自然资源局", "重庆市武隆区规划和自然资源局", "区规资局"),
        _bureau("区生态环境局", "重庆市武隆区生态环境局"),
        _bureau("区住房城乡建委", "重庆市武隆区住房和城乡建设委员会", "区住建委", "区住房和城乡建设委员会"),
        _bureau("区城管局", "重庆市武隆区城市管理局", "区城市管理局", "武隆区城管局", "武隆区城市管理局"),
        _bureau("区交通局", "重庆市武隆区交通局"),
        _bureau("区农业农村委", "重庆市武隆区农业农村委员会", "区农委"),
        _bureau("区商务委", "重庆市武隆区商务委员会"),
        _bureau("区文化旅游委", "重庆市武隆区文化和旅游发展委员会", "区文旅委"),
        _bureau("区卫生健康委", "重庆市武隆区卫生健康委员会", "区卫健委"),
        _bureau("区市场监管局", "重庆市武隆区市场监督管理局", "区市场监督管理局"),
        _bureau("区统计局", "重庆市武隆区统计局"),
        _bureau("区机关事务中心", "重庆市武隆区机关事务管理中心", "区机关事务管理中心"),
        _bureau("区税务局", "国家税务总局重庆市武隆区税务局"),
        # 附件1 (二)4 names 区工业园区 as a cooperating unit.
        _bureau("区工业园区", "重庆武隆工业园区管理委员会", "武隆工业园区", "区工业园区管委会", kind="park"),
        # 四、(四)1 names the news media that must publicise water saving.
        _bureau("武隆区报社", "武隆区报社", "区报社", kind="other"),
        _bureau("武隆区电视台", "武隆区电视台", "区电视台", kind="other"),
        _bureau("凤山街道", "重庆市武隆区凤山街道办事处", "凤山街道办事处", kind="subdistrict"),
        _bureau("芙蓉街道", "重庆市武隆区芙蓉街道办事处", "芙蓉街道办事处", kind="subdistrict"),
    ],
    "500114": [
        _bureau("区水利局", "重庆市黔江区水利局", "黔江区水利局", "区节水办"),
        _bureau("区发展改革委", "重庆市黔江区发展和改革委员会", "区发改委"),
        _bureau("区教委", "重庆市黔江区教育委员会"),
        _bureau("区经济信息委", "重庆市黔江区经济和信息化委员会", "区经信委"),
        _bureau("区司法局", "重庆市黔江区司法局"),
        _bureau("区财政局", "重庆市黔江区财政局"),
        _bureau("区规划自然资源局", "重庆市黔江区规划和自然资源局", "区规资局"),
        _bureau("区生态环境局", "重庆市黔江区生态环境局"),
        _bureau("区住房城乡建委", "重庆市黔江区住房和城乡建设委员会", "区住建委", "区住房和城乡建设委员会"),
        _bureau("区城市管理局", "重庆市黔江区城市管理局", "区城管局", "黔江区城市管理局"),
        _bureau("区商务委", "重庆市黔江区商务委员会"),
        _bureau("区文化旅游委", "重庆市黔江区文化和旅游发展委员会", "区文旅委"),
        _bureau("区卫生健康委", "重庆市黔江区卫生健康委员会", "区卫健委"),
        _bureau("区应急局", "重庆市黔江区应急管理局", "区应急管理局"),
        _bureau("区市场监管局", "重庆市黔江区市场监督管理局", "区市场监督管理局"),
        _bureau("区机关事务管理中心", "重庆市黔江区机关事务管理中心", "区机关事务中心"),
        # Tasks 16, 22–25 and indicators 8, 14–17 name the park's management committee.
        _bureau("正阳工业园区管委会", "重庆市黔江区正阳工业园区管理委员会", "正阳工业园区", kind="park"),
        # Tasks 7, 11, 18 and indicators 3, 10: the city's water supplier, named only generically.
        _bureau("区供水企业", "黔江区供水企业", "供水企业", kind="utility"),
        _bureau("城东街道", "重庆市黔江区城东街道办事处", "城东街道办事处", kind="subdistrict"),
        _bureau("城南街道", "重庆市黔江区城南街道办事处", "城南街道办事处", kind="subdistrict"),
        _bureau("城西街道", "重庆市黔江区城西街道办事处", "城西街道办事处", kind="subdistrict"),
        _bureau("正阳街道", "重庆市黔江区正阳街道办事处", "正阳街道办事处", kind="subdistrict"),
        _bureau("舟白街道", "重庆市黔江区舟白街道办事处", "舟白街道办事处", kind="subdistrict"),
        _bureau("冯家街道", "重庆市黔江区冯家街道办事处", "冯家街道办事处", kind="subdistrict"),
    ],
}

# Phrases tables use instead of naming departments. "区级有关单位" (武隆 附件1 (三)1, the
# units that buy water appliances in government procurement) and "区级有关部门" mean the
# district's government departments, the same set as "区级各部门和单位": every bureau
# procures and every bureau can be asked to act.
_COMMON_GROUPS = [
    {"name": "各街道办事处", "kinds": ["subdistrict"], "members": [], "aliases": ["各街道"]},
    {
        "name": "区级各部门和单位",
        "kinds": ["bureau"],
        "members": [],
        "aliases": ["区级有关单位", "区级有关部门", "区政府各部门", "区政府有关部门"],
    },
]

GROUPS = {
    "500156": _COMMON_GROUPS,
    # 黔江 task 20 and indicators 12 and 20 write 各供水企业 for its water suppliers.
    "500114": [*_COMMON_GROUPS, {"name": "各供水企业", "kinds": ["utility"], "members": [], "aliases": []}],
}

# Every department that leads or cooperates on an item of the demo plans has its own
# reporter account, which submits that department's entries and figures:
# ``<district>_<code>`` (wulong_slj, qianjiang_zjw …), named "<district><department>填报员".
# The codes are the departments' usual pinyin initials. 区城管局 / 区城市管理局 already have
# theirs among the named accounts (wulong_cgj, qianjiang_cgj), under the same scheme.
REPORTER_PREFIX = {"500156": "wulong", "500114": "qianjiang"}
REPORTERS = {
    "500156": {
        "区水利局": "slj", "区发展改革委": "fgw", "区教委": "jw", "区经济信息委": "jxw", "区科技局": "kjj",
        "区财政局": "czj", "区规划自然资源局": "ghzyj", "区生态环境局": "sthjj", "区住房城乡建委": "zjw",
        "区城管局": "cgj", "区交通局": "jtj", "区农业农村委": "nyncw", "区商务委": "sww", "区文化旅游委": "whlyw",
        "区卫生健康委": "wjw", "区市场监管局": "scjgj", "区统计局": "tjj", "区机关事务中心": "jgswzx",
        "区税务局": "swj", "区工业园区": "gyyq",
    },
    "500114": {
        "区水利局": "slj", "区发展改革委": "fgw", "区教委": "jw", "区经济信息委": "jxw", "区司法局": "sfj",
        "区财政局": "czj", "区规划自然资源局": "ghzyj", "区生态环境局": "sthjj", "区住房城乡建委": "zjw",
        "区城市管理局": "cgj", "区商务委": "sww", "区文化旅游委": "whlyw", "区卫生健康委": "wjw", "区应急局": "yjj",
        "区市场监管局": "scjgj", "区机关事务管理中心": "jgswzx", "正阳工业园区管委会": "zygyyq", "区供水企业": "gsqy",
        "城东街道": "cdjd", "城南街道": "cnjd", "城西街道": "cxjd", "正阳街道": "zyjd", "舟白街道": "zbjd",
        "冯家街道": "fjjd",
    },
}
