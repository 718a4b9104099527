"""Formulas as Polars expressions over a frame with one column per name (Decimal, null when
the figure is missing): the value of every row at once, and the reason a row has none,
exactly as ``Formula.evaluate`` decides them one at a time.

Decimal(38, 18) columns: exact for the statistics (at most 4 places entered) and the
constants; a quotient is cut at 18 places where Python's context keeps 28 digits, which
cannot move a value rounded to the 6 places stored unless the exact result lies within
1e-18 of a half, and such a result terminates within 18 places and is exact in both.
"""

import ast

import polars as pl

from .vector_numbers import NUMBER, decimal_lit

ZERO_DENOMINATOR = "分母为零"
_NO_REASON = pl.lit(None, dtype=pl.String)
_ONE, _ZERO = decimal_lit(1), decimal_lit(0)


def missing_text(name, element_names):
    """What a value without ``name`` says, as ``compute._evaluate`` words it."""
    found = element_names.get(name, "")
    return f"缺少数据项：{found}" if found else f"缺少数据项 {name}"


def formula_exprs(formula, element_names):
    """(value, reason) expressions of ``formula`` (a parsed ``Formula``). The value is
    ``Formula.evaluate``'s only where the reason is null: the caller keeps the reason as a
    column and takes the value where it is null, so that the reason is worked out once."""
    node = formula.tree.body
    return _value(node), _reason(node, element_names)


def _value(node):
    if isinstance(node, ast.Constant):
        return decimal_lit(node.value)
    if isinstance(node, ast.Name):
        return pl.col(node.id).cast(NUMBER)
    if isinstance(node, ast.BinOp):
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return left / pl.when(right != 0).then(right)
    if isinstance(node, ast.UnaryOp):
        operand = _value(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Compare):
        tests, left = [], _value(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _value(comparator)
            tests.append(_test(op, left, right))
            left = right
        return pl.when(pl.all_horizontal(tests)).then(_ONE).otherwise(_ZERO)
    if isinstance(node, ast.BoolOp):
        tests = [_value(part) != 0 for part in node.values]
        combined = pl.all_horizontal(tests) if isinstance(node.op, ast.And) else pl.any_horizontal(tests)
        return pl.when(combined).then(_ONE).otherwise(_ZERO)
    arguments = [_value(argument) for argument in node.args]
    if node.func.id == "if_":
        return pl.when(arguments[0] != 0).then(arguments[1]).otherwise(arguments[2])
    if node.func.id == "abs":
        return arguments[0].abs()
    return pl.min_horizontal(arguments) if node.func.id == "min" else pl.max_horizontal(arguments)


def _test(op, left, right):
    return {
        ast.Lt: left < right, ast.LtE: left <= right, ast.Gt: left > right, ast.GtE: left >= right,
        ast.Eq: left == right, ast.NotEq: left != right,
    }[type(op)]  # fmt: skip


def _reason(node, element_names):
    """The first error met in evaluation order (a missing name, a zero denominator), or null;
    the parts Python does not evaluate (the branch of an ``if`` not taken, what follows a
    failed comparison or a decided and/or) raise nothing."""
    if isinstance(node, ast.Constant):
        return _NO_REASON
    if isinstance(node, ast.Name):
        return pl.when(pl.col(node.id).is_null()).then(pl.lit(missing_text(node.id, element_names))) \
            .otherwise(_NO_REASON)
    if isinstance(node, ast.BinOp):
        reasons = [_reason(node.left, element_names), _reason(node.right, element_names)]
        if isinstance(node.op, ast.Div):
            reasons.append(pl.when(_value(node.right) == 0).then(pl.lit(ZERO_DENOMINATOR)).otherwise(_NO_REASON))
        return pl.coalesce(reasons)
    if isinstance(node, ast.UnaryOp):
        return _reason(node.operand, element_names)
    if isinstance(node, ast.Compare):
        items = [node.left, *node.comparators]
        tail = _NO_REASON
        for index in range(len(items) - 1, 0, -1):
            held = _test(node.ops[index - 1], _value(items[index - 1]), _value(items[index]))
            tail = pl.coalesce([_reason(items[index], element_names), pl.when(held).then(tail).otherwise(_NO_REASON)])
        return pl.coalesce([_reason(node.left, element_names), tail])
    if isinstance(node, ast.BoolOp):
        tail = _NO_REASON
        for part in reversed(node.values):
            value = _value(part)
            go_on = value != 0 if isinstance(node.op, ast.And) else value == 0
            tail = pl.coalesce([_reason(part, element_names), pl.when(go_on).then(tail).otherwise(_NO_REASON)])
        return tail
    if node.func.id == "if_":
        condition, then, otherwise = node.args
        branch = pl.when(_value(condition) != 0).then(_reason(then, element_names)) \
            .otherwise(_reason(otherwise, element_names))
        return pl.coalesce([_reason(condition, element_names), branch])
    return pl.coalesce([_reason(argument, element_names) for argument in node.args])
