"""Indicator formulas: expressions over data-element codes and reference values, checked
when saved and evaluated without ``eval``.

A formula is parsed with Python's ``ast`` module and only this small language is let
through: numbers, names, + − × ÷, parentheses, comparisons and and/or (inside ``if``), and
the functions ``min``, ``max``, ``abs`` and ``if(condition, then, else)``. Anything else —
attribute access, subscripts, lambdas, other calls, strings — is refused with the reason.
Arithmetic is in ``Decimal`` so that 0.1 + 0.2 is 0.3, as the statistics are.
"""

import ast
import math
import operator
import re
import warnings
from dataclasses import dataclass
from decimal import Decimal, DivisionByZero, InvalidOperation, localcontext
from functools import cached_property

MAX_LENGTH = 2000
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FUNCTIONS = {"min", "max", "abs", "if"}
# The operators people type in Chinese documents, and what they mean here.
SPELLINGS = {"×": "*", "÷": "/", "（": "(", "）": ")", "，": ",", "－": "-", "＋": "+", "≤": "<=", "≥": ">="}
_IF = re.compile(r"\bif\s*\(")
# Names every formula may use, supplied by the computation rather than entered: a
# year-to-date volume per day needs the days it covers (人均生活用水量 in L/人·天).
BUILTINS = {"DAYS_YTD": "本年1月1日至本季度末的天数"}


class FormulaError(ValueError):
    """The formula cannot be saved; the message says why, in Chinese."""


class MissingValue(LookupError):
    """An input the formula needs has no value (the indicator is 数据不全)."""

    def __init__(self, name):
        super().__init__(name)
        self.name = name


class ZeroDenominator(ArithmeticError):
    """A division by a value that is zero for these inputs."""


@dataclass(frozen=True)
class Formula:
    text: str
    tree: ast.Expression
    names: frozenset

    def evaluate(self, values):
        """The value for ``values`` (name → Decimal or None)."""
        with localcontext() as context:
            context.prec = 28
            context.traps[DivisionByZero] = True
            context.traps[InvalidOperation] = True
            return self._compiled(values)

    @cached_property
    def _compiled(self):
        """The tree turned once into nested closures: a recompute evaluates each formula
        for every region and quarter, and walking the tree each time costs several times more."""
        return _compile(self.tree.body)

    @property
    def denominators(self):
        """The names that appear on the right of a division: without them the formula has
        no value, so entering its numerator alone is worth a warning."""
        found = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                found |= {child.id for child in ast.walk(node.right) if isinstance(child, ast.Name)}
        return frozenset(found)


# How a formula reads to an official: each code by its name, × ÷ ≤ ≥ for * / <= >=.
_WORD_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|<=|>=|\*|/")
_OPERATOR_WORDS = {"*": "×", "/": "÷", "<=": "≤", ">=": "≥"}


def codes_in(text):
    """The names ``text`` mentions (codes, functions alike), in the order written."""
    return [token for token in _WORD_TOKEN.findall(text or "") if NAME.match(token)]


def words(text, names):
    """``text`` with each code replaced by its name in ``names`` (code → name; the
    computation's own names are known here) and the operators as printed in documents.
    Only for showing: the stored formula is what is evaluated and kept."""
    known = {**BUILTINS, **names}

    def word(match):
        token = match.group()
        return _OPERATOR_WORDS.get(token) or known.get(token, token)

    return _WORD_TOKEN.sub(word, text or "")


def parse(text, *, known_names):
    """Check ``text`` and return a Formula; ``known_names`` are the codes it may use."""
    if not text or not text.strip():
        raise FormulaError("公式不能为空")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"公式超过{MAX_LENGTH}个字符")
    source = text
    for typed, meant in SPELLINGS.items():
        source = source.replace(typed, meant)
    source = _IF.sub("if_(", source)  # "if" is a Python keyword
    try:
        with warnings.catch_warnings():  # "1and 2" warns before it fails: the refusal says enough
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as error:
        raise FormulaError(f"公式写法有误（第{error.offset or 1}个字符附近）") from None
    names = set()
    _check(tree.body, names, set(known_names) | BUILTINS.keys())
    return Formula(text=text, tree=tree, names=frozenset(names))


_ARITHMETIC = {ast.Add, ast.Sub, ast.Mult, ast.Div}
_COMPARISONS = {ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq}


def _check(node, names, known):
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise FormulaError(f"公式中只能使用数字，不能使用“{node.value!r}”")
        if not math.isfinite(node.value):  # 1e309 is read as infinity
            raise FormulaError("公式中的数字太大")
        return
    if isinstance(node, ast.Name):
        name = "if" if node.id == "if_" else node.id
        if not NAME.match(name) or name.startswith("_"):
            raise FormulaError(f"“{name}”不是有效的名称")
        if name not in known:
            raise FormulaError(f"公式中的“{name}”不是已定义的数据项或参考值")
        names.add(name)
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _ARITHMETIC:
            raise FormulaError("公式只能使用 + − × ÷ 运算")
        _check(node.left, names, known)
        _check(node.right, names, known)
        if isinstance(node.op, ast.Div) and _constant_zero(node.right):
            raise FormulaError("公式中有除以0的运算")
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise FormulaError("公式中有不支持的运算")
        _check(node.operand, names, known)
        return
    if isinstance(node, ast.Compare):
        if any(type(op) not in _COMPARISONS for op in node.ops):
            raise FormulaError("比较只能使用 < <= > >= == !=")
        for part in [node.left, *node.comparators]:
            _check(part, names, known)
        return
    if isinstance(node, ast.BoolOp):
        for part in node.values:
            _check(part, names, known)
        return
    if isinstance(node, ast.Call):
        function = node.func.id if isinstance(node.func, ast.Name) else None
        function = "if" if function == "if_" else function
        if function not in FUNCTIONS:
            raise FormulaError(f"公式只能调用 {'、'.join(sorted(FUNCTIONS))} 函数")
        if node.keywords:
            raise FormulaError(f"函数 {function} 不接受命名参数")
        if any(isinstance(argument, ast.Starred) for argument in node.args):
            raise FormulaError("公式中有不支持的写法")
        if function == "if" and len(node.args) != 3:
            raise FormulaError("if 需要三个参数：if(条件, 条件成立时的值, 不成立时的值)")
        if function == "abs" and len(node.args) != 1:
            raise FormulaError("abs 只接受一个参数")
        if function in ("min", "max") and len(node.args) < 2:
            raise FormulaError(f"{function} 至少需要两个参数")
        for argument in node.args:
            _check(argument, names, known)
        return
    raise FormulaError("公式中有不支持的写法（只能使用数字、数据项、+ − × ÷、括号和 min/max/abs/if）")


def _constant_zero(node):
    return isinstance(node, ast.Constant) and not isinstance(node.value, bool) and node.value == 0


_APPLY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
_TESTS = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Eq: operator.eq,
          ast.NotEq: operator.ne}
_FUNCTIONS = {"min": min, "max": max, "abs": abs}
_ZERO, _ONE = Decimal(0), Decimal(1)


def _compile(node):
    """A function of ``values`` computing ``node``, checked on parse to be of the language."""
    if isinstance(node, ast.Constant):
        constant = Decimal(str(node.value))
        return lambda values: constant
    if isinstance(node, ast.Name):
        return _name(node.id)
    if isinstance(node, ast.BinOp):
        left, right = _compile(node.left), _compile(node.right)
        if type(node.op) in _APPLY:
            apply = _APPLY[type(node.op)]
            return lambda values: apply(left(values), right(values))
        return _division(left, right, ast.unparse(node.right))
    if isinstance(node, ast.UnaryOp):
        operand = _compile(node.operand)
        return (lambda values: -operand(values)) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Compare):
        chain = [(_TESTS[type(op)], _compile(c)) for op, c in zip(node.ops, node.comparators, strict=True)]
        return _comparison(_compile(node.left), chain)
    if isinstance(node, ast.BoolOp):
        parts, combine = [_compile(part) for part in node.values], all if isinstance(node.op, ast.And) else any
        return lambda values: Decimal(int(combine(part(values) != 0 for part in parts)))
    arguments = [_compile(argument) for argument in node.args]
    if node.func.id == "if_":
        condition, then, otherwise = arguments
        return lambda values: then(values) if condition(values) != 0 else otherwise(values)
    function = _FUNCTIONS[node.func.id]
    return lambda values: function(*(argument(values) for argument in arguments))


def _name(name):
    def value(values):
        found = values.get(name)
        if found is None:
            raise MissingValue(name)
        return found if type(found) is Decimal else Decimal(found)

    return value


def _division(numerator, denominator, text):
    def divide(values):
        top, bottom = numerator(values), denominator(values)
        if bottom == 0:
            raise ZeroDenominator(text)
        return top / bottom

    return divide


def _comparison(first, chain):
    def compare(values):
        left = first(values)
        for test, comparator in chain:
            right = comparator(values)
            if not test(left, right):
                return _ZERO
            left = right
        return _ONE

    return compare


