"""Reads of the registry: the key-monitoring list, planned-use gaps and required audits of
a year, target progress, and the coverage figures the indicator engine uses. Each reads a
fixed number of queries whatever the size of the registry."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db.models import Case, Count, Prefetch, Q, When
from django.utils import translation

from .models import (
    Carrier,
    CarrierKind,
    CarrierTarget,
    CarrierType,
    MonitoringRule,
    UserKind,
    UserYear,
    WaterAudit,
    WaterRules,
    WaterUser,
    rate_base_kinds,
)

TEN_THOUSAND = Decimal(10000)
# Enterprises first, communities and irrigation districts last, as the registers list them.
KIND_ORDER = Case(*[When(kind=kind, then=index) for index, kind in enumerate(UserKind.values)])
# Carriers and targets in the order of their kinds (CarrierKind.order, as the registers list them).
TYPE_ORDER = "carrier_type"


def registry(region, *, query="", kind="", year=None, key_only=False):
    """The region's water users for the registry page, with their figures of ``year``
    (or of the latest year they have) and their carriers, searched and filtered."""
    users = WaterUser.objects.filter(region=region)
    if query:
        users = users.filter(Q(name__icontains=query) | Q(credit_code__icontains=query.upper()))
    if kind:
        users = users.filter(kind=kind)
    return with_years_and_carriers(users).order_by(KIND_ORDER, "name")


def with_years_and_carriers(users, *, year=None):
    """``users`` with their figures (of ``year`` only when given), latest first, and their
    carriers, read in two more queries whatever their number."""
    years = UserYear.objects.order_by("-year")
    if year is not None:
        years = years.filter(year=year)
    return users.prefetch_related(
        Prefetch("years", queryset=years),
        Prefetch("carriers", queryset=Carrier.objects.select_related("carrier_type").order_by(TYPE_ORDER)),
    )


def figures_of_year(region, year):
    """{user id: UserYear} of ``year`` for the region's users."""
    rows = UserYear.objects.filter(user__region=region, year=year).select_related("user")
    return {row.user_id: row for row in rows}


# --- key monitoring ----------------------------------------------------------------------------


@dataclass
class Listed:
    user: WaterUser
    figures: UserYear
    rules: list = field(default_factory=list)


def key_monitoring(region, year):
    """The units on the key-monitoring list of ``year``, each with every rule that put it
    there, largest new-water use first."""
    rules = list(MonitoringRule.objects.filter(region=region))
    listed = []
    for figures in figures_of_year(region, year).values():
        matched = [rule for rule in rules if rule.matches(figures.user, figures)]
        if matched:
            listed.append(Listed(figures.user, figures, matched))
    listed.sort(key=lambda item: (-item.figures.new_water, item.user.name))
    return listed


# --- planned use and audits --------------------------------------------------------------------


# Planned use (计划用水) is for non-residential users: households are billed, not planned.
PLANNED_USE_EXEMPT = {UserKind.COMMUNITY}


def water_rules(region):
    return WaterRules.objects.filter(region=region).first() or WaterRules(region=region)


def planned_use_gaps(region, year):
    """Units that used at least the planned-use threshold in ``year`` (on the figure the
    region's rule names) without a planned quota: they should be under planned use and are not."""
    rules = water_rules(region)
    if rules.planned_use_from is None:
        return []
    figure = rules.planned_use_figure
    gaps = [f for f in figures_of_year(region, year).values()
            if f.planned_quota is None and f.figure(figure) >= rules.planned_use_from
            and f.user.kind not in PLANNED_USE_EXEMPT]
    for f in gaps:
        f.measured = f.figure(figure)  # for the page, which cannot call figure()
    return sorted(gaps, key=lambda f: (-f.measured, f.user.name))


@dataclass
class AuditDue:
    figures: UserYear
    over_percent: Decimal
    audit: WaterAudit | None
    used: Decimal | None = None  # the figure compared with the quota


def audits_required(region, year):
    """Units at least the region's share over their plan in ``year`` (“超计划30%以上”
    includes 30 %), with the audit ordered for each (or None while it has not been ordered)."""
    rules = water_rules(region)
    audits = {a.user_id: a for a in WaterAudit.objects.filter(user__region=region, year=year)}
    due = []
    for figures in figures_of_year(region, year).values():
        if figures.over_plan_by_at_least(rules.audit_over_percent, rules.plan_figure):
            over = figures.over_plan_percent(rules.plan_figure)
            due.append(AuditDue(figures, over, audits.pop(figures.user_id, None), figures.figure(rules.plan_figure)))
    due.sort(key=lambda item: (-item.over_percent, item.figures.user.name))
    # Audits ordered for a unit no longer over plan (figures corrected since) stay visible.
    stray = [AuditDue(None, audit.over_percent, audit) for audit in audits.values()]
    return due, stray


# --- targets -----------------------------------------------------------------------------------


@dataclass
class TargetProgress:
    target: CarrierTarget
    as_of: date
    built: int
    base: int | None  # users the rate is counted against; None when the type has no base
    count_met: bool | None
    rate_met: bool | None
    overdue: bool

    @property
    def rate(self):
        if not self.base:
            return None
        return Decimal(self.built) / Decimal(self.base) * 100

    @property
    def met(self):
        return all(flag is not False for flag in (self.count_met, self.rate_met))

    @property
    def percent_done(self):
        """How far along the bar is (0–100), against the harder of the two targets."""
        shares = []
        if self.target.min_count:
            shares.append(Decimal(self.built) / self.target.min_count * 100)
        if self.target.min_rate and self.rate is not None:
            shares.append(self.rate / self.target.min_rate * 100)
        return min(100, int(min(shares))) if shares else (100 if self.met else 0)


def target_progress(region, year, *, today):
    """Progress of each of the region's carrier targets of ``year`` as of ``today`` (or the
    target's due date, once passed)."""
    return targets_progress([region.pk], year, today=today)[region.pk]


def targets_progress(region_ids, year, *, today):
    """{region id: [TargetProgress]} for the regions' carrier targets of ``year``: one query
    for the targets, one for the carriers and one for the bases, however many regions."""
    return targets_progress_on(region_ids, [(year, today)])[(year, today)]


def targets_progress_on(region_ids, moments):
    """{(year, today): {region id: [TargetProgress]}} for each of ``moments``: the same
    three queries for all of them (a recompute asks for every quarter of a batch)."""
    years = {year for year, _today in moments}
    by_year = {year: {region_id: [] for region_id in region_ids} for year in years}
    targets = (CarrierTarget.objects.filter(region__in=region_ids, year__in=years).select_related("carrier_type")
               .order_by("region", TYPE_ORDER, "due_on"))
    for target in targets:
        by_year[target.year][target.region_id].append(target)
    wanted = sorted({region_id for found in by_year.values() for region_id, targets in found.items() if targets})
    carriers = {region_id: [] for region_id in wanted}
    accepted = Carrier.objects.filter(region__in=wanted, accepted_on__isnull=False).order_by()
    for region_id, *row in accepted.values_list("region_id", *_Accepted._fields):
        carriers[region_id].append(_Accepted(*row))
    bases = _base_counts(wanted)
    return {(year, today): {region_id: [_progress(target, year, today, carriers[region_id], bases[region_id])
                                        for target in targets]
                            for region_id, targets in by_year[year].items()}
            for year, today in moments}


class _Accepted(NamedTuple):
    """An accepted carrier as target progress reads it: a tuple, as model instances for the
    carriers of many regions cost more than the counting; built or not by the model's rule."""

    carrier_type: str
    accepted_on: date
    status: str
    ended_on: date | None
    user_id: int | None
    entity_name: str

    BUILT = Carrier.BUILT
    ENDED = Carrier.ENDED
    built_on = Carrier.built_on


# The scores recompute has this rule as columns (``target_frames``, its own module for Polars):
# a change here is made there too; tests/test_carrier_target_frames.py holds the two equal.
def _progress(target, year, today, carriers, bases):
    due = target.due_on or date(year, 12, 31)
    as_of = min(today, due)
    counted = [c for c in carriers if c.carrier_type == target.carrier_type_id and c.built_on(as_of)]
    if target.new_in_year:
        counted = [c for c in counted if c.accepted_on.year == year]
    built = len({c.user_id or f"entity:{c.entity_name}" for c in counted})
    base = target.rate_base or bases.get(target.carrier_type_id)
    count_met = None if target.min_count is None else built >= target.min_count
    rate_met = None
    if target.min_rate is not None:
        rate_met = bool(base) and Decimal(built) / Decimal(base) * 100 >= target.min_rate
    progress = TargetProgress(target, as_of, built, base, count_met, rate_met, overdue=False)
    progress.overdue = today > due and not progress.met
    return progress


def _base_counts(region_ids):
    """{region id: {carrier type: how many of the region's users its built rate is counted against}}."""
    kinds = {region_id: {} for region_id in region_ids}
    rate_bases = rate_base_kinds()
    rows = WaterUser.objects.filter(region__in=region_ids).order_by().values_list("region", "kind")
    for region_id, kind, count in rows.annotate(n=Count("pk")):
        kinds[region_id][kind] = count
    return {region_id: {carrier_type: sum(found.get(kind, 0) for kind in base_kinds)
                        for carrier_type, base_kinds in rate_bases.items()}
            for region_id, found in kinds.items()}


# --- coverage for the indicators ---------------------------------------------------------------

# Which carriers feed which coverage figure, and what of the user's year is summed.
COVERAGE = {
    "CARRIER_ENTERPRISE_WATER": ([CarrierType.ENTERPRISE], "new_water"),
    "CARRIER_UNIT_WATER": ([CarrierType.UNIT, CarrierType.AGENCY, CarrierType.SCHOOL], "new_water"),
    "CARRIER_HOUSEHOLDS": ([CarrierType.COMMUNITY], "households"),
}


def coverage_figures(region_ids, quarters):
    """{quarter: {region id: {code: (annual value, lineage)}}} for the regions and quarters
    (see ``_coverage``); the labels kept in the lineage are in the portal's language, as a
    record of the day, whatever language the job runs in."""
    with translation.override(settings.LANGUAGE_CODE):
        return _coverage(region_ids, quarters)


def _coverage(region_ids, quarters):
    """For each quarter, region and coverage data element: the sum over the users with a
    built carrier of the element's types at the quarter's end, from each user's latest
    figures up to that year; volumes in 万m³. Two queries however many regions and quarters:
    the carriers built at some quarter's end and the users' figures up to the last year."""
    if not quarters:
        return {}
    # Rows as tuples: model instances for every carrier of many regions cost more than the sums.
    carriers = [_Built(*row) for row in coverage_carriers(region_ids, quarters).values_list(*_Built._fields)]
    figures = {}  # user id -> [_Figures], oldest first
    years = UserYear.objects.filter(user__in={c.user_id for c in carriers},
                                    year__lte=max(q.year for q in quarters)).order_by("year")
    for row in years.values_list(*_Figures._fields):
        figures.setdefault(row[0], []).append(_Figures(*row))
    # Labels looked up once: get_FOO_display() per carrier costs more than the sums.
    labels = {"carrier_type": {carrier.carrier_type: carrier.carrier_type__name for carrier in carriers},
              "level": {key: str(label) for key, label in Carrier._meta.get_field("level").flatchoices}}
    found = {}
    for quarter in quarters:
        day = quarter.last_day
        latest = {user_id: next((f for f in reversed(rows) if f.year <= quarter.year), None)
                  for user_id, rows in figures.items()}
        by_region = {region_id: [] for region_id in region_ids}
        for carrier in carriers:
            if carrier.built_on(day):
                by_region[carrier.region_id].append(carrier)
        found[quarter] = {region_id: _region_coverage(built, latest, day, labels)
                          for region_id, built in by_region.items()}
    return found


def coverage_carriers(region_ids, quarters):
    """The carriers of the coverage types held by users that were built at some quarter's end,
    in the order they are counted: by user name, then type (a unit certified twice counts
    with its first), then pk so that two levels of one type always come in the same order."""
    days = [quarter.last_day for quarter in quarters]
    types = {t for carrier_types, _ in COVERAGE.values() for t in carrier_types}
    return (Carrier.objects.filter(_built_some_day(min(days), max(days)), region__in=region_ids,
                                   carrier_type__in=types, user__isnull=False)
            .order_by("user__name", "carrier_type", "pk"))


def _built_some_day(first, last):
    """The filter for carriers built on some day from ``first`` to ``last`` (each is then
    checked on its day with ``_Built.built_on``)."""
    ended_later = Q(status__in=Carrier.ENDED, ended_on__gt=first)
    return Q(accepted_on__lte=last) & (Q(status__in=Carrier.BUILT) | ended_later)


class _Built(NamedTuple):
    pk: int
    region_id: int
    carrier_type: str
    user_id: int
    user__name: str
    level: str
    accepted_on: date
    carrier_type__name: str  # the kind's name, joined: no query of its own
    status: str
    ended_on: date | None

    BUILT = Carrier.BUILT
    ENDED = Carrier.ENDED
    built_on = Carrier.built_on


class _Figures(NamedTuple):
    user_id: int
    year: int
    households: int | None
    total_use: Decimal
    reused_water: Decimal

    @property
    def new_water(self):  # as UserYear.new_water
        return self.total_use - self.reused_water


def _region_coverage(carriers, latest, day, labels):
    result = {}
    for code, (carrier_types, measure) in COVERAGE.items():
        total, counted, seen = Decimal(0), [], set()
        for carrier in carriers:
            if carrier.carrier_type not in carrier_types or carrier.user_id in seen:
                continue  # a unit certified twice (节水型机关 and 节水型单位) counts once
            seen.add(carrier.user_id)
            figures = latest.get(carrier.user_id)
            amount = _measure(figures, measure)
            total += amount or 0
            counted.append({
                "carrier": carrier.pk, "user": carrier.user_id, "name": carrier.user__name,
                "type": labels["carrier_type"][carrier.carrier_type], "level": labels["level"][carrier.level],
                "accepted_on": carrier.accepted_on.isoformat(),
                "figure": None if amount is None else str(amount), "figure_year": figures.year if figures else None,
            })
        result[code] = (total, {"counted": counted, "as_of": day.isoformat()})
    return result


def _measure(figures, measure):
    if figures is None:
        return None
    if measure == "households":
        return figures.households
    return figures.new_water / TEN_THOUSAND


# --- work items whose target is a carrier count ------------------------------------------------

# How plans name carrier types; longer names first so 节水型居民小区 is not read as 节水型单位.
CARRIER_WORDS = [
    ("节水型居民小区", CarrierType.COMMUNITY), ("节水型小区", CarrierType.COMMUNITY),
    ("节水型企业", CarrierType.ENTERPRISE), ("节水型机关", CarrierType.AGENCY), ("节水型学校", CarrierType.SCHOOL),
    ("节水型校园", CarrierType.SCHOOL), ("节水型灌区", CarrierType.IRRIGATION), ("节水型单位", CarrierType.UNIT),
    ("水效领跑者", CarrierType.LEADER), ("节水教育基地", CarrierType.EDUCATION_BASE),
    ("节水宣传教育基地", CarrierType.EDUCATION_BASE), ("合同节水", CarrierType.CONTRACT),
    ("节水技改项目", CarrierType.RETROFIT), ("节水技术改造项目", CarrierType.RETROFIT),
]
COUNT_UNITS = {"家", "个", "所", "处", "项"}
# A count in the wording even when the parsed target is a rate: “建成率不低于10%（不得少于2个）”.
_COUNT_IN_TEXT = re.compile(r"(?:不得少于|不少于|建成|完成|创建|培育)[^，。；%0-9]{0,12}?(\d+)\s*(?:家|个|所|处|项)")


def carrier_target_of(item, rate_kinds=None):
    """(carrier type, number or None, built rate in % or None) a work item's target asks
    for (“建成节水型机关10家”, “节水型企业建成率不低于10%（节水企业不得少于2个）”), or None
    when it names no carrier type or asks for neither."""
    text = f"{item.target_text} {item.text}"
    found = [(text.find(word), kind) for word, kind in CARRIER_WORDS if word in text]
    if not found or item.target_value is None:
        return None
    kind = min(found)[1]
    if item.target_unit in COUNT_UNITS:
        return kind, item.target_value, None
    count = _COUNT_IN_TEXT.search(text)
    needed = Decimal(count.group(1)) if count else None
    rate_kinds = rate_base_kinds() if rate_kinds is None else rate_kinds
    rate = item.target_value if item.target_unit == "%" and kind in rate_kinds else None
    return (kind, needed, rate) if needed is not None or rate is not None else None


@dataclass
class CarrierCount:
    carrier_type: str
    built: int
    needed: Decimal | None
    as_of: date
    base: int = 0  # registered users of the matching kinds, for the built rate
    rate_needed: Decimal | None = None
    label: str = ""  # the kind's name

    @property
    def rate(self):
        return Decimal(self.built) / self.base * 100 if self.base else None

    @property
    def met(self):
        count_ok = self.needed is None or self.built >= self.needed
        rate_ok = self.rate_needed is None or (self.rate is not None and self.rate >= self.rate_needed)
        return count_ok and rate_ok


def carrier_counts(plan, items, *, today):
    """{item id: CarrierCount} for the work items of ``plan`` whose target is a number of
    carriers: the carriers of that type built in the plan's region by the item's due date
    (or today, if earlier), from the registry, in one query."""
    rate_kinds = rate_base_kinds()
    typed = {item.pk: (item, target) for item in items if (target := carrier_target_of(item, rate_kinds))}
    if not typed:
        return {}
    carriers = list(Carrier.objects.filter(region=plan.region_id, accepted_on__isnull=False,
                                           carrier_type__in={target[0] for _, target in typed.values()}))
    names = dict(CarrierKind.objects.values_list("code", "name"))
    rates = any(target[2] is not None for _, target in typed.values())
    bases = _base_counts([plan.region_id])[plan.region_id] if rates else {}
    counts = {}
    for pk, (item, (kind, needed, rate)) in typed.items():
        as_of = min(today, item.due_on or date(plan.end_year, 12, 31))
        built = sum(1 for c in carriers if c.carrier_type_id == kind and c.built_on(as_of))
        counts[pk] = CarrierCount(kind, built, needed, as_of, bases.get(kind, 0), rate, names.get(kind, kind))
    return counts
