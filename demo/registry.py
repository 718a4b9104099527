"""Load the demo registry (``registry_data``) on natural keys, writing only what differs, so
loading twice writes nothing; then recompute the indicators its coverage figures feed."""

from datetime import timedelta
from decimal import Decimal

from carriers.credit_code import check_character
from carriers.models import (
    Carrier,
    CarrierTarget,
    EvaluationStandard,
    LeakRepair,
    MonitoringRule,
    UserYear,
    WaterAudit,
    WaterRules,
    WaterUser,
)
from core.periods import Quarter
from indicators import services as indicator_services
from indicators.models import ComputedValue
from indicators.selectors import adopted_sets_of
from org.models import Region

from . import dates, registry_data
from .store import put

# 统一社会信用代码 prefixes by kind: 91 enterprises, 12 public institutions (事业单位),
# 11 government bodies, 52 schools run by society are rare here: schools are 12 too.
CODE_PREFIX = {"industry": "91", "services": "91", "public": "12", "school": "12"}


def credit_code(kind, region_code, serial):
    first17 = f"{CODE_PREFIX[kind]}{region_code}{serial:09d}"
    return first17 + check_character(first17)


def load(*, password):
    wulong = Region.objects.get(code=registry_data.WULONG)
    qianjiang = Region.objects.get(code=registry_data.QIANJIANG)
    _rules(wulong)
    users = _users(wulong, registry_data.WULONG_USERS)
    for key, years in registry_data.WULONG_YEARS.items():
        for year, figures in years.items():
            _year(users[key], year, *figures)
    _carriers(wulong, users, registry_data.WULONG_CARRIERS)
    _targets(wulong)
    _audits(users)
    q_users = _users(qianjiang, registry_data.QIANJIANG_USERS)
    for key, years in registry_data.QIANJIANG_YEARS.items():
        for year, amount in years.items():
            if q_users[key].kind == WaterUser.Kind.COMMUNITY:
                _year(q_users[key], year, 0, 0, amount * 60, amount * 60, 0, None, amount, None)
            else:
                _year(q_users[key], year, 0, 0, amount, amount, 0, None, None, None)
    _carriers(qianjiang, q_users, registry_data.QIANJIANG_CARRIERS)
    _leak_repairs(qianjiang)
    written = _recompute(wulong) + _recompute(qianjiang)
    return (
        f"{WaterUser.objects.filter(region=wulong).count()} 武隆 and "
        f"{WaterUser.objects.filter(region=qianjiang).count()} 黔江 water users, "
        f"{Carrier.objects.count()} carriers, {written} indicator values recomputed"
    )


def _rules(region):
    for name, measure, threshold, kinds in registry_data.WULONG_RULES:
        put(MonitoringRule, {"region": region, "name": name},
            {"measure": measure, "threshold": threshold, "kinds": kinds})
    put(WaterRules, {"region": region}, {"planned_use_from": registry_data.WULONG_PLANNED_USE_FROM,
                                         "audit_over_percent": registry_data.WULONG_AUDIT_OVER_PERCENT})


def _users(region, rows):
    users = {}
    for key, name, kind, industry, serial, sources in rows:
        code = credit_code(kind, region.code, serial) if serial is not None else ""
        users[key], _ = put(WaterUser, {"region": region, "name": name}, {
            "kind": kind, "industry": industry, "credit_code": code, "uses_surface": "S" in sources,
            "uses_ground": "G" in sources, "uses_public": "P" in sources,
        })
    return users


def _year(user, year, surface, ground, public, total, reused, quota, households, irrigated):
    put(UserYear, {"user": user, "year": year}, {
        "surface_withdrawal": surface, "ground_withdrawal": ground, "public_supply": public, "total_use": total,
        "reused_water": reused, "planned_quota": quota, "households": households, "irrigated_area_mu": irrigated,
    })


def _carriers(region, users, rows):
    standards = {code: EvaluationStandard.objects.get(code=code)
                 for code in set(registry_data.STANDARD_OF_KIND.values())}
    for carrier_type, level, key, entity, status, applied, accepted, published, recheck, ended in rows:
        lookup = {"carrier_type": carrier_type, "level": level}
        lookup.update({"user": users[key]} if key else {"user": None, "entity_name": entity, "region": region})
        carrier, _ = put(Carrier, lookup, {
            "region": region, "entity_name": entity, "status": status, "applied_on": applied,
            "accepted_on": accepted, "published_on": published, "recheck_due": recheck, "ended_on": ended,
            "standard": standards.get(registry_data.STANDARD_OF_KIND.get(carrier_type)),
        })
        carrier.full_clean()


def _leak_repairs(region):
    """The 2023 ledgers as listed; from 2024 up to today every quarter repeats the pattern of
    the first or second quarter of 2023 (months moved with it), the running quarter only up
    to the current month, so the ledger is alive on any day the demo is loaded."""
    rows = [(2023, *row) for row in registry_data.QIANJIANG_LEAK_REPAIRS]
    today = dates.today()
    for period in Quarter.range(Quarter(2024, 1), dates.current_quarter()):
        for utility, quarter, month, *figures in registry_data.QIANJIANG_LEAK_REPAIRS:
            if quarter != (period.number - 1) % 2 + 1:
                continue
            moved = None if month is None else month + (period.number - quarter) * 3
            if period == dates.current_quarter() and moved is not None and moved > today.month:
                continue
            rows.append((period.year, utility, period.number, moved, *figures))
    for year, utility, quarter, month, km, found, repaired, hours, lost in rows:
        record, _ = put(LeakRepair, {"region": region, "utility": utility, "year": year, "quarter": quarter,
                                     "month": month}, {
            "inspected_km": Decimal(km), "leaks_found": found, "leaks_repaired": repaired,
            "repair_hours": Decimal(hours), "volume_lost": Decimal(lost),
        })
        record.full_clean()


def _targets(region):
    for year, carrier_type, count, rate, due, new_in_year, department, text in registry_data.WULONG_TARGETS:
        put(CarrierTarget, {"region": region, "year": year, "carrier_type": carrier_type, "due_on": due}, {
            "min_count": count, "min_rate": None if rate is None else Decimal(rate), "new_in_year": new_in_year,
            "text": text, "department": region.departments.get(short_name=department),
        })


def _audits(users):
    for key, year, over, ordered, due, auditor, reported, rectified in registry_data.WULONG_AUDITS:
        put(WaterAudit, {"user": users[key], "year": year}, {
            "over_percent": over, "ordered_on": ordered, "due_on": due or ordered + timedelta(days=90),
            "auditor": auditor, "reported_on": reported, "rectified_on": rectified,
        })


def _recompute(region):
    """The coverage indicators read the registry: bring the region's computed quarters up
    to date with it (under every standard it adopted: the parts before this one computed
    them without the registry on a first load)."""
    computed = set(ComputedValue.objects.filter(region=region).values_list("year", "quarter"))
    quarters = sorted(Quarter(year, number) for year, number in computed)
    # The scores are computed once at the end, by the scorecards part.
    return sum(indicator_services.recompute(regions=[region], quarters=quarters, indicator_set=indicator_set,
                                            publish=False)
               for indicator_set in adopted_sets_of(region))
