"""Property-based tests (hypothesis) of every reader of an uploaded workbook, and of the pure
parse functions behind them: random cells — text with control characters, very long text,
numbers with NaN, infinities, huge and negative ones, dates, booleans, formulas — put at
random places of an otherwise valid file. Each reader returns its rows and problems, or
raises the one error its view catches and shows; no other exception escapes.

The allowed errors, by reader:
- progress template, statistics template (``core.signed_workbook``): ``FileUnreadable``;
- bulk statistics (``indicators.bulk_workbook``): ``FileUnreadable``;
- water users, carriers (``carriers.registry_read``): ``FileUnreadable``;
- figures (``indicators.validation.parse_number``): ``NotANumber``; credit codes:
  ``InvalidCreditCode``; quarters: ``Quarter.parse``'s ``ValueError``; target rules:
  ``RuleError``; the other text parsers raise nothing.
"""

import datetime
import io
from decimal import Decimal
from functools import cache
from types import SimpleNamespace

import openpyxl
import pytest
from django.core import signing
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell

from carriers import registry_export, registry_layout, registry_read
from carriers.credit_code import InvalidCreditCode, validate
from core.errors import FileUnreadable
from core.numbers import decimal_or_none, number_text
from core.periods import Quarter
from core.signed_workbook import META_SHEET, open_stamped
from indicators import bulk_workbook, data_workbook
from indicators.bulk_workbook import TemplateRow
from indicators.targets import RuleError, validate_rule
from indicators.validation import NotANumber, check_utility, parse_number
from org.selectors import split_department_cell
from tasks import progress_workbook
from tasks.wording import parse_due, parse_target, split_circled_items, split_inline_units, split_number
from tests.helpers import raw_value

# openpyxl warns of a date cell holding a number no date can be (1e308): it reads it as an error.
pytestmark = pytest.mark.filterwarnings("ignore:Cell .* is marked as a date:UserWarning")
READERS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TEXTS = settings(max_examples=150, deadline=None)
QUARTER = Quarter(2024, 1)

# What a clerk, a program or an attacker puts into a cell.
TRICKY = ["NaN", "nan", "inf", "-Infinity", "1e308", "1e309", "-1e309", "1e999999999", "12,5", "1,250.5", "１２",
          "１２．５", "12 万", "²", "٣", "0000年12月底", "2023-02-30", "9999-12-31", "=1+1", '=HYPERLINK("x","点")',
          "=cmd|' /C calc'!A0", "@SUM(1)", "+1", "-", "\u200b", "\u202e", "\ufeff", "\n\t", "已通过", "推进中",
          "工业企业", "节水型企业", "区县级", "创建中", "2023年5月1日", "45000", "RES_WATER", "500114",
          "_meta"]
# openpyxl cannot write the C0 control characters XML forbids; every other character may come.
text = st.text(max_size=40).map(lambda value: ILLEGAL_CHARACTERS_RE.sub("", value))
cell_value = st.one_of(
    st.none(),
    text,
    st.sampled_from(TRICKY),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 5e-324, 0.1, -0.0]),
    st.dates(min_value=datetime.date(1900, 3, 1)),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1)),
    st.booleans(),
    st.integers(min_value=5001, max_value=33000).map(lambda length: "长" * length),
)
# Mostly in the table; now and then just past the sheet-size limits (the last row and
# column of a sheet are explicit examples: reading up to them is slow).
rows = st.sampled_from([*range(1, 10), 50_001])
columns = st.sampled_from([*range(1, 16), 201])
edits = st.lists(st.tuples(rows, columns, cell_value), max_size=6)
# A number cell whose stored value is not a number openpyxl can read ("NaN"), or overflows.
raw_numbers = st.one_of(st.none(), st.sampled_from(["NaN", "inf", "1e309", "-1e309", "abc", "1,5"]))


def with_edits(data, sheet, changes, raw=None, raw_cell=None):
    """``data`` with each (row, column, value) of ``changes`` written into ``sheet``, and the
    cell ``raw_cell`` stored in the XML as the text ``raw``."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for row, column, value in changes:
        cell = workbook[sheet].cell(row=row, column=column)
        if not isinstance(cell, MergedCell):  # covered by a merge: nobody can type there
            cell.value = value
    if raw is not None:
        workbook[sheet][raw_cell] = 0  # a number cell, whose stored value is then replaced
    buffer = io.BytesIO()
    workbook.save(buffer)
    if raw is None:
        return buffer.getvalue()
    return raw_value(buffer.getvalue(), workbook.sheetnames.index(sheet), raw_cell, raw)


def filled(data, sheet, rows_of_values, first_row):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for offset, values in enumerate(rows_of_values):
        for column, value in enumerate(values, start=1):
            workbook[sheet].cell(row=first_row + offset, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the signed templates -----------------------------------------------------------------------

DEPARTMENT = SimpleNamespace(pk=7, name="测试区城市管理局")
NAMES = {7: DEPARTMENT.name, 8: "测试区水利局"}


def _todo(item_id):
    """A ``todo_for`` row of an item not reported on yet."""
    item = SimpleNamespace(pk=item_id, plan=SimpleNamespace(title="方案"), label="事项", target_text="")
    return SimpleNamespace(item=item, report=None)


@cache
def progress_template():
    """A template of three items, the first two filled in."""
    return filled(progress_workbook.build(DEPARTMENT, QUARTER, [_todo(101), _todo(102), _todo(103)]),
                  progress_workbook.SHEET, [
        [1, "方案", "事项一", None, "草稿", "推进中", 50, 2, "完成排查", None, None],
        [2, "方案", "事项二", "10家", "未填报", "已完成", 100, None, "全部完成", "无", "巩固"],
        [3, "方案", "事项三", None, "未填报"],
    ], progress_workbook.FIRST_ROW)


@READERS
@given(changes=edits, raw=raw_numbers)
@example(changes=[(50_001, 1, "x")], raw=None)  # beyond the row limit: was a FileUnreadable the view did not catch
@example(changes=[(5, 201, "x")], raw=None)
@example(changes=[(1_048_576, 16_384, "x")], raw=None)
@example(changes=[(5, 8, "1e999999999"), (6, 7, "1e-999999999")], raw=None)
def test_the_progress_template_reader_returns_rows_or_refuses_the_template(changes, raw):
    data = with_edits(progress_template(), progress_workbook.SHEET, changes, raw, "H5")
    try:
        parsed = progress_workbook.read(data, department=DEPARTMENT, quarter=QUARTER, department_names=NAMES)
    except FileUnreadable as refused:
        assert str(refused)
        return
    assert all(isinstance(problem, str) and problem.startswith("第") for problem in parsed.problems)
    for entry in parsed.entries:
        assert isinstance(entry.item_id, int)
        assert 0 <= entry.values.get("percent", 0) <= 100
        assert entry.values.get("quantity", 0) >= 0


REPORT = SimpleNamespace(period=QUARTER, department_id=DEPARTMENT.pk, department=DEPARTMENT)
CODES = ["RES_WATER", "HOUSEHOLDS", "SUPPLY"]


@cache
def statistics_template():
    data = data_workbook.build(REPORT, [], utilities=[])
    data = filled(data, data_workbook.SHEET, [[code, "指标", "数据项", "万m³", "累计", None, None, value, None]
                                              for code, value in zip(CODES, (340, "1,250.5", None), strict=True)],
                  data_workbook.HEADER_ROW + 1)
    return filled(data, data_workbook.UTILITY_SHEET, [["自来水公司", 480, 410, 290, 172, 0.42, 0, None]], 3)


@READERS
@given(sheet=st.sampled_from([data_workbook.SHEET, data_workbook.UTILITY_SHEET]), changes=edits, raw=raw_numbers)
@example(sheet=data_workbook.SHEET, changes=[(50_001, 1, "x")], raw=None)
def test_the_statistics_template_reader_returns_figures_or_refuses_the_template(sheet, changes, raw):
    data = with_edits(statistics_template(), sheet, changes, raw,
                      f"H{data_workbook.HEADER_ROW + 1}" if sheet == data_workbook.SHEET else "B3")
    try:
        parsed = data_workbook.read(data, report=REPORT, codes=CODES, department_names=NAMES, with_utilities=True)
    except FileUnreadable as refused:
        assert str(refused)
        return
    assert all(isinstance(problem, str) for problem in parsed.problems)
    for entry in parsed.entries:
        assert entry.code in CODES
        figure_or_refusal(entry.raw)
    for utility in parsed.utilities:
        figures = {key: figure_or_refusal(value) for key, value in utility.raw.items()}
        if "refused" not in figures.values():
            check_utility(figures)


def figure_or_refusal(raw):
    """The figure ``parse_number`` reads, or the string "refused"; never another exception."""
    try:
        value = parse_number(raw)
    except NotANumber as refused:
        assert str(refused)
        return "refused"
    assert value is None or (isinstance(value, Decimal) and value.is_finite())
    return value


# --- the bulk statistics file ------------------------------------------------------------------


@cache
def bulk_file():
    rows = [TemplateRow("500114", "黔江区", code, "数据项", "万m³", value) for code, value in
            zip(CODES, (340, None, "12"), strict=True)]
    return bulk_workbook.build(rows, quarter=QUARTER, scope_name="")


@READERS
@given(changes=edits, raw=raw_numbers)
@example(changes=[], raw="NaN")  # was a ValueError from openpyxl while the rows were read (a server error)
@example(changes=[(1_048_576, 16_384, "x")], raw=None)
def test_the_bulk_statistics_reader_returns_rows_or_refuses_the_file(changes, raw):
    data = with_edits(bulk_file(), bulk_workbook.SHEET, changes, raw, "F4")
    try:
        parsed = bulk_workbook.read(data)
    except FileUnreadable as refused:
        assert str(refused)
        return
    assert all(isinstance(problem, str) for problem in parsed.problems)
    for row in parsed.rows:
        assert isinstance(row.region_code, str) and isinstance(row.element_code, str)
        figure_or_refusal(row.value)


# --- the registry files -------------------------------------------------------------------------

REGION = SimpleNamespace(name="测试区")


@cache
def users_file():
    rows = [["测试小区", None, "居民小区", None, "公共供水", 2023, 0, 0, 1000, 1000, 0, None, 200, None],
            ["测试小区", None, "居民小区", None, "公共供水", 2022, None, None, 900, 900, None, None, 190, None],
            ["测试灌区", None, "灌区", "农业", "地表水", None]]
    return filled(registry_export.build_users(REGION, []), registry_layout.USERS_SHEET, rows,
                  registry_layout.FIRST_DATA_ROW)


@cache
def carriers_file():
    rows = [["节水型居民小区", "区县级", "已验收", "测试小区", None, None, "2023-01-05", datetime.date(2023, 6, 1)],
            ["节水教育基地", "市级", "创建中", None, None, "测试教育基地", "2023/5/1"]]
    return filled(registry_export.build_carriers(REGION, []), registry_layout.CARRIERS_SHEET, rows,
                  registry_layout.FIRST_DATA_ROW)


@READERS
@given(changes=edits, raw=raw_numbers)
@example(changes=[(3, 6, "²")], raw=None)
@example(changes=[(3, 13, "1e999999999"), (4, 6, "1e-999999999")], raw=None)
def test_the_water_users_reader_returns_users_or_refuses_the_file(changes, raw):
    data = with_edits(users_file(), registry_layout.USERS_SHEET, changes, raw, "J3")
    try:
        parsed = registry_read.read_users(data)
    except FileUnreadable as refused:
        assert str(refused)
        return
    assert all(problem.startswith("第") or "工作表" in problem for problem in parsed.problems)
    for user in parsed.rows:
        first, last = registry_layout.YEARS
        assert user.name and all(first <= year.year <= last for year in user.years)


@READERS
@given(changes=edits, raw=raw_numbers)
@example(changes=[(3, 7, "²"), (4, 8, "٣٤٥٦٧")], raw=None)  # a superscript two is a digit to str.isdigit, not to int
def test_the_carriers_reader_returns_carriers_or_refuses_the_file(changes, raw):
    data = with_edits(carriers_file(), registry_layout.CARRIERS_SHEET, changes, raw, "G3")
    try:
        parsed = registry_read.read_carriers(data)
    except FileUnreadable as refused:
        assert str(refused)
        return
    assert all(isinstance(problem, str) for problem in parsed.problems)
    for carrier in parsed.rows:
        assert carrier.values["carrier_type"] in registry_layout.TYPE_LABELS


# --- the signed mark ----------------------------------------------------------------------------

SALT = "tests.fuzzing"


def stamped_mark():
    return signing.dumps({"department": 7, "quarter": "2024Q1"}, salt=SALT)


@cache
def stamped():
    workbook = openpyxl.Workbook()
    workbook.active.title = "表"
    workbook.create_sheet(META_SHEET)["A1"] = stamped_mark()
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@READERS
@given(mark=st.one_of(cell_value, st.builds(lambda cut, tail: stamped_mark()[:cut] + tail,
                                            st.integers(min_value=0, max_value=120), text)))
def test_the_mark_reader_gives_the_stamped_fields_or_refuses_the_template(mark):
    data = with_edits(stamped(), META_SHEET, [(1, 1, mark)])
    try:
        _workbook, fields = open_stamped(data, salt=SALT, sheet="表", title="测试表")
    except FileUnreadable as refused:
        assert str(refused)
        return
    assert fields == {"department": 7, "quarter": "2024Q1"}


# --- the text parsers behind the readers ----------------------------------------------------------

words = st.one_of(
    text, st.sampled_from(TRICKY), st.from_regex(r"\A\d{1,4}年\d{1,2}月(底|末|前)?\Z"),
    st.from_regex(r"\A(不低于|建成|达)\d{1,3}(%|家|个)\Z"),
    st.from_regex(r"\A（牵头单位：[^（）]{0,6}；责任单位：[^（）]{0,6}）\Z"),
    st.from_regex(r"\A\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\Z"), st.from_regex(r"\A\d{4}Q\d\Z"),
)


@TEXTS
@given(value=words)
@example(value="0000年12月底")  # year 0: was a ValueError from datetime.date
def test_the_task_wording_parsers_never_fail(value):
    due = parse_due(value, default_year=2024)
    assert due is None or isinstance(due, datetime.date)
    target = parse_target(value)
    assert target is None or target.value.is_finite()
    number, rest = split_number(value)
    assert isinstance(number, str) and isinstance(rest, str)
    assert all(isinstance(part, str) for _mark, part in split_circled_items(value))
    assert isinstance(split_inline_units(value).text, str)
    assert all(name.strip() for name in split_department_cell(value))


@TEXTS
@given(value=st.one_of(words, cell_value))
@example(value="²")  # str.isdigit but not int(): was a ValueError in parse_date
@example(value="1e999999999")  # abs() of it overflowed the decimal context: was decimal.Overflow in parse_number
def test_the_number_date_code_and_quarter_parsers_answer_or_refuse_in_words(value):
    as_text = value if isinstance(value, str) else str(value)
    figure_or_refusal(value)
    cleaned = number_text(as_text)
    assert cleaned is None or "," not in cleaned
    number = decimal_or_none(as_text)
    assert number is None or number.is_finite()
    date = registry_read.parse_date(as_text)
    assert date is None or isinstance(date, datetime.date)
    try:
        assert len(validate(as_text)) == 18
    except InvalidCreditCode as refused:
        assert str(refused)
    try:
        assert isinstance(Quarter.parse(value), Quarter)
    except ValueError as refused:
        assert str(refused)


rule_values = st.one_of(cell_value, st.sampled_from(["ge", "le", "fall", "growth", "GDP_WATER"]))
rules = st.recursive(
    st.dictionaries(st.sampled_from(["kind", "op", "value", "factor", "reference", "direction", "at_least"]),
                    st.one_of(rule_values, st.sampled_from(["bound", "exact", "quota", "relative", "change"]))),
    lambda inner: st.fixed_dictionaries({"kind": st.just("any"), "rules": st.lists(inner, max_size=3)}),
    max_leaves=6,
)


@TEXTS
@given(rule=st.one_of(rules, cell_value))
def test_a_target_rule_is_valid_or_refused_in_words(rule):
    try:
        validate_rule(rule)
    except RuleError as refused:
        assert str(refused)
