"""The layout of the registry files, the water users with their yearly figures (用水单位名录)
and the carrier certifications (节水载体名录): sheets, columns, labels and the limits of
what a cell may hold. Export (``registry_export``) and import (``registry_read``) share it,
so an exported file can be edited offline and uploaded again."""

import re
from dataclasses import dataclass
from decimal import Decimal

from .models import Carrier, CarrierType, KindTable, UserKind

USERS_SHEET = "用水单位"
CARRIERS_SHEET = "节水载体"
# The 填报单位 line is under the title; the reader looks for the header, so files written
# before it was added (header on row 2) read as well.
TITLE_ROW, UNIT_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3, 4
HEADER_SCAN_ROWS = 10  # the header row is looked for among the first rows
VALIDATION_ROWS = 2000  # drop-down lists reach this far below the data, for new rows

# Chinese labels, used to write and to read the files (not the UI translation: the file
# layout is fixed whatever language the page is shown in).
KIND_LABELS = {
    UserKind.INDUSTRY: "工业企业",
    UserKind.SERVICES: "服务业",
    UserKind.PUBLIC: "公共机构",
    UserKind.SCHOOL: "学校",
    UserKind.COMMUNITY: "居民小区",
    UserKind.IRRIGATION: "灌区",
    UserKind.OTHER: "其他",
}
TYPE_LABELS = {
    CarrierType.ENTERPRISE: "节水型企业",
    CarrierType.UNIT: "节水型单位",
    CarrierType.COMMUNITY: "节水型居民小区",
    CarrierType.IRRIGATION: "节水型灌区",
    CarrierType.SCHOOL: "节水型学校",
    CarrierType.AGENCY: "节水型机关",
    CarrierType.LEADER: "水效领跑者",
    CarrierType.EDUCATION_BASE: "节水教育基地",
    CarrierType.CONTRACT: "合同节水项目",
    CarrierType.RETROFIT: "节水技改项目",
    CarrierType.LEADER_PRODUCT: "水效领跑者产品",
}
# The kinds a file names when no database is at hand (the built-in ones); the import reads
# the kinds administrators keep (``models.carrier_kinds``).
BUILT_IN_KINDS = KindTable(
    TYPE_LABELS,
    frozenset({CarrierType.EDUCATION_BASE, CarrierType.CONTRACT, CarrierType.RETROFIT, CarrierType.LEADER_PRODUCT}),
)
LEVEL_LABELS = {
    Carrier.Level.NATIONAL: "国家级",
    Carrier.Level.PROVINCE: "省级",
    Carrier.Level.CITY: "市级",
    Carrier.Level.COUNTY: "区县级",
}
STATUS_LABELS = {
    Carrier.Status.CREATING: "创建中",
    Carrier.Status.ACCEPTED: "已验收",
    Carrier.Status.PUBLISHED: "已公布",
    Carrier.Status.FAILED_RECHECK: "复核不合格",
    Carrier.Status.REVOKED: "已撤销",
}
# (model field, label in the 水源 column)
SOURCES = [("uses_surface", "地表水"), ("uses_ground", "地下水"), ("uses_public", "公共供水")]
SOURCE_SEPARATORS = re.compile(r"[、,，;；/／\s]+")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    optional: bool = False  # a file made before the column existed may lack it


USER_COLUMNS = [
    Column("name", "单位名称", 32),
    Column("credit_code", "统一社会信用代码", 22),
    Column("kind", "单位类型", 11),
    Column("industry", "所属行业", 16),
    Column("sources", "水源", 18),
    Column("year", "年份", 8),
    Column("surface_withdrawal", "地表水取水量（m³）", 15),
    Column("ground_withdrawal", "地下水取水量（m³）", 15),
    Column("public_supply", "公共供水用水量（m³）", 15),
    Column("total_use", "用水总量（m³）", 15),
    Column("reused_water", "重复利用水量（m³）", 15),
    Column("planned_quota", "计划用水量（m³）", 15),
    Column("households", "居民户数", 10),
    Column("irrigated_area_mu", "灌溉面积（亩）", 12),
]
CARRIER_COLUMNS = [
    Column("carrier_type", "载体类型", 15),
    Column("level", "级别", 9),
    Column("status", "状态", 11),
    Column("user_name", "用水单位", 32),
    Column("credit_code", "统一社会信用代码", 22),
    Column("entity_name", "名称（非用水单位）", 28),
    Column("applied_on", "申报日期", 12),
    Column("accepted_on", "验收日期", 12),
    Column("published_on", "公布日期", 12),
    Column("recheck_due", "复核到期日", 12),
    Column("ended_on", "复核不合格或撤销日期", 14),
    Column("notes", "备注", 30),
    # Added later, at the end so files made before them still line up.
    Column("holder", "持有或建设单位（非用水单位）", 24, optional=True),
    Column("standard", "评价标准", 28, optional=True),
]
USER_HEADERS = {column.key: column.header for column in USER_COLUMNS}
CARRIER_HEADERS = {column.key: column.header for column in CARRIER_COLUMNS}

# Volumes that default to 0: an empty cell and 0 are the same. total_use is required.
ZERO_VOLUMES = ("surface_withdrawal", "ground_withdrawal", "public_supply", "reused_water")
VOLUME_FIELDS = (
    "surface_withdrawal",
    "ground_withdrawal",
    "public_supply",
    "total_use",
    "reused_water",
    "planned_quota",
)
FIGURE_FIELDS = (*VOLUME_FIELDS, "households", "irrigated_area_mu")
USER_FIELDS = ("name", "credit_code", "kind", "industry", *(name for name, _ in SOURCES))
DATE_FIELDS = ("applied_on", "accepted_on", "published_on", "recheck_due", "ended_on")
CARRIER_FIELDS = ("carrier_type", "level", "status", "entity_name", "holder", *DATE_FIELDS, "notes")

VOLUME_LIMIT = Decimal(10) ** 14  # DecimalField(max_digits=16, decimal_places=2)
AREA_LIMIT = Decimal(10) ** 10  # max_digits=12
HOUSEHOLD_LIMIT = 2_147_483_647
CENT = Decimal("0.01")
TEXT_LIMITS = {"name": 200, "industry": 100, "user_name": 200, "entity_name": 200, "holder": 200, "notes": 300}
YEARS = (1990, 2100)
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
EXCEL_SERIALS = (20000, 80000)  # a bare number in a date cell: an Excel date from 1954 to 2119


def users_title(region):
    return f"{region.name}用水单位名录及年度用水量"


def carriers_title(region):
    return f"{region.name}节水载体名录"


# The leak-repair ledgers (漏损记录台账): one row per utility and month, or per utility and quarter.
LEAKS_SHEET = "漏损记录台账"
LEAK_COLUMNS = [
    Column("utility", "供水企业", 28),
    Column("year", "年份", 8),
    Column("quarter", "季度", 8),
    Column("month", "月份", 8),
    Column("inspected_km", "巡检管道长度（km）", 14),
    Column("leaks_found", "发现漏点数", 11),
    Column("leaks_repaired", "修复漏点数", 11),
    Column("repair_hours", "平均修复时间（小时）", 14),
    Column("volume_lost", "估算漏失水量（m³）", 15),
    Column("notes", "备注", 30),
]
LEAK_HEADERS = {column.key: column.header for column in LEAK_COLUMNS}
LEAK_TEXT_LIMITS = {"utility": 100, "notes": 300}
LEAK_LIMITS = {"inspected_km": Decimal(10) ** 8, "repair_hours": Decimal(10) ** 7, "volume_lost": Decimal(10) ** 12}


def leaks_title(region):
    return f"{region.name}漏损记录台账"
