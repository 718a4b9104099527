"""Computing indicator values from what was entered: plain functions the Celery job and the
``recompute`` command both call. Bulk: a fixed number of queries per region and quarter,
and an upsert that leaves identical rows when nothing changed."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from core import events
from core.bulk import changed, row_digest, upsert_frame, upsert_rows
from core.memory import cyclic_gc_paused
from core.periods import Quarter
from core.recompute import mark_stale
from core.recompute import together as recompute_together
from org.models import Region

from ..formulas import MissingValue, ZeroDenominator, parse
from ..leakage import Utility, region_leakage
from ..lineage import PLACES, packed, utility_lineage
from ..models import (
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
from ..providers import provided_for
from ..scoring_rules import award
from ..selectors import adopted_sets
from ..targets import INCOMPLETE, MET, NOT_MET, base_years, check, fmt

RECOMPUTE = "indicator_values"  # the name this app's recompute is registered under in core.recompute


class _Entered(NamedTuple):
    """An entered figure as the computation uses it (rows read as tuples: model instances
    would cost more than the arithmetic)."""

    value: Decimal
    pk: int
    report_id: int
    state: str
    source_sha256: str


class _UtilityRow(NamedTuple):
    utility: str
    supply: Decimal
    registered: Decimal
    resident_metered: Decimal
    pipe_km: Decimal
    pressure: Decimal
    frost_depth: Decimal
    pk: int
    report_id: int
    state: str
    source_sha256: str


def _inputs(region_ids, year, quarter):
    """{region id: {element code: _Entered}} of counted reports."""
    found = {region_id: {} for region_id in region_ids}
    rows = DataValue.objects.filter(
        region__in=region_ids,
        year=year,
        quarter=quarter,
        report__state__in=DataReport.COUNTED_STATES,
        element__source=DataElement.Source.ENTERED,
    ).values_list("region_id", "element__code", "value", "pk", "report_id", "report__state", "source_sha256")
    for region_id, code, *entered in rows:
        found[region_id][code] = _Entered(*entered)
    return found


def _utilities(region_ids, quarter):
    found = {region_id: [] for region_id in region_ids}
    rows = UtilityFigures.objects.filter(
        region__in=region_ids, year=quarter.year, quarter=quarter.number, report__state__in=DataReport.COUNTED_STATES
    ).order_by("utility").values_list("region_id", *_UtilityRow._fields[:8], "report_id", "report__state",
                                      "source_sha256")
    for region_id, *row in rows:
        found[region_id].append(_UtilityRow(*row))
    return found


def _answers(region_ids, quarter):
    """{region id: {indicator id: [ChecklistAnswer with ``evidence_count``]}} from counted reports."""
    found = {region_id: {} for region_id in region_ids}
    rows = (
        ChecklistAnswer.objects.filter(
            report__region__in=region_ids, report__year=quarter.year, report__quarter=quarter.number,
            report__state__in=DataReport.COUNTED_STATES,
        )
        .annotate(evidence_count=Count("evidence"))
        .select_related("report")
        .order_by("item")
    )
    for answer in rows:
        found[answer.report.region_id].setdefault(answer.indicator_id, []).append(answer)
    return found


def _entry(row, value):
    return {"value": str(value), "entry": row.pk, "report": row.report_id, "state": row.state,
            "sha256": row.source_sha256}


def _references(region_ids, quarter, national):
    """{region id: reference values for ``quarter``}: the region's own of the quarter's year
    where it has one (a quota assigned for the year), else the latest national figure
    published by the quarter's last day (the 公报 of year N comes out in year N+1)."""
    latest = {}
    for row in national:  # ordered by year
        if row.available_from <= quarter.last_day:
            latest[row.code] = row
    found = {region_id: dict(latest) for region_id in region_ids}
    for row in ReferenceValue.objects.filter(year=quarter.year, region__in=region_ids):
        found[row.region_id][row.code] = row
    return found


def _evaluate(indicator, inputs, utilities, context):
    """(value or None, reason when None, lineage of inputs). ``context`` holds what every
    formula may use besides entered figures: the known names, element names, reference
    values and the days the year-to-date figures cover."""
    if indicator.method == Indicator.Method.LEAKAGE:
        if not utilities:
            return None, "缺少供水企业漏损数据", {}
        try:
            value = region_leakage(
                (Utility(u.utility, u.supply, u.registered, u.resident_metered, u.pipe_km, u.pressure, u.frost_depth)
                 for u in utilities),
                year_share=context.share_of_year,
            )
        except ValueError as error:
            return None, str(error), {}
        lineage = {u.utility: utility_lineage(u, u.state, context.share_of_year) for u in utilities}
        return value, "", {"utilities": lineage}
    formula = context.formulas[indicator.pk]
    used = {name: inputs[name] for name in formula.names if name in inputs}
    lineage = {name: _entry(row, row.value) for name, row in used.items()}
    values = {name: row.value for name, row in used.items()}
    for name in formula.names - used.keys():
        if name in context.provided:
            values[name], lineage[name] = context.provided[name]
        elif name in context.constants:
            values[name] = context.constants[name]
            lineage[name] = {"value": str(context.constants[name]), "constant": True}
    try:
        value = formula.evaluate(values)
    except MissingValue as missing:
        name = context.element_names.get(missing.name, "")
        return None, f"缺少数据项：{name}" if name else f"缺少数据项 {missing.name}", lineage
    except ZeroDenominator:
        return None, "分母为零", lineage
    return value, "", lineage


BATCH = 250  # regions read and written together: bounds memory and the size of IN lists
# A computed value as it is written: a tuple, as a model instance per row costs more than its arithmetic.
_ROW = ("region_id", "indicator_id", "year", "quarter", "value", "status", "explanation", "points", "award",
        "trace", "digest")


def compute_region_quarter(region, quarter, indicator_set):
    """Compute every indicator of ``indicator_set`` for ``region`` and ``quarter``, store
    the results and say the region's scores depend on them; returns the stored values."""
    for _count in _computed([region.pk], [quarter], indicator_set):
        pass
    events.publish(events.SCORES_CHANGED, region=region, quarter=quarter)
    return list(
        ComputedValue.objects.filter(
            region=region, year=quarter.year, quarter=quarter.number, indicator__indicator_set=indicator_set
        )
        .select_related("indicator")
        .order_by("indicator__number")
    )


def compute_regions(*, region_ids, quarters, indicator_set):
    """Compute and store every indicator of ``indicator_set`` for the regions and quarters;
    returns how many values were written."""
    return sum(_computed(region_ids, quarters, indicator_set))


def vectorised(indicator):
    """Whether ``vector_values`` computes the item (formula, leakage and checklist items); this
    module computes those judged by experts, and every item one value at a time as the
    reference (``reference_rows``)."""
    return indicator.method != Indicator.Method.JUDGED


def _computed(region_ids, quarters, indicator_set):
    """Compute and store, yielding how many values each batch holds once written. A batch
    of regions is read in a fixed number of queries per quarter. Year-on-year rules compare
    with the same quarter last year, evaluated once: quarters go in order, so a year's
    evaluations serve the next year's comparisons. Items judged on the annual figure read
    last year's fourth quarter (and the one before, for its own comparison) once per year."""
    # Polars is loaded when a recompute first runs, not when Django starts: a web worker or
    # an upload's bounded reader need not carry its native library and thread pool.
    import polars as pl

    from core import frames

    from .vector_values import value_frame

    common = _common(indicator_set)
    in_python = [i.pk for i in common.indicators if not vectorised(i)]
    for start in range(0, len(region_ids), BATCH):
        batch, rows = region_ids[start : start + BATCH], []
        quarters_of = _Quarters(batch, common)
        with cyclic_gc_paused():  # a batch's rows are hundreds of thousands of live objects
            for quarter in sorted(quarters):
                rows += [row for region_id in batch for row in _region_rows(region_id, quarter, quarters_of)]
                quarters_of.forget_before(quarter.same_quarter_last_year())
            rows = [(*row, row_digest(row[4:])) for row in ((*row[:-1], packed(row[-1])) for row in rows)]
            vectorised_rows = value_frame(batch, sorted(quarters), common,
                                          [i for i in common.indicators if vectorised(i)])
            stored = _digests(batch, quarters, common)
            # Compared and written as frames: most of a batch's values are vectorised.
            fresh = frames.changed(vectorised_rows, stored, keys=_ROW[:4])
            upsert_frame(ComputedValue, fresh, absent=frames.absent(fresh, stored, keys=_ROW[:4]), **_UPSERT)
            stored = stored.filter(pl.col("indicator_id").is_in(in_python))
            upsert_rows(ComputedValue, _ROW, changed(rows, {row[:4]: row[4] for row in stored.iter_rows()},
                                                     key_width=4), **_UPSERT)
        yield len(rows) + vectorised_rows.height


_UPSERT = {"unique_fields": ["region", "indicator", "year", "quarter"],
           "update_fields": ["value", "status", "explanation", "points", "award", "trace", "digest"]}


def _digests(region_ids, quarters, common):
    """The keys (region_id, indicator_id, year, quarter) and digests of the batch's stored
    values, as a frame."""
    import polars as pl  # loaded with the first recompute (see _computed)

    from core import frames

    stored = ComputedValue.objects.filter(region__in=region_ids, year__in={q.year for q in quarters},
                                          indicator__in=[i.pk for i in common.indicators])
    found = frames.frame(stored.order_by().values_list(*_ROW[:4], "digest"),
                         {**dict.fromkeys(_ROW[:4], pl.Int64), "digest": pl.Int64})
    return found.join(frames.quarters(quarters), on=["year", "quarter"], how="semi")


class _Quarters:
    """The evaluations of a batch's quarters, each read once when first asked for."""

    def __init__(self, batch, common):
        self.batch, self.common, self.evaluated = batch, common, {}
        self.judgements = _judgements(batch, common) if common.judged else {}
        self.year_ends = {}  # (region id, indicator id, year) -> the row of that year's Q4

    def of(self, quarter):
        if quarter not in self.evaluated:
            self.evaluated[quarter] = _Evaluations(
                _Read(self.batch, quarter, self.common, answers=self.common.checklists), self.common
            )
        return self.evaluated[quarter]

    def forget_before(self, quarter):
        for old in [q for q in self.evaluated if q < quarter and q.number != 4]:
            del self.evaluated[old]


@dataclass(frozen=True)
class _Common:
    """What every region of a run shares."""

    indicators: list
    formulas: dict  # indicator id -> parsed Formula, parsed once per run
    element_names: dict
    registry: list  # the data elements computed from the carrier registry
    checklists: bool
    scored: bool  # the standard is judged on points: every item's points are awarded
    judged: bool  # some items are judged by experts
    national: list  # national reference values, oldest first


def _common(indicator_set):
    indicators = list(indicator_set.indicators.all())
    elements = list(DataElement.objects.only("code", "name", "unit", "cumulative", "source"))
    element_names = {e.code: e.name for e in elements}
    known = set(element_names) | set(ReferenceValue.objects.order_by().values_list("code", flat=True))
    formulas = {i.pk: parse(i.formula, known_names=known) for i in indicators if i.method == Indicator.Method.FORMULA}
    return _Common(
        indicators, formulas, element_names, [e for e in elements if e.source == DataElement.Source.REGISTRY],
        any(i.method == Indicator.Method.CHECKLIST for i in indicators), indicator_set.is_scored,
        any(i.method == Indicator.Method.JUDGED for i in indicators),
        list(ReferenceValue.objects.filter(region__isnull=True).order_by("year", "code")),
    )


def _judgements(region_ids, common):
    """{(region id, indicator id): [Judgement, oldest first]} of the standard's judged items."""
    judged = [i.pk for i in common.indicators if i.method == Indicator.Method.JUDGED]
    found = defaultdict(list)
    rows = Judgement.objects.filter(region__in=region_ids, indicator__in=judged).select_related("judged_by")
    for row in rows.order_by("year", "quarter"):
        found[(row.region_id, row.indicator_id)].append(row)
    return found


class _Read:
    """One quarter's inputs of a batch of regions, each by region id, for the reference
    engine (``reference_rows``). The entered figures, the utilities' and the carrier
    registry's are read only when an item asks for them."""

    def __init__(self, region_ids, quarter, common, *, answers):
        self.region_ids, self.quarter, self.registry = region_ids, quarter, common.registry
        self.references = _references(region_ids, quarter, common.national)
        self.answers = _answers(region_ids, quarter) if answers else {}

    @cached_property
    def inputs(self):
        return _inputs(self.region_ids, self.quarter.year, self.quarter.number)

    @cached_property
    def utilities(self):
        return _utilities(self.region_ids, self.quarter)

    @cached_property
    def provided(self):
        return provided_for(self.region_ids, self.quarter, self.registry)


class _Evaluations:
    """The indicators' evaluations of one quarter's inputs, each done once when first asked."""

    def __init__(self, read, common):
        self.read, self.common, self.done = read, common, {}

    def of(self, region_id, indicator):
        key = (region_id, indicator.pk)
        if key not in self.done:
            read = self.read
            provided = {} if indicator.method == Indicator.Method.LEAKAGE else read.provided[region_id]
            context = _Context(self.common.formulas, self.common.element_names,
                               _constants(read.quarter, read.references[region_id]), read.quarter.share_of_year,
                               provided)
            leakage = indicator.method == Indicator.Method.LEAKAGE
            self.done[key] = _evaluate(indicator, {} if leakage else read.inputs[region_id],
                                       read.utilities[region_id] if leakage else [], context)
        return self.done[key]


def reference_rows(region_ids, quarters, indicator_set):
    """{(region, indicator, year, quarter): (value, status, explanation, points, award, trace)}
    of the items ``vector_values`` computes, computed one value at a time by this module (the
    lineage packed as stored): what it is held to by the tests and the national bench."""
    common = _common(indicator_set)
    quarters_of = _Quarters(region_ids, common)
    found = {}
    for quarter in sorted(quarters):
        for region_id in region_ids:
            for indicator in common.indicators:
                if vectorised(indicator):
                    row = _row(indicator, region_id, quarter, quarters_of)
                    found[row[:4]] = (*row[4:9], packed(row[9]))
    return found


def _region_rows(region_id, quarter, quarters_of):
    """The rows of the items ``vector_values`` does not compute."""
    return [_row(indicator, region_id, quarter, quarters_of) for indicator in quarters_of.common.indicators
            if not vectorised(indicator)]


def _row(indicator, region_id, quarter, quarters_of):
    """The stored row of one item: judged on its annual figure before the fourth quarter,
    it shows the year-to-date value as progress and keeps last year's judgement."""
    if indicator.annual and quarter.number != 4:
        return _carried(indicator, region_id, quarter, quarters_of)
    return _judged_row(indicator, region_id, quarter, quarters_of)


def _judged_row(indicator, region_id, quarter, quarters_of):
    common = quarters_of.common
    if indicator.method == Indicator.Method.JUDGED:
        return _expert(indicator, region_id, quarter, quarters_of.judgements.get((region_id, indicator.pk), []))
    now = quarters_of.of(quarter)
    if indicator.method == Indicator.Method.CHECKLIST:
        row = _checklist(indicator, region_id, quarter, now.read.answers.get(region_id, {}).get(indicator.pk, []))
        return _scored(row, indicator, common, None, {})
    last_year = quarters_of.of(quarter.same_quarter_last_year())
    # A fall against a fixed base year compares with that year's same quarter, evaluated as
    # last year's is for a year-on-year change.
    base_year_values = {year: quarters_of.of(Quarter(year, quarter.number)).of(region_id, indicator)
                        for year in sorted(base_years(indicator.target))}
    row, previous, references = _compute(indicator, region_id, quarter, now, last_year, now.read.references[region_id],
                                         base_year_values)
    return _scored(row, indicator, common, previous, references)


def _scored(row, indicator, common, previous, references):
    """``row`` with the points its scoring rule awards, under a standard judged on points."""
    base, (value, status, explanation, lineage) = row[:4], row[4:]
    if not common.scored:
        return (*base, value, status, explanation, None, "", lineage)
    awarded = award(indicator.scoring, full=indicator.points, name=indicator.name, unit=indicator.unit,
                    status=status, value=value, previous=previous, references=references)
    lineage["scoring"] = {"rule": indicator.scoring, "full": str(indicator.points),
                          "measured": None if value is None else str(value)}
    points = awarded.points
    if points is not None and status == INCOMPLETE:
        points = None  # never award on figures the status says are incomplete
    return (*base, value, status, explanation, points, awarded.text[:300], lineage)


def _expert(indicator, region_id, quarter, judgements):
    """An item judged by experts: the latest judgement made at or before ``quarter``."""
    base = (region_id, indicator.pk, quarter.year, quarter.number)
    lineage = {"method": indicator.method, "formula": "", "formula_version": indicator.formula_version,
               "scoring": {"rule": indicator.scoring, "full": str(indicator.points), "measured": None}}
    applying = [j for j in judgements if j.period <= quarter]
    if not applying:
        return (*base, None, INCOMPLETE, "尚未评分", None, "待专家评分", lineage)
    judgement = applying[-1]
    awarded = award(indicator.scoring, full=indicator.points, name=indicator.name,
                    judgement=(judgement.points, judgement.reason))
    lineage["judgement"] = {
        "id": judgement.pk, "points": str(judgement.points), "reason": judgement.reason,
        "by": str(judgement.judged_by) if judgement.judged_by else "",
        "at": judgement.judged_at.isoformat() if judgement.judged_at else "", "quarter": str(judgement.period),
    }
    status = MET if awarded.points >= indicator.points else NOT_MET
    explanation = f"{judgement.period.chinese_label}评分{awarded.points}分（满分{indicator.points}分）"
    return (*base, None, status, explanation[:300], awarded.points, awarded.text[:300], lineage)


def _carried(indicator, region_id, quarter, quarters_of):
    """Before the fourth quarter an annual item shows its year-to-date value as progress
    and keeps the judgement of last year's full year, so its verdict does not flip."""
    year_end = Quarter(quarter.year - 1, 4)
    key = (region_id, indicator.pk, year_end.year)
    if key not in quarters_of.year_ends:  # the same for the year's first three quarters
        quarters_of.year_ends[key] = _judged_row(indicator, region_id, year_end, quarters_of)
    annual = quarters_of.year_ends[key]
    _r, _i, _y, _q, annual_value, status, annual_explanation, points, annual_award, _lineage = annual
    progress = None
    if indicator.method not in (Indicator.Method.JUDGED, Indicator.Method.CHECKLIST):
        progress, _reason, used = quarters_of.of(quarter).of(region_id, indicator)
    base = (region_id, indicator.pk, quarter.year, quarter.number)
    value = None if progress is None else progress.quantize(PLACES)
    lineage = {"method": indicator.method, "formula": indicator.formula, "formula_version": indicator.formula_version,
               "inputs": used if progress is not None else {},
               "annual": {"from": str(year_end), "status": status,
                          "value": None if annual_value is None else str(annual_value),
                          "points": None if points is None else str(points), "explanation": annual_explanation}}
    if status == INCOMPLETE and annual_value is None and points is None:
        said = f"{year_end.year}年全年尚无评定"
    else:
        said = f"评定沿用{year_end.year}年全年：{annual_explanation}"
    shown = "" if value is None else f"年内累计{fmt(value, indicator.unit)}（进度，不作评定）；"
    award_text = f"沿用{year_end.year}年全年：{annual_award}" if annual_award else ""
    return (*base, value, status, (shown + said)[:300], points, award_text[:300], lineage)


@dataclass(frozen=True)
class _Context:
    formulas: dict  # indicator id -> parsed Formula
    element_names: dict
    constants: dict
    share_of_year: Decimal
    provided: dict  # registry elements: code -> (value, lineage)


def _constants(quarter, references):
    return {"DAYS_YTD": Decimal(quarter.days_to_date), **{code: row.value for code, row in references.items()}}


def _compute(indicator, region_id, quarter, current, last_year, references, base_year_values):
    """(row without points, last year's value, {reference code: value}) of a formula or
    leakage item."""
    base = (region_id, indicator.pk, quarter.year, quarter.number)
    lineage = {"formula": indicator.formula, "formula_version": indicator.formula_version, "method": indicator.method}
    value, reason, used = current.of(region_id, indicator)
    lineage["inputs"] = used
    if value is None:
        return (*base, None, INCOMPLETE, reason[:300], lineage), None, {}
    previous, _, previous_used = last_year.of(region_id, indicator)
    if previous is not None:
        lineage["previous_year"] = {"value": str(previous.quantize(PLACES)), "inputs": previous_used}
    rules_text = str(indicator.target) + str(indicator.scoring)
    used_references = {
        code: {"value": str(row.value), "year": row.year, "source": row.source, "region": row.region_id,
               "published_on": row.published_on.isoformat() if row.published_on else None}
        for code, row in references.items()
        if code in rules_text
    }
    lineage["references"] = used_references
    reference_values = {code: Decimal(row["value"]) for code, row in used_references.items()}
    base_values = {year: evaluated[0] for year, evaluated in base_year_values.items()}
    if base_year_values:
        lineage["base_years"] = [
            {"year": year, "value": None if found is None else str(found.quantize(PLACES)), "inputs": used}
            for year, (found, _reason, used) in base_year_values.items()]
    outcome = check(indicator.target, value=value, unit=indicator.unit, previous=previous,
                    references=reference_values, base=base_values)
    row = (*base, value.quantize(PLACES), outcome.status, outcome.explanation[:300], lineage)
    return row, previous, reference_values


def _checklist(indicator, region_id, quarter, answers):
    """Met when every item is answered yes with evidence; not met on any no."""
    lineage = {"method": indicator.method, "formula": "", "formula_version": indicator.formula_version,
               "checklist": indicator.checklist, "answers": [a.pk for a in answers]}
    by_item = {a.item: a for a in answers}
    total = len(indicator.checklist)
    unanswered = [i + 1 for i in range(total) if by_item.get(i) is None or by_item[i].answer is None]
    refused = [i + 1 for i in range(total) if by_item.get(i) is not None and by_item[i].answer is False]
    if refused:
        status, text = NOT_MET, "第" + "、".join(map(str, refused)) + "项核查结果为“否”"
    elif unanswered:
        status, text = INCOMPLETE, "第" + "、".join(map(str, unanswered)) + "项尚未填报"
    else:
        status, text = MET, f"{total}项核查均为“是”，均附佐证材料"
    return (region_id, indicator.pk, quarter.year, quarter.number, None, status, text, lineage)


def recompute_after_commit(region, quarter):
    """Once the surrounding transaction commits, recompute ``quarter`` and the same quarter
    next year (whose year-on-year rules compare with this one) for ``region``; a fourth
    quarter also decides the annual items of the next year's first three quarters."""
    if Adoption.objects.filter(region=region).exists():
        later = [Quarter(quarter.year + 1, n) for n in (1, 2, 3)] if quarter.number == 4 else []
        mark_stale(RECOMPUTE, region_ids=[region.pk], quarters=[quarter, quarter.shift(4), *later])


def recompute_since_after_commit(region, first):
    """Once the transaction commits, recompute ``region`` from quarter ``first`` up to the
    current one: for inputs that hold until changed, such as the carrier registry."""
    if Adoption.objects.filter(region=region).exists():
        mark_stale(RECOMPUTE, region_ids=[region.pk], quarters=quarters_since(first, today=timezone.localdate()))


def quarters_since(first, *, today):
    last = Quarter.containing(today)
    quarters = []
    while first <= last:
        quarters.append(first)
        first = first.shift(1)
    return quarters


def values_recompute(region_ids, quarters):
    """The recompute registered as ``RECOMPUTE``: the regions' values of ``quarters`` under
    every standard each adopted, in bulk (regions without one have none); returns what it
    wrote, in words."""
    by_set = defaultdict(list)
    for region_id, sets in adopted_sets(region_ids).items():
        for indicator_set in sets:
            by_set[indicator_set.pk].append(region_id)
    sets = IndicatorSet.objects.in_bulk(list(by_set))
    written = 0
    for set_id, members in sorted(by_set.items()):
        regions = Region.objects.filter(pk__in=members).order_by("code")
        written += recompute(regions=regions, quarters=sorted(quarters), indicator_set=sets[set_id], publish=False)
    # Once for every standard: a region adopting two would have its scores recomputed twice.
    scores_changed(Region.objects.filter(pk__in={r for members in by_set.values() for r in members}), quarters)
    return _("%(count)d indicator values") % {"count": written}


def recompute(*, regions, quarters, indicator_set, publish=True):
    """Compute many region × quarter pairs in bulk; returns how many values were written.
    With ``publish`` each region × quarter says its scores depend on them (off when the
    caller recomputes the scores itself)."""
    regions = list(regions)
    written = compute_regions(region_ids=[r.pk for r in regions], quarters=quarters, indicator_set=indicator_set)
    if publish:
        scores_changed(regions, quarters)
    return written


def scores_changed(regions, quarters):
    """Say the scores of ``regions`` × ``quarters`` depend on values just computed, their
    recompute queued as one job."""
    with recompute_together():
        for quarter in quarters:
            for region in regions:
                events.publish(events.SCORES_CHANGED, region=region, quarter=quarter)
