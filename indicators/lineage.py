"""A computed value's lineage as stored and as read.

The computation describes every input it used in full: an entered figure with its report,
the report's state and the uploaded file's SHA-256; a water utility's figures with every
term of its leakage rate; a reference value with its year, source and publication day. Kept
like that, the facts of the input rows were copied into every value that used them, four
fifths of what a national recompute wrote. Stored, an input row is named instead:

- an entered figure as ``[entry id, value]``;
- a utility's figures as the UtilityFigures id (its terms are recomputed from the row and the
  part of the year its quarter covers, as the computation did);
- a reference value as ``[year, region id or None, value]``, its natural key.

Everything else (formula, method, scoring rule, checklist, judgement, annual carry, registry
counts, constants) is kept as written. ``expanded`` gives back exactly the dict the
computation described, reading the named rows in one query per kind for many values at
once. A lineage stored before this (no packed input in it) reads back unchanged.
"""

from decimal import Decimal

from core.periods import Quarter

from .leakage import Utility, utility_leakage
from .models import DataValue, ReferenceValue, UtilityFigures

PLACES = Decimal("0.000001")
_ENTERED_KEYS = ("value", "entry", "report", "state", "sha256")


# --- storing ---------------------------------------------------------------------------------------

def packed(lineage):
    """``lineage`` as the computation described it, with its input rows named by reference."""
    if not isinstance(lineage, dict):
        return lineage
    stored = dict(lineage)
    if isinstance(stored.get("inputs"), dict):
        stored["inputs"] = _packed_inputs(stored["inputs"])
    previous = stored.get("previous_year")
    if isinstance(previous, dict) and isinstance(previous.get("inputs"), dict):
        stored["previous_year"] = {**previous, "inputs": _packed_inputs(previous["inputs"])}
    if isinstance(stored.get("base_years"), list):
        stored["base_years"] = [
            {**base, "inputs": _packed_inputs(base["inputs"])} if isinstance(base.get("inputs"), dict) else base
            for base in stored["base_years"]]
    if isinstance(stored.get("references"), dict):
        stored["references"] = {code: _packed_reference(used) for code, used in stored["references"].items()}
    return stored


def _packed_inputs(inputs):
    found = {}
    for name, used in inputs.items():
        if name == "utilities" and isinstance(used, dict):
            found[name] = {utility: _packed_utility(row) for utility, row in used.items()}
        elif isinstance(used, dict) and tuple(used) == _ENTERED_KEYS:
            found[name] = [used["entry"], used["value"]]
        else:  # constants and carrier-registry counts: facts of no single row, kept as written
            found[name] = used
    return found


def _packed_utility(row):
    return row["entry"] if isinstance(row, dict) and "r_wl" in row and "entry" in row else row


def _packed_reference(used):
    if isinstance(used, dict) and set(used) == {"value", "year", "source", "region", "published_on"}:
        return [used["year"], used["region"], used["value"]]
    return used


# --- reading ---------------------------------------------------------------------------------------

def expanded(values):
    """Set ``lineage`` on each of ``values`` (ComputedValue) from its stored form, reading
    the rows it names in one query per kind for all of them; returns ``values``."""
    values = list(values)
    wanted = _Wanted()
    for value in values:
        wanted.walk(value.trace or {})
    rows = wanted.read()
    for value in values:
        value._lineage = (value.trace, _expanded(value.trace or {}, value.period, rows))
    return values


class _Wanted:
    """The ids of the rows named in stored lineages."""

    def __init__(self):
        self.entries, self.utilities, self.references = set(), set(), set()

    def walk(self, stored):
        if not isinstance(stored, dict):
            return
        for inputs in _input_blocks(stored):
            for name, used in inputs.items():
                if name == "utilities" and isinstance(used, dict):
                    self.utilities.update(row for row in used.values() if isinstance(row, int))
                elif isinstance(used, list):
                    self.entries.add(used[0])
        for code, used in (stored.get("references") or {}).items():
            if isinstance(used, list):
                self.references.add((code, used[0], used[1]))

    def read(self):
        entries = {
            pk: {"report": report, "state": state, "sha256": sha256}
            for pk, report, state, sha256 in DataValue.objects.filter(pk__in=self.entries).values_list(
                "pk", "report_id", "report__state", "source_sha256")
        } if self.entries else {}
        utilities = {
            row.pk: row for row in UtilityFigures.objects.filter(pk__in=self.utilities).select_related("report")
        } if self.utilities else {}
        references = {}
        if self.references:
            codes = {code for code, _year, _region in self.references}
            years = {year for _code, year, _region in self.references}
            for row in ReferenceValue.objects.filter(code__in=codes, year__in=years):
                references[(row.code, row.year, row.region_id)] = row
        return {"entries": entries, "utilities": utilities, "references": references}


def _input_blocks(stored):
    if isinstance(stored.get("inputs"), dict):
        yield stored["inputs"]
    previous = stored.get("previous_year")
    if isinstance(previous, dict) and isinstance(previous.get("inputs"), dict):
        yield previous["inputs"]
    for base in stored.get("base_years") or ():
        if isinstance(base, dict) and isinstance(base.get("inputs"), dict):
            yield base["inputs"]


def _expanded(stored, quarter, rows):
    if not isinstance(stored, dict):
        return stored
    lineage = dict(stored)
    if isinstance(lineage.get("inputs"), dict):
        lineage["inputs"] = _expanded_inputs(lineage["inputs"], quarter, rows)
    previous = lineage.get("previous_year")
    if isinstance(previous, dict) and isinstance(previous.get("inputs"), dict):
        lineage["previous_year"] = {
            **previous, "inputs": _expanded_inputs(previous["inputs"], quarter.same_quarter_last_year(), rows)}
    if isinstance(lineage.get("base_years"), list):
        lineage["base_years"] = [
            {**base, "inputs": _expanded_inputs(base["inputs"], Quarter(base["year"], quarter.number), rows)}
            if isinstance(base, dict) and isinstance(base.get("inputs"), dict) else base
            for base in lineage["base_years"]]
    if isinstance(lineage.get("references"), dict):
        lineage["references"] = {code: _expanded_reference(code, used, rows["references"])
                                 for code, used in lineage["references"].items()}
    return lineage


def _expanded_inputs(inputs, quarter, rows):
    found = {}
    for name, used in inputs.items():
        if name == "utilities" and isinstance(used, dict):
            found[name] = {utility: _expanded_utility(row, quarter, rows["utilities"]) for utility, row in used.items()}
        elif isinstance(used, list):
            entry, value = used
            # A row gone since (it cannot be while its report counts) still says what was used.
            found[name] = {"value": value, "entry": entry, **rows["entries"].get(entry, {})}
        else:
            found[name] = used
    return found


def _expanded_utility(stored, quarter, utilities):
    if not isinstance(stored, int):
        return stored
    row = utilities.get(stored)
    if row is None:
        return {"entry": stored}
    return utility_lineage(row, row.report.state, quarter.share_of_year)


def _expanded_reference(code, stored, references):
    if not isinstance(stored, list):
        return stored
    year, region, value = stored
    row = references.get((code, year, region))
    if row is None:
        return {"value": value, "year": year, "source": "", "region": region, "published_on": None}
    return {"value": str(row.value), "year": row.year, "source": row.source, "region": row.region_id,
            "published_on": row.published_on.isoformat() if row.published_on else None}


def utility_lineage(u, state, share):
    """A utility's inputs and every term of its rate, so a reviewer above can redo the sum.
    ``u``: a UtilityFigures row or a tuple with its fields."""
    terms = utility_leakage(
        Utility(u.utility, u.supply, u.registered, u.resident_metered, u.pipe_km, u.pressure, u.frost_depth),
        year_share=share,
    )

    def shown(number):
        return str(number.quantize(PLACES))

    return {"value": str(u.supply), "entry": u.pk, "report": u.report_id, "state": state,
            "sha256": u.source_sha256,
            "supply": str(u.supply), "registered": str(u.registered),
            "resident_metered": str(u.resident_metered), "pipe_km": str(u.pipe_km), "pressure": str(u.pressure),
            "frost_depth": str(u.frost_depth), "r_wl": shown(terms.comprehensive), "r1": shown(terms.r1),
            "r2": shown(terms.r2), "r2_raw": shown(terms.r2_raw), "r2_clamped": terms.r2_clamped,
            "r3": shown(terms.r3), "r4": shown(terms.r4), "rate": shown(terms.rate), "year_share": shown(share),
            "annualised_supply": shown(terms.annualised_supply)}
