"""The registry on the demo data, counted by hand: 武隆's 2019 key-monitoring list,
planned-use gaps, required audits and carrier targets; 黔江's coverage rates in the
indicator board with their lineage; the rules on one row; the pages."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from carriers.credit_code import InvalidCreditCode, check_character, validate
from carriers.models import Carrier, UserYear, WaterAudit, WaterUser
from carriers.selectors import audits_required, key_monitoring, planned_use_gaps, target_progress
from carriers.services import carrier_save
from core.periods import Quarter
from demo import catalogue as indicator_demo
from demo import regions as org_demo
from demo import registry as carrier_demo
from indicators.models import ComputedValue
from org.models import Region, User
from tests.helpers import kept_for_module

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker):
    """The demo's regions, indicators and registry, loaded once for the module's tests (each
    test's own changes are rolled back as usual)."""
    with kept_for_module(django_db_blocker):
        org_demo.load(password="pw-for-tests-1")
        indicator_demo.load(password="")
        carrier_demo.load(password="")
        yield


@pytest.fixture
def demo(_demo_once, db):
    return {"wulong": Region.objects.get(code="500156"), "qianjiang": Region.objects.get(code="500114")}


def names(items):
    return [item.user.name for item in items]


# --- the credit code ----------------------------------------------------------------------


def test_a_published_credit_code_is_valid_and_normalised():
    assert validate(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert validate("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"  # full-width


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y4", "应为18位"),
        ("91350100M000100I43", "不允许的字符：I"),
        ("91350100M000100Y44", "第18位应为3"),
    ],
)
def test_a_bad_credit_code_says_what_is_wrong(code, message):
    with pytest.raises(InvalidCreditCode, match=message):
        validate(code)


def test_the_check_character_follows_gb_32100():
    # 9 1 3 5 0 1 0 0 M(21) 0 0 0 1 0 0 Y(30) 4 × weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28:
    # 9 + 3 + 27 + 135 + 26 + 420 + 8 + 900 + 112 = 1640; 1640 mod 31 = 28; 31 − 28 = 3.
    assert check_character("91350100M000100Y4") == "3"


# --- 武隆 2019, counted by hand from demo/registry_data.py -----------------------------------------


def test_key_monitoring_list_with_the_rule_that_put_each_unit_there(demo):
    listed = key_monitoring(demo["wulong"], 2019)
    # New water: 乌江水泥 3.3M (surface 3.2M ≥ 3M and industry ≥ 1M), 长坝灌区 5.8M (surface
    # 5.8M, 52,000 mu ≥ 50,000), 羊角造纸 1.4M (industry ≥ 1M), 仙女山滑雪场 1.1M (services
    # ≥ 1M), 仙女山矿泉水 0.64M (groundwater 620,000 ≥ 500,000). 喀斯特景区 (surface 120,000)
    # and the 1.3M-total/0.13M-new 人民医院 are not on it.
    assert names(listed) == ["长坝灌区", "乌江水泥有限公司", "羊角造纸有限公司", "仙女山滑雪场", "仙女山矿泉水有限公司"]
    rules = {item.user.name: [rule.measure for rule in item.rules] for item in listed}
    assert rules["乌江水泥有限公司"] == ["surface_withdrawal", "new_water"]
    assert rules["长坝灌区"] == ["surface_withdrawal", "irrigated_area_mu"]
    assert rules["仙女山矿泉水有限公司"] == ["ground_withdrawal"]
    assert key_monitoring(demo["wulong"], 2018) and names(key_monitoring(demo["wulong"], 2018)) == [
        "乌江水泥有限公司", "羊角造纸有限公司"]


def test_planned_use_gaps(demo):
    gaps = planned_use_gaps(demo["wulong"], 2019)
    # ≥ 6,000 m³ of new water and no quota: 江口电力 95,000 (300,000 − 205,000 reused), 中医院
    # 90,000, 桐梓农产品 9,800, 洗车中心 7,500. 火炉建材 (5,200) is below; communities are
    # not planned users.
    assert [(f.user.name, f.new_water) for f in gaps] == [
        ("江口电力设备制造有限公司", D(95000)), ("武隆区中医院", D(90000)), ("桐梓农产品加工厂", D(9800)),
        ("芙蓉江洗车服务中心", D(7500)),
    ]


def test_audits_required_thirty_percent_or_more_over_plan(demo):
    due, stray = audits_required(demo["wulong"], 2019)
    # 喀斯特 150,000/100,000 = +50 %, 职教中心 30,000/20,000 = +50 %, 矿泉水 640,000/450,000 =
    # +42.2 %, 羊角造纸 1,400,000/1,000,000 = +40 %. 人民医院 130,000/100,000 is exactly +30 %:
    # “超计划30%以上” includes 30 %, so it is due too.
    assert [(item.figures.user.name, round(item.over_percent, 1)) for item in due] == [
        ("喀斯特旅游景区管理有限公司", D("50.0")), ("武隆区职业教育中心", D("50.0")),
        ("仙女山矿泉水有限公司", D("42.2")), ("羊角造纸有限公司", D("40.0")), ("武隆区人民医院", D("30.0")),
    ]
    ordered = {item.figures.user.name: item.audit for item in due if item.audit}
    assert set(ordered) == {"喀斯特旅游景区管理有限公司", "羊角造纸有限公司"}
    assert ordered["羊角造纸有限公司"].is_overdue(date(2020, 6, 1))
    assert not ordered["喀斯特旅游景区管理有限公司"].is_overdue(date(2020, 6, 1))  # its report came in
    assert stray == []


def test_carrier_targets_of_2019_two_met_two_missed(demo):
    progress = {p.target.carrier_type_id: p for p in target_progress(demo["wulong"], 2019, today=date(2020, 3, 1))}
    enterprise = progress["enterprise"]
    # 白马食品 and 土坎纺织 built; 火炉建材 failed its re-check in March 2019; 乌江水泥 is being
    # created. 2 of 12 industrial and service users = 16.7 % ≥ 10 %, and 2 ≥ 2.
    assert (enterprise.built, enterprise.base, round(enterprise.rate, 1)) == (2, 12, D("16.7"))
    assert enterprise.met and not enterprise.overdue
    unit = progress["unit"]  # 1 of 10 public institutions and schools = 10 % < 15 %
    assert (unit.built, unit.base, unit.rate) == (1, 10, D(10))
    assert not unit.met and unit.overdue
    community = progress["community"]  # 1 of 10 = 10 % ≥ 5 %, but 1 < 2
    assert community.rate_met and not community.count_met and community.overdue
    agency = target_progress(demo["wulong"], 2020, today=date(2020, 6, 1))[0]
    assert agency.met and agency.built == 1 and agency.as_of == date(2020, 6, 1)


def test_a_target_before_its_due_date_is_in_progress_not_overdue(demo):
    community = next(p for p in target_progress(demo["wulong"], 2019, today=date(2019, 7, 1))
                     if p.target.carrier_type_id == "community")
    assert community.built == 0 and not community.overdue  # 芙蓉花园 was accepted on 1 August


# --- 黔江 coverage in the indicators ----------------------------------------------------------------


def value(region, code, quarter):
    return ComputedValue.objects.get(region=region, indicator__code=code, year=quarter.year, quarter=quarter.number)


def test_coverage_rates_from_the_registry(demo):
    qianjiang = demo["qianjiang"]
    q4 = Quarter(2023, 4)
    # 节水型企业: 正阳化工 1,150,000 + 卷烟厂 650,000 + 武陵山食品 250,000 = 205 万m³ of 880 → 23.2955 %.
    enterprise = value(qianjiang, "CARRIER_ENTERPRISE_COVERAGE", q4)
    assert round(enterprise.value, 4) == D("23.2955") and enterprise.status == "met"
    # 节水型单位 (单位 and 机关): 240,000 + 150,000 + 90,000 = 48 万m³ of 2600 − 880 − 1480 = 240 → 20 %.
    assert value(qianjiang, "CARRIER_UNIT_COVERAGE", q4).value == D(20)
    # 节水型居民小区: 5,100 + 4,900 + 2,500 = 12,500 of 112,000 households → 11.1607 %.
    assert round(value(qianjiang, "CARRIER_COMMUNITY_COVERAGE", q4).value, 4) == D("11.1607")


def test_coverage_counts_only_carriers_built_by_the_quarters_end_and_scales_volumes_to_date(demo):
    qianjiang = demo["qianjiang"]
    q1 = Quarter(2022, 1)
    lineage = value(qianjiang, "CARRIER_ENTERPRISE_COVERAGE", q1).lineage["inputs"]["CARRIER_ENTERPRISE_WATER"]
    # Only 正阳化工 was built by 31 March 2022 (卷烟厂 came in August): 120 万m³ a year, of
    # which 90/365 to date = 29.589041 万m³.
    assert [c["name"] for c in lineage["counted"]] == ["正阳化工有限公司"]
    assert D(lineage["annual"]) == 120 and round(D(lineage["value"]), 6) == D("29.589041")
    assert lineage["registry"] is True and lineage["counted"][0]["figure_year"] == 2022


def test_the_board_lineage_lists_the_carriers_counted(demo, client_for):
    reviewer = User.objects.get(username="qianjiang_reviewer")
    computed = value(demo["qianjiang"], "CARRIER_COMMUNITY_COVERAGE", Quarter(2023, 4))
    page = client_for(reviewer).get(reverse("indicators:lineage", args=[computed.pk])).content.decode()
    for name in ("城西花园", "正阳新城", "舟白小区"):
        assert name in page
    assert "官渡峡小区" not in page  # registered, not a carrier
    assert "节水载体台账" in page


def test_a_carrier_change_recomputes_the_coverage(demo, jobs_inline):
    qianjiang = demo["qianjiang"]
    carrier = Carrier.objects.get(user__name="舟白小区")
    carrier.status, carrier.ended_on = Carrier.Status.REVOKED, date(2023, 11, 1)
    with jobs_inline():
        carrier_save(carrier, version=carrier.version, fields=["status", "ended_on"])
    # 12,500 − 2,500 = 10,000 of 112,000 → 8.93 %: no longer met.
    revoked = value(qianjiang, "CARRIER_COMMUNITY_COVERAGE", Quarter(2023, 4))
    assert round(revoked.value, 2) == D("8.93") and revoked.status == "not_met"
    # Before the revocation nothing changed: 12,500 of 111,500 households at the end of September.
    assert round(value(qianjiang, "CARRIER_COMMUNITY_COVERAGE", Quarter(2023, 3)).value, 2) == D("11.21")


def test_registry_figures_are_not_in_the_entry_sheet(demo):
    from indicators.models import Adoption
    from indicators.selectors import duties_for

    duties = duties_for(demo["qianjiang"], Adoption.objects.get(region=demo["qianjiang"]).indicator_set)
    assert not {"CARRIER_HOUSEHOLDS", "CARRIER_UNIT_WATER", "CARRIER_ENTERPRISE_WATER"} & set(duties.elements)


# --- rules on one row ----------------------------------------------------------------------


def test_carrier_dates_out_of_order_and_missing_dates_are_refused(demo):
    from django.core.exceptions import ValidationError

    user = WaterUser.objects.get(name="乌江水泥有限公司")
    carrier = Carrier(region=user.region, user=user, carrier_type="enterprise", level="county", status="published",
                      applied_on=date(2019, 5, 1), accepted_on=date(2019, 4, 1))
    with pytest.raises(ValidationError) as error:
        carrier.full_clean()
    assert "accepted_on" in error.value.message_dict and "published_on" in error.value.message_dict
    entity = Carrier(region=user.region, entity_name="某企业", carrier_type="enterprise", level="county")
    with pytest.raises(ValidationError, match="必须是已登记的用水单位"):
        entity.full_clean()


def test_reused_water_cannot_exceed_total_use(demo):
    from django.core.exceptions import ValidationError

    figures = UserYear(user=WaterUser.objects.get(name="乌江水泥有限公司"), year=2020, total_use=100, reused_water=200)
    with pytest.raises(ValidationError):
        figures.full_clean()


# --- pages ---------------------------------------------------------------------------------


@pytest.fixture
def wulong_reviewer(demo):
    return User.objects.get(username="wulong_reviewer")


def test_registry_search_filter_and_empty_result(demo, wulong_reviewer, client_for):
    client = client_for(wulong_reviewer)
    url = reverse("carriers:registry")
    page = client.get(url).content.decode()
    assert "乌江水泥有限公司" in page and "33" in page
    assert "乌江水泥" in client.get(url, {"q": "水泥"}).content.decode()
    assert "羊角造纸" not in client.get(url, {"q": "水泥"}).content.decode()
    schools = client.get(url, {"kind": "school"}).content.decode()
    assert "武隆中学" in schools and "乌江水泥" not in schools
    assert "没有符合" in client.get(url, {"q": "不存在的单位"}).content.decode()


def test_the_lists_pages_show_the_hand_counted_rows(demo, wulong_reviewer, client_for):
    client = client_for(wulong_reviewer)
    key = client.get(reverse("carriers:key_monitoring"), {"year": 2019}).content.decode()
    assert "长坝灌区" in key and "大型和5万亩以上重点中型灌区" in key and "喀斯特" not in key
    planned = client.get(reverse("carriers:planned_use"), {"year": 2019}).content.decode()
    assert "江口电力设备制造有限公司" in planned and "武隆区职业教育中心" in planned
    carriers = client.get(reverse("carriers:carriers"), {"year": 2019}).content.decode()
    assert "节水型企业建成率不低于10%" in carriers and "16.7" in carriers


def test_ordering_an_audit_is_once_per_unit_and_year(demo, wulong_reviewer, client_for):
    figures = UserYear.objects.get(user__name="武隆区职业教育中心", year=2019)
    client = client_for(wulong_reviewer)
    url = reverse("carriers:audit_order", args=[figures.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    audit = WaterAudit.objects.get(user=figures.user, year=2019)
    assert audit.over_percent == D(50) and (audit.due_on - audit.ordered_on).days == 90
    on_the_line = UserYear.objects.get(user__name="武隆区人民医院", year=2019)  # exactly 30 %: 以上 includes it
    below = UserYear.objects.get(user__name="武隆区人民医院", year=2019)
    below.total_use -= 1  # 129,999 of new water on a 100,000 quota: 29.999 %
    below.save()
    client.post(reverse("carriers:audit_order", args=[below.pk]))
    assert not WaterAudit.objects.filter(user=below.user).exists()
    on_the_line.save()  # back to 130,000
    client.post(reverse("carriers:audit_order", args=[on_the_line.pk]))
    assert WaterAudit.objects.get(user=on_the_line.user).over_percent == D(30)


def test_adding_a_user_with_a_bad_code_names_the_problem(demo, wulong_reviewer, client_for):
    response = client_for(wulong_reviewer).post(
        reverse("carriers:user_create"), {"name": "新单位", "credit_code": "91500156000000001X", "kind": "industry"}
    )
    assert response.status_code == 200
    assert "校验位错误" in response.content.decode()
    assert not WaterUser.objects.filter(name="新单位").exists()
    first17 = "91500156000000099"
    response = client_for(wulong_reviewer).post(
        reverse("carriers:user_create"),
        {"name": "新单位", "credit_code": first17 + check_character(first17), "kind": "industry"},
    )
    assert response.status_code == 302 and WaterUser.objects.get(name="新单位").credit_code.startswith(first17)


def test_a_stale_edit_is_refused(demo, wulong_reviewer, client_for):
    user = WaterUser.objects.get(name="武隆中学")
    data = {"name": "武隆中学", "credit_code": user.credit_code, "kind": "school", "industry": "教育",
            "uses_public": "on", "version": user.version}
    client = client_for(wulong_reviewer)
    assert client.post(reverse("carriers:user_edit", args=[user.pk]), {**data, "notes": "第一次"}).status_code == 302
    stale = client.post(reverse("carriers:user_edit", args=[user.pk]), {**data, "notes": "第二次"})
    assert stale.status_code == 200 and "他人已保存了这条记录" in stale.content.decode()
    user.refresh_from_db()
    assert user.notes == "第一次"


def test_a_reporter_sees_the_registry_but_changes_nothing(demo, client_for):
    clerk = User.objects.get(username="wulong_cgj")
    client = client_for(clerk)
    page = client.get(reverse("carriers:registry")).content.decode()
    assert "乌江水泥有限公司" in page and reverse("carriers:user_create") not in page
    assert client.get(reverse("carriers:user_create")).status_code == 404


# --- work items whose target is a number of carriers ----------------------------------------


def test_a_work_item_counting_carriers_shows_its_progress_from_the_registry(demo, wulong_reviewer, client_for):
    from carriers.selectors import carrier_counts
    from tasks.models import Plan, TaskNode

    plan = Plan.objects.create(region=demo["wulong"], title="载体计数测试", start_year=2019, end_year=2020)
    key = TaskNode.objects.create(plan=plan, level=1, position=1, number="一、", text="推进节水载体建设")
    agencies = TaskNode.objects.create(
        plan=plan, parent=key, level=3, position=2, text="建成节水型机关10家", target_value=10, target_unit="家",
        target_comparator="ge", target_text="建成节水型机关10家", due_on=date(2020, 6, 30),
    )
    enterprises = TaskNode.objects.create(
        plan=plan, parent=key, level=3, position=3, text="2019年度，节水型企业建成率不低于l0%（节水企业不得少于2个。",
        target_value=10, target_unit="%", target_comparator="ge", due_on=date(2019, 12, 31),
    )
    prose = TaskNode.objects.create(plan=plan, parent=key, level=3, position=4, text="积极推进节水型社会建设。")
    counts = carrier_counts(plan, [agencies, enterprises, prose], today=date(2026, 1, 1))
    # 武隆区水利局 became a 节水型机关 on 28 May 2020: 1 of 10 by 30 June 2020. Two 节水型企业
    # were built in 2019 (白马食品, 土坎纺织): 2 of “不得少于2个”. The prose item counts nothing.
    assert (counts[agencies.pk].built, counts[agencies.pk].needed, counts[agencies.pk].met) == (1, 10, False)
    assert (counts[enterprises.pk].built, counts[enterprises.pk].needed, counts[enterprises.pk].met) == (2, 2, True)
    assert prose.pk not in counts
    page = client_for(wulong_reviewer).get(reverse("tasks:plan_detail", args=[plan.pk])).content.decode()
    assert "节水型机关：已建成1个，要求10个" in page
    rates = carrier_counts(plan, [enterprises], today=date(2026, 1, 1))[enterprises.pk]
    assert (rates.base, rates.rate_needed, round(rates.rate, 1)) == (12, 10, D("16.7"))  # 2 of 12 ≥ 10 %


def test_an_audit_report_file_is_attached_checked_and_downloadable(demo, wulong_reviewer, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    audit = WaterAudit.objects.get(user__name="羊角造纸有限公司", year=2019)
    client = client_for(wulong_reviewer)
    url = reverse("carriers:audit_file_upload", args=[audit.pk])
    client.post(url, {"file": SimpleUploadedFile("审计报告.pdf", b"%PDF-1.4 report")})
    stored = audit.files.get()
    assert stored.name == "审计报告.pdf" and len(stored.sha256) == 64
    client.post(url, {"file": SimpleUploadedFile("伪装.pdf", b"not a pdf")})
    assert audit.files.count() == 1  # refused: the content is not a PDF
    download = client.get(reverse("carriers:audit_file_download", args=[stored.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 report"
    page = client.get(reverse("carriers:audit_edit", args=[audit.pk])).content.decode()
    assert "审计报告.pdf" in page


def test_carrier_files_are_the_water_bureaus_not_every_reporters(demo, wulong_reviewer, client_for):
    """A reporter reads the district's carrier registry, not the evidence filed with it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    carrier = Carrier.objects.filter(region=demo["wulong"]).first()
    reviewer = client_for(wulong_reviewer)
    reviewer.post(reverse("carriers:carrier_evidence_upload", args=[carrier.pk]),
                  {"file": SimpleUploadedFile("验收材料.pdf", b"%PDF-1.4 evidence")})
    stored = carrier.evidence.get()
    download = reverse("carriers:carrier_evidence_download", args=[stored.pk])
    assert "验收材料.pdf" in reviewer.get(carrier.get_absolute_url()).content.decode()
    assert reviewer.get(download).status_code == 200
    reporter = client_for(User.objects.get(username="wulong_cgj"))
    page = reporter.get(carrier.get_absolute_url())
    assert page.status_code == 200 and "验收材料.pdf" not in page.content.decode()
    assert reporter.get(download).status_code == 404
