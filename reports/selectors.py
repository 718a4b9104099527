"""Reads of ``reports``: a plan's scorecards with the change on last quarter, the records
behind a scorecard, and the districts of a city side by side."""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.periods import Quarter
from indicators.models import ComputedValue, DataReport, IndicatorSet
from indicators.selectors import adopted_sets
from org.models import Notification, Region
from tasks.models import Plan, ProgressReport, TaskNode
from tasks.selectors import TodoRow, todo_for

from . import scoring
from .models import COMPONENTS, QuarterlyReport, RegionVerdict, Scorecard


def plans_of(region, year):
    return Plan.objects.filter(region=region, start_year__lte=year, end_year__gte=year).order_by("-start_year", "pk")


def default_quarter(plans, today=None):
    """The latest quarter whose reports are due by now, so the page opens on a quarter
    that can be judged (the current one is still being reported)."""
    today = today or timezone.localdate()
    quarter = Quarter.containing(today)
    for plan in plans[:1]:
        if plan.deadline_rule.due_on(quarter) >= today:
            return quarter.previous()
    return quarter


@dataclass
class Row:
    card: Scorecard
    previous: Scorecard | None
    rank: int | None = None  # among the departments of the same kind (leading, or only cooperating)

    @property
    def change(self):
        """The composite's change on last quarter; none while either quarter is running,
        as a partial quarter beside a full one says nothing."""
        if self.previous is None or self.previous.composite is None or self.card.composite is None:
            return None
        return self.card.composite - self.previous.composite

    @property
    def group(self):
        return "lead" if self.card.is_lead else "cooperating"


def scorecards(plan, quarter, *, scope=None):
    """The plan's scorecards of ``quarter``: the departments that lead an item first, best
    first, then those that only cooperate, best first, each ranked within its own kind (a
    department scored on its support alone is not compared with those scored on their own
    items), with last quarter's scorecard; with ``scope``, only those the user may read (a
    reporter's own department's)."""
    before = quarter.previous()
    previous = {
        s.department_id: s for s in Scorecard.objects.filter(plan=plan, year=before.year, quarter=before.number)
    }
    cards = Scorecard.objects.filter(plan=plan, year=quarter.year, quarter=quarter.number).select_related("department")
    if scope is not None:
        cards = scope.records(cards, department="department")
    rows = [Row(card, previous.get(card.department_id)) for card in cards]
    rows.sort(key=lambda row: ranking_key(row.card))
    ranks = ranks_of([row.card for row in rows])
    for row in rows:
        row.rank = ranks.get(row.card.pk)
    return rows


def ranking_key(card):
    """The order of a quarter's scorecards: those leading an item first, best first, then
    those only cooperating, best first; a card without a composite last of its kind."""
    return (not card.is_lead, card.composite is None, -(card.composite or 0), card.department.short_name)


def ranks_of(cards):
    """{card id: rank} of one plan's quarter of scorecards (their departments loaded), each
    ranked within its kind (leading, or only cooperating); a card without a composite has
    none."""
    ranks, found = Counter(), {}
    for card in sorted(cards, key=ranking_key):
        if card.composite is not None:
            group = "lead" if card.is_lead else "cooperating"
            ranks[group] += 1
            found[card.pk] = ranks[group]
    return found


def parts(card):
    """[(key, label, component dict)] in the page's order."""
    return [(key, label, card.components.get(key, {})) for key, label, _weight in COMPONENTS]


@dataclass
class ItemLine:
    item: object
    report: object
    expected: int
    on_time: bool
    on_track: bool
    returned: bool
    due: object = None  # the day its entry is due (its own due date when that comes first)
    counted: bool = True  # due by now or in already: it counts in the parts


def drill_down(card, today=None):
    """The records behind each number of ``card``: the items it leads with their entries,
    the items it cooperates on, the indicators and carrier targets it answers for."""
    plan, quarter = card.plan, Quarter(card.year, card.quarter)
    facts = scoring.plan_facts(plan, quarter, today)
    due = plan.deadline_rule.due_on(quarter)
    led = sorted(facts.leads.get(card.department_id, []), key=lambda item: item.position)
    cooperated = facts.cooperations.get(card.department_id, [])
    entries = [facts.reports.get((item.pk, card.department_id)) for item in led]
    # The page shows the items, reports and values themselves, not the scoring's tuples of them.
    nodes = TaskNode.objects.in_bulk([item.pk for item in led + cooperated])
    reports = ProgressReport.objects.in_bulk([entry.pk for entry in entries if entry is not None])
    led_values = facts.indicators.get(card.department_id, [])
    values = ComputedValue.objects.select_related("indicator__indicator_set").in_bulk(
        [v.pk for v in led_values if v is not None])
    items = []
    for item, entry in zip(led, entries, strict=True):
        report = None if entry is None else reports[entry.pk]
        sent = scoring.is_sent(entry)
        items.append(ItemLine(
            nodes[item.pk], report, scoring.expected_percent(item, plan, quarter),
            on_time=sent and facts.on_time(entry, item),
            on_track=scoring.is_on_track(report, item, plan, quarter),
            returned=report is not None and report.pk in facts.returned,
            due=facts.entry_due(item), counted=sent or facts.is_due(item),
        ))
    cooperated = [(nodes[item.pk], (item.pk, card.department_id) in facts.contributions) for item in cooperated]
    return {
        "items": items, "cooperated": cooperated, "due": due, "running": facts.running,
        # Each value with what it counts in the part (1 or 0, or a share of its full points).
        "indicators": [(values[v.pk], scoring.led_counts(v).quantize(scoring.TWO_PLACES))
                       for v in led_values if v is not None],
        "indicator_count": len(led_values),
        "targets": facts.targets.get(card.department_id, []),
    }


def series(plan, department, quarters):
    """The department's composite over ``quarters`` (None where not computed)."""
    found = {(s.year, s.quarter): s.composite for s in Scorecard.objects.filter(plan=plan, department=department)}
    return [None if found.get((q.year, q.number)) is None else float(found[(q.year, q.number)]) for q in quarters]


@dataclass
class StandardVerdict:
    """A region's verdict under one standard (None: not evaluated), and whether the region
    still adopts the standard (a removed adoption keeps its verdicts)."""

    indicator_set: IndicatorSet
    verdict: RegionVerdict | None
    adopted: bool = True

    @property
    def points(self):
        """{"earned", "needed", "possible", "pending"} under a standard judged on points, else None."""
        return (self.verdict.figures or {}).get("points") if self.verdict is not None else None


def verdicts_of(region, quarter):
    """[StandardVerdict] of ``region`` in ``quarter``: one per standard it adopts, in the
    standards' order, then those it no longer adopts that have a verdict stored; two queries."""
    stored = {v.indicator_set_id: v for v in RegionVerdict.objects.filter(
        region=region, year=quarter.year, quarter=quarter.number).select_related("indicator_set")}
    rows = [StandardVerdict(s, stored.pop(s.pk, None)) for s in adopted_sets([region.pk]).get(region.pk, [])]
    former = sorted(stored.values(), key=lambda v: (v.indicator_set.code, v.indicator_set.version))
    return rows + [StandardVerdict(v.indicator_set, v, adopted=False) for v in former]


@dataclass
class CityRow:
    region: object
    verdict: RegionVerdict | None
    average: float | None
    scorecards: int
    adopted: bool = True  # the district is evaluated against the standard compared
    running: bool = False  # its scorecards are of a quarter still running: no mean yet

    @property
    def guiding_share(self):
        if self.verdict is None:
            return None
        guiding = self.verdict.figures.get("guiding", {})
        return round(100 * len(guiding.get("met", [])) / guiding["total"], 1) if guiding.get("total") else None

    @property
    def points(self):
        return self.verdict.points if self.verdict is not None else None


def city_standards(regions):
    """[(IndicatorSet, number of the districts adopting it)], the most adopted first: the
    standards the city comparison can be made under; two queries."""
    counts, sets = Counter(), {}
    for found in adopted_sets([region.pk for region in regions]).values():
        for indicator_set in found:
            counts[indicator_set.pk] += 1
            sets[indicator_set.pk] = indicator_set
    ordered = sorted(sets.values(), key=lambda s: (-counts[s.pk], s.code, s.version))
    return [(indicator_set, counts[indicator_set.pk]) for indicator_set in ordered]


def city(regions, quarter, indicator_set=None):
    """One row per district: its verdict under ``indicator_set`` (a district that does not
    adopt it has none and says so) and the mean composite of its scorecards."""
    adopted = set()
    verdicts = {}
    if indicator_set is not None:
        adopted = set(indicator_set.adoptions.filter(region__in=regions).values_list("region", flat=True))
        verdicts = {v.region_id: v for v in RegionVerdict.objects.filter(
            region__in=regions, indicator_set=indicator_set, year=quarter.year, quarter=quarter.number)}
    composites, running = {}, set()
    for region_id, value, is_running in Scorecard.objects.filter(
        plan__region__in=regions, year=quarter.year, quarter=quarter.number
    ).filter(Q(composite__isnull=False) | Q(running=True)).values_list("plan__region", "composite", "running"):
        if is_running:
            running.add(region_id)
        else:
            composites.setdefault(region_id, []).append(float(value))
    rows = []
    for region in regions:
        values = composites.get(region.pk, [])
        average = round(sum(values) / len(values), 1) if values else None
        rows.append(CityRow(region, verdicts.get(region.pk), average, len(values), adopted=region.pk in adopted,
                            running=region.pk in running))
    return rows


SORTS = {
    "name": lambda row: row.region.code,
    "verdict": lambda row: ({"met": 0, "incomplete": 1, "not_met": 2}.get(getattr(row.verdict, "verdict", ""),
                                                                         3 if row.adopted else 4), row.region.code),
    "guiding": lambda row: -(row.guiding_share or -1),
    "points": lambda row: -(row.points if row.points is not None else Decimal(-1)),
    "score": lambda row: -(row.average if row.average is not None else -1),
}


# --- the home page -----------------------------------------------------------------------------

WORST_SHOWN = 5


@dataclass
class DistrictHome:
    """What a district reviewer sees first: a verdict per standard, the weakest departments,
    the queue."""

    quarter: Quarter
    verdicts: list  # [StandardVerdict]
    plan: Plan | None
    worst: list
    progress_waiting: int
    data_waiting: int


@dataclass
class DueEntry:
    """A work item whose entry for the quarter is not submitted yet, and by when it is due."""

    item: TaskNode
    report: ProgressReport | None
    due_on: object  # date
    deadline: object  # core.periods.DeadlineStatus: days left, or days overdue


@dataclass
class ReporterHome:
    """What a department's reporter sees first: what is still due this quarter, what came
    back to be fixed, and the unread messages."""

    quarter: Quarter
    leads: int  # how many work items the department leads this quarter
    due: list  # [DueEntry], the earliest due first
    returned: list  # [Returned] still returned, the latest first
    unread: list  # [Notification], the latest first

    @property
    def due_shown(self):
        return self.due[:DUE_SHOWN]

    @property
    def due_more(self):
        return max(len(self.due) - DUE_SHOWN, 0)


@dataclass
class Returned:
    """A progress entry or data report sent back to the department, with the reviewer's words."""

    report: object  # ProgressReport | DataReport
    what: str

    @property
    def url(self):
        return self.report.get_absolute_url()


DUE_SHOWN = 10
RETURNED_SHOWN = 10
UNREAD_SHOWN = 5


def reporter_home(user, today=None):
    """In six queries however many items the department leads."""
    today = today or timezone.localdate()
    quarter = Quarter.containing(today)
    department = user.department
    rows = todo_for(department, quarter, today=today)
    due = []
    for row in rows:
        if row.state in (TodoRow.UNREPORTED, ProgressReport.State.DRAFT):
            due_on = row.item.plan.deadline_rule.due_on(quarter)
            due.append(DueEntry(row.item, row.report, due_on, row.deadline))
    due.sort(key=lambda entry: entry.due_on)
    returned = [
        *(Returned(report, f"{report.period.label} · {report.item.label}")
          for report in ProgressReport.objects.filter(department=department, state=ProgressReport.State.RETURNED)
          .select_related("item", "reviewed_by").order_by("-reviewed_at")[:RETURNED_SHOWN]),
        *(Returned(report, _("%(quarter)s statistics") % {"quarter": report.period.label})
          for report in DataReport.objects.filter(department=department, state=DataReport.State.RETURNED)
          .select_related("reviewed_by").order_by("-reviewed_at")[:RETURNED_SHOWN]),
    ]
    returned.sort(key=lambda row: row.report.reviewed_at or timezone.now(), reverse=True)
    unread = Notification.objects.filter(user=user, read_at__isnull=True)[:UNREAD_SHOWN]
    return ReporterHome(quarter=quarter, leads=len(rows), due=due, returned=returned[:RETURNED_SHOWN],
                        unread=list(unread))


def district_home(region, today=None):
    plans = list(plans_of(region, (today or timezone.localdate()).year))
    quarter = default_quarter(plans, today)
    plan = plans[0] if plans else None
    scored = [row for row in scorecards(plan, quarter) if row.card.composite is not None] if plan else []
    worst = scored[::-1][:WORST_SHOWN]  # scorecards() lists the best first
    return DistrictHome(
        quarter=quarter, verdicts=verdicts_of(region, quarter), plan=plan, worst=worst,
        progress_waiting=ProgressReport.objects.filter(item__plan__region=region, state="submitted").count(),
        data_waiting=DataReport.objects.filter(region=region, state="submitted").count(),
    )


def latest_verdicts(regions, today=None):
    """[(district, [StandardVerdict])]: each district's verdict under each standard it
    adopts of the last finished quarter that has one — the running quarter's only where no
    finished quarter has any, as its figures are still coming in (verdict None where it has
    none yet), in two queries."""
    running = Quarter.containing(today or timezone.localdate())
    latest, latest_running = {}, {}
    for verdict in RegionVerdict.objects.filter(region__in=regions).select_related("indicator_set").order_by(
        "region", "indicator_set", "-year", "-quarter"
    ):
        key = (verdict.region_id, verdict.indicator_set_id)
        finished = Quarter(verdict.year, verdict.quarter) < running
        (latest if finished else latest_running).setdefault(key, verdict)
    for key, verdict in latest_running.items():
        latest.setdefault(key, verdict)
    sets = adopted_sets([region.pk for region in regions])
    return [(region, [StandardVerdict(s, latest.get((region.pk, s.pk))) for s in sets.get(region.pk, [])])
            for region in regions]


NAMED_REGIONS = 3  # a run about more regions says how many instead of naming them


def job_subjects(runs):
    """{run pk: what the run was about, e.g. “黔江区 2026年第四季度”, “黔江区、武隆区
    2023年第一季度—2024年第二季度” or “12 个区县，2026年第四季度”}, in two queries."""
    region_ids = {region_id for run in runs if len(run.arguments.get("regions", [])) <= NAMED_REGIONS
                  for region_id in run.arguments.get("regions", [])}
    report_ids = {run.arguments.get("report") for run in runs} - {None}
    regions = Region.objects.in_bulk(region_ids)
    reports = QuarterlyReport.objects.select_related("region").in_bulk(report_ids)
    subjects = {}
    for run in runs:
        arguments = run.arguments
        if arguments.get("report") in reports:
            report = reports[arguments["report"]]
            subjects[run.pk] = f"{report.region.name} {Quarter(report.year, report.quarter).label}"
        elif arguments.get("regions") and arguments.get("quarters"):
            subjects[run.pk] = _regions_quarters(arguments["regions"], arguments["quarters"], regions)
    return subjects


def _regions_quarters(region_ids, quarters, regions):
    first, last = Quarter.parse(min(quarters)).label, Quarter.parse(max(quarters)).label
    period = first if first == last else f"{first}—{last}"
    names = [regions[region_id].name for region_id in region_ids if region_id in regions]
    if len(region_ids) <= NAMED_REGIONS and names:
        return f"{'、'.join(names)} {period}"
    return _("%(count)d regions, %(period)s") % {"count": len(region_ids), "period": period}
