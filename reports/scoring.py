"""Department scorecards and the region verdict, computed from the stored records.

Each part of a scorecard is a share from 0 to 100 with its numerator and denominator:

- 报送完整率: entries submitted (or approved) ÷ entries due of the work items the department
  leads (every item led, once the quarter's deadline has passed);
- 按时报送率: entries submitted by their due day ÷ entries due. An entry is due on the plan's
  deadline for the quarter, or on its item's own due date when that comes first;
- 任务进展: items on track ÷ entries due. On track: the quarter's entry is submitted or
  approved, not 滞后, and its percent complete is at least the share of the item's time
  elapsed (plan start to the item's due date, or the plan's last day) at the quarter's end;
- 牵头指标达标: what the indicators the department leads count ÷ indicators it leads. One
  under a standard judged on points counts the share of its full points awarded (6 of 8
  points: 0.75; nothing while not scored); any other counts 1 when met;
- 载体目标: carrier targets of the year it is responsible for, met by the quarter's end;
- 未被退回: 100 − entries returned at any time this quarter ÷ entries submitted;
- 配合支持: cooperated items with a contribution this quarter ÷ items it cooperates on.

A part that does not apply to the department (nothing led, no target) has no value and
its weight is shared out among the others. The composite is the weighted mean.

Until the quarter's reports are due the quarter is running: an item whose entry is not due
yet counts only once its entry is in (nothing is late or missing before its day), and the
scorecard has no composite or band, only what is in so far.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone

from carriers.selectors import targets_progress_on
from core.numbers import plain
from indicators.models import ComputedValue, Indicator
from indicators.selectors import duties_of_regions
from tasks.models import Assignment, Contribution, ProgressReport, TaskNode

from .models import DEFAULT_WEIGHTS, ScoreWeights
from .parts import ONE_PLACE, Part

COUNTED = (ProgressReport.State.SUBMITTED, ProgressReport.State.APPROVED)
DRAFT, BEHIND, DONE = ProgressReport.State.DRAFT, ProgressReport.Status.BEHIND, ProgressReport.Status.DONE


def expected_percent(item, plan, quarter):
    """How far an item should be at the quarter's end: the share of its time elapsed."""
    start = date(plan.start_year, 1, 1)
    due = item.due_on or date(plan.end_year, 12, 31)
    if due <= start:
        return 100
    elapsed = (min(quarter.last_day, due) - start).days + 1
    return max(0, min(100, int(100 * elapsed / ((due - start).days + 1))))


def is_on_track(report, item, plan, quarter):
    if report is None or report.state not in COUNTED or report.status == BEHIND:
        return False
    return report.status == DONE or report.percent >= expected_percent(item, plan, quarter)


class Entry(NamedTuple):
    """A progress report as the scorecards read it: a tuple, as model instances for every
    report of many regions would cost more than the scoring."""

    pk: int
    item_id: int
    department_id: int
    state: str
    status: str
    percent: int
    submitted_at: datetime | None


class Value(NamedTuple):
    """A computed value as the scorecards and verdicts read it, with its indicator."""

    pk: int
    region_id: int
    indicator_id: int
    status: str
    indicator: Indicator
    points: Decimal | None = None  # awarded, under a standard judged on points


@dataclass
class PlanFacts:
    """What one read of the plan's records gives every department's scorecard."""

    leads: dict  # department id -> [Item]
    cooperations: dict  # department id -> [Item]
    reports: dict  # (item id, department id) -> Entry of the quarter
    returned: set  # ids of reports returned at some time this quarter
    contributions: set  # (item id, department id) with a contribution this quarter
    indicators: dict  # department id -> [Value or None per indicator led]
    targets: dict  # department id -> [TargetProgress]
    quarter: object
    rule: object  # the plan's core.periods.DeadlineRule
    today: date  # the day the scores are of: nothing due after it is late or missing yet
    _day_ends: dict = field(default_factory=dict)  # due day -> the moment it ends

    @property
    def running(self):
        return self.rule.is_running(self.quarter, self.today)

    def entry_due(self, item):
        return self.rule.due_on(self.quarter, item.due_on)

    def is_due(self, item):
        return self.today > self.entry_due(item)

    def on_time(self, entry, item):
        """Whether ``entry`` was submitted by the end of its due day, in the portal's time zone."""
        due = self.entry_due(item)
        end = self._day_ends.get(due)
        if end is None:
            end = self._day_ends[due] = day_end(due)
        return entry.submitted_at is not None and entry.submitted_at < end


def day_end(day):
    """The moment ``day`` ends in the portal's time zone: the start of the next day."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def of_quarters(quarters):
    """A filter on a model's ``year`` and ``quarter``: its rows of ``quarters`` only."""
    years = {}
    for quarter in quarters:
        years.setdefault(quarter.year, []).append(quarter.number)
    found = [Q(year=year, quarter__in=numbers) for year, numbers in sorted(years.items())]
    return reduce(or_, found) if found else Q(pk__in=[])  # no quarter: no row


def indicator_order(indicator):
    """Where ``indicator`` stands among its standard's: by number, as the catalogue lists
    them (its id apart two of the same number)."""
    return indicator.number, indicator.pk


def plan_facts(plan, quarter, today=None):
    """Read everything the plan's scorecards need for ``quarter`` in a fixed number of queries."""
    return Batch([plan]).facts(quarter, today=today)[plan.pk]


class Item(NamedTuple):
    """A work item as the scorecards read it."""

    pk: int
    plan_id: int
    due_on: date | None
    position: int
    archived_at: datetime | None  # an archived item is out of the quarters after the one it left in

    def in_quarter(self, quarter):
        return self.archived_at is None or timezone.localdate(self.archived_at) > quarter.last_day


def plans_items(plans):
    """{plan id: (leads, cooperations)}: each department's work items (``Item``) by role."""
    items = {plan.pk: ({}, {}) for plan in plans}
    in_plans = {"plan__in": list(items), "level": TaskNode.Level.WORK_ITEM}
    nodes = {row[0]: Item(*row) for row in TaskNode.objects.filter(**in_plans).order_by().values_list(*Item._fields)}
    assignments = Assignment.objects.filter(**{f"node__{key}": value for key, value in in_plans.items()})
    for node_id, department_id, role in assignments.order_by().values_list("node", "department", "role"):
        node = nodes[node_id]
        by_role = items[node.plan_id][0 if role == Assignment.Role.LEAD else 1]
        by_role.setdefault(department_id, []).append(node)
    return items


class Batch:
    """What the scorecards and verdicts of many plans and their regions need, read in a
    fixed number of queries however many there are: once for what stays the same from
    quarter to quarter (work items, who answers for which indicator), once for the progress
    entries and contributions of all ``quarters``, then per quarter."""

    def __init__(self, plans, region_ids=(), quarters=()):
        self.plans = plans
        self.region_ids = sorted({plan.region_id for plan in plans} | set(region_ids))
        self.items = plans_items(plans)
        self.item_plan = {item.pk: plan_id for plan_id, by_role in self.items.items()
                          for items in by_role for found in items.values() for item in found}
        self.sets, duties = duties_of_regions(self.region_ids)
        chosen = {s.pk for sets in self.sets.values() for s in sets}
        self.indicators = {i.pk: i for i in Indicator.objects.filter(indicator_set__in=chosen)
                           .select_related("indicator_set")}
        # region id -> {indicator id: the Department that answers for it}
        self.owners = {region_id: found.indicator_owner for region_id, found in duties.items()}
        self.progress = {}  # quarter -> ([Entry], [(item id, department id) contributed])
        self.targets = {}  # quarter -> {region id: [TargetProgress]}
        self._read_progress(quarters)

    def _read_progress(self, quarters):
        """The entries and contributions of the batch's items in ``quarters``, one query each
        for all of them: a query per quarter read the whole country's rows of the quarter."""
        wanted = {(quarter.year, quarter.number): quarter for quarter in quarters}
        if not wanted:
            return
        for quarter in quarters:
            self.progress[quarter] = ([], [])
        of_items = {"item_id__in": list(self.item_plan), "year__in": {year for year, _number in wanted}}
        for year, number, *row in ProgressReport.objects.filter(**of_items).order_by().values_list(
            "year", "quarter", *_ENTRY
        ):
            if (year, number) in wanted:
                self.progress[wanted[(year, number)]][0].append(Entry(*row))
        contributions = Contribution.objects.filter(**of_items).order_by()
        for year, number, *contributed in contributions.values_list("year", "quarter", "item_id", "department_id"):
            if (year, number) in wanted:
                self.progress[wanted[(year, number)]][1].append(tuple(contributed))

    def values(self, quarter):
        """{region id: {indicator id: Value}} of the standards each region adopted, each
        region's in the order of its standards' indicators (``indicator_order``): the order a
        verdict lists their codes in."""
        found = {region_id: {} for region_id in self.sets}
        adopted = {region_id: {s.pk for s in sets} for region_id, sets in self.sets.items()}
        computed = ComputedValue.objects.filter(region__in=list(self.sets), year=quarter.year, quarter=quarter.number)
        kept = []
        for pk, region_id, indicator_id, status, points in computed.order_by().values_list(
            "pk", "region", "indicator", "status", "points"
        ):
            indicator = self.indicators.get(indicator_id)
            if indicator is not None and indicator.indicator_set_id in adopted[region_id]:
                kept.append(Value(pk, region_id, indicator_id, status, indicator, points))
        for value in sorted(kept, key=lambda value: indicator_order(value.indicator)):
            found[value.region_id][value.indicator_id] = value
        return found

    def facts(self, quarter, values=None, today=None):
        """{plan id: PlanFacts} of the plans running in ``quarter`` as of ``today`` (by
        default the portal's today); ``values`` as ``values(quarter)`` gives them, when read
        already."""
        today = today or timezone.localdate()
        plans = [plan for plan in self.plans if plan.start_year <= quarter.year <= plan.end_year]
        plan_ids = [plan.pk for plan in plans]
        facts = {plan.pk: PlanFacts(*_in_quarter(self.items[plan.pk], quarter), {}, set(), set(), {}, {},
                                    quarter, plan.deadline_rule, today)
                 for plan in plans}
        if quarter not in self.progress:
            self._read_progress([quarter])
        entries, contributions = self.progress[quarter]
        item_plan = self.item_plan
        for report in entries:
            if item_plan.get(report.item_id) in facts:
                facts[item_plan[report.item_id]].reports[(report.item_id, report.department_id)] = report
        for contributed in contributions:
            if item_plan.get(contributed[0]) in facts:
                facts[item_plan[contributed[0]]].contributions.add(contributed)
        # Report ids are unique across plans: every plan may share the one set.
        in_quarter = {"item__plan__in": plan_ids, "year": quarter.year, "quarter": quarter.number}
        returned = set(ProgressReport.history.filter(**in_quarter, state=ProgressReport.State.RETURNED).order_by()
                       .values_list("id", flat=True))
        values = self.values(quarter) if values is None else values
        regions = self._regions_facts({plan.region_id for plan in plans}, quarter, values)
        for plan in plans:
            facts[plan.pk].returned = returned
            facts[plan.pk].indicators, facts[plan.pk].targets = regions[plan.region_id]
        return facts

    def _targets(self, quarter):
        """{region id: [TargetProgress]} of the batch's regions at ``quarter``'s end, read for
        every quarter of the batch at once when first asked."""
        if quarter not in self.targets:
            quarters = {quarter, *self.progress}
            moments = targets_progress_on(self.region_ids, [(q.year, q.last_day) for q in quarters])
            self.targets.update({q: moments[(q.year, q.last_day)] for q in quarters})
        return self.targets[quarter]

    def _regions_facts(self, region_ids, quarter, values):
        """{region id: (indicators, targets)}: the computed values of the indicators and the
        progress of the carrier targets of the year, per responsible department."""
        found = {region_id: ({}, {}) for region_id in region_ids}
        for region_id in region_ids:
            for indicator_id, department in self.owners.get(region_id, {}).items():
                found[region_id][0].setdefault(department.pk, []).append(values[region_id].get(indicator_id))
        for region_id, progress in self._targets(quarter).items():
            if region_id not in found:
                continue
            for row in progress:
                if row.target.department_id:
                    found[region_id][1].setdefault(row.target.department_id, []).append(row)
        return found


def _in_quarter(by_role, quarter):
    """(leads, cooperations) without the items archived before ``quarter`` ended."""
    if all(item.archived_at is None for found in by_role for items in found.values() for item in items):
        return by_role
    kept = [{department_id: [item for item in items if item.in_quarter(quarter)]
             for department_id, items in found.items()} for found in by_role]
    return tuple({department_id: items for department_id, items in found.items() if items} for found in kept)


_ENTRY = ("pk", "item_id", "department_id", "state", "status", "percent", "submitted_at")


def is_sent(entry):
    return entry is not None and entry.state != DRAFT


def parts_for(department_id, plan, quarter, facts):
    """{part key: Part} for one department."""
    led = facts.leads.get(department_id, [])
    # An item counts once its entry is due, or earlier once the entry is in: before its due
    # day an entry not in yet is neither late nor missing.
    counted = [(item, entry) for item, entry in ((item, facts.reports.get((item.pk, department_id))) for item in led)
               if is_sent(entry) or facts.is_due(item)]
    submitted = [entry for _item, entry in counted if is_sent(entry)]
    on_time = [entry for item, entry in counted if is_sent(entry) and facts.on_time(entry, item)]
    on_track = [item for item, entry in counted if is_on_track(entry, item, plan, quarter)]
    indicators = facts.indicators.get(department_id, [])
    targets = facts.targets.get(department_id, [])
    cooperated = facts.cooperations.get(department_id, [])
    return {
        "completeness": Part(len(submitted), len(counted)),
        "on_time": Part(len(on_time), len(counted)),
        "progress": Part(len(on_track), len(counted)),
        "indicators": Part(led_total(indicators), len(indicators)),
        "carriers": Part(sum(1 for t in targets if t.met), len(targets)),
        "returns": Part(len(submitted) - sum(1 for r in submitted if r.pk in facts.returned), len(submitted)),
        "cooperation": Part(
            sum(1 for i in cooperated if (i.pk, department_id) in facts.contributions), len(cooperated)
        ),
    }


TWO_PLACES = Decimal("0.01")


def led_counts(value, number=Decimal):
    """What an indicator a department leads counts in its "indicators led" part (``value``
    its computed value, None when there is none): under a standard judged on points, the
    share of its full points awarded; otherwise 1 when met, 0 when not. ``number`` is the
    type it is counted in: Fraction gives the exact share (reports.vector_scorecards)."""
    if value is None:
        return number(0)
    indicator = value.indicator
    if indicator.indicator_set.is_scored and indicator.points:
        return number(value.points or 0) / number(indicator.points)
    return number(1 if value.status == ComputedValue.Status.MET else 0)


def led_total(values):
    """The numerator of the "indicators led" part of the computed values ``values``."""
    return _whole(sum((led_counts(v) for v in values), Decimal(0)))


def _whole(number):
    """An int when ``number`` is whole (a count, as every other part's), else the Decimal to
    two places: what the scorecard shows and stores as the part's numerator."""
    rounded = number.quantize(TWO_PLACES, ROUND_HALF_UP)
    return int(rounded) if rounded == rounded.to_integral_value() else rounded


def composite(parts, weights):
    """The weighted mean of the parts that apply, or None when none does."""
    applying = [(weights[key], part.value) for key, part in parts.items() if part.value is not None and weights[key]]
    total = sum(weight for weight, _value in applying)
    if not total:
        return None
    return (sum(weight * value for weight, value in applying) / total).quantize(ONE_PLACE, ROUND_HALF_UP)


def weights_of(plan):
    stored = getattr(plan, "score_weights", None)
    return stored.as_dict() if stored else dict(DEFAULT_WEIGHTS)


def plan_weights(plan):
    """(weights {part key: weight}, the ScoreWeights whose ``band`` applies) of ``plan``."""
    weights_row = getattr(plan, "score_weights", None)
    weights = weights_row.as_dict() if weights_row else weights_of(plan)
    return weights, weights_row or ScoreWeights(plan=plan)


# --- the region's verdict ---------------------------------------------------------------------


@dataclass
class Check:
    """One threshold of a pass rule: what is had, what could be had once the indicators
    without data are in, and what is needed."""

    label: str
    unit: str
    have: Decimal
    could: Decimal
    needed: Decimal
    pending: int  # indicators without data that could still count


class Tally(NamedTuple):
    """What a verdict is decided from: the codes of a standard's bottom-line and guiding
    indicators by status (in the standard's order) and how many of each kind have a value,
    the names of the bottom-line ones not met or incomplete, and the points: awarded,
    still open (the full points of items without points yet), possible. ``tally`` gathers
    it from computed values; ``reports.vector_verdicts`` for many regions with a group-by."""

    bottom_met: list
    bottom_not_met: list
    bottom_incomplete: list
    bottom_total: int
    guiding_met: list
    guiding_not_met: list
    guiding_incomplete: list
    guiding_total: int
    not_met_names: list  # of the bottom-line indicators
    incomplete_names: list
    earned: Decimal
    pending: Decimal
    possible: Decimal
    unscored: int  # items without points yet that carry points


def tally(values):
    """The ``Tally`` of ``values``, computed values with their indicator."""
    bottom = [v for v in values if v.indicator.kind == Indicator.Kind.BOTTOM_LINE]
    guiding = [v for v in values if v.indicator.kind == Indicator.Kind.GUIDING]

    def codes(rows, status):
        return [v.indicator.code for v in rows if v.status == status]

    unscored = [v for v in values if v.points is None and v.indicator.points]
    return Tally(
        codes(bottom, "met"), codes(bottom, "not_met"), codes(bottom, "incomplete"), len(bottom),
        codes(guiding, "met"), codes(guiding, "not_met"), codes(guiding, "incomplete"), len(guiding),
        _names(bottom, "not_met"), _names(bottom, "incomplete"),
        sum((v.points for v in values if v.points is not None), Decimal("0")),
        sum((v.indicator.points for v in unscored), Decimal("0")),
        sum((v.indicator.points for v in values), Decimal("0")), len(unscored),
    )


def verdict(rule, values):
    """(verdict, reason, figures) for ``values`` — the computed values of the set's
    indicators, with their indicator — under ``rule``, the indicator set: every bottom-line
    indicator met (one not met vetoes whatever else; one without data leaves the verdict
    open), then each threshold the set has: guiding share, guiding count, points."""
    return decided(rule, tally(values))


def decided(rule, found):
    """``verdict`` of what ``found`` (a ``Tally``) gathered of the values."""
    figures = {
        "bottom_line": {"met": found.bottom_met, "not_met": found.bottom_not_met,
                        "incomplete": found.bottom_incomplete, "total": found.bottom_total},
        "guiding": {"met": found.guiding_met, "not_met": found.guiding_not_met,
                    "incomplete": found.guiding_incomplete, "total": found.guiding_total},
    }
    checks = _checks(rule, found, figures)
    if found.bottom_not_met:
        return "not_met", "底线指标未达标：" + "、".join(found.not_met_names), figures
    if found.bottom_incomplete:
        return "incomplete", "底线指标数据不全：" + "、".join(found.incomplete_names), figures
    short = [check for check in checks if check.have < check.needed]
    if not short:
        return "met", "底线指标全部达标" + "".join(
            f"，{c.label}{plain(c.have)}{c.unit}（要求不少于{plain(c.needed)}{c.unit}）" for c in checks
        ), figures
    if all(check.could >= check.needed for check in short):
        return "incomplete", "；".join(
            f"{c.label}{plain(c.have)}{c.unit}，另有{c.pending}项数据不全，尚不能判断（要求不少于{plain(c.needed)}{c.unit}）"
            for c in short
        ), figures
    return "not_met", "；".join(
        f"{c.label}{plain(c.have)}{c.unit}，少于要求的{plain(c.needed)}{c.unit}，差{plain(c.needed - c.have)}{c.unit}"
        for c in short if c.could < c.needed
    ), figures


def _checks(rule, found, figures):
    checks = []
    met, open_ = len(found.guiding_met), len(found.guiding_incomplete)
    needed = _guiding_needed(rule, found.guiding_total)
    if needed:
        checks.append(Check("导向指标达标", "项", met, met + open_, needed, open_))
    if rule.min_points is not None:
        # Each item's points are awarded by its scoring rule when its value is computed;
        # an item without points yet (data incomplete, not judged) could still earn its full.
        earned, pending = found.earned, found.pending
        figures["points"] = {"earned": plain(earned), "needed": plain(rule.min_points),
                             "possible": plain(found.possible), "pending": plain(pending)}
        checks.append(Check("得分", "分", earned, earned + pending, rule.min_points, found.unscored))
    return checks


def _names(rows, status):
    return [v.indicator.name for v in rows if v.status == status]


def _guiding_needed(rule, total):
    needed = 0
    if rule.guiding_share is not None:
        needed = int((Decimal(rule.guiding_share) * total / 100).to_integral_value(rounding="ROUND_CEILING"))
    if rule.min_guiding is not None:
        needed = max(needed, rule.min_guiding)
    return needed
