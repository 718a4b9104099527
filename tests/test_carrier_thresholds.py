"""Every threshold of the registry on its line and one unit below: the documents' “以上” and
“不低于” include the line (“300万立方米以上（含本数）”), and each threshold is read against
the figure its rule names (total use, new water or withdrawal)."""

from decimal import Decimal as D

import pytest

from carriers.models import Figure, MonitoringRule, UserYear, WaterRules, WaterUser
from carriers.selectors import audits_required, key_monitoring, planned_use_gaps

pytestmark = pytest.mark.django_db
YEAR = 2019


def _user(region, name, kind="industry", **figures):
    user = WaterUser.objects.create(region=region, name=name, kind=kind)
    values = {"total_use": D(0), **{key: D(value) for key, value in figures.items()}}
    UserYear.objects.create(user=user, year=YEAR, **values)
    return user


def _names(items):
    return sorted(item.figures.user.name if hasattr(item, "figures") else item.user.name for item in items)


@pytest.mark.parametrize(("measure", "figures", "listed"), [
    # 年地表取水量300万立方米以上（含本数）
    ("surface_withdrawal", {"surface_withdrawal": 3_000_000}, True),
    ("surface_withdrawal", {"surface_withdrawal": 2_999_999}, False),
    ("ground_withdrawal", {"ground_withdrawal": 500_000}, True),
    ("ground_withdrawal", {"ground_withdrawal": 499_999}, False),
    # 取水量: surface and groundwater together
    ("withdrawal", {"surface_withdrawal": 400_000, "ground_withdrawal": 100_000}, True),
    ("withdrawal", {"surface_withdrawal": 400_000, "ground_withdrawal": 99_999}, False),
    # 年用水量 on total use counts reused water; on new water it does not
    ("total_use", {"total_use": 500_000, "reused_water": 200_000}, True),
    ("total_use", {"total_use": 499_999, "reused_water": 0}, False),
    ("new_water", {"total_use": 700_000, "reused_water": 200_000}, True),
    ("new_water", {"total_use": 700_000, "reused_water": 200_001}, False),
    ("irrigated_area_mu", {"irrigated_area_mu": 500_000}, True),
    ("irrigated_area_mu", {"irrigated_area_mu": "499999.99"}, False),
])
def test_a_monitoring_threshold_includes_its_line(world, measure, figures, listed):
    threshold = 3_000_000 if measure == "surface_withdrawal" else 500_000
    MonitoringRule.objects.create(region=world.district, name="规则", measure=measure, threshold=threshold)
    _user(world.district, "甲公司", **figures)
    assert bool(key_monitoring(world.district, YEAR)) is listed


def test_the_planned_use_line_is_on_total_use_in_wulong(world):
    # The default names total use, as 武隆's 工作方案 does: 6,500 m³ with 1,000 reused is over
    # a 6,000 m³ line though its new water (5,500) is not.
    rules = WaterRules.objects.create(region=world.district, planned_use_from=6000)
    assert rules.planned_use_figure == Figure.TOTAL_USE
    _user(world.district, "甲 reuses", total_use=6500, reused_water=1000)
    _user(world.district, "乙 on the line", total_use=6000)
    _user(world.district, "丙 one below", total_use=5999)
    assert _names(planned_use_gaps(world.district, YEAR)) == ["乙 on the line", "甲 reuses"]
    assert [f.measured for f in planned_use_gaps(world.district, YEAR)] == [D(6500), D(6000)]


def test_a_district_may_draw_the_planned_use_line_on_new_water_or_withdrawal(world):
    rules = WaterRules.objects.create(region=world.district, planned_use_from=6000,
                                      planned_use_figure=Figure.NEW_WATER)
    _user(world.district, "甲 reuses", total_use=6500, reused_water=1000)
    _user(world.district, "乙", total_use=7000, reused_water=1000, ground_withdrawal=5999)
    assert _names(planned_use_gaps(world.district, YEAR)) == ["乙"]
    rules.planned_use_figure = Figure.WITHDRAWAL
    rules.save()
    assert planned_use_gaps(world.district, YEAR) == []  # 5,999 withdrawn: one below


@pytest.mark.parametrize(("new_water", "due"), [(7800, True), (7799, False), (7801, True)])
def test_an_audit_is_due_from_exactly_thirty_percent_over_plan(world, new_water, due):
    # 超计划30%以上 includes 30 %: 7,800 on a 6,000 quota is +30 %.
    WaterRules.objects.create(region=world.district)
    _user(world.district, "甲", total_use=new_water, planned_quota=6000)
    found, _stray = audits_required(world.district, YEAR)
    assert bool(found) is due
    if due:
        assert found[0].used == D(new_water)


def test_the_overuse_is_read_on_the_figure_the_rules_name(world):
    WaterRules.objects.create(region=world.district, plan_figure=Figure.TOTAL_USE, audit_over_percent=20)
    # New water 6,000 is on the quota; total use 7,200 is +20 %.
    _user(world.district, "甲", total_use=7200, reused_water=1200, planned_quota=6000)
    found, _stray = audits_required(world.district, YEAR)
    assert [(item.figures.user.name, item.over_percent, item.used) for item in found] == [("甲", D(20), D(7200))]
