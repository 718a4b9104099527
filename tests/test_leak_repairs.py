"""The water utilities' leak-repair ledgers (漏损记录台账): rows by month or quarter summed
per utility and quarter with totals, the rules of one row, the page, and the section on
the leakage indicator's lineage, counted by hand on 黔江's demo ledgers."""

import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from carriers import imports, registry_export, registry_layout
from carriers.models import LeakRepair
from core.errors import ImportBlocked
from core.periods import Quarter
from demo import catalogue as indicator_demo
from demo import regions as org_demo
from demo import registry as carrier_demo
from indicators.leakage_ledger import leak_repair_ledger
from indicators.models import ComputedValue
from org.models import Region, User
from tests.helpers import kept_for_module
from tests.test_carrier_import import book

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker):
    with kept_for_module(django_db_blocker):
        org_demo.load(password="pw-for-tests-1")
        indicator_demo.load(password="")
        carrier_demo.load(password="")
        yield


@pytest.fixture
def qianjiang(_demo_once, db):
    return Region.objects.get(code="500114")


def line(ledger_line):
    return (ledger_line.inspected_km, ledger_line.leaks_found, ledger_line.leaks_repaired, ledger_line.repair_hours,
            ledger_line.volume_lost)


def test_monthly_rows_add_up_to_their_quarter_and_the_year(qianjiang):
    ledger = leak_repair_ledger(qianjiang, 2023)
    park, town = ledger.utilities  # in the order of their names
    assert (town.utility, park.utility) == ("黔江区自来水有限公司", "正阳工业园区供水站")
    # Q1: 42.5 + 38 + 45 km; 6 + 4 + 7 found; 6 + 3 + 7 repaired; hours weighted by repairs:
    # (9.5×6 + 12×3 + 8×7) / 16 = 149/16 = 9.3; 1,850 + 1,320 + 2,100 m³.
    q1, q2 = town.quarters
    assert line(q1) == (D("125.5"), 17, 16, D("9.3"), D(5270)) and q1.months == [1, 2, 3]
    # Q2: (10×5 + 11×4 + 9×5) / 14 = 139/14 = 9.9; 4 repaired in May of 3 found then (one from April).
    assert line(q2) == (D(125), 14, 14, D("9.9"), D(4180))
    assert line(town.total) == (D("250.5"), 31, 30, D("9.6"), D(9450))  # 288 h·leaks / 30
    assert [q.months for q in park.quarters] == [[], []]  # whole quarters
    assert line(park.total) == (D(38), 5, 5, D("15.2"), D(1050))  # (16×3 + 14×2) / 5
    assert line(ledger.total) == (D("288.5"), 36, 35, D("10.4"), D(10500))  # 364 / 35


def test_the_ledger_stops_at_the_quarter_asked_for(qianjiang):
    ledger = leak_repair_ledger(qianjiang, 2023, up_to_quarter=1)
    assert line(ledger.total) == (D("143.5"), 20, 19, D("10.4"), D(5910))  # (149 + 48) / 19 = 10.37
    assert leak_repair_ledger(qianjiang, 2022) is None


def test_a_utility_spelt_with_other_spaces_is_the_same_utility(qianjiang):
    LeakRepair.objects.create(region=qianjiang, utility="正阳工业园区 供水站", year=2023, quarter=3, leaks_found=1)
    names = [u.utility for u in leak_repair_ledger(qianjiang, 2023).utilities]
    assert names == ["正阳工业园区供水站", "黔江区自来水有限公司"]  # as its earlier rows name it


@pytest.mark.parametrize(("fields", "message"), [
    ({"quarter": 2, "month": 7}, "7月不在第2季度内"),
    ({"quarter": 3, "month": 7, "leaks_repaired": 0, "repair_hours": D(5)}, "有修复的漏点才能填写修复时间"),
    ({"quarter": 3, "volume_lost": D(-1)}, "不能为负数"),
])
def test_a_bad_row_says_what_is_wrong(qianjiang, fields, message):
    record = LeakRepair(region=qianjiang, utility="黔江区自来水有限公司", year=2023, **fields)
    with pytest.raises(ValidationError, match=message):
        record.full_clean()


def test_a_quarter_is_kept_by_month_or_as_a_whole_not_both(qianjiang):
    whole = LeakRepair(region=qianjiang, utility="黔江区自来水有限公司", year=2023, quarter=1)
    with pytest.raises(ValidationError, match="已按月填报"):
        whole.full_clean()
    month = LeakRepair(region=qianjiang, utility="正阳工业园区供水站", year=2023, quarter=1, month=2)
    with pytest.raises(ValidationError, match="已有整季度记录"):
        month.full_clean()
    last_month_of_quarter = LeakRepair(region=qianjiang, utility="新水厂", year=2023, quarter=4, month=12)
    last_month_of_quarter.full_clean()  # December is in the fourth quarter


def test_the_reviewer_adds_a_record_on_the_page(qianjiang, client_for):
    reviewer = User.objects.get(username="qianjiang_reviewer")
    client = client_for(reviewer)
    url = reverse("carriers:leak_repair_create") + f"?region={qianjiang.code}"
    response = client.post(url, {"utility": "正阳工业园区供水站", "year": 2023, "quarter": 3, "month": "",
                                 "inspected_km": "19.5", "leaks_found": 4, "leaks_repaired": 3, "repair_hours": "20",
                                 "volume_lost": "700", "notes": "雨季管线沉降", "version": ""})
    assert response.status_code == 302
    record = LeakRepair.objects.get(region=qianjiang, year=2023, utility="正阳工业园区供水站", quarter=3)
    assert (record.leaks_found, record.repair_hours, record.notes) == (4, D(20), "雨季管线沉降")
    page = client.get(response.url).content.decode()
    assert "雨季管线沉降" in page and "2023年第3季度" in page
    twice = client.post(url, {"utility": "正阳工业园区供水站", "year": 2023, "quarter": 3, "month": 8,
                              "inspected_km": "1", "leaks_found": 0, "leaks_repaired": 0, "volume_lost": "0",
                              "version": ""})
    assert twice.status_code == 200 and "已有整季度记录" in twice.content.decode()


def test_the_leakage_lineage_shows_the_ledgers(qianjiang, client_for):
    computed = ComputedValue.objects.get(region=qianjiang, indicator__code="LEAKAGE", year=2023,
                                         quarter=Quarter(2023, 4).number)
    reviewer = User.objects.get(username="qianjiang_reviewer")
    page = client_for(reviewer).get(reverse("indicators:lineage", args=[computed.pk])).content.decode()
    assert 'data-testid="leak-repair-ledger"' in page and "漏损记录台账（2023年截至第4季度）" in page
    assert "10,500" in page or "10500" in page
    other = ComputedValue.objects.filter(region=qianjiang, year=2023, quarter=4).exclude(indicator__code="LEAKAGE")
    page = client_for(reviewer).get(reverse("indicators:lineage", args=[other.first().pk])).content.decode()
    assert "leak-repair-ledger" not in page


# --- the Excel import (the registry's one staged import) ---------------------------------------

LEAK_HEADERS = [column.header for column in registry_layout.LEAK_COLUMNS]


def leak_book(rows, title="黔江区漏损记录台账"):
    return book(registry_layout.LEAKS_SHEET, LEAK_HEADERS, rows, title=title)


def test_an_exported_ledger_reads_back_unchanged_and_a_file_adds_and_changes_rows(qianjiang):
    reviewer = User.objects.get(username="qianjiang_reviewer")
    exported = registry_export.build_leak_repairs(qianjiang, LeakRepair.objects.filter(region=qianjiang))
    assert imports.preview_import(imports.LEAKS, region=qianjiang, data=exported).changes == []
    rows = [
        # Q3 by month, the quarter left to the month; one month changes an existing row's loss.
        ["正阳工业园区 供水站", 2023, "", 7, "6", 1, 1, "12", "80", "汛期"],
        ["黔江区自来水有限公司", 2023, 1, 2, "38", 4, 3, "12", "1400", ""],
    ]
    applied = imports.apply_import(imports.LEAKS, region=qianjiang, data=leak_book(rows), user=reviewer)
    assert [change.created for change in applied.changes] == [True, False]
    july = LeakRepair.objects.get(region=qianjiang, year=2023, month=7)
    assert (july.utility, july.quarter, july.volume_lost, july.notes) == ("正阳工业园区 供水站", 3, D(80), "汛期")
    february = LeakRepair.objects.get(region=qianjiang, year=2023, utility="黔江区自来水有限公司", month=2)
    assert (february.volume_lost, february.version) == (D(1400), 2)


@pytest.mark.parametrize(("row", "message"), [
    (["黔江区自来水有限公司", 2023, 2, 7, "1", 0, 0, "", "0", ""], "第3行D列（月份）：7月不在第2季度内"),
    (["", 2023, 3, "", "1", 0, 0, "", "0", ""], "第3行A列（供水企业）：请填写供水企业"),
    (["甲水厂", 2023, 3, "", "1", "两个", 0, "", "0", ""], "第3行F列（发现漏点数）：“两个”不是数字"),
    (["甲水厂", 2023, 3, "", "-1", 0, 0, "", "0", ""], "第3行E列（巡检管道长度（km））：-1是负数"),
    (["甲水厂", 2023, 3, "", "1", 1, 0, "5", "0", ""],
     "第3行H列（平均修复时间（小时））：有修复的漏点才能填写修复时间"),
    # 正阳 keeps its first quarter as a whole: a month of it cannot be added.
    (["正阳工业园区供水站", 2023, 1, 2, "1", 0, 0, "", "0", ""],
     "第3行D列（月份）：正阳工业园区供水站2023年第1季度既有按月"),
])
def test_a_bad_ledger_row_is_named_and_nothing_is_written(qianjiang, row, message):
    reviewer = User.objects.get(username="qianjiang_reviewer")
    before = LeakRepair.objects.count()
    preview = imports.preview_import(imports.LEAKS, region=qianjiang, data=leak_book([row]))
    assert any(problem.startswith(message) for problem in preview.problems), preview.problems
    with pytest.raises(ImportBlocked):
        imports.apply_import(imports.LEAKS, region=qianjiang, data=leak_book([row]), user=reviewer)
    assert LeakRepair.objects.count() == before


def test_the_ledger_is_uploaded_through_the_staged_import(qianjiang, client_for):
    client = client_for(User.objects.get(username="qianjiang_reviewer"))
    file = io.BytesIO(leak_book([["正阳工业园区供水站", 2023, 3, "", "5", 2, 2, "10", "300", ""]]))
    file.name = "台账.xlsx"
    url = reverse("carriers:import_upload", args=["leak_repairs"]) + f"?region={qianjiang.code}"
    assert "供水企业" in client.get(url).content.decode()
    response = client.post(url, {"file": file})
    assert response.status_code == 302
    assert "新增漏损记录：正阳工业园区供水站 2023年第3季度" in client.get(response.url).content.decode()
    assert not LeakRepair.objects.filter(region=qianjiang, year=2023, quarter=3).exists()  # nothing before confirming
    done = client.post(response.url)
    assert done.status_code == 302 and done.url.startswith(reverse("carriers:leak_repairs"))
    assert LeakRepair.objects.get(region=qianjiang, year=2023, quarter=3).volume_lost == D(300)
