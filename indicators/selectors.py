"""Reads of ``indicators``: who reports which statistic, what a department's entry sheet
holds, the region board with its trends, one indicator across districts and quarters."""

import re
from collections import Counter, defaultdict
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.periods import Quarter
from org.models import Region
from org.selectors import DepartmentResolver, resolve_cells

from .bulk_workbook import TemplateRow
from .formulas import BUILTINS, parse
from .leakage_ledger import leak_repair_ledger
from .models import (
    Adoption,
    ChecklistAnswer,
    ComputedValue,
    DataElement,
    DataReport,
    DataValue,
    Indicator,
    IndicatorSet,
    Judgement,
    ReferenceValue,
    UtilityFigures,
)
from .scoring_rules import describe

TREND_QUARTERS = 8


def adopted_sets_of(region):
    """The standards ``region`` is evaluated against, in a stable order (may be none)."""
    return adopted_sets([region.pk]).get(region.pk, [])


def adopted_sets(region_ids):
    """{region id: [the standards it is evaluated against]}, for those that adopted any."""
    adoptions = (Adoption.objects.filter(region__in=region_ids).select_related("indicator_set")
                 .order_by("region_id", "indicator_set__code", "indicator_set__version"))
    found = defaultdict(list)
    for adoption in adoptions:
        found[adoption.region_id].append(adoption.indicator_set)
    return dict(found)


def adopted_set_of(region, code=None):
    """One standard of ``region``: the one whose code (or pk) is ``code``, else the first."""
    sets = adopted_sets_of(region)
    for indicator_set in sets:
        if code and code in (indicator_set.code, str(indicator_set.pk)):
            return indicator_set
    return sets[0] if sets else None


@dataclass
class Standard:
    """A standard a region's pages show: adopted (``adoption`` set), or no longer adopted
    but with values still stored under it (an adoption removed keeps what was computed)."""

    indicator_set: IndicatorSet
    adoption: Adoption | None
    key: str = ""  # what ``?standard=`` names it by: its code, or its pk where another version shares the code

    @property
    def adopted(self):
        return self.adoption is not None


def standards_of(region):
    """[Standard] of ``region``: those it adopts, in the order of ``adopted_sets_of``, then
    those it no longer adopts whose values are kept, in code order; two queries."""
    adoptions = list(Adoption.objects.filter(region=region).select_related("indicator_set")
                     .order_by("indicator_set__code", "indicator_set__version"))
    adopted = [adoption.indicator_set_id for adoption in adoptions]
    former = (IndicatorSet.objects.filter(pk__in=ComputedValue.objects.filter(region=region)
                                          .values("indicator__indicator_set"))
              .exclude(pk__in=adopted).order_by("code", "version"))
    standards = [Standard(a.indicator_set, a) for a in adoptions] + [Standard(s, None) for s in former]
    codes = Counter(standard.indicator_set.code for standard in standards)
    for standard in standards:
        code = standard.indicator_set.code
        standard.key = code if codes[code] == 1 else str(standard.indicator_set.pk)
    return standards


def pick_standard(standards, wanted=None):
    """The Standard whose code (or pk) is ``wanted``, else the first adopted one, else the
    first; None when there is none."""
    for standard in standards:  # the pk first: two versions of a standard share the code
        if wanted and wanted == str(standard.indicator_set.pk):
            return standard
    for standard in standards:
        if wanted and wanted == standard.indicator_set.code:
            return standard
    return next((s for s in standards if s.adopted), standards[0] if standards else None)


def judgements_in_force(region, indicators, quarter):
    """{indicator id: the Judgement that applies to ``quarter``}: for each item, the latest
    judgement at or before the quarter (it holds until a later one replaces it); one query."""
    rows = (Judgement.objects.filter(region=region, indicator__in=indicators)
            .filter(Q(year__lt=quarter.year) | Q(year=quarter.year, quarter__lte=quarter.number))
            .select_related("judged_by").order_by("indicator_id", "-year", "-quarter"))
    found = {}
    for judgement in rows:
        found.setdefault(judgement.indicator_id, judgement)
    return found


def rule_text(indicator):
    """An item's scoring rule as the standard words it, else as the rule reads in words; a
    prerequisite that carries no points says so (it is met or not, and vetoes)."""
    if indicator.scoring_text:
        return indicator.scoring_text
    if not indicator.points and indicator.kind == Indicator.Kind.BOTTOM_LINE:
        requirement = f"{indicator.target_text}；" if indicator.target_text else ""
        return requirement + str(_("A prerequisite: it must be met and carries no points."))
    return describe(indicator.scoring, full=indicator.points, unit=indicator.unit)


def names_of(codes=None):
    """Code → name of the data elements and reference values among ``codes`` (all of them
    when ``codes`` is None: a page listing a whole catalogue reads them in two queries)."""
    references, elements = ReferenceValue.objects.all(), DataElement.objects.all()
    if codes is not None:
        codes = set(codes)
        references, elements = references.filter(code__in=codes), elements.filter(code__in=codes)
    names = dict(references.values_list("code", "name"))
    names.update(elements.values_list("code", "name"))
    return names


def known_names():
    return set(DataElement.objects.values_list("code", flat=True)) | set(
        ReferenceValue.objects.values_list("code", flat=True)
    )


@dataclass
class Duties:
    """Who reports what in a region. Each statistic is reported by one department: the
    first lead unit of the first indicator (in the standard's order) that uses it, so two
    departments never enter the same figure."""

    indicators: list
    elements: dict = field(default_factory=dict)  # element code -> Department
    element_indicators: dict = field(default_factory=lambda: defaultdict(list))  # code -> [Indicator]
    formula_elements: dict = field(default_factory=dict)  # indicator id -> [element codes, in formula order]
    indicator_owner: dict = field(default_factory=dict)  # indicator id -> Department (leakage, checklist)
    unresolved: list = field(default_factory=list)  # indicators whose lead unit is not a department here

    def elements_of(self, department):
        return [code for code, owner in self.elements.items() if owner.pk == department.pk]

    def owned_indicators(self, department, method):
        return [i for i in self.indicators if i.method == method and self.indicator_owner.get(i.pk) == department]

    def groups_for(self, department):
        """(indicator, [element codes this department enters for it]) in the standard's
        order; an element shared by several indicators is listed under the first."""
        mine = set(self.elements_of(department))
        listed, groups = set(), []
        for indicator in self.indicators:
            codes = [c for c in self.formula_elements.get(indicator.pk, []) if c in mine and c not in listed]
            if codes:
                listed |= set(codes)
                groups.append((indicator, codes))
        return groups

    def departments(self):
        """Every department with something to report, in order of first duty."""
        seen = {}
        for owner in [*self.elements.values(), *self.indicator_owner.values()]:
            seen.setdefault(owner.pk, owner)
        return list(seen.values())


def _element_codes():
    return set(DataElement.objects.values_list("code", flat=True))


def _position(text, name):
    return re.search(rf"\b{name}\b", text).start()


def duties_for(region, indicator_sets):
    return duties_for_regions([region.pk], indicator_sets)[region.pk]


def duties_for_regions(region_ids, indicator_sets):
    """{region id: Duties} of many regions evaluated against ``indicator_sets`` (one set or
    a list: a region under two standards reports each figure once, for both), in the same
    fixed number of queries as for one: the formulas are parsed once and the departments of
    every region are read together (a national import covers thousands of counties)."""
    if not isinstance(indicator_sets, list | tuple):
        indicator_sets = [indicator_sets] if indicator_sets is not None else []
    indicators = [indicator for indicator_set in indicator_sets
                  for indicator in indicator_set.indicators.order_by("number")]
    element_codes, names = _element_codes(), known_names()
    registry = set(DataElement.objects.filter(source=DataElement.Source.REGISTRY).values_list("code", flat=True))
    formula_elements, element_indicators = {}, defaultdict(list)
    for indicator in indicators:
        if indicator.method == Indicator.Method.FORMULA:
            used = parse(indicator.formula, known_names=names).names & element_codes
            # The order the names appear in the formula is the order of the 释义.
            formula_elements[indicator.pk] = sorted(used, key=lambda code: _position(indicator.formula, code))
            for code in used:
                element_indicators[code].append(indicator)
    resolvers = DepartmentResolver.for_regions(region_ids)
    leads = resolve_cells(resolvers, [indicator.lead_text for indicator in indicators])
    result = {}
    for region_id in region_ids:
        # The catalogue parts are shared between the regions' Duties: nothing changes them.
        duties = Duties(indicators=indicators, element_indicators=element_indicators,
                        formula_elements=formula_elements)
        _assign_owners(duties, leads[region_id], registry)
        result[region_id] = duties
    return result


def _assign_owners(duties, leads, registry):
    """Each indicator's owner is its first lead unit (``leads``: {lead text: departments, or
    None where a name is unknown}, of ``resolve_cells``); each figure's, the owner of the
    first indicator that uses it."""
    for indicator in duties.indicators:
        found = leads[indicator.lead_text]
        if not found:  # an unknown name, or no lead unit written
            duties.unresolved.append(indicator)
            continue
        duties.indicator_owner[indicator.pk] = owner = found[0]
        for code in duties.formula_elements.get(indicator.pk, []):
            if code not in registry:  # computed from the carrier registry, never entered
                duties.elements.setdefault(code, owner)


def indicator_owners(region_ids):
    """({region id: [IndicatorSet]}, {indicator id: Indicator, with its set}, {region id:
    {indicator id: the pk of the Department that answers for it}}) of the regions that
    adopted a standard: ``duties_of_regions``' sets and ``Duties.indicator_owner``, in the
    same order, without the figures' duties (formulas, data elements) the scores do not read
    and without a Department instance per department (a national recompute reads them all)."""
    sets = adopted_sets(region_ids)
    indicators = {}
    for indicator in (Indicator.objects.filter(indicator_set__in={s.pk for found in sets.values() for s in found})
                      .select_related("indicator_set").order_by("indicator_set", "number")):
        indicators.setdefault(indicator.indicator_set_id, []).append(indicator)
    resolvers = DepartmentResolver.for_regions(list(sets), light=True)
    leads = resolve_cells(resolvers, [indicator.lead_text for found in indicators.values() for indicator in found])
    owners = {}
    for region_id, found in sets.items():
        duties = Duties(indicators=[indicator for s in found for indicator in indicators.get(s.pk, [])])
        _assign_owners(duties, leads[region_id], registry=set())
        owners[region_id] = {indicator_id: owner.pk for indicator_id, owner in duties.indicator_owner.items()}
    return sets, {i.pk: i for found in indicators.values() for i in found}, owners


def duties_of_regions(region_ids):
    """({region id: [IndicatorSet]}, {region id: Duties}) of the regions that adopted a
    standard, in a fixed number of queries per combination of standards."""
    sets = adopted_sets(region_ids)
    by_sets = defaultdict(list)
    for region_id in region_ids:
        if region_id in sets:
            by_sets[tuple(s.pk for s in sets[region_id])].append(region_id)
    duties = {}
    for members in by_sets.values():
        duties.update(duties_for_regions(members, sets[members[0]]))
    return sets, duties


def bulk_template_rows(quarter, *, within=None):
    """The rows of the bulk statistics file of ``quarter`` (``bulk_workbook.TemplateRow``):
    every county, below ``within`` when given, × every figure a department of it reports,
    in code order and the standard's order, with what is stored. Counties that adopted no
    indicator set are left out: no department of theirs reports anything."""
    counties = Region.objects.filter(level=Region.Level.COUNTY)
    if within is not None:
        counties = counties.filter(within.subtree_q())
    counties = list(counties.order_by("code").only("code", "name", "level"))
    _sets, duties = duties_of_regions([county.pk for county in counties])
    elements = {e.code: e for e in DataElement.objects.filter(source=DataElement.Source.ENTERED)}
    stored = {
        (region_id, element_id): (value, comment)
        for region_id, element_id, value, comment in DataValue.objects.filter(
            region__in=list(duties), year=quarter.year, quarter=quarter.number
        ).values_list("region_id", "element_id", "value", "comment")
    }
    rows = []
    for county in counties:
        if county.pk not in duties:
            continue
        for code in duties[county.pk].elements:
            element = elements[code]
            value, comment = stored.get((county.pk, element.pk), (None, ""))
            rows.append(TemplateRow(county.code, county.name, code, element.name, element.unit, value, comment))
    return rows


# --- values around a quarter -------------------------------------------------------------


def values_by_quarter(region, quarters, *, counted_only=False):
    """{Quarter: {element code: DataValue}} for ``quarters``, in one query."""
    wanted = {(q.year, q.number) for q in quarters}
    rows = DataValue.objects.filter(region=region, year__in={y for y, _ in wanted}).select_related("element", "report")
    if counted_only:
        rows = rows.filter(report__state__in=DataReport.COUNTED_STATES)
    found = defaultdict(dict)
    for row in rows:
        if (row.year, row.quarter) in wanted:
            found[Quarter(row.year, row.quarter)][row.element.code] = row
    return found


def neighbours(quarter):
    """The quarters a figure of ``quarter`` is checked against."""
    return [quarter, quarter.previous(), quarter.same_quarter_last_year()]


@dataclass
class SheetRow:
    element: DataElement
    value: DataValue | None
    previous: DataValue | None
    last_year: DataValue | None
    indicators: list


def entry_sheet(report, duties):
    """The rows of ``report``'s department, grouped by indicator, with the figures beside
    them that a clerk compares against."""
    quarter = report.period
    by_quarter = values_by_quarter(report.region, neighbours(quarter))
    elements = {e.code: e for e in DataElement.objects.all()}
    groups = []
    for indicator, codes in duties.groups_for(report.department):
        rows = [
            SheetRow(
                element=elements[code],
                value=by_quarter[quarter].get(code),
                previous=by_quarter[quarter.previous()].get(code),
                last_year=by_quarter[quarter.same_quarter_last_year()].get(code),
                indicators=duties.element_indicators[code],
            )
            for code in codes
        ]
        groups.append((indicator, rows))
    return groups


def utility_rows(report):
    if report.pk is None:  # a report not stored yet has none
        return []
    return list(report.utilities.order_by("utility"))


def utility_rows_to_fill(report):
    """The rows offered for entry: the report's own, or, before any are saved, the utility
    names of the department's latest earlier report, so a clerk does not retype them each
    quarter. Only names carry over; every figure must be entered for the new quarter."""
    rows = utility_rows(report)
    if rows:
        return rows
    earlier = (
        DataReport.objects.filter(department_id=report.department_id, utilities__isnull=False)
        .filter(Q(year__lt=report.year) | Q(year=report.year, quarter__lt=report.quarter))
        .order_by("-year", "-quarter")
        .first()
    )
    if earlier is None:
        return []
    names = earlier.utilities.order_by("utility").values_list("utility", flat=True)
    return [UtilityFigures(utility=name, frost_depth=None) for name in names]


def checklist_rows(report, duties):
    """(indicator, [(item index, question, ChecklistAnswer or None)]) for the checklist
    indicators the department answers."""
    answers = {
        (a.indicator_id, a.item): a for a in report.answers.prefetch_related("evidence").select_related("indicator")
    } if report.pk else {}
    result = []
    for indicator in duties.owned_indicators(report.department, Indicator.Method.CHECKLIST):
        items = [(index, text, answers.get((indicator.pk, index))) for index, text in enumerate(indicator.checklist)]
        result.append((indicator, items))
    return result


# --- the board ---------------------------------------------------------------------------


@dataclass
class BoardRow:
    indicator: Indicator
    computed: ComputedValue | None
    trend: list  # [(Quarter, value or None, status or None)], oldest first

    @property
    def trend_values(self):
        return [value for _, value, _ in self.trend]


def last_quarters(quarter, count=TREND_QUARTERS):
    quarters = [quarter]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return list(reversed(quarters))


def board(region, indicator_set, quarter):
    """One row per indicator with this quarter's computed value and the last eight
    quarters' values, in two queries."""
    quarters = last_quarters(quarter)
    rows = ComputedValue.objects.filter(
        region=region, indicator__indicator_set=indicator_set, year__in={q.year for q in quarters}
    ).only("indicator_id", "year", "quarter", "value", "status", "explanation", "points", "award")
    by_key = {(r.indicator_id, Quarter(r.year, r.quarter)): r for r in rows}
    result = []
    for indicator in indicator_set.indicators.order_by("number"):
        trend = []
        for q in quarters:
            found = by_key.get((indicator.pk, q))
            trend.append((q, found.value if found else None, found.status if found else None))
        result.append(BoardRow(indicator=indicator, computed=by_key.get((indicator.pk, quarter)), trend=trend))
    return result


@dataclass
class Points:
    """A scored standard's total on the board: awarded, the most it could reach, the pass
    score, and the full points of the items not scored yet (data incomplete, not judged)."""

    earned: Decimal
    possible: Decimal
    needed: Decimal
    pending: Decimal

    @property
    def short(self):
        """Points still missing to reach the pass score (0 when reached)."""
        return max(self.needed - self.earned, Decimal("0"))

    @property
    def reached(self):
        return self.earned >= self.needed

    @property
    def reachable(self):
        """The items not scored yet could still bring the total to the pass score."""
        return self.earned + self.pending >= self.needed


def points_of(indicator_set, rows, verdict=None):
    """The ``Points`` of a scored standard's board: the stored verdict's figures (what the
    verdict was decided on) when there is one, else added up from the board's rows."""
    if not indicator_set.is_scored:
        return None
    figures = (verdict.figures or {}).get("points") if verdict is not None else None
    if figures:
        return Points(*(Decimal(figures[key]) for key in ("earned", "possible", "needed", "pending")))
    scored = [row for row in rows if row.computed is not None and row.computed.points is not None]
    return Points(
        earned=sum((row.computed.points for row in scored), Decimal("0")),
        possible=sum((row.indicator.points for row in rows), Decimal("0")),
        needed=indicator_set.min_points,
        pending=sum((row.indicator.points for row in rows if row not in scored), Decimal("0")),
    )


def prerequisites(rows):
    """{status: [Indicator]} of the bottom-line items (the prerequisites: one not met
    vetoes the standard), with "total"."""
    found = {"met": [], "not_met": [], "incomplete": [], "not_applicable": [], "total": 0}
    for row in rows:
        if row.indicator.kind != Indicator.Kind.BOTTOM_LINE:
            continue
        found["total"] += 1
        status = row.computed.status if row.computed else ComputedValue.Status.INCOMPLETE
        found.get(status, found["incomplete"]).append(row.indicator)
    return found


def latest_computed_quarter(region, indicator_set):
    row = (
        ComputedValue.objects.filter(region=region, indicator__indicator_set=indicator_set)
        .exclude(status=ComputedValue.Status.INCOMPLETE)
        .order_by("-year", "-quarter")
        .values("year", "quarter")
        .first()
    )
    return Quarter(row["year"], row["quarter"]) if row else None


def indicator_across(indicator, regions, quarter):
    """(region, ComputedValue or None) for each region, in one query."""
    found = {
        r.region_id: r
        for r in ComputedValue.objects.filter(
            indicator=indicator, region__in=regions, year=quarter.year, quarter=quarter.number
        )
    }
    return [(region, found.get(region.pk)) for region in regions]


def indicator_series(indicator, regions, quarters):
    """{region id: [value or None per quarter]} for a line chart, in one query."""
    wanted = {(q.year, q.number): i for i, q in enumerate(quarters)}
    series = {region.pk: [None] * len(quarters) for region in regions}
    rows = ComputedValue.objects.filter(
        indicator=indicator, region__in=regions, year__in={q.year for q in quarters}
    ).values_list("region_id", "year", "quarter", "value")
    for region_id, year, number, value in rows:
        if (year, number) in wanted and value is not None:
            series[region_id][wanted[(year, number)]] = float(value)
    return series


def lineage_page(computed):
    """Everything the lineage page shows of ``computed`` that is the same for every reader
    (the API's lineage is this too): the details of ``lineage_detail``, the figures, utility
    rows and checklist answers it used, and the leak-repair ledger of a leakage item."""
    return {
        **lineage_detail(computed),
        "entries": lineage_entries(computed),
        "utilities": utilities_in_lineage(computed),
        "repair_ledger": leak_repair_ledger(computed.region, computed.year, up_to_quarter=computed.quarter)
        if computed.indicator.method == Indicator.Method.LEAKAGE else None,
        "answers": answers_in_lineage(computed),
    }


def lineage_entries(computed):
    """The DataValue rows named in a computed value's lineage, with their reports, so the
    page can say who entered what and in which state."""
    inputs = (computed.lineage or {}).get("inputs", {})
    ids = [entry["entry"] for entry in inputs.values() if isinstance(entry, dict) and "entry" in entry]
    return {
        row.pk: row
        for row in DataValue.objects.filter(pk__in=ids).select_related(
            "element", "report__department", "report__submitted_by", "entered_by"
        )
    }


def lineage_detail(computed):
    """What the lineage page shows beyond the inputs, from the keys the computation wrote
    (each may be absent, in values computed before it wrote them): the experts' judgement
    with its time read back, whether the leakage rows carry their corrections, and the
    points if the item is scored."""
    lineage = computed.lineage or {}
    judgement = dict(lineage.get("judgement") or {})
    if isinstance(judgement.get("at"), str):
        judgement["at"] = parse_datetime(judgement["at"]) or judgement["at"]
    with suppress(KeyError, ValueError):  # written as "2025Q4"; shown as 2025年第四季度
        judgement["quarter"] = Quarter.parse(judgement["quarter"]).label
    inputs = lineage.get("inputs") or {}
    utilities = inputs.get("utilities") or {}
    annual = lineage.get("annual") or {}
    return {
        **_named_inputs(inputs, lineage.get("references") or {}),
        "judgement": judgement,
        "annual_year": str(annual.get("from", ""))[:4],
        "corrections": any(isinstance(row, dict) and "r_wl" in row for row in utilities.values()),
        "scored": computed.points is not None or bool(computed.award) or computed.indicator.indicator_set.is_scored,
    }


def _named_inputs(inputs, references):
    """The lineage's constants, reference values and carrier-registry figures by name, with
    their dates as dates (the lineage stores them as ISO text), for the page to write out:
    ``constants`` [(name, value)], ``references`` [dict], ``registry`` [dict]."""
    constants = {code: used for code, used in inputs.items() if isinstance(used, dict) and used.get("constant")}
    names = {**names_of([*constants, *references]), **BUILTINS}
    registry = [{**used, "as_of": _day(used.get("as_of")),
                 "counted": [{**carrier, "accepted_on": _day(carrier.get("accepted_on"))}
                             for carrier in used.get("counted", [])]}
                for used in inputs.values() if isinstance(used, dict) and used.get("registry")]
    return {
        "constants": [(names.get(code, code), used["value"]) for code, used in constants.items()],
        "references": [{**ref, "code": code, "name": names.get(code, code),
                        "published_on": _day(ref.get("published_on"))} for code, ref in references.items()],
        "registry": registry,
    }


def _day(text):
    """A date the lineage stored as ISO text, as a date; what it holds otherwise, unchanged."""
    try:
        return date.fromisoformat(text) if isinstance(text, str) else text
    except ValueError:
        return text


def utilities_in_lineage(computed):
    inputs = (computed.lineage or {}).get("inputs", {}).get("utilities", {})
    ids = [entry["entry"] for entry in inputs.values() if isinstance(entry, dict) and "entry" in entry]
    return {row.pk: row for row in UtilityFigures.objects.filter(pk__in=ids).select_related("report__department")}


def answers_in_lineage(computed):
    ids = (computed.lineage or {}).get("answers", [])
    return list(
        ChecklistAnswer.objects.filter(pk__in=ids).select_related("indicator", "report__department")
        .prefetch_related("evidence")
    )
