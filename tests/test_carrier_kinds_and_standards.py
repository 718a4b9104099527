"""Carrier kinds are data (the old codes kept, kinds plans name that could not be recorded
added, more added by administrators), carriers name the standard they were evaluated
under, and a coverage target such as “节水教育基地100%全覆盖” can be recorded."""

import datetime
import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from carriers import imports, registry_export, registry_layout
from carriers.imports import CARRIERS, USERS
from carriers.models import (
    Carrier,
    CarrierKind,
    CarrierTarget,
    EvaluationStandard,
    WaterUser,
    carrier_kinds,
    rate_base_kinds,
)
from carriers.selectors import target_progress
from core.errors import ImportBlocked
from org.models import User
from tests.test_carrier_import import GOOD_USERS, carrier_row, carriers_book, users_book

pytestmark = pytest.mark.django_db
HEADERS = [column.header for column in registry_layout.CARRIER_COLUMNS]


@pytest.fixture
def wulong(regions):
    return regions["wulong"]


@pytest.fixture
def reviewer(regions):
    return User.objects.get(username="wulong_reviewer")


def with_standard(row, standard="", holder=""):
    return [*row, holder, standard]


def full_book(rows):
    return carriers_book(rows, headers=HEADERS)


# --- kinds -------------------------------------------------------------------------------------


def test_the_old_codes_are_kinds_and_the_missing_kinds_are_added(db):
    names = dict(CarrierKind.objects.values_list("code", "name"))
    for code, label in registry_layout.TYPE_LABELS.items():
        assert names[code] == label
    assert names["retrofit"] == "节水技改项目" and names["leader_product"] == "水效领跑者产品"
    assert rate_base_kinds()["enterprise"] == ["industry", "services"]
    assert "education_base" not in rate_base_kinds()
    assert carrier_kinds().named == {"education_base", "contract", "retrofit", "leader_product"}


def test_a_product_is_recorded_with_its_own_name_and_holder(wulong):
    product = Carrier(region=wulong, carrier_type="leader_product", level="national",
                      entity_name="某型号节水型坐便器", holder="重庆某洁具有限公司")
    product.full_clean()
    product.save()
    assert str(product) == "某型号节水型坐便器（水效领跑者产品）"
    enterprise = Carrier(region=wulong, carrier_type="enterprise", level="county", entity_name="某企业")
    with pytest.raises(ValidationError, match="用水单位"):
        enterprise.full_clean()


def test_a_kind_is_held_by_the_user_kinds_it_names(wulong):
    hotel = WaterUser.objects.create(region=wulong, name="某酒店", kind="services", credit_code="")
    school = WaterUser.objects.create(region=wulong, name="某小学", kind="school", credit_code="")
    Carrier(region=wulong, carrier_type="enterprise", level="county", user=hotel).full_clean()  # 工业、服务业
    Carrier(region=wulong, carrier_type="unit", level="county", user=school).full_clean()
    Carrier(region=wulong, carrier_type="leader", level="county", user=school).full_clean()  # any kind
    with pytest.raises(ValidationError, match=r"节水型单位.*公共机构、学校.*某酒店"):
        Carrier(region=wulong, carrier_type="unit", level="county", user=hotel).full_clean()


def test_a_kind_an_administrator_adds_is_offered_and_read_from_files(wulong, reviewer, client_for):
    CarrierKind.objects.create(code="park", name="节水型园区", tied_to_user=False, order=200)
    page = client_for(reviewer).get(reverse("carriers:carrier_create") + f"?region={wulong.code}")
    assert "节水型园区" in page.content.decode()
    preview = imports.preview_import(CARRIERS, region=wulong, data=full_book([
        with_standard(carrier_row(carrier_type="节水型园区", user="", entity="白马工业园区"), holder="白马管委会"),
    ]))
    assert preview.problems == []
    imports.apply_import(CARRIERS, region=wulong, data=full_book([
        with_standard(carrier_row(carrier_type="节水型园区", user="", entity="白马工业园区"), holder="白马管委会"),
    ]), user=reviewer)
    park = Carrier.objects.get(entity_name="白马工业园区")
    assert (park.carrier_type_id, park.holder) == ("park", "白马管委会")


def test_a_retired_kind_is_not_offered_for_new_carriers(wulong, reviewer, client_for):
    CarrierKind.objects.filter(code="retrofit").update(is_active=False)
    page = client_for(reviewer).get(reverse("carriers:carrier_create") + f"?region={wulong.code}")
    assert "节水技改项目" not in page.content.decode()


# --- a coverage target of a kind without registered users --------------------------------------


def _base(region, name, accepted):
    return Carrier.objects.create(region=region, carrier_type="education_base", level="county", entity_name=name,
                                  status="accepted", accepted_on=accepted)


def test_education_bases_full_coverage_is_a_target(wulong):
    # “节水教育基地100%全覆盖”: every one of the district's 3 乡镇 (as the plan counts them).
    target = CarrierTarget(region=wulong, year=2025, carrier_type="education_base", min_rate=D(100),
                           text="节水教育基地100%全覆盖")
    with pytest.raises(ValidationError, match="基数"):
        target.full_clean()  # no registered users to count against: the target says how many
    target.rate_base = 3
    target.full_clean()
    target.save()
    _base(wulong, "仙女山节水教育基地", datetime.date(2025, 3, 1))
    _base(wulong, "白马节水教育基地", datetime.date(2025, 5, 1))
    progress = target_progress(wulong, 2025, today=datetime.date(2025, 12, 31))
    mine = next(p for p in progress if p.target.pk == target.pk)
    assert (mine.built, mine.base, mine.met) == (2, 3, False)  # one short of the line
    _base(wulong, "江口节水教育基地", datetime.date(2025, 9, 1))
    mine = next(p for p in target_progress(wulong, 2025, today=datetime.date(2025, 12, 31)) if p.target.pk == target.pk)
    assert (mine.built, mine.rate, mine.met) == (3, D(100), True)  # exactly on it


# --- evaluation standards ----------------------------------------------------------------------


@pytest.fixture
def standards(db):
    national = EvaluationStandard.objects.get(code="GB/T 7119-2018")
    provincial = EvaluationStandard.objects.create(code="DB50/T 0000-2020", title="节水型单位评价规范（示例）",
                                                   issuer="重庆市市场监督管理局", year=2020)
    ministry = EvaluationStandard.objects.create(title="公共机构节水型单位建设标准（示例）", issuer="水利部")
    return national, provincial, ministry


def _users(wulong, reviewer):
    imports.apply_import(USERS, region=wulong, data=users_book(GOOD_USERS), user=reviewer)


def test_the_national_standard_is_registered(db):
    national = EvaluationStandard.objects.get(code="GB/T 7119-2018")
    assert str(national) == "GB/T 7119-2018《节水型企业评价导则》" and national.year == 2018


def test_a_carriers_file_names_the_standard_by_number_or_title(wulong, reviewer, standards):
    national, provincial, ministry = standards
    _users(wulong, reviewer)
    rows = [
        with_standard(carrier_row(), standard="GB/T７１１９-２０１８"),  # full-width digits: the same number
        with_standard(carrier_row(user="重庆乙酒店有限公司"), standard="《节水型单位评价规范（示例）》"),
        with_standard(carrier_row(carrier_type="水效领跑者", user="重庆乙酒店有限公司"),
                      standard="公共机构节水型单位建设标准（示例）"),
    ]
    imports.apply_import(CARRIERS, region=wulong, data=full_book(rows), user=reviewer)
    found = {(c.user.name, c.carrier_type_id): c.standard for c in Carrier.objects.filter(region=wulong,
                                                                                           user__isnull=False)}
    assert found[("重庆甲化工有限公司", "enterprise")] == national
    assert found[("重庆乙酒店有限公司", "enterprise")] == provincial
    assert found[("重庆乙酒店有限公司", "leader")] == ministry


def test_an_unknown_standard_names_its_row_and_nothing_is_written(wulong, reviewer, standards):
    _users(wulong, reviewer)
    before = Carrier.objects.count()
    unknown = with_standard(carrier_row(user="重庆乙酒店有限公司"), standard="GB/T 0000-2099")
    rows = [with_standard(carrier_row()), unknown]
    preview = imports.preview_import(CARRIERS, region=wulong, data=full_book(rows))
    assert len(preview.problems) == 1
    assert preview.problems[0].startswith("第4行N列（评价标准）：“GB/T 0000-2099”不是已登记的评价标准")
    with pytest.raises(ImportBlocked):
        imports.apply_import(CARRIERS, region=wulong, data=full_book(rows), user=reviewer)
    assert Carrier.objects.count() == before


def test_a_file_without_the_new_columns_still_reads(wulong, reviewer):
    _users(wulong, reviewer)
    old_headers = HEADERS[:-2]
    data = carriers_book([carrier_row()], headers=old_headers)
    preview = imports.preview_import(CARRIERS, region=wulong, data=data)
    assert preview.problems == [] and len(preview.changes) == 1


def test_the_export_shows_the_standard_and_reads_back_unchanged(wulong, reviewer, standards):
    national, *_ = standards
    _users(wulong, reviewer)
    imports.apply_import(CARRIERS, region=wulong, data=full_book([
        with_standard(carrier_row(), standard="GB/T 7119-2018"),
        with_standard(carrier_row(carrier_type="节水技改项目", user="", entity="某厂冷却水循环改造"),
                      holder="重庆甲化工有限公司"),
    ]), user=reviewer)
    carriers = Carrier.objects.filter(region=wulong).select_related("user", "standard")
    data = registry_export.build_carriers(wulong, carriers, carrier_kinds())
    sheet = openpyxl.load_workbook(io.BytesIO(data))[registry_layout.CARRIERS_SHEET]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=registry_layout.FIRST_DATA_ROW,
                                                                    values_only=False)]
    assert rows[0][0] == "节水型企业" and rows[0][-1] == str(national)
    assert rows[1][0] == "节水技改项目" and rows[1][-2] == "重庆甲化工有限公司"
    assert imports.preview_import(CARRIERS, region=wulong, data=data).changes == []


def test_the_carrier_form_sets_the_standard(wulong, reviewer, client_for, standards):
    national, *_ = standards
    _users(wulong, reviewer)
    user = wulong.water_users.get(name="重庆甲化工有限公司")
    response = client_for(reviewer).post(reverse("carriers:carrier_create") + f"?region={wulong.code}", {
        "carrier_type": "enterprise", "level": "county", "user": user.pk, "status": "creating",
        "standard": national.pk,
    })
    assert response.status_code == 302
    carrier = Carrier.objects.get(user=user)
    assert carrier.standard == national
    detail = client_for(reviewer).get(carrier.get_absolute_url()).content.decode()
    assert "GB/T 7119-2018《节水型企业评价导则》" in detail
