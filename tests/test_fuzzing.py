"""Property-based tests (hypothesis): whatever text or bytes arrive, the formula language,
the cell reader and the upload check answer with a value or the project's own validation
error, never another exception; a random task table is previewed or refused with a reason."""

import io
from decimal import Decimal

import openpyxl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.errors import FileUnreadable
from core.workbook_reader import cell_text, check_upload
from indicators.formulas import FormulaError, MissingValue, ZeroDenominator, parse
from tasks.imports import preview_task_table

NAMES = ["RES_WATER", "HOUSEHOLDS", "SUPPLY", "DAYS_YTD", "LOSS"]
TOKENS = [*NAMES, "0", "1", "2.5", "1e308", "1e309", "9" * 40, "0.000001", "+", "-", "*", "/", "(", ")", ",", " ",
          "min(", "max(", "abs(", "if(", "<", "<=", ">", "==", "!=", "and", "or", "not", "×", "÷", "（", "）", "**",
          "%", "[", "]", ".", "'", "lambda", "__import__", "x"]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Short token runs are mostly well-formed, long ones and free text mostly not: both are wanted.
formula_text = st.one_of(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=3).map("".join),
                         st.lists(st.sampled_from(TOKENS), min_size=1, max_size=30).map("".join), st.text(max_size=60))
value = st.one_of(
    st.none(),
    st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e24"), max_value=Decimal("1e24")),
    st.sampled_from([Decimal(0), Decimal("1e-6"), Decimal("-1"), Decimal("99999999999999999999.999999")]),
)


ALL_ONE = dict.fromkeys(NAMES, Decimal(1))


@FUZZ
@given(text=formula_text, values=st.fixed_dictionaries(dict.fromkeys(NAMES, value)))
@example(text="1e309", values=ALL_ONE)  # read as infinity: was accepted and gave Infinity
@example(text="1e309*0", values=ALL_ONE)
@example(text="(" * 300 + "1" + ")" * 300, values=ALL_ONE)
@example(text="9" * 40 + "*" + "9" * 40 + "/RES_WATER", values=ALL_ONE)
@example(text="1and 2", values=ALL_ONE)
def test_a_formula_parses_or_is_refused_and_evaluates_or_says_what_is_missing(text, values):
    try:
        formula = parse(text, known_names=NAMES)
    except FormulaError as error:
        assert str(error)  # a message for the administrator, in Chinese
        return
    try:
        result = formula.evaluate(values)
    except (MissingValue, ZeroDenominator):
        return
    assert isinstance(result, Decimal) and result.is_finite()


@FUZZ
@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.decimals(), st.text(), st.dates(),
                 st.datetimes()))
def test_any_cell_value_reads_as_text(value):
    assert isinstance(cell_text(value), str)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=4096), st.binary(max_size=64).map(lambda tail: b"PK\x03\x04" + tail)))
def test_any_bytes_are_a_workbook_or_refused_with_a_reason(data):
    try:
        check_upload(data)
    except FileUnreadable as error:
        assert str(error)


TASK_CELLS = [
    "重点任务", "工作内容", "工作任务", "牵头单位", "配合单位", "责任单位", "序号", "完成时限", "区水利局",
    "区城管局、区住房城乡建委", "各街道办事处", "（牵头单位：区水利局；责任单位：区发展改革委）",
    "①制定规划②开展宣传", "（一）健全制度", "1.", "2024年底前", '=HYPERLINK("x")', "<script>", "", None, 0, -1,
    1e308, "\n\t",
]


def workbook_of(rows, merges):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for first_row, first_column, height, width in merges:
        sheet.merge_cells(start_row=first_row, start_column=first_column, end_row=first_row + height,
                          end_column=first_column + width)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


grids = st.lists(st.lists(st.sampled_from(TASK_CELLS), min_size=1, max_size=7), min_size=0, max_size=12)
merge_lists = st.lists(st.tuples(*(st.integers(1, 8),) * 2, *(st.integers(0, 3),) * 2), max_size=4)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=grids, merges=merge_lists)
def test_any_task_table_previews_or_is_refused_with_a_reason(regions, rows, merges):
    try:
        preview = preview_task_table(region=regions["wulong"], data=workbook_of(rows, merges))
    except FileUnreadable as refused:
        assert str(refused)
        return
    assert all(str(problem) for problem in preview.problems)
