"""The registry's Excel files: export, upload → preview → confirm, all or nothing; bad
files refused with the row and column of each problem; re-importing changes nothing."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import IntegrityError
from django.urls import reverse

from carriers import imports, registry_layout
from carriers.credit_code import check_character
from carriers.imports import CARRIERS, USERS
from carriers.models import Carrier, UserYear, WaterUser
from core.errors import FileUnreadable, ImportBlocked
from org.models import User

USER_HEADERS = [column.header for column in registry_layout.USER_COLUMNS]
CARRIER_HEADERS = [column.header for column in registry_layout.CARRIER_COLUMNS]


def code(number):
    first17 = f"91500156MA{number:07d}"
    return first17 + check_character(first17)


def book(sheet, headers, rows, title="测试名录"):
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append([title])
    worksheet.append(headers)
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def no_figures(**fields):
    """A row for a unit without yearly figures: the year and every volume left empty."""
    return user_row(year=None, surface=None, public=None, total=None, reused=None, quota=None, **fields)


def user_row(
    name="重庆甲化工有限公司",
    credit_code=None,
    kind="工业企业",
    industry="化学原料",
    sources="地表水、公共供水",
    year=2023,
    surface=1000,
    ground=None,
    public=200.5,
    total=1200,
    reused=100,
    quota=1500,
    households=None,
    area=None,
):
    return [
        name,
        code(1) if credit_code is None else credit_code,
        kind,
        industry,
        sources,
        year,
        surface,
        ground,
        public,
        total,
        reused,
        quota,
        households,
        area,
    ]


def users_book(rows, headers=USER_HEADERS):
    return book(registry_layout.USERS_SHEET, headers, rows)


def carrier_row(
    carrier_type="节水型企业",
    level="区县级",
    status="已验收",
    user="重庆甲化工有限公司",
    credit_code="",
    entity="",
    applied="2023-03-01",
    accepted="2023-06-01",
    published=None,
    recheck=None,
    ended=None,
    notes="",
):
    return [carrier_type, level, status, user, credit_code, entity, applied, accepted, published, recheck, ended, notes]


def carriers_book(rows, headers=CARRIER_HEADERS):
    return book(registry_layout.CARRIERS_SHEET, headers, rows)


GOOD_USERS = [
    user_row(year=2023),
    user_row(year=2022, surface=900, public=None, total="1,100.00", reused=None, quota=None),
    user_row(
        name="凤山小区",
        credit_code="",
        kind="居民小区",
        industry="",
        sources="公共供水",
        surface=None,
        public=30000,
        total=30000,
        reused=None,
        quota=None,
        households=850,
    ),
    no_figures(
        name="重庆乙酒店有限公司",
        credit_code=code(2),
        kind="服务业",
        industry="住宿",
        sources="公共供水",
    ),
]


def counts():
    return WaterUser.objects.count(), UserYear.objects.count(), Carrier.objects.count()


def history_counts():
    return WaterUser.history.count(), UserYear.history.count(), Carrier.history.count()


@pytest.fixture
def wulong(regions):
    return regions["wulong"]


@pytest.fixture
def reviewer(regions):
    return User.objects.get(username="wulong_reviewer")


@pytest.fixture
def client(regions, client_for, reviewer):
    return client_for(reviewer)


def upload(client, what, data, *, region=None, name="名录.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    url = reverse("carriers:import_upload", args=[what])
    if region is not None:
        url += f"?region={region.code}"
    return client.post(url, {"file": file})


def preview_url(client, what, data, **kwargs):
    response = upload(client, what, data, **kwargs)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response.url


def apply(what, region, data, user):
    return imports.apply_import(what, region=region, data=data, user=user)


# --- a good users file --------------------------------------------------------------------------


def test_good_users_file_creates_users_and_years(wulong, client, reviewer):
    before = counts()
    url = preview_url(client, USERS, users_book(GOOD_USERS))
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "重庆甲化工有限公司" in text and "凤山小区" in text and "第3行" in text
    assert counts() == before  # nothing before confirming
    done = client.post(url)
    assert done.status_code == 302 and done.url == reverse("carriers:registry")
    assert counts()[:2] == (before[0] + 3, before[1] + 3)
    assert client.get(url).status_code == 404  # the pending upload is gone

    factory = WaterUser.objects.get(region=wulong, credit_code=code(1))
    assert (factory.name, factory.kind, factory.industry) == ("重庆甲化工有限公司", "industry", "化学原料")
    assert (factory.uses_surface, factory.uses_ground, factory.uses_public) == (True, False, True)
    latest, earlier = factory.years.order_by("-year")
    assert (latest.year, latest.surface_withdrawal, latest.ground_withdrawal, latest.public_supply) == (
        2023,
        Decimal("1000"),
        Decimal("0"),
        Decimal("200.50"),
    )
    assert (latest.total_use, latest.reused_water, latest.planned_quota) == (Decimal(1200), Decimal(100), Decimal(1500))
    assert (earlier.year, earlier.total_use, earlier.reused_water, earlier.planned_quota) == (2022, 1100, 0, None)
    community = WaterUser.objects.get(region=wulong, name="凤山小区")
    assert community.credit_code == "" and community.kind == "community"
    assert community.years.get().households == 850
    hotel = WaterUser.objects.get(region=wulong, credit_code=code(2))
    assert hotel.kind == "services" and not hotel.years.exists()
    assert factory.history.first().history_user == reviewer
    assert latest.history.first().history_user == reviewer


def test_second_import_of_the_same_file_changes_nothing(wulong, client, reviewer):
    data = users_book(GOOD_USERS)
    apply(USERS, wulong, data, reviewer)
    before, history = counts(), history_counts()
    again = imports.preview_import(USERS, region=wulong, data=data)
    assert again.problems == [] and again.changed == 0 and again.rows() == []
    url = preview_url(client, USERS, data)
    page = client.get(url)
    assert page.status_code == 200 and page.context["changed"] == 0 and page.context["changes"] == []
    assert client.post(url).status_code == 302
    assert counts() == before and history_counts() == history


def test_decimals_and_empty_zeros_are_the_same(wulong, reviewer):
    apply(USERS, wulong, users_book([user_row(total=1200, reused=0, ground=0)]), reviewer)
    same = users_book([user_row(total="1200.00", reused=None, ground="", public="200.50")])
    assert imports.preview_import(USERS, region=wulong, data=same).changed == 0
    changed = imports.preview_import(USERS, region=wulong, data=users_book([user_row(total=1300, reused=0)]))
    assert changed.changed == 1
    assert changed.rows()[0].fields == [("用水总量（m³）", "1200", "1300")]


def test_changes_are_listed_with_old_and_new_values(wulong, reviewer):
    apply(USERS, wulong, users_book(GOOD_USERS), reviewer)
    rows = [user_row(kind="服务业", sources="地下水"), GOOD_USERS[1], GOOD_USERS[2], GOOD_USERS[3]]
    preview = imports.preview_import(USERS, region=wulong, data=users_book(rows))
    assert preview.changed == 1
    assert preview.rows()[0].where == "第3行"
    assert preview.rows()[0].fields == [("单位类型", "工业企业", "服务业"), ("水源", "地表水、公共供水", "地下水")]
    # A change of kind moves the coverage of every year of the user.
    assert preview.years == [2022, 2023]


def test_users_are_matched_by_code_then_by_name(wulong, reviewer):
    named = WaterUser.objects.create(region=wulong, name="区第一中学", kind="school", credit_code="")
    coded = WaterUser.objects.create(region=wulong, name="旧名称公司", kind="industry", credit_code=code(3))
    rows = [
        no_figures(
            name="区 第一中学",
            credit_code=code(4),
            kind="学校",
            industry="",
            sources="公共供水",
        ),
        no_figures(
            name="新名称公司",
            credit_code=code(3),
        ),
    ]
    before = WaterUser.objects.count()
    apply(USERS, wulong, users_book(rows), reviewer)
    assert WaterUser.objects.count() == before
    named.refresh_from_db()
    coded.refresh_from_db()
    assert (named.name, named.credit_code) == ("区第一中学", code(4))  # the stored spelling is kept
    assert coded.name == "新名称公司" and coded.version == 2


def test_registry_changed_is_called_with_the_years(wulong, reviewer, monkeypatch):
    calls = []
    monkeypatch.setattr(imports, "registry_changed", lambda region, *years: calls.append((region, years)))
    apply(USERS, wulong, users_book(GOOD_USERS), reviewer)
    assert calls == [(wulong, (2022, 2023))]


# --- bad users files -------------------------------------------------------------------------------


BAD_USERS = {
    "invalid code": ([user_row(credit_code="91500156MA00000019")], "第3行B列（统一社会信用代码）：统一社会信用代码"),
    "short code": ([user_row(credit_code="915001")], "第3行B列（统一社会信用代码）：统一社会信用代码应为18位"),
    "missing code": ([user_row(credit_code="")], "第3行B列（统一社会信用代码）：单位类型为“工业企业”的单位必须填写"),
    "code twice": (
        [user_row(), user_row(name="另一公司", year=2022)],
        "第4行B列（统一社会信用代码）：统一社会信用代码" + code(1) + "已在第3行用于",
    ),
    "user year twice": ([user_row(), user_row(total=5000)], "第4行F列（年份）：第3行已经填写了该单位2023年的用水量"),
    "negative volume": ([user_row(surface=-5)], "第3行G列（地表水取水量（m³））：-5是负数"),
    "text in number": ([user_row(total="很多")], "第3行J列（用水总量（m³））：“很多”不是数字"),
    "reuse over total": (
        [user_row(total=100, reused=150)],
        "第3行K列（重复利用水量（m³））：重复利用水量150大于用水总量100",
    ),
    "unknown kind": ([user_row(kind="工厂")], "第3行C列（单位类型）：“工厂”不是可选的单位类型"),
    "unknown source": ([user_row(sources="地表水、雨水")], "第3行E列（水源）：“雨水”不是可选的水源"),
    "bad year": ([user_row(year="去年")], "第3行F列（年份）：“去年”不是有效的年份"),
    "figures without year": ([user_row(year=None)], "第3行F列（年份）：填写了用水量等数据，但没有填写年份"),
    "year without total": ([user_row(total=None)], "第3行J列（用水总量（m³））：填写了年份的行必须填写用水总量"),
    "households not whole": ([user_row(households=2.5)], "第3行M列（居民户数）"),
    "missing name": ([user_row(name="")], "第3行A列（单位名称）：请填写单位名称"),
    "inconsistent kind": ([user_row(), user_row(year=2022, kind="服务业")], "第4行C列（单位类型）：与第3行同一单位"),
}


@pytest.mark.parametrize("case", BAD_USERS)
def test_bad_users_rows_are_refused_with_row_and_column(wulong, client, reviewer, case):
    rows, message = BAD_USERS[case]
    data = users_book([*rows, user_row(name="正常公司", credit_code=code(9))])
    before, history = counts(), history_counts()
    preview = imports.preview_import(USERS, region=wulong, data=data)
    assert any(problem.startswith(message) for problem in preview.problems), preview.problems
    with pytest.raises(ImportBlocked):
        apply(USERS, wulong, data, reviewer)
    url = preview_url(client, USERS, data)
    page = client.post(url)  # confirming anyway
    assert page.status_code == 200 and message in page.content.decode()
    assert counts() == before and history_counts() == history


def test_missing_headers_are_named(wulong, client):
    headers = [h for h in USER_HEADERS if h not in ("统一社会信用代码", "年份")]
    data = users_book([["甲公司", "工业企业"]], headers=headers)
    with pytest.raises(FileUnreadable, match="表头缺少这些列：统一社会信用代码、年份"):
        imports.preview_import(USERS, region=wulong, data=data)
    url = preview_url(client, USERS, data)
    response = client.get(url, follow=True)
    assert "统一社会信用代码、年份" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("carriers:import_upload", args=[USERS])


def test_no_header_row_is_refused(wulong):
    data = book("Sheet", ["a", "b"], [["1", "2"]])
    with pytest.raises(FileUnreadable, match="找不到表头行"):
        imports.preview_import(USERS, region=wulong, data=data)


def test_headers_in_another_order_and_without_units_are_read(wulong, reviewer):
    headers = ["统一社会信用代码", "单位名称", *USER_HEADERS[2:9], "用水总量", *USER_HEADERS[10:]]
    row = user_row()
    row[0], row[1] = row[1], row[0]
    preview = imports.preview_import(USERS, region=wulong, data=users_book([row], headers=headers))
    assert preview.problems == [] and preview.changed == 2


def test_files_that_are_not_workbooks_are_refused(wulong, client):
    before = counts()
    response = upload(client, USERS, "单位名称,统一社会信用代码\n甲,1\n".encode(), name="名录.xlsx")
    assert response.status_code == 200 and response.context["form"].errors["file"]
    with pytest.raises(FileUnreadable):
        imports.preview_import(USERS, region=wulong, data=b"PK\x03\x04 not really")
    assert counts() == before


# --- carriers ------------------------------------------------------------------------------------


@pytest.fixture
def registered(wulong):
    factory = WaterUser.objects.create(region=wulong, name="重庆甲化工有限公司", credit_code=code(1), kind="industry")
    community = WaterUser.objects.create(region=wulong, name="凤山小区", kind="community")
    school = WaterUser.objects.create(region=wulong, name="区实验小学", kind="school", credit_code=code(5))
    return factory, community, school


def test_carriers_match_users_by_code_and_by_name(wulong, client, registered, reviewer):
    factory, community, school = registered
    rows = [
        carrier_row(user="", credit_code=code(1)),
        carrier_row("节水型居民小区", "市级", "已公布", user="凤山 小区", published="2023-07-01", recheck="2026-06-01"),
        carrier_row("节水型学校", "区县级", "创建中", user="区实验小学", credit_code=code(5), accepted=None),
        carrier_row("节水教育基地", "区县级", "已验收", user="", entity="武隆区节水教育馆"),
    ]
    data = carriers_book(rows)
    url = preview_url(client, CARRIERS, data)
    assert client.get(url).context["changed"] == 4
    done = client.post(url)
    assert done.status_code == 302 and done.url == reverse("carriers:carriers")
    assert Carrier.objects.get(user=factory).accepted_on == datetime.date(2023, 6, 1)
    published = Carrier.objects.get(user=community)
    assert (published.level, published.status, published.published_on) == (
        "city",
        "published",
        datetime.date(2023, 7, 1),
    )
    assert Carrier.objects.get(user=school).status == "creating"
    base = Carrier.objects.get(entity_name="武隆区节水教育馆")
    assert base.user is None and base.carrier_type_id == "education_base" and base.region == wulong
    assert base.history.first().history_user == reviewer
    again = imports.preview_import(CARRIERS, region=wulong, data=data)
    assert again.problems == [] and again.changed == 0


def test_carrier_changes_are_matched_on_type_level_and_user(wulong, registered, reviewer):
    factory = registered[0]
    apply(CARRIERS, wulong, carriers_book([carrier_row()]), reviewer)
    preview = imports.preview_import(
        CARRIERS,
        region=wulong,
        data=carriers_book([carrier_row(status="复核不合格", ended="2024-05-01"), carrier_row(level="市级")]),
    )
    assert preview.problems == []
    first = preview.rows()[0]
    assert first.where == "第3行" and "重庆甲化工有限公司" in first.label
    assert first.fields == [("状态", "已验收", "复核不合格"), ("复核不合格或撤销日期", "", "2024-05-01")]
    assert preview.count(Carrier, created=True) == 1 and preview.count(Carrier, created=False) == 1
    apply(CARRIERS, wulong, carriers_book([carrier_row(status="复核不合格", ended="2024-05-01")]), reviewer)
    carrier = Carrier.objects.get(user=factory, level="county")
    assert carrier.status == "failed_recheck" and carrier.version == 2


def test_dates_in_several_spellings(wulong, registered, reviewer):
    rows = [
        carrier_row(
            applied="2023/3/1", accepted="2023年6月1日", published=datetime.datetime(2023, 7, 1), status="已公布"
        )
    ]
    apply(CARRIERS, wulong, carriers_book(rows), reviewer)
    carrier = Carrier.objects.get(user=registered[0])
    assert (carrier.applied_on, carrier.accepted_on, carrier.published_on) == (
        datetime.date(2023, 3, 1),
        datetime.date(2023, 6, 1),
        datetime.date(2023, 7, 1),
    )


BAD_CARRIERS = {
    "unknown type": ([carrier_row("节水型工厂")], "第3行A列（载体类型）：“节水型工厂”不是可选的载体类型"),
    "unknown level": ([carrier_row(level="乡镇级")], "第3行B列（级别）：“乡镇级”不是可选的级别"),
    "unknown status": ([carrier_row(status="已完成")], "第3行C列（状态）：“已完成”不是可选的状态"),
    "accepted before applied": (
        [carrier_row(applied="2023-08-01")],
        "第3行H列（验收日期）：验收日期2023-06-01早于申报日期2023-08-01",
    ),
    "published before accepted": (
        [carrier_row(status="已公布", published="2023-05-01")],
        "第3行I列（公布日期）：公布日期2023-05-01早于验收日期2023-06-01",
    ),
    "ended before accepted": (
        [carrier_row(status="已撤销", ended="2023-01-01")],
        "第3行K列（复核不合格或撤销日期）：复核不合格或撤销日期2023-01-01早于验收日期",
    ),
    "recheck before accepted": (
        [carrier_row(recheck="2022-01-01")],
        "第3行J列（复核到期日）：复核到期日2022-01-01早于",
    ),
    "accepted without date": (
        [carrier_row(accepted=None)],
        "第3行H列（验收日期）：状态为“已验收”的载体必须填写验收日期",
    ),
    "published without date": (
        [carrier_row(status="已公布")],
        "第3行I列（公布日期）：状态为“已公布”的载体必须填写公布日期",
    ),
    "failed without date": ([carrier_row(status="复核不合格")], "第3行K列（复核不合格或撤销日期）：状态为“复核不合格”"),
    "revoked without date": ([carrier_row(status="已撤销")], "第3行K列（复核不合格或撤销日期）：状态为“已撤销”"),
    "enterprise without user": (
        [carrier_row(user="", entity="某公司")],
        "第3行D列（用水单位）：节水型企业必须是本区已登记",
    ),
    "unknown user": ([carrier_row(user="不存在的公司")], "第3行D列（用水单位）：本区没有登记名为“不存在的公司”"),
    "unknown code": (
        [carrier_row(user="", credit_code=code(7))],
        "第3行E列（统一社会信用代码）：本区没有登记统一社会信用代码为",
    ),
    "code of another user": (
        [carrier_row(user="凤山小区", credit_code=code(1))],
        "第3行D列（用水单位）：统一社会信用代码" + code(1) + "在本区登记的单位是“重庆甲化工有限公司”",
    ),
    "invalid code": ([carrier_row(credit_code="91500156MA0000001A")], "第3行E列（统一社会信用代码）：统一社会信用代码"),
    "bad date": ([carrier_row(applied="三月")], "第3行G列（申报日期）：“三月”不是有效的日期"),
    "same carrier twice": (
        [carrier_row(), carrier_row(user="", credit_code=code(1))],
        "第4行A列（载体类型）：与第3行是同一个载体",
    ),
    "entity without name": ([carrier_row("合同节水项目", user="")], "第3行F列（名称（非用水单位））：请填写用水单位"),
}


@pytest.mark.parametrize("case", BAD_CARRIERS)
def test_bad_carrier_rows_are_refused_with_row_and_column(wulong, client, registered, reviewer, case):
    rows, message = BAD_CARRIERS[case]
    data = carriers_book([*rows, carrier_row("节水型居民小区", user="凤山小区")])
    before, history = counts(), history_counts()
    preview = imports.preview_import(CARRIERS, region=wulong, data=data)
    assert any(problem.startswith(message) for problem in preview.problems), preview.problems
    with pytest.raises(ImportBlocked):
        apply(CARRIERS, wulong, data, reviewer)
    url = preview_url(client, CARRIERS, data)
    page = client.post(url)
    assert page.status_code == 200 and message in page.content.decode()
    assert counts() == before and history_counts() == history


def test_users_of_another_district_are_unknown(regions, registered, reviewer):
    other = WaterUser.objects.create(
        region=regions["qianjiang"], name="黔江某公司", credit_code=code(8), kind="industry"
    )
    preview = imports.preview_import(
        CARRIERS, region=regions["wulong"], data=carriers_book([carrier_row(user=other.name)])
    )
    assert preview.problems and preview.problems[0].startswith("第3行D列（用水单位）：本区没有登记")


def test_a_registry_change_before_confirming_blocks_the_import(wulong, client, registered):
    url = preview_url(client, CARRIERS, carriers_book([carrier_row("节水型居民小区", user="凤山小区")]))
    assert client.get(url).context["problems"] == []
    registered[1].delete()
    before = counts()
    page = client.post(url)
    assert page.status_code == 200 and "本区没有登记名为“凤山小区”" in page.content.decode()
    assert counts() == before


def test_a_clash_while_writing_writes_nothing(wulong, reviewer, monkeypatch):
    original = imports.Change.save
    saved = []

    def save(change, user):
        if saved:
            raise IntegrityError("unique")
        saved.append(change)
        original(change, user)

    monkeypatch.setattr(imports.Change, "save", save)
    before = counts()
    with pytest.raises(ImportBlocked):
        apply(USERS, wulong, users_book(GOOD_USERS), reviewer)
    assert counts() == before


# --- export and the round trip -------------------------------------------------------------------


def test_export_then_import_changes_nothing(wulong, client, reviewer):
    apply(USERS, wulong, users_book(GOOD_USERS), reviewer)
    UserYear.objects.filter(year=2022).update(irrigated_area_mu=Decimal("12.30"), planned_quota=Decimal("0.10"))
    factory = WaterUser.objects.get(credit_code=code(1))
    Carrier.objects.create(
        region=wulong,
        carrier_type="enterprise",
        level="county",
        user=factory,
        status="published",
        applied_on="2023-01-02",
        accepted_on="2023-06-01",
        published_on="2023-07-01",
        recheck_due="2026-06-01",
        notes="=SUM(A1)",
    )
    Carrier.objects.create(
        region=wulong,
        carrier_type="contract",
        level="city",
        entity_name="合同节水改造项目",
        status="revoked",
        accepted_on="2022-01-01",
        ended_on="2024-01-01",
    )

    response = client.get(reverse("carriers:export_users"))
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    users_file = response.content
    sheet = openpyxl.load_workbook(io.BytesIO(users_file))[registry_layout.USERS_SHEET]
    assert sheet["A1"].value == "武隆区用水单位名录及年度用水量"
    assert [cell.value for cell in sheet[3]] == USER_HEADERS  # under the title and the 填报单位 line
    assert sheet["A3"].font.b and sheet["A3"].border.left.style == "thin"
    assert sheet.freeze_panes == "B4"
    assert sheet.column_dimensions["A"].width > 20
    factory_years = [row[5].value for row in sheet.iter_rows(min_row=4) if row[0].value == "重庆甲化工有限公司"]
    assert factory_years == [2023, 2022]  # newest first
    no_years = [row for row in sheet.iter_rows(min_row=4, values_only=True) if row[0] == "重庆乙酒店有限公司"]
    assert no_years == [("重庆乙酒店有限公司", code(2), "服务业", "住宿", "公共供水", *[None] * 9)]

    carriers_file = client.get(reverse("carriers:export_carriers")).content
    carrier_sheet = openpyxl.load_workbook(io.BytesIO(carriers_file))[registry_layout.CARRIERS_SHEET]
    assert [cell.value for cell in carrier_sheet[3]] == CARRIER_HEADERS
    notes = [row[11] for row in carrier_sheet.iter_rows(min_row=4) if row[11].value]
    assert notes[0].value == "=SUM(A1)" and notes[0].data_type == "s"  # text, not a formula

    for what, data in ((USERS, users_file), (CARRIERS, carriers_file)):
        preview = imports.preview_import(what, region=wulong, data=data)
        assert preview.problems == [] and preview.changed == 0, (what, preview.problems, preview.rows())
        page = client.get(preview_url(client, what, data))
        assert page.context["changed"] == 0


def test_export_of_an_empty_registry_is_a_template(client, wulong):
    data = client.get(reverse("carriers:export_users")).content
    sheet = openpyxl.load_workbook(io.BytesIO(data))[registry_layout.USERS_SHEET]
    assert [cell.value for cell in sheet[3]] == USER_HEADERS and sheet.max_row == 3
    preview = imports.preview_import(USERS, region=wulong, data=data)
    assert preview.problems == ["“用水单位”工作表第3行的表头下面没有数据。"]


# --- who may ----------------------------------------------------------------------------------------


def routes():
    return [
        reverse("carriers:import_upload", args=[USERS]),
        reverse("carriers:import_upload", args=[CARRIERS]),
        reverse("carriers:export_users"),
        reverse("carriers:export_carriers"),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(regions, client_for):
    from django.test import Client

    anonymous = Client()
    for url in [*routes(), reverse("carriers:import_preview", args=[USERS, "abc"])]:
        response = anonymous.get(url)
        assert response.status_code == 302 and reverse("login") in response.url


def test_a_reporter_cannot_import(regions, client_for):
    reporter = client_for(User.objects.get(username="wulong_cgj"))
    for what in (USERS, CARRIERS):
        assert reporter.get(reverse("carriers:import_upload", args=[what])).status_code == 404
        assert upload(reporter, what, users_book(GOOD_USERS)).status_code == 404
    assert reporter.get(reverse("carriers:export_users")).status_code == 200  # seeing is enough to export


def test_another_district_gets_404(regions, client_for, client):
    outsider = client_for(User.objects.get(username="qianjiang_reviewer"))
    wulong = regions["wulong"]
    for url in routes():
        assert outsider.get(f"{url}?region={wulong.code}").status_code == 404
    assert upload(outsider, USERS, users_book(GOOD_USERS), region=wulong).status_code == 404
    # Nor can the upload of a 武隆 reviewer be seen or confirmed by anyone else.
    url = preview_url(client, USERS, users_book(GOOD_USERS))
    assert outsider.get(url).status_code == 404 and outsider.post(url).status_code == 404
    # A users upload is not a carriers upload.
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert client.get(reverse("carriers:import_preview", args=[CARRIERS, token])).status_code == 404


def test_unknown_file_kind_is_404(client):
    assert client.get(reverse("carriers:import_upload", args=["audits"])).status_code == 404


def test_an_administrator_names_the_region(regions, client_for):
    admin = client_for(User.objects.get(username="admin"))
    # Without ?region=, the first district (as on the registry pages), named on the page.
    first = admin.get(reverse("carriers:import_upload", args=[USERS]))
    assert first.status_code == 200 and first.context["region"] == regions["qianjiang"]
    assert admin.get(reverse("carriers:import_upload", args=[USERS]) + "?region=000000").status_code == 404
    wulong = regions["wulong"]
    page = admin.get(reverse("carriers:import_upload", args=[USERS]) + f"?region={wulong.code}")
    assert page.status_code == 200 and "单位名称" in page.content.decode()
    url = preview_url(admin, USERS, users_book(GOOD_USERS), region=wulong)
    done = admin.post(url)
    assert done.url == reverse("carriers:registry") + f"?region={wulong.code}"
    assert WaterUser.objects.filter(region=wulong, credit_code=code(1)).exists()


def test_a_supervisor_exports_but_does_not_import(regions, client_for):
    supervisor = client_for(User.objects.get(username="cq_city"))
    wulong = regions["wulong"]
    assert supervisor.get(reverse("carriers:export_carriers") + f"?region={wulong.code}").status_code == 200
    assert supervisor.get(reverse("carriers:import_upload", args=[USERS]) + f"?region={wulong.code}").status_code == 404


def test_wrong_methods_are_405(client):
    for url in routes()[:2]:
        assert client.put(url).status_code == 405
        assert client.delete(url).status_code == 405
    for url in routes()[2:]:
        assert client.post(url).status_code == 405
    url = preview_url(client, USERS, users_book(GOOD_USERS))
    assert client.put(url).status_code == 405


def test_upload_page_explains_the_columns(client):
    page = client.get(reverse("carriers:import_upload", args=[CARRIERS])).content.decode()
    for header in CARRIER_HEADERS:
        assert header in page
    assert reverse("carriers:export_carriers") in page
