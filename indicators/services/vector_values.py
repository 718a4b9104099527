"""The values of formula, leakage and checklist indicators for many regions and quarters at
once, as Polars columns: every region × quarter of a batch evaluated per formula in one
expression (a leakage rate as a group-by of its utilities, a checklist from its answers),
the target checked and the points awarded the same way, and the lineage written as JSON
text in its stored (packed) form. Gives exactly the rows ``compute._judged_row`` gives one
value at a time (held to it by tests/test_vector_values.py, test_vector_leakage_checklists.py
and test_vector_demo.py).

Items judged by experts stay with ``compute``: a judgement is a person's, not a sum.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

import orjson
import polars as pl
from django.db.models import IntegerField
from django.db.models.functions import Cast

from core import frames
from core.bulk import RawJSON
from core.periods import Quarter

from ..models import ChecklistAnswer, DataElement, DataReport, DataValue, Indicator, ReferenceValue, UtilityFigures
from ..provided_frames import provided_frame
from ..targets import INCOMPLETE, MET, NOT_MET, base_years
from ..vector_formulas import formula_exprs
from ..vector_numbers import NUMBER, decimal_lit
from ..vector_scoring import award_plan
from ..vector_targets import number_text, target_plan

KEYS = ["region_id", "year", "quarter"]
WRITTEN = ["value", "status", "explanation", "points", "award", "trace"]  # what the digest is of
STORED = pl.Decimal(24, 6)  # ComputedValue.value
POINTS = pl.Decimal(5, 1)  # ComputedValue.points
SHOWN = pl.Decimal(38, 6)  # the places a value is stored and written in the lineage with
ENTERED_SHOWN = pl.Decimal(38, 4)  # the places of an entered figure and a reference value
ROW_SCHEMA = {"region_id": pl.Int64, "indicator_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64,
              "value": STORED, "status": pl.String, "explanation": pl.String, "points": POINTS, "award": pl.String,
              "trace": pl.String, "digest": pl.Int64}


def value_rows(region_ids, quarters, common, indicators):
    """The stored rows (as ``compute._ROW``: the lineage as ``RawJSON``, the digest last) of
    ``indicators`` (the items ``compute.vectorised`` names) for the regions and quarters."""
    return as_rows(value_frame(region_ids, quarters, common, indicators))


def as_rows(frame):
    """The rows of a frame ``value_frame`` gives, as ``compute._ROW`` tuples."""
    return [(*row[:-2], RawJSON(row[-2]), row[-1]) for row in frame.iter_rows()]


def value_frame(region_ids, quarters, common, indicators):
    """``value_rows`` as a frame (the lineage as JSON text)."""
    if not indicators or not region_ids:
        return pl.DataFrame(schema=ROW_SCHEMA)
    needed = set(quarters)
    for quarter in quarters:
        judged = [quarter]
        if quarter.number != 4 and any(indicator.annual for indicator in indicators):
            judged.append(Quarter(quarter.year - 1, 4))  # carried: last year's annual judgement
        for one in judged:
            needed |= {one, one.same_quarter_last_year()}
            for indicator in indicators:
                needed |= {Quarter(year, one.number) for year in base_years(indicator.target)}
    names = set().union(*(common.formulas[indicator.pk].names for indicator in indicators
                          if indicator.method == Indicator.Method.FORMULA))
    frame = _inputs(region_ids, sorted(needed), common, names)
    if any(indicator.method == Indicator.Method.LEAKAGE for indicator in indicators):
        frame = frame.join(_leakage(region_ids, sorted(needed)), on=KEYS, how="left")
    checklists = [indicator for indicator in indicators if indicator.method == Indicator.Method.CHECKLIST]
    if checklists:
        frame = _checklists(frame, region_ids, sorted(needed), checklists)
    wanted = frames.quarters(quarters)
    items = [_item(indicator, common, _references_in_rules(indicator, frame)) for indicator in indicators]
    # One lazy query for every item, collected once. Polars' optimiser takes a fifth off a
    # batch of regions, but adds a fifth to one region (an approval's recompute), whose time
    # goes to planning, not to rows.
    optimised = pl.QueryOptFlags() if frame.height > 100 else pl.QueryOptFlags.none()
    rows = _rows(frame, wanted, items).collect(engine="in-memory", optimizations=optimised)
    return rows.with_columns(frames.digest([pl.col(name) for name in WRITTEN]))


# --- the inputs: one row per region × quarter, per name its value and its lineage ------------------

def _inputs(region_ids, quarters, common, names):
    grid = pl.DataFrame(
        [(region_id, q.year, q.number, Decimal(q.days_to_date)) for region_id in region_ids for q in quarters],
        schema={"region_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64, "DAYS_YTD": NUMBER}, orient="row")
    grid = grid.with_columns(_constant("DAYS_YTD"))
    grid = _join_long(grid, _entered(region_ids, quarters, names), "entered")
    registry = [e for e in common.registry if e.code in names]
    if registry:
        grid = _join_long(grid, provided_frame(region_ids, quarters, registry), "provided")
    grid = _join_long(grid, _references(region_ids, quarters, common), "reference")
    missing = [name for name in sorted(names) if name not in grid.columns]  # no row has it: a missing figure
    return grid.with_columns(column for name in missing for column in (
        pl.lit(None, dtype=NUMBER).alias(name), pl.lit(None, dtype=pl.String).alias(f"{name}__lineage")))


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


def _references(region_ids, quarters, common):
    """The reference values of each region × quarter as ``compute._references`` picks them,
    with their natural key (year, region) for the lineage: the latest national figure of each
    code published by the quarter's last day, unless the region has its own for the year."""
    schema = {"year": pl.Int64, "quarter": pl.Int64, "code": pl.String, "value": ENTERED_SHOWN,
              "ref_year": pl.Int64, "ref_region": pl.Int64}
    national = []
    for quarter in quarters:
        latest = {}
        for row in common.national:  # oldest first: the last one published wins
            if row.available_from <= quarter.last_day:
                latest[row.code] = row
        national += [(quarter.year, quarter.number, code, row.value, row.year, None) for code, row in latest.items()]
    own = ReferenceValue.objects.filter(region__in=region_ids, year__in={q.year for q in quarters}).order_by()
    own = frames.frame(own.values_list("region_id", "year", "code", "value"),
                       {"region_id": pl.Int64, "year": pl.Int64, "code": pl.String, "value": ENTERED_SHOWN})
    own = (own.join(frames.quarters(quarters), on="year")
           .with_columns(ref_year=pl.col("year"), ref_region=pl.col("region_id")))
    regions = pl.DataFrame({"region_id": region_ids}, schema={"region_id": pl.Int64})
    national = regions.join(pl.DataFrame(national, schema=schema, orient="row"), how="cross")
    frame = pl.concat([national.join(own, on=[*KEYS, "code"], how="anti"), own.select(national.columns)])
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


# --- leakage and checklists: a column of their own per region × quarter ----------------------------

def _leakage(region_ids, quarters):
    """(region, year, quarter) with the leakage rate of the counted utilities' figures
    (``leakage__value``), why there is none (``leakage__reason``) and the packed lineage
    naming the utilities' rows (``leakage__inputs``), as ``compute._evaluate`` gives them.

    The rate is ``leakage.region_leakage`` worked out without its divisions but the last:
    a utility's rate times its supply is 100·(supply − registered) − 8·metered − (R3 + R4)·
    supply − R2·supply, and R2·supply·days-in-year is 99·(pipe·days − 0.0693·days-in-year·
    supply), held within ±3·days-in-year·supply, all exact in Decimal(38, 18). Only the
    weighted mean is a quotient, cut at 18 places where Python's 28-digit steps come within
    1e-25 of the exact rate: the two agree on every figure shown (6 places stored, 2 in the
    sentences, any target's line) unless the exact rate lies within 1e-18 of a rounding half
    or a line without being on it."""
    rows = UtilityFigures.objects.filter(
        region__in=region_ids, year__in={q.year for q in quarters}, report__state__in=DataReport.COUNTED_STATES,
    ).order_by("region", "year", "quarter", "utility").values_list(
        "region_id", "year", "quarter", "utility", "supply", "registered", "resident_metered", "pipe_km", "pressure",
        "frost_depth", "pk")
    figures = frames.frame(rows, {"region_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64, "utility": pl.String,
                                  **dict.fromkeys(("supply", "registered", "metered", "pipe", "pressure", "frost"),
                                                  NUMBER), "entry": pl.Int64})
    days = pl.DataFrame([(q.year, q.number, q.days_to_date, (date(q.year + 1, 1, 1) - date(q.year, 1, 1)).days)
                         for q in quarters], schema={"year": pl.Int64, "quarter": pl.Int64, "days": pl.Int64,
                                                     "year_days": pl.Int64}, orient="row")
    figures = figures.join(days, on=["year", "quarter"])  # in SQL's order: the utilities by name
    supply, registered, pressure = pl.col("supply"), pl.col("registered"), pl.col("pressure")
    year_days, number = pl.col("year_days").cast(NUMBER), decimal_lit
    name = pl.col("utility")
    error = (pl.when(supply <= 0).then(pl.concat_str([name, pl.lit("：供水总量必须大于0")]))
             .when(registered > supply).then(pl.concat_str([name, pl.lit("：注册用户用水量大于供水总量")])))
    r3 = (pl.when(pressure > number("0.75")).then(number(2)).when(pressure > number("0.55")).then(number(1))
          .when(pressure >= number("0.35")).then(number("0.5")).otherwise(number(0)))
    r4 = pl.when(pl.col("frost") > number("1.4")).then(number(1)).otherwise(number(0))
    r2 = number(99) * (pl.col("pipe") * pl.col("days").cast(NUMBER) - number("0.0693") * year_days * supply)
    limit = number(3) * year_days * supply
    r2 = pl.when(r2 > limit).then(limit).when(r2 < -limit).then(-limit).otherwise(r2)
    weighted = (number(100) * (supply - registered) - number(8) * pl.col("metered") - (r3 + r4) * supply) \
        * year_days - r2
    named = pl.concat_str([_json_text(pl.col("utility")), pl.lit(":"), pl.col("entry").cast(pl.String)])
    found = figures.group_by(KEYS, maintain_order=True).agg(
        error.drop_nulls().first().alias("leakage__reason"), weighted.sum().alias("weighted"),
        (supply.sum() * year_days.first()).alias("total"), named.str.join(",").alias("named"))
    fine = pl.col("leakage__reason").is_null()
    return found.select(
        *KEYS, pl.when(fine).then(pl.col("weighted") / pl.col("total")).alias("leakage__value"), "leakage__reason",
        pl.when(fine).then(pl.concat_str([pl.lit('{"utilities":{'), pl.col("named"), pl.lit("}}")]))
        .otherwise(pl.lit("{}")).alias("leakage__inputs"))


NO_UTILITIES = "缺少供水企业漏损数据"


def _checklists(frame, region_ids, quarters, indicators):
    """``frame`` with, per checklist item and region × quarter, the ids of the counted
    answers in the order of their items (``checklist_answers_<id>``, JSON), the items
    answered “no” (``checklist_refused_<id>``) and those not answered
    (``checklist_unanswered_<id>``), numbered from 1 and joined as ``compute._checklist``
    writes them (an item's last answer counts), null for none. All the checklists at once."""
    rows = ChecklistAnswer.objects.filter(
        report__region__in=region_ids, report__year__in={q.year for q in quarters},
        report__state__in=DataReport.COUNTED_STATES, indicator__in=[indicator.pk for indicator in indicators],
    ).order_by("item", "pk").values_list("report__region_id", "report__year", "report__quarter", "indicator_id",
                                         "item", Cast("answer", IntegerField()), "pk")
    each = [*KEYS, "indicator_id"]
    answers = frames.frame(rows, dict.fromkeys((*each, "item", "answer", "answer_id"), pl.Int64)).lazy()
    listed = pl.DataFrame([(one.pk, item) for one in indicators for item in range(len(one.checklist))],
                          schema={"indicator_id": pl.Int64, "item": pl.Int64}, orient="row").lazy()
    last = (answers.join(listed, on=["indicator_id", "item"], how="semi")
            .group_by([*each, "item"], maintain_order=True).agg(pl.col("answer").last()))
    numbers = (pl.col("item") + 1).sort().cast(pl.String)
    refused = last.filter(pl.col("answer") == 0).group_by(each).agg(_listed(numbers).alias("refused"))
    unanswered = (frame.lazy().select(KEYS).join(listed, how="cross")
                  .join(last.filter(pl.col("answer").is_not_null()), on=[*each, "item"], how="anti")
                  .group_by(each).agg(_listed(numbers).alias("unanswered")))
    ids = answers.group_by(each, maintain_order=True).agg(pl.col("answer_id").cast(pl.String).str.join(","))
    checklists = pl.LazyFrame({"indicator_id": [indicator.pk for indicator in indicators]})
    found = (frame.lazy().select(KEYS).join(checklists, how="cross")
             .join(ids, on=each, how="left").join(refused, on=each, how="left").join(unanswered, on=each, how="left")
             .select(*each, "refused", "unanswered",
                     pl.concat_str([pl.lit("["), pl.col("answer_id").fill_null(""), pl.lit("]")]).alias("answers"))
             .collect())
    wide = found.pivot(on="indicator_id", index=KEYS, values=["answers", "refused", "unanswered"])
    return frame.join(wide.rename({column: f"checklist_{column}" for column in wide.columns if column not in KEYS}),
                      on=KEYS, how="left")


def _listed(numbers):
    """Item numbers (texts, in a group) as ``compute._checklist`` joins them, null for none."""
    return pl.when(numbers.len() > 0).then(numbers.str.join("、"))


# --- every item as columns of one wide frame ---------------------------------------------------------
#
# A row per region × quarter holds every item's columns, named by the item's id: Polars
# spends its time per query node however few the rows (an approval recomputes one region),
# so the items share one evaluation, one join for last year's values, one per base year, and
# their target rules' steps go in together, one ``with_columns`` per step.

@dataclass(frozen=True)
class _Item:
    """An item's columns in the wide frame and the expressions that fill them."""

    indicator: object
    codes: tuple  # the reference values its rules mention
    years: tuple  # the base years its target compares with
    value: pl.Expr  # the formula's value (taken where its reason is null) and the reason
    reason: pl.Expr
    inputs: pl.Expr  # the inputs' packed lineage
    target: object  # vector_targets.TargetPlan
    scored: bool

    def name(self, column):
        return f"{column}_{self.indicator.pk}"

    def col(self, column):
        return pl.col(self.name(column))

    def base(self, year):
        return self.name(f"base{year}")

    def base_inputs(self, year):
        return self.name(f"base{year}_inputs")

    @cached_property
    def judged(self):
        """The columns of the item judged on its own value: status, explanation, trace."""
        if self.target is None:
            return self._checked
        computed = self.col("value").is_not_null()
        status = pl.when(computed).then(self.target.status).otherwise(pl.lit(INCOMPLETE))
        explanation = pl.when(computed).then(self.target.explanation).otherwise(self.col("reason")).str.slice(0, 300)
        return (status.alias(self.name("status")), explanation.alias(self.name("explanation")),
                _trace(self).alias(self.name("trace")))

    @property
    def _checked(self):
        """A checklist's columns, as ``compute._checklist``: not met on any “no”, else
        incomplete while an item is unanswered."""
        indicator, pk = self.indicator, self.indicator.pk
        refused, unanswered = pl.col(f"checklist_refused_{pk}"), pl.col(f"checklist_unanswered_{pk}")
        status = (pl.when(refused.is_not_null()).then(pl.lit(NOT_MET)).when(unanswered.is_not_null())
                  .then(pl.lit(INCOMPLETE)).otherwise(pl.lit(MET)))
        explanation = (
            pl.when(refused.is_not_null()).then(pl.concat_str([pl.lit("第"), refused, pl.lit("项核查结果为“否”")]))
            .when(unanswered.is_not_null()).then(pl.concat_str([pl.lit("第"), unanswered, pl.lit("项尚未填报")]))
            .otherwise(pl.lit(f"{len(indicator.checklist)}项核查均为“是”，均附佐证材料")))
        head = (f'{{"method":"{indicator.method}","formula":"","formula_version":{indicator.formula_version},'
                f'"checklist":{orjson.dumps(indicator.checklist).decode()},"answers":')
        trace = pl.concat_str([pl.lit(head), pl.col(f"checklist_answers_{pk}"), _scoring_trace(self), pl.lit("}")])
        return (status.alias(self.name("status")), explanation.str.slice(0, 300).alias(self.name("explanation")),
                trace.alias(self.name("trace")))

    @cached_property
    def award(self):
        """The scoring rule's ``AwardPlan`` (None where the standard is not judged on points),
        reading the status column."""
        if not self.scored:
            return None
        indicator = self.indicator
        computed = self.col("value").is_not_null()
        return award_plan(
            indicator.scoring, full=indicator.points, name=indicator.name, unit=indicator.unit,
            status=self.col("status"), value=pl.when(computed).then(self.col("value")),
            previous=pl.when(computed).then(self.col("previous")),
            references={code: pl.when(computed).then(pl.col(code)) for code in self.codes},
            prefix=self.name("award_"))

    @cached_property
    def points(self):
        """The points and the award's sentence, once the award's stages are in."""
        if self.award is None:
            return pl.lit(None, dtype=POINTS).alias(self.name("points")), pl.lit("").alias(self.name("award"))
        points = pl.when(self.col("status") == INCOMPLETE).then(None).otherwise(self.award.points)
        return (points.cast(POINTS).alias(self.name("points")),
                self.award.text.str.slice(0, 300).alias(self.name("award")))

    @cached_property
    def carried(self):
        """The columns of a first three quarters' row of an item judged on the annual
        figure, as ``compute._carried``: the year-to-date value as progress, last year's
        judgement (the ``annual_`` columns) kept."""
        indicator = self.indicator
        last_year = (pl.col("year") - 1).cast(pl.String)
        value, status, points = self.col("value").round(6), self.col("annual_status"), self.col("annual_points")
        annual_explanation = self.col("annual_explanation")
        undecided = (status == INCOMPLETE) & self.col("annual_value").is_null() & points.is_null()
        said = pl.when(undecided).then(pl.concat_str([last_year, pl.lit("年全年尚无评定")])).otherwise(
            pl.concat_str([pl.lit("评定沿用"), last_year, pl.lit("年全年："), annual_explanation]))
        shown = pl.when(value.is_not_null()).then(pl.concat_str([
            pl.lit("年内累计"), number_text(value), pl.lit(f"{indicator.unit}（进度，不作评定）；")]
        )).otherwise(pl.lit(""))
        award = pl.when(self.col("annual_award") != "").then(
            pl.concat_str([pl.lit("沿用"), last_year, pl.lit("年全年："), self.col("annual_award")])
        ).otherwise(pl.lit(""))
        annual_json = pl.concat_str([
            pl.lit(',"annual":{"from":"'), last_year, pl.lit('Q4","status":"'), status, pl.lit('","value":'),
            _quoted(self.col("annual_value").cast(pl.String)), pl.lit(',"points":'), _quoted(points.cast(pl.String)),
            pl.lit(',"explanation":'), _json_text(annual_explanation), pl.lit("}")])
        head = (f'{{"method":"{indicator.method}","formula":{orjson.dumps(indicator.formula).decode()},'
                f'"formula_version":{indicator.formula_version},"inputs":')
        inputs = pl.when(value.is_not_null()).then(self.col("inputs")).otherwise(pl.lit("{}"))
        return (value.alias(self.name("value")), status.alias(self.name("status")),
                pl.concat_str([shown, said]).str.slice(0, 300).alias(self.name("explanation")),
                points.cast(POINTS).alias(self.name("points")), award.str.slice(0, 300).alias(self.name("award")),
                pl.concat_str([pl.lit(head), inputs, annual_json, pl.lit("}")]).alias(self.name("trace")))

    @cached_property
    def row(self):
        """The item's stored columns, named as stored."""
        return (self.col("value").round(6).cast(STORED).alias("value"), self.col("status").alias("status"),
                self.col("explanation").alias("explanation"), self.col("points").alias("points"),
                self.col("award").alias("award"), self.col("trace").alias("trace"))


def _item(indicator, common, codes):
    """The item's ``_Item``, its expressions built once per rule and kept: an approval's
    recompute of one region would spend most of its time building them again."""
    formula = common.formulas.get(indicator.pk)
    missing = tuple(sorted((name, common.element_names.get(name, "")) for name in formula.names)) if formula else ()
    key = (indicator.pk, indicator.formula, indicator.formula_version, indicator.method, indicator.unit,
           indicator.name, str(indicator.points), indicator.annual, orjson.dumps(indicator.target),
           orjson.dumps(indicator.scoring), orjson.dumps(indicator.checklist), tuple(codes), common.scored, missing)
    found = _ITEMS.get(key)
    if found is None:
        if len(_ITEMS) > 2048:
            _ITEMS.clear()
        found = _ITEMS[key] = _compiled(indicator, formula, common, tuple(codes))
    return found


_ITEMS = {}


def _compiled(indicator, formula, common, codes):
    pk = indicator.pk
    if indicator.method == Indicator.Method.CHECKLIST:  # judged on its answers, with no value
        return _Item(indicator, codes, (), pl.lit(None, dtype=NUMBER), pl.lit(None, dtype=pl.String), pl.lit("{}"),
                     None, common.scored)
    if indicator.method == Indicator.Method.LEAKAGE:
        value, inputs = pl.col("leakage__value"), pl.col("leakage__inputs").fill_null("{}")
        reason = pl.coalesce(pl.col("leakage__reason"), pl.when(value.is_null()).then(pl.lit(NO_UTILITIES)))
    else:
        value, reason = formula_exprs(formula, common.element_names)
        inputs = _inputs_json(formula.names)
    years = tuple(sorted(base_years(indicator.target)))
    target = target_plan(indicator.target, unit=indicator.unit, value=pl.col(f"value_{pk}"),
                         previous=pl.col(f"previous_{pk}"), references={code: pl.col(code) for code in codes},
                         base={year: pl.col(f"base{year}_{pk}") for year in years}, prefix=f"target{pk}_")
    return _Item(indicator, codes, years, value, reason, inputs, target, common.scored)


def _rows(frame, wanted, items):
    """The stored rows of every item, as one lazy frame: (region_id, indicator_id, year,
    quarter, value, status, explanation, points, award, trace)."""
    annual = [item for item in items if item.indicator.annual]
    judged_at = wanted
    if annual:  # the year's first three quarters carry last year's annual judgement
        year_ends = wanted.filter(pl.col("quarter") != 4).select(pl.col("year") - 1, pl.lit(4, dtype=pl.Int64)
                                                                  .alias("quarter"))
        judged_at = pl.concat([wanted, year_ends]).unique()
    evaluated = (frame.lazy()
                 .with_columns(item.reason.alias(item.name("reason")) for item in items)
                 .with_columns(column for item in items for column in (
                     pl.when(item.col("reason").is_null()).then(item.value).alias(item.name("value")),
                     item.inputs.alias(item.name("inputs")))))
    judged = _judged(evaluated, judged_at, items)
    if annual:  # read again for the carried rows
        judged = judged.cache()
    on_own = [item for item in items if not item.indicator.annual]
    in_wanted = judged.join(wanted.lazy(), on=["year", "quarter"], how="semi")
    parts = [_long(in_wanted, on_own)] if on_own else []
    if annual:
        parts.append(_long(in_wanted.filter(pl.col("quarter") == 4), annual))
        others = wanted.filter(pl.col("quarter") != 4)
        if not others.is_empty():
            progress = evaluated.join(others.lazy(), on=["year", "quarter"], how="semi")
            parts.append(_long(_carried(progress, judged, annual), annual))
    return pl.concat(parts, how="vertical_relaxed")


def _judged(evaluated, judged_at, items):
    """The rows of ``judged_at`` (year, quarter) with every item judged on its own value, as
    ``compute._judged_row``: status, explanation, points, award, trace."""
    previous = evaluated.select(
        "region_id", (pl.col("year") + 1).alias("year"), "quarter",
        *[column for item in items for column in (item.col("value").alias(item.name("previous")),
                                                   item.col("inputs").alias(item.name("previous_inputs")))])
    current = evaluated.join(judged_at.lazy(), on=["year", "quarter"], how="semi").join(previous, on=KEYS, how="left")
    for year in sorted({year for item in items for year in item.years}):
        users = [item for item in items if year in item.years]
        base = evaluated.filter(pl.col("year") == year).select(
            "region_id", "quarter",
            *[column for item in users for column in (item.col("value").alias(item.base(year)),
                                                       item.col("inputs").alias(item.base_inputs(year)))])
        current = current.join(base, on=["region_id", "quarter"], how="left")
    current = _stages(current, [[item.target.inputs, *((step,) for step in item.target.steps)]
                                for item in items if item.target is not None])
    current = current.with_columns(column for item in items for column in item.judged)
    current = _stages(current, [item.award.stages for item in items if item.award is not None])
    return current.with_columns(column for item in items for column in item.points)


def _stages(frame, plans):
    """``frame`` with the stages of every plan (a list of stages, each a tuple of named
    expressions reading the ones before): the n-th stages of all plans go in together."""
    for stage in range(max(map(len, plans), default=0)):
        frame = frame.with_columns(expr for plan in plans if stage < len(plan) for expr in plan[stage])
    return frame


def _long(frame, items):
    """A row per item of each row of the wide ``frame``: each stored column of every item
    unpivoted, side by side (a list of structs exploded copied every text twice and took
    three times as long; a select per item, stacked, planned slowly for one region)."""
    frame = frame.cache()  # worked out once for all the columns
    columns = []
    for index, name in enumerate(WRITTEN):
        found = frame.select(*KEYS, *[item.row[index].alias(str(item.indicator.pk)) for item in items]).unpivot(
            index=KEYS, variable_name="indicator_id", value_name=name)
        columns.append(found if index == 0 else found.select(name))
    return pl.concat(columns, how="horizontal").select(
        "region_id", pl.col("indicator_id").cast(pl.Int64), "year", "quarter", *WRITTEN)


def _carried(progress, judged, items):
    """The first three quarters' columns of the items judged on the annual figure, as
    ``compute._carried``: the year-to-date value as progress, last year's judgement kept."""
    year_ends = judged.filter(pl.col("quarter") == 4)
    annual = year_ends.select("region_id", (pl.col("year") + 1).alias("year"), *[
        column for item in items for column in (
            item.col("value").round(6).cast(STORED).alias(item.name("annual_value")),
            *[item.col(name).alias(item.name(f"annual_{name}"))
              for name in ("status", "explanation", "points", "award")])])
    rows = progress.join(annual, on=["region_id", "year"], how="left")
    return rows.with_columns(column for item in items for column in item.carried)


def _inputs_json(names):
    pieces = [pl.concat_str([pl.lit(orjson.dumps(name).decode() + ":"), pl.col(f"{name}__lineage")])  # null if none
              for name in sorted(names)]
    return pl.concat_str([pl.lit("{"), _joined(pieces), pl.lit("}")])


def _joined(pieces):
    """The pieces that are not null, joined by commas (a JSON object's members)."""
    return pl.concat_str(pieces, separator=",", ignore_nulls=True) if pieces else pl.lit("")


def _shown(expr):
    return expr.round(6).cast(SHOWN).cast(pl.String)


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


def _trace(item):
    """The packed lineage of each row of ``item``, as JSON text."""
    indicator = item.indicator
    head = (f'{{"formula":{orjson.dumps(indicator.formula).decode()},"formula_version":{indicator.formula_version},'
            f'"method":"{indicator.method}","inputs":')
    computed = item.col("value").is_not_null()
    previous = pl.when(item.col("previous").is_not_null()).then(pl.concat_str([
        pl.lit(',"previous_year":{"value":"'), _shown(item.col("previous")), pl.lit('","inputs":'),
        item.col("previous_inputs"), pl.lit("}")])).otherwise(pl.lit(""))
    references = pl.concat_str([
        pl.lit(',"references":{'),
        _joined([pl.concat_str([pl.lit(f'"{code}":'), pl.col(f"{code}__key")]) for code in item.codes]),
        pl.lit("}")])
    bases = pl.lit("")
    if item.years:
        bases = pl.concat_str([
            pl.lit(',"base_years":['),
            pl.concat_str([pl.concat_str([
                pl.lit(f'{{"year":{year},"value":'), _quoted(_shown(pl.col(item.base(year)))),
                pl.lit(',"inputs":'), pl.col(item.base_inputs(year)), pl.lit("}")]) for year in item.years],
                separator=","),
            pl.lit("]")])
    tail = pl.when(computed).then(pl.concat_str([previous, references, bases])).otherwise(pl.lit(""))
    return pl.concat_str([pl.lit(head), item.col("inputs"), tail, _scoring_trace(item), pl.lit("}")])


def _scoring_trace(item):
    """The lineage's scoring rule and the number it scored, under a standard judged on points."""
    if not item.scored:
        return pl.lit("")
    indicator = item.indicator
    measured = _quoted(_shown(pl.when(item.col("value").is_not_null()).then(item.col("value"))))
    return pl.concat_str([
        pl.lit(',"scoring":{"rule":' + orjson.dumps(indicator.scoring).decode() + ',"full":'
               + orjson.dumps(str(indicator.points)).decode() + ',"measured":'),
        measured, pl.lit("}")])
