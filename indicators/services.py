"""Computing indicator values from what was entered: plain functions the Celery job and the
``recompute`` command both call. Bulk: a fixed number of queries per region and quarter,
and an upsert that leaves identical rows when nothing changed."""

from decimal import Decimal

from .formulas import MissingValue, ZeroDenominator, parse
from .leakage import Utility, region_leakage
from .models import ComputedValue, DataElement, DataValue, Indicator, ReferenceValue, UtilityFigures
from .targets import INCOMPLETE, check

PLACES = Decimal("0.000001")


def _inputs(region, year, quarter):
    rows = DataValue.objects.filter(region=region, year=year, quarter=quarter).select_related("element")
    return {row.element.code: row for row in rows}


def _references(region, year):
    """Reference values of ``year``: the region's own where it has one, else the national."""
    found = {}
    for row in ReferenceValue.objects.filter(year=year).filter(region__isnull=True):
        found[row.code] = row
    for row in ReferenceValue.objects.filter(year=year, region=region):
        found[row.code] = row
    return found


def _evaluate(indicator, inputs, utilities, known):
    """(value or None, reason when None, lineage of inputs)."""
    if indicator.method == Indicator.Method.LEAKAGE:
        if not utilities:
            return None, "缺少供水企业漏损数据", {}
        try:
            value = region_leakage(
                Utility(u.utility, u.supply, u.registered, u.resident_metered, u.pipe_km, u.pressure, u.frost_depth)
                for u in utilities
            )
        except ValueError as error:
            return None, str(error), {}
        lineage = {u.utility: {"supply": str(u.supply), "registered": str(u.registered)} for u in utilities}
        return value, "", {"utilities": lineage}
    formula = parse(indicator.formula, known_names=known)
    used = {name: inputs[name] for name in formula.names if name in inputs}
    lineage = {
        name: {"value": str(row.value), "entry": row.pk, "sha256": row.source_sha256} for name, row in used.items()
    }
    try:
        value = formula.evaluate({name: row.value for name, row in used.items()})
    except MissingValue as missing:
        return None, f"缺少数据项 {missing.name}", lineage
    except ZeroDenominator:
        return None, "分母为零", lineage
    return value, "", lineage


def compute_region_quarter(region, quarter, indicator_set):
    """Compute every indicator of ``indicator_set`` for ``region`` and ``quarter`` and store
    the results; returns them. Year-on-year rules compare with the same quarter last year."""
    indicators = list(indicator_set.indicators.all())
    known = set(DataElement.objects.values_list("code", flat=True)) | set(
        ReferenceValue.objects.values_list("code", flat=True)
    )
    last_year = quarter.same_quarter_last_year()
    inputs, previous_inputs = (
        _inputs(region, quarter.year, quarter.number),
        _inputs(region, last_year.year, last_year.number),
    )
    figures = list(UtilityFigures.objects.filter(region=region, year=quarter.year, quarter=quarter.number))
    previous_figures = list(UtilityFigures.objects.filter(region=region, year=last_year.year, quarter=last_year.number))
    references = _references(region, quarter.year)
    rows = []
    for indicator in indicators:
        rows.append(
            _compute(indicator, region, quarter, inputs, previous_inputs, figures, previous_figures, references, known)
        )
    ComputedValue.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["region", "indicator", "year", "quarter"],
        update_fields=["value", "status", "explanation", "lineage"],
    )
    return rows


def _compute(indicator, region, quarter, inputs, previous_inputs, figures, previous_figures, references, known):
    base = {"region": region, "indicator": indicator, "year": quarter.year, "quarter": quarter.number}
    lineage = {"formula": indicator.formula, "formula_version": indicator.formula_version, "method": indicator.method}
    if indicator.method == Indicator.Method.CHECKLIST:
        return ComputedValue(**base, value=None, status=INCOMPLETE, explanation="核查项尚未填写", lineage=lineage)
    value, reason, used = _evaluate(indicator, inputs, figures, known)
    lineage["inputs"] = used
    if value is None:
        return ComputedValue(**base, value=None, status=INCOMPLETE, explanation=reason[:300], lineage=lineage)
    previous, _, previous_used = _evaluate(indicator, previous_inputs, previous_figures, known)
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


def recompute(*, regions, quarters, indicator_set):
    """Compute many region × quarter pairs; returns how many values were written."""
    written = 0
    for region in regions:
        for quarter in quarters:
            written += len(compute_region_quarter(region, quarter, indicator_set))
    return written
