"""The values of formula indicators for many regions and quarters at once, as Polars
columns: every region × quarter of a batch evaluated per formula in one expression, the
target checked and the points awarded the same way, and the lineage written as JSON text
in its stored (packed) form. Gives exactly the rows ``compute._judged_row`` gives one value
at a time (held to it by tests/test_vector_values.py).

Leakage, checklists and experts' judgements stay with ``compute``: they are a fraction of
the rows and their inputs are not one figure per name.
"""

from decimal import Decimal
from functools import lru_cache

import orjson
import polars as pl

from core import frames
from core.bulk import RawJSON
from core.periods import Quarter

from ..models import DataElement, DataReport, DataValue, ReferenceValue
from ..providers import provided_for_quarters
from ..targets import INCOMPLETE, base_years
from ..vector_formulas import formula_exprs
from ..vector_numbers import NUMBER
from ..vector_scoring import award_exprs
from ..vector_targets import number_text, target_plan

KEYS = ["region_id", "year", "quarter"]
WRITTEN = ["value", "status", "explanation", "points", "award", "trace"]  # what the digest is of
STORED = pl.Decimal(24, 6)  # ComputedValue.value
POINTS = pl.Decimal(5, 1)  # ComputedValue.points
SHOWN = pl.Decimal(38, 6)  # the places a value is stored and written in the lineage with
ENTERED_SHOWN = pl.Decimal(38, 4)  # the places of an entered figure and a reference value


def formula_rows(region_ids, quarters, common, indicators):
    """The stored rows (as ``compute._ROW``: the lineage as ``RawJSON``, the digest last) of
    ``indicators`` (formula items) for the regions and quarters."""
    if not indicators or not region_ids:
        return []
    needed = set(quarters)
    for quarter in quarters:
        judged = [quarter]
        if quarter.number != 4 and any(indicator.annual for indicator in indicators):
            judged.append(Quarter(quarter.year - 1, 4))  # carried: last year's annual judgement
        for one in judged:
            needed |= {one, one.same_quarter_last_year()}
            for indicator in indicators:
                needed |= {Quarter(year, one.number) for year in base_years(indicator.target)}
    names = set().union(*(common.formulas[indicator.pk].names for indicator in indicators))
    frame = _inputs(region_ids, sorted(needed), common, names)
    wanted = pl.DataFrame({"year": [q.year for q in quarters], "quarter": [q.number for q in quarters]},
                          schema={"year": pl.Int64, "quarter": pl.Int64})
    # One lazy query for every indicator, collected once: a collect costs about a millisecond
    # of planning, which one region × quarter (an approval's recompute) would pay hundreds of times.
    parts = [part for indicator in indicators for part in _indicator_rows(indicator, frame, wanted, common)]
    rows = pl.concat(parts, how="vertical_relaxed").collect(engine="in-memory")
    written = rows.with_columns(frames.digest([pl.col(name) for name in WRITTEN]))
    return [(*row[:-2], RawJSON(row[-2]), row[-1]) for row in written.iter_rows()]


# --- the inputs: one row per region × quarter, per name its value and its lineage ------------------

def _inputs(region_ids, quarters, common, names):
    grid = pl.DataFrame(
        [(region_id, q.year, q.number, Decimal(q.days_to_date)) for region_id in region_ids for q in quarters],
        schema={"region_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64, "DAYS_YTD": NUMBER}, orient="row")
    grid = grid.with_columns(_constant("DAYS_YTD"))
    grid = _join_long(grid, _entered(region_ids, quarters, names), "entered")
    registry = [e for e in common.registry if e.code in names]
    if registry:
        grid = _join_long(grid, _provided(region_ids, quarters, registry), "provided")
    grid = _join_long(grid, _references(region_ids, quarters, common), "reference")
    for name in names:  # a name no row has: null, as a missing figure
        if name not in grid.columns:
            grid = grid.with_columns(pl.lit(None, dtype=NUMBER).alias(name), pl.lit(None, dtype=pl.String)
                                     .alias(f"{name}__lineage"))
    return grid


def _constant(name):
    return _constant_lineage(pl.col(name).cast(pl.Int64).cast(pl.String)).alias(f"{name}__lineage")


def _constant_lineage(text):
    """How ``compute._evaluate`` records a constant a formula used (DAYS_YTD, a reference value)."""
    return pl.concat_str([pl.lit('{"value":"'), text, pl.lit('","constant":true}')])


def _entered(region_ids, quarters, names):
    """(region, year, quarter, code, value, lineage piece) of the counted entered figures."""
    codes = [code for code in names if code != "DAYS_YTD"]
    rows = DataValue.objects.filter(
        region__in=region_ids, year__in={q.year for q in quarters}, element__code__in=codes,
        report__state__in=DataReport.COUNTED_STATES, element__source=DataElement.Source.ENTERED,
    ).order_by().values_list("region_id", "year", "quarter", "element__code", "value", "pk")
    frame = frames.frame(rows, {"region_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64, "code": pl.String,
                                "value": ENTERED_SHOWN, "entry": pl.Int64})
    piece = pl.concat_str([pl.lit("["), pl.col("entry").cast(pl.String), pl.lit(',"'),
                           pl.col("value").cast(pl.String), pl.lit('"]')])
    return frame.select(*KEYS, "code", pl.col("value").cast(NUMBER), piece.alias("lineage"))


def _provided(region_ids, quarters, registry):
    found = []
    for quarter, regions in provided_for_quarters(region_ids, quarters, registry).items():
        for region_id, figures in regions.items():
            for code, (value, lineage) in figures.items():
                found.append((region_id, quarter.year, quarter.number, code, value, orjson.dumps(lineage).decode()))
    return pl.DataFrame(found, schema={"region_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64,
                                       "code": pl.String, "value": NUMBER, "lineage": pl.String}, orient="row")


def _references(region_ids, quarters, common):
    """The reference values of each region × quarter as ``compute._references`` picks them,
    with their natural key (year, region) for the lineage."""
    own = {}
    for row in ReferenceValue.objects.filter(region__in=region_ids, year__in={q.year for q in quarters}):
        own.setdefault((row.region_id, row.year), {})[row.code] = row
    found = []
    for quarter in quarters:
        latest = {}
        for row in common.national:
            if row.available_from <= quarter.last_day:
                latest[row.code] = row
        for region_id in region_ids:
            for code, row in {**latest, **own.get((region_id, quarter.year), {})}.items():
                found.append((region_id, quarter.year, quarter.number, code, row.value, row.year, row.region_id))
    frame = pl.DataFrame(found, schema={"region_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64,
                                        "code": pl.String, "value": ENTERED_SHOWN, "ref_year": pl.Int64,
                                        "ref_region": pl.Int64}, orient="row")
    text = pl.col("value").cast(pl.String)
    return frame.select(
        *KEYS, "code", pl.col("value").cast(NUMBER),
        _constant_lineage(text).alias("lineage"),
        # as the lineage names a reference a rule compares with: [year, region or null, value]
        pl.concat_str([pl.lit("["), pl.col("ref_year").cast(pl.String), pl.lit(","),
                       pl.col("ref_region").cast(pl.String).fill_null("null"), pl.lit(',"'), text, pl.lit('"]')])
        .alias("key"))


def _join_long(grid, long, source):
    """``grid`` with a value and a lineage column per code of ``long``; a name already
    given by an earlier source keeps it (entered figures first, then the registry, then
    constants and reference values, as ``compute._evaluate`` looks them up)."""
    if long.is_empty():
        return grid
    values = ["value", "lineage", "key"] if source == "reference" else ["value", "lineage"]
    wide = long.pivot(on="code", index=KEYS, values=values, aggregate_function="first")
    codes = long.get_column("code").unique().to_list()
    renamed = {}
    for code in codes:
        renamed[f"value_{code}"] = f"{code}__{source}"
        renamed[f"lineage_{code}"] = f"{code}__{source}_lineage"
        if source == "reference":
            renamed[f"key_{code}"] = f"{code}__key"
    wide = wide.rename({old: new for old, new in renamed.items() if old in wide.columns})
    grid = grid.join(wide, on=KEYS, how="left")
    merged = []
    for code in codes:
        value, lineage = pl.col(f"{code}__{source}"), pl.col(f"{code}__{source}_lineage")
        if code in grid.columns:
            earlier = pl.col(code).is_not_null()
            merged += [pl.when(earlier).then(pl.col(code)).otherwise(value).alias(code),
                       pl.when(earlier).then(pl.col(f"{code}__lineage")).otherwise(lineage).alias(f"{code}__lineage")]
        else:
            merged += [value.alias(code), lineage.alias(f"{code}__lineage")]
    return grid.with_columns(merged).drop([f"{code}__{source}" for code in codes]
                                          + [f"{code}__{source}_lineage" for code in codes])


# --- one indicator ----------------------------------------------------------------------------------

def _inputs_json(names):
    pieces = [pl.when(pl.col(f"{name}__lineage").is_not_null())
              .then(pl.concat_str([pl.lit(orjson.dumps(name).decode() + ":"), pl.col(f"{name}__lineage")]))
              for name in sorted(names)]
    return pl.concat_str([pl.lit("{"), pl.concat_list(pieces).list.drop_nulls().list.join(","), pl.lit("}")])


def _shown(expr):
    return expr.round(6).cast(SHOWN).cast(pl.String)


def _indicator_rows(indicator, frame, wanted, common):
    """The indicator's stored rows, as lazy frames."""
    formula = common.formulas[indicator.pk]
    value, reason = formula_exprs(formula, common.element_names)
    codes = _references_in_rules(indicator, frame)
    evaluated = frame.lazy().select(*KEYS, value.alias("value"), reason.alias("reason"),
                             _inputs_json(formula.names).alias("inputs"),
                             *[pl.col(f"{code}__key") for code in codes],
                             *[pl.col(code).alias(f"ref__{code}") for code in codes])
    if not indicator.annual:
        return [_judged(indicator, evaluated, wanted.lazy(), codes, common)]
    # Judged on the annual figure: the fourth quarter is judged; the year's first three show
    # their year-to-date value as progress and carry last year's judgement.
    fourth = wanted.filter(pl.col("quarter") == 4)
    others = wanted.filter(pl.col("quarter") != 4)
    year_ends = others.select((pl.col("year") - 1).alias("year"), pl.lit(4, dtype=pl.Int64).alias("quarter"))
    judged = _judged(indicator, evaluated, pl.concat([fourth, year_ends]).unique().lazy(), codes, common).cache()
    carried = _carried(indicator, evaluated.join(others.lazy(), on=["year", "quarter"], how="semi"), judged)
    return [judged.join(fourth.lazy(), on=["year", "quarter"], how="semi"), carried]


def _judged(indicator, evaluated, wanted, codes, common):
    """The rows of ``wanted`` (year, quarter) judged on their own value, as
    ``compute._judged_row``: status, explanation, points, award, trace."""
    current = evaluated.join(wanted, on=["year", "quarter"], how="semi")
    previous = evaluated.select("region_id", (pl.col("year") + 1).alias("year"), "quarter",
                                pl.col("value").alias("previous"), pl.col("inputs").alias("previous_inputs"))
    current = current.join(previous, on=KEYS, how="left")
    years = sorted(base_years(indicator.target))
    for year in years:
        base = evaluated.filter(pl.col("year") == year).select(
            "region_id", "quarter", pl.col("value").alias(f"base_{year}"),
            pl.col("inputs").alias(f"base_{year}_inputs"))
        current = current.join(base, on=["region_id", "quarter"], how="left")
    computed = pl.col("value").is_not_null()
    current, status, explanation = _target_plan(orjson.dumps(indicator.target).decode(), indicator.unit,
                                                tuple(codes), tuple(years)).applied(current)
    status = pl.when(computed).then(status).otherwise(pl.lit(INCOMPLETE))
    explanation = pl.when(computed).then(explanation).otherwise(pl.col("reason")).str.slice(0, 300)
    columns = [status.alias("status"), explanation.alias("explanation")]
    trace = _trace(indicator, codes, years)
    if common.scored:
        measured = _quoted(_shown(pl.when(computed).then(pl.col("value"))))
        scoring = pl.concat_str([
            pl.lit(',"scoring":{"rule":' + orjson.dumps(indicator.scoring).decode() + ',"full":'
                   + orjson.dumps(str(indicator.points)).decode() + ',"measured":'),
            measured, pl.lit("}")])
        trace = pl.concat_str([trace.str.head(-1), scoring, pl.lit("}")])
    current = current.with_columns(*columns, trace.alias("trace"))
    if common.scored:
        points, award = award_exprs(
            indicator.scoring, full=indicator.points, name=indicator.name, unit=indicator.unit,
            status=pl.col("status"), value=pl.when(computed).then(pl.col("value")),
            previous=pl.when(computed).then(pl.col("previous")),
            references={code: pl.when(computed).then(pl.col(f"ref__{code}")) for code in codes})
        points = pl.when(pl.col("status") == INCOMPLETE).then(None).otherwise(points)
        current = current.with_columns(points.cast(POINTS).alias("points"), award.str.slice(0, 300).alias("award"))
    else:
        current = current.with_columns(pl.lit(None, dtype=POINTS).alias("points"), pl.lit("").alias("award"))
    return current.select("region_id", pl.lit(indicator.pk, dtype=pl.Int64).alias("indicator_id"), "year", "quarter",
                          pl.col("value").round(6).cast(STORED), "status", "explanation", "points", "award", "trace")


@lru_cache(maxsize=1024)
def _target_plan(rule, unit, codes, years):
    """The target rule compiled for ``_judged``'s columns, once per rule and unit: an
    approval's recompute of one region would spend a third of its time building it again."""
    return target_plan(orjson.loads(rule), unit=unit, value=pl.col("value"), previous=pl.col("previous"),
                       references={code: pl.col(f"ref__{code}") for code in codes},
                       base={year: pl.col(f"base_{year}") for year in years})


def _carried(indicator, progress, judged):
    """The first three quarters' rows of an item judged on the annual figure, as
    ``compute._carried``: the year-to-date value as progress, last year's judgement kept."""
    annual = judged.select("region_id", (pl.col("year") + 1).alias("year"), pl.col("value").alias("annual_value"),
                           pl.col("status"), pl.col("explanation").alias("annual_explanation"),
                           pl.col("points"), pl.col("award").alias("annual_award"))
    rows = progress.join(annual, on=["region_id", "year"], how="left")
    last_year = (pl.col("year") - 1).cast(pl.String)
    value = pl.col("value").round(6)
    undecided = (pl.col("status") == INCOMPLETE) & pl.col("annual_value").is_null() & pl.col("points").is_null()
    said = pl.when(undecided).then(pl.concat_str([last_year, pl.lit("年全年尚无评定")])).otherwise(
        pl.concat_str([pl.lit("评定沿用"), last_year, pl.lit("年全年："), pl.col("annual_explanation")]))
    shown = pl.when(value.is_not_null()).then(pl.concat_str([
        pl.lit("年内累计"), number_text(value), pl.lit(f"{indicator.unit}（进度，不作评定）；")])).otherwise(pl.lit(""))
    award = pl.when(pl.col("annual_award") != "").then(
        pl.concat_str([pl.lit("沿用"), last_year, pl.lit("年全年："), pl.col("annual_award")])).otherwise(pl.lit(""))
    annual_json = pl.concat_str([
        pl.lit(',"annual":{"from":"'), last_year, pl.lit('Q4","status":"'), pl.col("status"), pl.lit('","value":'),
        _quoted(pl.col("annual_value").cast(pl.String)), pl.lit(',"points":'),
        _quoted(pl.col("points").cast(pl.String)),
        pl.lit(',"explanation":'), _json_text(pl.col("annual_explanation")), pl.lit("}")])
    head = (f'{{"method":"{indicator.method}","formula":{orjson.dumps(indicator.formula).decode()},'
            f'"formula_version":{indicator.formula_version},"inputs":')
    inputs = pl.when(value.is_not_null()).then(pl.col("inputs")).otherwise(pl.lit("{}"))
    return rows.select(
        "region_id", pl.lit(indicator.pk, dtype=pl.Int64).alias("indicator_id"), "year", "quarter",
        value.cast(STORED).alias("value"), "status",
        pl.concat_str([shown, said]).str.slice(0, 300).alias("explanation"), pl.col("points").cast(POINTS),
        award.str.slice(0, 300).alias("award"), pl.concat_str([pl.lit(head), inputs, annual_json, pl.lit("}")])
        .alias("trace"))


def _quoted(text):
    return pl.when(text.is_not_null()).then(pl.concat_str([pl.lit('"'), text, pl.lit('"')])).otherwise(pl.lit("null"))


def _json_text(text):
    """``text`` as a JSON string (the sentences may hold quotes, backslashes)."""
    escaped = text
    for character, written in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        escaped = escaped.str.replace_all(character, written, literal=True)
    return _quoted(escaped)


def _references_in_rules(indicator, frame):
    """The reference values the rules mention (``compute._compute`` matches their codes in
    the rules' text) that the frame has."""
    text = str(indicator.target) + str(indicator.scoring)
    return sorted(column[: -len("__key")] for column in frame.columns
                  if column.endswith("__key") and column[: -len("__key")] in text)


def _trace(indicator, codes, years):
    """The packed lineage of each row, as JSON text."""
    head = (f'{{"formula":{orjson.dumps(indicator.formula).decode()},"formula_version":{indicator.formula_version},'
            f'"method":"{indicator.method}","inputs":')
    computed = pl.col("value").is_not_null()
    previous = pl.when(pl.col("previous").is_not_null()).then(pl.concat_str([
        pl.lit(',"previous_year":{"value":"'), _shown(pl.col("previous")), pl.lit('","inputs":'),
        pl.col("previous_inputs"), pl.lit("}")])).otherwise(pl.lit(""))
    references = pl.concat_str([
        pl.lit(',"references":{'),
        pl.concat_list([pl.when(pl.col(f"{code}__key").is_not_null()).then(
            pl.concat_str([pl.lit(f'"{code}":'), pl.col(f"{code}__key")])) for code in codes]
        ).list.drop_nulls().list.join(",") if codes else pl.lit(""),
        pl.lit("}")])
    bases = pl.lit("")
    if years:
        bases = pl.concat_str([
            pl.lit(',"base_years":['),
            pl.concat_str([pl.concat_str([
                pl.lit(f'{{"year":{year},"value":'),
                _quoted(_shown(pl.col(f"base_{year}"))),
                pl.lit(',"inputs":'), pl.col(f"base_{year}_inputs"), pl.lit("}")]) for year in years], separator=","),
            pl.lit("]")])
    tail = pl.when(computed).then(pl.concat_str([previous, references, bases])).otherwise(pl.lit(""))
    return pl.concat_str([pl.lit(head), pl.col("inputs"), tail, pl.lit("}")])
