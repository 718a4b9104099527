# ruff: noqa: S608 — SQL built from the catalogue's own codes and numbers, never from input
"""Candidate engines for the indicator values of a national recompute (issue 25): a
throwaway experiment, not part of ``make bench``. Each computes the same thing — the value of
every formula indicator of the adopted standard for every adopting county and quarter, or
the reason it has none (缺少数据项…, 分母为零), exactly as ``Formula.evaluate`` decides it —
and writes it to a scratch table, so the three can be compared with each other and with the
values the current engine stored:

(a) PostgreSQL: the counted data values pivoted per region × quarter
    (``max(value) FILTER (WHERE code = …)``), each formula compiled from its AST to a SQL
    expression, one ``INSERT … SELECT`` into the scratch table;
(b) Polars: the same inputs read with ``COPY … TO STDOUT`` into a DataFrame, pivoted there,
    each formula compiled to a Polars expression, the results written back with ``COPY``;
(c) Python: the rows read into tuples and each value evaluated by ``Formula.evaluate``, as
    the current engine does (the baseline), written back with ``COPY``.

Formulas fed by the carrier registry (the coverage indicators) are left out, as in
bench_recompute's baseline: their inputs are a per-user sum computed in Python today.

    DATABASE_URL=postgres://… python bench/candidates.py [--polars-decimal]
"""

import argparse
import ast
import io
import sys
import time
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal

from common import heading, require_scale_data, setup

setup()

import polars as pl  # noqa: E402
from django.db import connection  # noqa: E402

from core.numbers import plain  # noqa: E402
from core.periods import Quarter  # noqa: E402
from indicators.formulas import MissingValue, ZeroDenominator, parse  # noqa: E402
from indicators.models import DataElement, Indicator, IndicatorSet, ReferenceValue  # noqa: E402
from indicators.targets import describe, reference_codes  # noqa: E402
from tasks.models import ProgressReport  # noqa: E402

SCHEMA = "bench_candidates"
PLACES = Decimal("0.000001")
ZERO = "分母为零"
COUNTED = "('submitted', 'approved')"
COLUMNS = "region_id bigint, indicator_id bigint, year smallint, quarter smallint, value numeric(24,6), reason text"


class Job:
    """What every candidate shares: the formulas, the regions, the quarters and the constants
    of each quarter (DAYS_YTD and the latest national reference values published by its end)."""

    def __init__(self):
        indicator_set = IndicatorSet.objects.get()
        elements = {e.code: e for e in DataElement.objects.all()}
        self.names = {code: e.name for code, e in elements.items()}
        registry = {code for code, e in elements.items() if e.source == DataElement.Source.REGISTRY}
        self.entered = sorted(code for code, e in elements.items() if e.source == DataElement.Source.ENTERED)
        known = set(elements) | set(ReferenceValue.objects.values_list("code", flat=True))
        self.formulas = {}
        for indicator in indicator_set.indicators.filter(method=Indicator.Method.FORMULA).order_by("number"):
            formula = parse(indicator.formula, known_names=known)
            if not formula.names & registry:
                self.formulas[indicator.pk] = formula
        self.set_id = indicator_set.pk
        self.indicators = {i.pk: i for i in indicator_set.indicators.filter(pk__in=list(self.formulas))}
        found = ProgressReport.objects.order_by().values_list("year", "quarter").distinct()
        self.quarters = [Quarter(year, number) for year, number in sorted(found)]
        # the same quarters of the year before: the change rules compare with them
        self.all_quarters = sorted(set(self.quarters) | {q.same_quarter_last_year() for q in self.quarters})
        national = list(ReferenceValue.objects.filter(region__isnull=True).order_by("year", "code"))
        self.reference_codes = sorted({r.code for r in ReferenceValue.objects.all()})
        self.constants = {}
        for quarter in self.all_quarters:
            latest = {r.code: r.value for r in national if r.available_from <= quarter.last_day}
            self.constants[quarter] = {"DAYS_YTD": Decimal(quarter.days_to_date), **latest}
        used = set().union(*(f.names for f in self.formulas.values()))
        self.inputs = [code for code in self.entered if code in used]
        in_rules = set().union(*(reference_codes(i.target) for i in self.indicators.values()))
        self.references = [code for code in self.reference_codes if code in used | in_rules]

    def missing(self, name):
        found = self.names.get(name, "")
        return f"缺少数据项：{found}" if found else f"缺少数据项 {name}"

    def quarter_values(self, quarters=None):
        """SQL VALUES of (year, quarter, DAYS_YTD, national reference of each code used)."""
        rows = []
        for q in quarters or self.quarters:
            constants = self.constants[q]
            refs = ", ".join(_literal(constants.get(code)) for code in self.references)
            rows.append(f"({q.year}, {q.number}, {constants['DAYS_YTD']}::numeric{', ' + refs if refs else ''})")
        return ", ".join(rows)


def _literal(value):
    return "NULL::numeric" if value is None else f"{value}::numeric"


def _quote(text):
    return "'" + text.replace("'", "''") + "'"


# --- (a) PostgreSQL ----------------------------------------------------------------------------

_SQL_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_SQL_TESTS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "=", ast.NotEq: "<>"}


def sql_value(node):
    """The SQL expression of ``node``'s value, right wherever ``sql_error`` is NULL."""
    if isinstance(node, ast.Constant):
        return f"{Decimal(str(node.value))}::numeric"
    if isinstance(node, ast.Name):
        return f'"{node.id}"'
    if isinstance(node, ast.BinOp):
        left, right = sql_value(node.left), sql_value(node.right)
        if isinstance(node.op, ast.Div):
            # Decimal keeps 28 significant digits; numeric's own division keeps about 16:
            # the dividend is widened so the quotient carries as many as Decimal's.
            return f"(({left})::numeric(60,30) / NULLIF({right}, 0))"
        return f"({left} {_SQL_OPS[type(node.op)]} {right})"
    if isinstance(node, ast.UnaryOp):
        return f"(-{sql_value(node.operand)})" if isinstance(node.op, ast.USub) else sql_value(node.operand)
    if isinstance(node, ast.Compare):
        parts, left = [], sql_value(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = sql_value(comparator)
            parts.append(f"{left} {_SQL_TESTS[type(op)]} {right}")
            left = right
        return f"(CASE WHEN {' AND '.join(parts)} THEN 1 ELSE 0 END)::numeric"
    if isinstance(node, ast.BoolOp):
        joiner = " AND " if isinstance(node.op, ast.And) else " OR "
        return f"(CASE WHEN {joiner.join(f'{sql_value(p)} <> 0' for p in node.values)} THEN 1 ELSE 0 END)::numeric"
    arguments = [sql_value(a) for a in node.args]
    if node.func.id == "if_":
        return f"(CASE WHEN {arguments[0]} <> 0 THEN {arguments[1]} ELSE {arguments[2]} END)"
    if node.func.id == "abs":
        return f"abs({arguments[0]})"
    return f"{'LEAST' if node.func.id == 'min' else 'GREATEST'}({', '.join(arguments)})"


def sql_error(node, job):
    """The SQL expression of the first error ``Formula.evaluate`` meets, in its order of
    evaluation (short circuits included), or NULL."""
    if isinstance(node, ast.Constant):
        return "NULL"
    if isinstance(node, ast.Name):
        return f'(CASE WHEN "{node.id}" IS NULL THEN {_quote(job.missing(node.id))} END)'
    if isinstance(node, ast.BinOp):
        errors = [sql_error(node.left, job), sql_error(node.right, job)]
        if isinstance(node.op, ast.Div):
            errors.append(f"(CASE WHEN {sql_value(node.right)} = 0 THEN {_quote(ZERO)} END)")
        return _first(errors)
    if isinstance(node, ast.UnaryOp):
        return sql_error(node.operand, job)
    if isinstance(node, ast.Compare):
        # evaluated pairwise, stopping at the first comparison that fails
        items = [node.left, *node.comparators]
        tail = "NULL"
        for index in range(len(items) - 1, 0, -1):
            test = f"{sql_value(items[index - 1])} {_SQL_TESTS[type(node.ops[index - 1])]} {sql_value(items[index])}"
            tail = _first([sql_error(items[index], job), f"(CASE WHEN {test} THEN {tail} END)"])
        return _first([sql_error(node.left, job), tail])
    if isinstance(node, ast.BoolOp):
        go_on = "<> 0" if isinstance(node.op, ast.And) else "= 0"
        tail = "NULL"
        for part in reversed(node.values):
            tail = _first([sql_error(part, job), f"(CASE WHEN {sql_value(part)} {go_on} THEN {tail} END)"])
        return tail
    if node.func.id == "if_":
        condition, then, otherwise = node.args
        branches = (
            f"(CASE WHEN {sql_value(condition)} <> 0 THEN {sql_error(then, job)} ELSE {sql_error(otherwise, job)} END)"
        )
        return _first([sql_error(condition, job), branches])
    return _first([sql_error(a, job) for a in node.args])


def _first(errors):
    errors = [e for e in errors if e != "NULL"]
    if not errors:
        return "NULL"
    return errors[0] if len(errors) == 1 else f"COALESCE({', '.join(errors)})"


def _raw_values(job, quarters):
    """The CTEs ending in ``raw``: (region_id, year, quarter, indicator_id, value, reason)
    of every formula indicator for every adopting region and ``quarters``, the value at full
    precision (NULL where there is a reason), the references of the rules beside it."""
    pivot = ",\n".join(f'max(v.value) FILTER (WHERE e.code = {_quote(code)}) AS "{code}"' for code in job.inputs)
    wanted = ", ".join(f"({q.year}, {q.number})" for q in quarters)
    own = ",\n".join(f'max(value) FILTER (WHERE code = {_quote(code)}) AS "own_{code}"' for code in job.references)
    references = "".join(f', COALESCE(o."own_{c}", q."national_{c}") AS "{c}"' for c in job.references)
    national = "".join(f', "national_{c}"' for c in job.references)
    formulas = ",\n".join(
        f"({pk}, {sql_value(f.tree.body)}, {sql_error(f.tree.body, job)})" for pk, f in job.formulas.items()
    )
    own_join = (
        f"""LEFT JOIN (SELECT region_id, year, {own} FROM indicators_referencevalue WHERE region_id IS NOT NULL
                   GROUP BY 1, 2) o ON o.region_id = a.region_id AND o.year = q.year"""
        if job.references
        else ""
    )
    entered = "".join(f', entered."{code}"' for code in job.inputs)
    kept = "".join(f', "{c}"' for c in job.references)
    return f"""
        WITH entered AS (
            SELECT v.region_id, v.year, v.quarter, {pivot}
            FROM indicators_datavalue v JOIN indicators_dataelement e ON e.id = v.element_id
            JOIN indicators_datareport r ON r.id = v.report_id
            WHERE r.state IN {COUNTED} AND e.source = 'entered' AND (v.year, v.quarter) IN ({wanted})
            GROUP BY 1, 2, 3
        ), inputs AS (
            SELECT a.region_id, q.year, q.quarter, q."DAYS_YTD"{references}{entered}
            FROM indicators_adoption a
            CROSS JOIN (VALUES {job.quarter_values(quarters)}) q (year, quarter, "DAYS_YTD"{national})
            {own_join}
            LEFT JOIN entered ON entered.region_id = a.region_id AND entered.year = q.year
                             AND entered.quarter = q.quarter
            WHERE a.indicator_set_id = {job.set_id}
        ), raw AS (
            SELECT inputs.region_id, inputs.year, inputs.quarter, f.indicator_id,
                   CASE WHEN f.reason IS NULL THEN f.value END AS value, f.reason{kept}
            FROM inputs CROSS JOIN LATERAL (VALUES {formulas}) f (indicator_id, value, reason)
        )"""


def in_postgres(job):
    """Seconds of one INSERT … SELECT computing every value in PostgreSQL."""
    sql = f"""INSERT INTO {SCHEMA}.values_sql {_raw_values(job, job.quarters)}
        SELECT region_id, indicator_id, year, quarter, {_round_even("value", 6)}, reason FROM raw"""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql)
    return time.perf_counter() - started


# The target rules compiled to SQL: (status, explanation) expressions from the value, last
# year's value and the references, the same words as indicators.targets.check. The kinds of
# the catalogue (bound, exact, quota, relative, change, any, all); others are not written yet.
HELD = {"le": ("不高于", "高于"), "lt": ("低于", "不低于"), "ge": ("不低于", "低于"), "gt": ("高于", "不高于")}
SQL_OPS = {"le": "<=", "lt": "<", "ge": ">=", "gt": ">"}
LIMIT_WORD = {"le": "上限", "lt": "上限", "ge": "下限", "gt": "下限"}


# PostgreSQL's round() takes a half away from zero, Decimal.quantize to the even digit: on the
# national data five values of 318,528 end in an exact half at the seventh place. Written out
# inline rather than as a SQL function: one PostgreSQL cannot inline is called row by row.
def _round_even(expression, places):
    unit = 10**places
    scaled = f"(({expression}) * {unit})"
    return (
        f"(CASE WHEN abs({scaled} - trunc({scaled})) = 0.5 AND trunc({scaled}) % 2 = 0 "
        f"THEN trunc({scaled}) / {unit} ELSE round({expression}, {places}) END)"
    )


def _fmt(expression, unit=""):
    """targets.fmt: two places, half to even, trailing zeros dropped."""
    text = f"trim_scale({_round_even(expression, 2)})::text"
    return f"({text} || {_quote(unit)})" if unit else text


def _compare(op, value, target, shown, unit):
    held, failed = HELD[op]
    test = f"{value} {SQL_OPS[op]} {target}"
    status = f"(CASE WHEN {test} THEN 'met' ELSE 'not_met' END)"
    text = (
        f"(CASE WHEN {test} THEN {_fmt(value, unit)} || {_quote(held)} || {shown} || '，满足要求。' "
        f"ELSE {_fmt(value, unit)} || {_quote(failed)} || {shown} || '，未满足要求。' END)"
    )
    return status, text


def sql_check(rule, unit, value="value", previous="previous"):
    """(status SQL, explanation SQL) of ``rule`` for a value that is not NULL."""
    kind = rule.get("kind")
    if kind == "bound":
        target = f"{Decimal(rule['value'])}::numeric"
        shown = f"({_quote(LIMIT_WORD[rule['op']])} || {_fmt(target, unit)})"
        return _compare(rule["op"], value, target, shown, unit)
    if kind == "exact":
        target = f"{Decimal(rule['value'])}::numeric"
        return (
            f"(CASE WHEN {value} = {target} THEN 'met' ELSE 'not_met' END)",
            f"(CASE WHEN {value} = {target} THEN {_fmt(value, unit)} || '等于要求的' || {_fmt(target, unit)} "
            f"|| '，满足要求。' ELSE {_fmt(value, unit)} || '不等于要求的' || {_fmt(target, unit)} "
            "|| '，未满足要求。' END)",
        )
    if kind == "quota":
        quota = f'"{rule["reference"]}"'
        status, text = _compare("le", value, quota, f"('控制指标' || {_fmt(quota, unit)})", unit)
        return (
            f"(CASE WHEN {quota} IS NULL THEN 'incomplete' ELSE {status} END)",
            f"(CASE WHEN {quota} IS NULL THEN '未设置下达的控制指标，无法判断是否达到要求。' ELSE {text} END)",
        )
    if kind == "relative":
        reference, factor = f'"{rule["reference"]}"', Decimal(rule["factor"])
        limit = f"({factor}::numeric * {reference})"
        shown = (
            f"('全国平均值' || {_fmt(reference)} || '的' || {_quote(plain(factor * 100))} || '%（' "
            f"|| {_fmt(limit, unit)} || '）')"
        )
        if (factor * 100).quantize(Decimal("0.01")) != factor * 100:
            raise NotImplementedError("a factor of more than four places")
        status, text = _compare(rule["op"], value, limit, shown, unit)
        return (
            f"(CASE WHEN {reference} IS NULL THEN 'incomplete' ELSE {status} END)",
            f"(CASE WHEN {reference} IS NULL THEN '缺少全国参考值，无法判断是否达到要求。' ELSE {text} END)",
        )
    if kind == "change":
        change = f"(({value} - {previous}) / {previous} * 100)"
        fall = rule["direction"] == "fall"
        moved = f"(-{change})" if fall else change
        need = f"{Decimal(rule['at_least'])}::numeric"
        word = (
            f"(CASE WHEN {change} <= 0 THEN '下降' ELSE '上升' END)"
            if fall
            else f"(CASE WHEN {change} >= 0 THEN '增长' ELSE '下降' END)"
        )
        wanted = _quote(describe(rule) + "的要求。")
        return (
            f"(CASE WHEN {previous} IS NULL OR {previous} = 0 THEN 'incomplete' "
            f"WHEN {moved} >= {need} THEN 'met' ELSE 'not_met' END)",
            f"(CASE WHEN {previous} IS NULL OR {previous} = 0 THEN '缺少上年数值，无法计算年变化率。' "
            f"ELSE '较上年' || {word} || {_fmt(f'abs({change})')} || '%，' "
            f"|| (CASE WHEN {moved} >= {need} THEN '满足' ELSE '未达到' END) || {wanted} END)",
        )
    if kind in ("any", "all"):
        outcomes = [sql_check(branch, unit, value, previous) for branch in rule["rules"]]
        statuses = [status for status, _text in outcomes]
        trimmed = [f"rtrim({text}, '。')" for _status, text in outcomes]
        if kind == "any":
            met = " OR ".join(f"{s} = 'met'" for s in statuses)
            open_ = " OR ".join(f"{s} = 'incomplete'" for s in statuses)
            said = ", ".join(
                f"CASE WHEN {s} <> 'incomplete' THEN {t} END" for s, t in zip(statuses, trimmed, strict=True)
            )
            return (
                f"(CASE WHEN {met} THEN 'met' WHEN {open_} THEN 'incomplete' ELSE 'not_met' END)",
                f"(CASE WHEN {met} THEN concat_ws('；', {said}) "
                f"ELSE concat_ws('；', {', '.join(trimmed)}) END || '。')",
            )
        said = " || '；' || ".join(f"'条件{n}：' || {t}" for n, t in enumerate(trimmed, start=1))
        failed = ", ".join(f"CASE WHEN {s} = 'not_met' THEN '{n}' END" for n, s in enumerate(statuses, start=1))
        all_met = " AND ".join(f"{s} = 'met'" for s in statuses)
        any_failed = " OR ".join(f"{s} = 'not_met'" for s in statuses)
        return (
            f"(CASE WHEN {all_met} THEN 'met' WHEN {any_failed} THEN 'not_met' ELSE 'incomplete' END)",
            f"(CASE WHEN {all_met} THEN '各项条件均满足。' WHEN {any_failed} THEN '条件' || concat_ws('、', {failed}) "
            f"|| '未满足。' ELSE '尚不能判断是否各项条件均满足。' END || {said} || '。')",
        )
    raise NotImplementedError(f"target rule {kind}")


def in_postgres_checked(job):
    """Seconds of one INSERT … SELECT computing every value and its target check (status and
    explanation) in PostgreSQL, last year's value read from the same pass."""
    statuses, texts = [], []
    for pk, indicator in job.indicators.items():
        status, text = sql_check(indicator.target, indicator.unit)
        statuses.append(f"WHEN {pk} THEN {status}")
        texts.append(f"WHEN {pk} THEN {text}")
    wanted = ", ".join(f"({q.year}, {q.number})" for q in job.quarters)
    refs = "".join(f', cur."{c}"' for c in job.references)
    sql = f"""INSERT INTO {SCHEMA}.values_sql_checked {_raw_values(job, job.all_quarters)}
        SELECT region_id, indicator_id, year, quarter, {_round_even("value", 6)},
               CASE WHEN reason IS NOT NULL THEN 'incomplete' ELSE CASE indicator_id {" ".join(statuses)} END END,
               CASE WHEN reason IS NOT NULL THEN left(reason, 300)
                    ELSE left(CASE indicator_id {" ".join(texts)} END, 300) END
        FROM (SELECT cur.region_id, cur.indicator_id, cur.year, cur.quarter, cur.value, cur.reason{refs},
                     last.value AS previous
              FROM raw cur LEFT JOIN raw last ON last.region_id = cur.region_id
                   AND last.indicator_id = cur.indicator_id AND last.year = cur.year - 1 AND last.quarter = cur.quarter
              WHERE (cur.year, cur.quarter) IN ({wanted})) checked"""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql)
    return time.perf_counter() - started


def checked_against_stored(job):
    """(compared, statuses differing, explanations differing, an example) against the stored
    rows judged on their own quarter (annual items before Q4 carry last year's judgement)."""
    judged = [pk for pk, indicator in job.indicators.items() if not indicator.annual]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(*), count(*) FILTER (WHERE a.status <> c.status),
                       count(*) FILTER (WHERE a.explanation <> c.explanation),
                       max(CASE WHEN a.explanation <> c.explanation THEN a.explanation || ' | ' || c.explanation END)
                FROM {SCHEMA}.values_sql_checked a JOIN indicators_computedvalue c
                USING (region_id, indicator_id, year, quarter)
                WHERE a.quarter = 4 OR a.indicator_id = ANY(%s)""",
            [judged],
        )
        return cursor.fetchone()


# --- (b) Polars --------------------------------------------------------------------------------


def polars_value(node, decimal):
    if isinstance(node, ast.Constant):
        return pl.lit(Decimal(str(node.value)), dtype=pl.Decimal(38, 18)) if decimal else pl.lit(float(node.value))
    if isinstance(node, ast.Name):
        return pl.col(node.id)
    if isinstance(node, ast.BinOp):
        left, right = polars_value(node.left, decimal), polars_value(node.right, decimal)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return left / pl.when(right != 0).then(right)
    if isinstance(node, ast.UnaryOp):
        operand = polars_value(node.operand, decimal)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Compare):
        tests, left = [], polars_value(node.left, decimal)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = polars_value(comparator, decimal)
            tests.append(_polars_test(op, left, right))
            left = right
        return pl.when(pl.all_horizontal(tests)).then(1).otherwise(0).cast(pl.Float64)
    if isinstance(node, ast.BoolOp):
        tests = [polars_value(p, decimal) != 0 for p in node.values]
        combined = pl.all_horizontal(tests) if isinstance(node.op, ast.And) else pl.any_horizontal(tests)
        return pl.when(combined).then(1).otherwise(0).cast(pl.Float64)
    arguments = [polars_value(a, decimal) for a in node.args]
    if node.func.id == "if_":
        return pl.when(arguments[0] != 0).then(arguments[1]).otherwise(arguments[2])
    if node.func.id == "abs":
        return arguments[0].abs()
    return pl.min_horizontal(arguments) if node.func.id == "min" else pl.max_horizontal(arguments)


def _polars_test(op, left, right):
    return {
        ast.Lt: left < right, ast.LtE: left <= right, ast.Gt: left > right, ast.GtE: left >= right,
        ast.Eq: left == right, ast.NotEq: left != right,
    }[type(op)]  # fmt: skip


_NONE = pl.lit(None, dtype=pl.String)


def polars_error(node, job, decimal):
    """As ``sql_error``: the first error met, in evaluation order, or null."""
    if isinstance(node, ast.Constant):
        return _NONE
    if isinstance(node, ast.Name):
        return pl.when(pl.col(node.id).is_null()).then(pl.lit(job.missing(node.id))).otherwise(_NONE)
    if isinstance(node, ast.BinOp):
        errors = [polars_error(node.left, job, decimal), polars_error(node.right, job, decimal)]
        if isinstance(node.op, ast.Div):
            errors.append(pl.when(polars_value(node.right, decimal) == 0).then(pl.lit(ZERO)).otherwise(_NONE))
        return pl.coalesce(errors)
    if isinstance(node, ast.UnaryOp):
        return polars_error(node.operand, job, decimal)
    if isinstance(node, ast.Compare):
        items = [node.left, *node.comparators]
        tail = _NONE
        for index in range(len(items) - 1, 0, -1):
            test = _polars_test(node.ops[index - 1], polars_value(items[index - 1], decimal),
                                polars_value(items[index], decimal))  # fmt: skip
            tail = pl.coalesce([polars_error(items[index], job, decimal), pl.when(test).then(tail).otherwise(_NONE)])
        return pl.coalesce([polars_error(node.left, job, decimal), tail])
    if isinstance(node, ast.BoolOp):
        tail = _NONE
        for part in reversed(node.values):
            value = polars_value(part, decimal)
            go_on = value != 0 if isinstance(node.op, ast.And) else value == 0
            tail = pl.coalesce([polars_error(part, job, decimal), pl.when(go_on).then(tail).otherwise(_NONE)])
        return tail
    if node.func.id == "if_":
        condition, then, otherwise = node.args
        branches = (
            pl.when(polars_value(condition, decimal) != 0)
            .then(polars_error(then, job, decimal))
            .otherwise(polars_error(otherwise, job, decimal))
        )
        return pl.coalesce([polars_error(condition, job, decimal), branches])
    return pl.coalesce([polars_error(a, job, decimal) for a in node.args])


def _number(value, decimal):
    return value if value is None or decimal else float(value)


def _copy_csv(sql):
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)", buffer)
    buffer.seek(0)
    return buffer


def in_polars(job, *, decimal=False):
    """(read, compute, write) seconds: COPY out, Polars, COPY in."""
    number = pl.Decimal(38, 18) if decimal else pl.Float64
    wanted = ", ".join(f"({q.year}, {q.number})" for q in job.quarters)
    started = time.perf_counter()
    long = pl.read_csv(
        _copy_csv(
            f"""SELECT v.region_id, v.year, v.quarter, e.code, v.value
            FROM indicators_datavalue v JOIN indicators_dataelement e ON e.id = v.element_id
            JOIN indicators_datareport r ON r.id = v.report_id
            WHERE r.state IN {COUNTED} AND e.source = 'entered' AND (v.year, v.quarter) IN ({wanted})"""
        ),
        schema_overrides={"value": number, "code": pl.String},
    )
    regions = pl.read_csv(_copy_csv(f"SELECT region_id FROM indicators_adoption WHERE indicator_set_id = {job.set_id}"))
    own = pl.read_csv(
        _copy_csv("SELECT region_id, year, code, value FROM indicators_referencevalue WHERE region_id IS NOT NULL"),
        schema_overrides={"value": number, "code": pl.String},
    )
    read = time.perf_counter() - started

    started = time.perf_counter()
    entered = long.pivot(on="code", index=["region_id", "year", "quarter"], values="value", aggregate_function="max")
    for code in job.inputs:  # an element nobody entered has no column after the pivot
        if code not in entered.columns:
            entered = entered.with_columns(pl.lit(None, dtype=number).alias(code))
    quarters = pl.DataFrame(
        {
            "year": [q.year for q in job.quarters],
            "quarter": [q.number for q in job.quarters],
            **{
                f"national_{code}": [_number(job.constants[q].get(code), decimal) for q in job.quarters]
                for code in ["DAYS_YTD", *job.references]
            },
        },
        schema_overrides={f"national_{code}": number for code in ["DAYS_YTD", *job.references]},
    ).with_columns(pl.col("year").cast(pl.Int64), pl.col("quarter").cast(pl.Int64))
    grid = regions.join(quarters, how="cross").with_columns(pl.col("national_DAYS_YTD").alias("DAYS_YTD"))
    if job.references:
        mine = own.pivot(on="code", index=["region_id", "year"], values="value", aggregate_function="max")
        grid = grid.join(mine, on=["region_id", "year"], how="left")
        grid = grid.with_columns(
            [
                (
                    pl.coalesce(pl.col(c), pl.col(f"national_{c}")) if c in mine.columns else pl.col(f"national_{c}")
                ).alias(c)
                for c in job.references
            ]
        )
    grid = grid.join(entered, on=["region_id", "year", "quarter"], how="left")
    parts = []
    for pk, formula in job.formulas.items():
        error = polars_error(formula.tree.body, job, decimal)
        value = polars_value(formula.tree.body, decimal)
        value = value.round(6)
        parts.append(
            grid.select(
                "region_id",
                pl.lit(pk).alias("indicator_id"),
                "year",
                "quarter",
                pl.when(error.is_null()).then(value).alias("value"),
                error.alias("reason"),
            )
        )
    results = pl.concat(parts, how="vertical_relaxed")
    if decimal:
        results = results.with_columns(pl.col("value").cast(pl.Decimal(38, 6)))
    computed = time.perf_counter() - started

    started = time.perf_counter()
    text = io.BytesIO()
    results.write_csv(text, include_header=False, float_precision=6)
    text.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {SCHEMA}.values_polars FROM STDIN WITH (FORMAT csv)", text)
    written = time.perf_counter() - started
    return read, computed, written, len(results)


# --- (c) Python, one value at a time ------------------------------------------------------------


def in_python(job):
    """(read, compute, write) seconds: the rows as tuples, ``Formula.evaluate`` per value."""
    wanted = {(q.year, q.number): q for q in job.quarters}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v.region_id, v.year, v.quarter, e.code, v.value FROM indicators_datavalue v "
            "JOIN indicators_dataelement e ON e.id = v.element_id JOIN indicators_datareport r ON r.id = v.report_id "
            f"WHERE r.state IN {COUNTED} AND e.source = 'entered'"
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT region_id FROM indicators_adoption WHERE indicator_set_id = %s", [job.set_id])
        regions = [region for (region,) in cursor.fetchall()]
        cursor.execute("SELECT region_id, year, code, value FROM indicators_referencevalue WHERE region_id IS NOT NULL")
        own = defaultdict(dict)
        for region, year, code, value in cursor.fetchall():
            own[(region, year)][code] = value
    inputs = defaultdict(dict)
    for region, year, number, code, value in rows:
        if (year, number) in wanted:
            inputs[(region, year, number)][code] = value
    read = time.perf_counter() - started

    started = time.perf_counter()
    results = []
    for quarter in job.quarters:
        for region in regions:
            values = {
                **job.constants[quarter],
                **own[(region, quarter.year)],
                **inputs[(region, quarter.year, quarter.number)],
            }
            for pk, formula in job.formulas.items():
                try:
                    value, reason = formula.evaluate(values).quantize(PLACES, rounding=ROUND_HALF_EVEN), None
                except MissingValue as missing:
                    value, reason = None, job.missing(missing.name)
                except ZeroDenominator:
                    value, reason = None, ZERO
                results.append((region, pk, quarter.year, quarter.number, value, reason))
    computed = time.perf_counter() - started

    started = time.perf_counter()
    null = "\\N"
    text = io.StringIO(
        "".join(
            f"{r}\t{i}\t{y}\t{q}\t{null if v is None else v}\t{null if reason is None else reason}\n"
            for r, i, y, q, v, reason in results
        )
    )
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {SCHEMA}.values_python FROM STDIN", text)
    written = time.perf_counter() - started
    return read, computed, written, len(results)


# --- comparing --------------------------------------------------------------------------------


def differences(table, other):
    """Rows of ``table`` whose value or reason differs from ``other``'s, and the rows missing."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(*) FILTER (WHERE b.region_id IS NULL),
                       count(*) FILTER (WHERE a.value IS DISTINCT FROM b.value),
                       count(*) FILTER (WHERE a.reason IS DISTINCT FROM b.reason)
                FROM {SCHEMA}.{table} a LEFT JOIN {SCHEMA}.{other} b USING (region_id, indicator_id, year, quarter)"""
        )
        return cursor.fetchone()


def against_stored(table):
    """(compared, values differing) against what the current engine stored."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(c.id), count(*) FILTER (WHERE c.id IS NOT NULL AND a.value IS DISTINCT FROM c.value)
                FROM {SCHEMA}.{table} a LEFT JOIN indicators_computedvalue c
                USING (region_id, indicator_id, year, quarter)"""
        )
        return cursor.fetchone()


def examples(table, other, limit=3):
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT a.*, b.value, b.reason FROM {SCHEMA}.{table} a JOIN {SCHEMA}.{other} b
                USING (region_id, indicator_id, year, quarter)
                WHERE a.value IS DISTINCT FROM b.value OR a.reason IS DISTINCT FROM b.reason LIMIT {limit}"""
        )
        return cursor.fetchall()


def current_engine(job):
    """The current engine's share of a recompute: every indicator of the standard (not only the
    formulas), from empty and with nothing changed."""
    from indicators.services.compute import compute_regions

    regions = list(
        IndicatorSet.objects.get(pk=job.set_id).adoptions.order_by("region_id").values_list("region_id", flat=True)
    )
    indicator_set = IndicatorSet.objects.get(pk=job.set_id)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE indicators_computedvalue")
    for label in ("from empty", "nothing changed"):
        started = time.perf_counter()
        written = compute_regions(region_ids=regions, quarters=job.quarters, indicator_set=indicator_set)
        print(
            f"current engine, compute_regions, {label:<15} {time.perf_counter() - started:7.2f} s   {written:,} values "
            "of every method, with targets, lineage and the upsert",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--polars-decimal", action="store_true", help="also Polars with Decimal columns")
    parser.add_argument("--keep", action="store_true", help="keep the scratch schema")
    parser.add_argument(
        "--current-engine",
        action="store_true",
        help="also time the current engine's values (compute_regions: values, targets, lineage, upsert) from empty: "
        "EMPTIES indicators_computedvalue first, as bench_recompute does",
    )
    args = parser.parse_args()
    counties = require_scale_data().count()
    job = Job()
    heading(
        f"Indicator value engines: {len(job.formulas)} formula indicators × {counties:,} counties × "
        f"{len(job.quarters)} quarters"
    )
    tables = ["values_sql", "values_polars", "values_python"] + (
        ["values_polars_decimal"] if args.polars_decimal else []
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SCHEMA}")
        for table in tables:
            cursor.execute(f"CREATE TABLE {SCHEMA}.{table} ({COLUMNS})")
        cursor.execute(
            f"CREATE TABLE {SCHEMA}.values_sql_checked ({COLUMNS[: COLUMNS.rindex(',')]}, "
            "status text, explanation text)"
        )
    try:
        if args.current_engine:
            current_engine(job)
        python = in_python(job)
        print(
            f"(c) Python, Formula.evaluate per value   {sum(python[:3]):7.2f} s   read {python[0]:.2f} s, "
            f"compute {python[1]:.2f} s, write {python[2]:.2f} s   {python[3]:,} values",
            flush=True,
        )
        sql = in_postgres(job)
        print(
            f"(a) PostgreSQL, INSERT … SELECT           {sql:7.2f} s   read, compute and write in one statement",
            flush=True,
        )
        checked = in_postgres_checked(job)
        compared, statuses, texts, example = checked_against_stored(job)
        print(
            f"(a+) PostgreSQL, with target checks       {checked:7.2f} s   status and explanation "
            f"(targets.check's words) too; against the stored: {compared:,} compared, {statuses:,} statuses "
            f"and {texts:,} explanations differ" + (f", e.g. {example}" if example else ""),
            flush=True,
        )
        polars = in_polars(job)
        print(
            f"(b) Polars (Float64), COPY in and out     {sum(polars[:3]):7.2f} s   read {polars[0]:.2f} s, "
            f"compute {polars[1]:.2f} s, write {polars[2]:.2f} s   {polars[3]:,} values",
            flush=True,
        )
        if args.polars_decimal:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {SCHEMA}.values_polars RENAME TO values_polars_float")
                cursor.execute(f"ALTER TABLE {SCHEMA}.values_polars_decimal RENAME TO values_polars")
            try:
                decimal = in_polars(job, decimal=True)
                print(
                    f"(b') Polars (Decimal), COPY in and out    {sum(decimal[:3]):7.2f} s   read {decimal[0]:.2f} s, "
                    f"compute {decimal[1]:.2f} s, write {decimal[2]:.2f} s",
                    flush=True,
                )
            except Exception as error:  # an experiment: say what failed, go on
                print(f"(b') Polars (Decimal) failed: {type(error).__name__}: {str(error)[:200]}")
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {SCHEMA}.values_polars RENAME TO values_polars_decimal")
                cursor.execute(f"ALTER TABLE {SCHEMA}.values_polars_float RENAME TO values_polars")
        for table in tables[:-1] if not args.polars_decimal else [t for t in tables if t != "values_python"]:
            if table == "values_python":
                continue
            missing, values, reasons = differences(table, "values_python")
            print(
                f"  {table} against Python: {missing:,} rows missing, {values:,} values and {reasons:,} reasons "
                "differ" + (f", e.g. {examples(table, 'values_python')}" if values or reasons else "")
            )
        for table in tables:
            compared, differing = against_stored(table)
            print(f"  {table} against the stored values: {compared:,} compared, {differing:,} differ")
    finally:
        if not args.keep:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


if __name__ == "__main__":
    sys.exit(main())
