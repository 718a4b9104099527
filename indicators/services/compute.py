"""Computing indicator values from what was entered: plain functions the Celery job and the
``recompute`` command both call. Bulk: a fixed number of queries per region and quarter,
and an upsert that leaves identical rows when nothing changed."""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from kombu.exceptions import OperationalError

from core import events
from core.periods import Quarter

from ..formulas import MissingValue, ZeroDenominator, parse
from ..leakage import Utility, region_leakage
from ..models import (
    ChecklistAnswer,
    ComputedValue,
    DataElement,
    DataReport,
    DataValue,
    Indicator,
    ReferenceValue,
    UtilityFigures,
)
from ..providers import provided_for
from ..selectors import adopted_set
from ..targets import INCOMPLETE, MET, NOT_MET, check

PLACES = Decimal("0.000001")
logger = logging.getLogger(__name__)


def _inputs(region, year, quarter):
    rows = DataValue.objects.filter(
        region=region,
        year=year,
        quarter=quarter,
        report__state__in=DataReport.COUNTED_STATES,
        element__source=DataElement.Source.ENTERED,
    ).select_related("element", "report")
    return {row.element.code: row for row in rows}


def _utilities(region, quarter):
    return list(
        UtilityFigures.objects.filter(
            region=region, year=quarter.year, quarter=quarter.number, report__state__in=DataReport.COUNTED_STATES
        ).select_related("report").order_by("utility")
    )  # fmt: skip


def _answers(region, quarter):
    """{indicator id: [ChecklistAnswer with ``evidence_count``]} from counted reports."""
    found = {}
    rows = (
        ChecklistAnswer.objects.filter(
            report__region=region, report__year=quarter.year, report__quarter=quarter.number,
            report__state__in=DataReport.COUNTED_STATES,
        )
        .annotate(evidence_count=Count("evidence"))
        .order_by("item")
    )  # fmt: skip
    for answer in rows:
        found.setdefault(answer.indicator_id, []).append(answer)
    return found


def _entry(row, value):
    return {"value": str(value), "entry": row.pk, "report": row.report_id, "state": row.report.state,
            "sha256": row.source_sha256}  # fmt: skip


def _references(region, year):
    """Reference values of ``year``: the region's own where it has one, else the national."""
    found = {}
    for row in ReferenceValue.objects.filter(year=year).filter(region__isnull=True):
        found[row.code] = row
    for row in ReferenceValue.objects.filter(year=year, region=region):
        found[row.code] = row
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
            )  # fmt: skip
        except ValueError as error:
            return None, str(error), {}
        lineage = {
            u.utility: {**_entry(u, u.supply), "supply": str(u.supply), "registered": str(u.registered),
                        "resident_metered": str(u.resident_metered), "pipe_km": str(u.pipe_km),
                        "pressure": str(u.pressure), "frost_depth": str(u.frost_depth)}
            for u in utilities
        }  # fmt: skip
        return value, "", {"utilities": lineage}
    formula = parse(indicator.formula, known_names=context.known)
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
        return None, f"缺少数据项：{name}（{missing.name}）" if name else f"缺少数据项 {missing.name}", lineage
    except ZeroDenominator:
        return None, "分母为零", lineage
    return value, "", lineage


def compute_region_quarter(region, quarter, indicator_set):
    """Compute every indicator of ``indicator_set`` for ``region`` and ``quarter`` and store
    the results; returns them. Year-on-year rules compare with the same quarter last year."""
    indicators = list(indicator_set.indicators.all())
    elements = list(DataElement.objects.only("code", "name", "unit", "cumulative", "source"))
    element_names = {e.code: e.name for e in elements}
    registry = [e for e in elements if e.source == DataElement.Source.REGISTRY]
    known = set(element_names) | set(ReferenceValue.objects.values_list("code", flat=True))
    last_year = quarter.same_quarter_last_year()
    inputs, previous_inputs = (
        _inputs(region, quarter.year, quarter.number),
        _inputs(region, last_year.year, last_year.number),
    )
    figures, previous_figures = _utilities(region, quarter), _utilities(region, last_year)
    references = _references(region, quarter.year)
    context = _Context(
        known, element_names, _constants(quarter, references), quarter.share_of_year,
        provided_for(region, quarter, registry),
    )  # fmt: skip
    previous_context = _Context(
        known, element_names, _constants(last_year, _references(region, last_year.year)), last_year.share_of_year,
        provided_for(region, last_year, registry),
    )  # fmt: skip
    answers = _answers(region, quarter) if any(i.method == Indicator.Method.CHECKLIST for i in indicators) else {}
    rows = []
    for indicator in indicators:
        if indicator.method == Indicator.Method.CHECKLIST:
            rows.append(_checklist(indicator, region, quarter, answers.get(indicator.pk, [])))
            continue
        rows.append(
            _compute(indicator, region, quarter, (inputs, figures, context),
                     (previous_inputs, previous_figures, previous_context), references)
        )  # fmt: skip
    ComputedValue.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["region", "indicator", "year", "quarter"],
        update_fields=["value", "status", "explanation", "lineage"],
    )
    events.publish(events.SCORES_CHANGED, region=region, quarter=quarter)
    return rows


@dataclass(frozen=True)
class _Context:
    known: set
    element_names: dict
    constants: dict
    share_of_year: Decimal
    provided: dict  # registry elements: code -> (value, lineage)


def _constants(quarter, references):
    return {"DAYS_YTD": Decimal(quarter.days_to_date), **{code: row.value for code, row in references.items()}}


def _compute(indicator, region, quarter, current, last_year, references):
    base = {"region": region, "indicator": indicator, "year": quarter.year, "quarter": quarter.number}
    lineage = {"formula": indicator.formula, "formula_version": indicator.formula_version, "method": indicator.method}
    value, reason, used = _evaluate(indicator, *current)
    lineage["inputs"] = used
    if value is None:
        return ComputedValue(**base, value=None, status=INCOMPLETE, explanation=reason[:300], lineage=lineage)
    previous, _, previous_used = _evaluate(indicator, *last_year)
    if previous is not None:
        lineage["previous_year"] = {"value": str(previous.quantize(PLACES)), "inputs": previous_used}
    used_references = {
        code: {"value": str(row.value), "year": row.year, "source": row.source, "region": row.region_id}
        for code, row in references.items()
        if code in str(indicator.target)
    }
    lineage["references"] = used_references
    outcome = check(
        indicator.target,
        value=value,
        unit=indicator.unit,
        previous=previous,
        references={code: Decimal(row["value"]) for code, row in used_references.items()},
    )
    return ComputedValue(
        **base, value=value.quantize(PLACES), status=outcome.status, explanation=outcome.explanation[:300],
        lineage=lineage,
    )  # fmt: skip


def _checklist(indicator, region, quarter, answers):
    """Met when every item is answered yes with evidence; not met on any no."""
    lineage = {"method": indicator.method, "formula": "", "formula_version": indicator.formula_version,
               "checklist": indicator.checklist, "answers": [a.pk for a in answers]}  # fmt: skip
    base = {"region": region, "indicator": indicator, "year": quarter.year, "quarter": quarter.number}
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
    return ComputedValue(**base, value=None, status=status, explanation=text, lineage=lineage)


def recompute_after_commit(region, quarter):
    """Once the surrounding transaction commits, recompute ``quarter`` and the same quarter
    next year (whose year-on-year rules compare with this one) for ``region``."""
    from .. import jobs  # the job module imports services

    indicator_set = adopted_set(region)
    if indicator_set is None:
        return
    for affected in (quarter, quarter.shift(4)):
        transaction.on_commit(lambda q=affected: _enqueue(jobs.recompute_region_quarter, region, q, indicator_set))


def recompute_since_after_commit(region, first):
    """Once the transaction commits, recompute ``region`` from quarter ``first`` up to the
    current one: for inputs that hold until changed, such as the carrier registry."""
    from .. import jobs

    indicator_set = adopted_set(region)
    if indicator_set is not None:
        transaction.on_commit(lambda: _enqueue(jobs.recompute_region_since, region, first, indicator_set))


def quarters_since(first, *, today):
    last = Quarter.containing(today)
    quarters = []
    while first <= last:
        quarters.append(first)
        first = first.shift(1)
    return quarters


def _enqueue(job, region, quarter, indicator_set):
    """The data is already committed: if the broker is down, say so in the log rather than
    fail the user's request; ``manage.py recompute`` (and the nightly sweep) catch up."""
    try:
        job.delay(region.pk, str(quarter), indicator_set.pk)
    except OperationalError:
        logger.warning("recompute of %s %s not enqueued: broker unavailable", region.code, quarter, exc_info=True)


def recompute(*, regions, quarters, indicator_set):
    """Compute many region × quarter pairs; returns how many values were written."""
    written = 0
    for region in regions:
        for quarter in quarters:
            written += len(compute_region_quarter(region, quarter, indicator_set))
    return written
