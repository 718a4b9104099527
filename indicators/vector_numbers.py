"""What the vectorised engine's modules share about numbers: the Decimal(38, 18) columns
they compute in, a literal of that type, and a number written as ``core.numbers.plain``
writes it."""

from decimal import Decimal

import polars as pl

NUMBER = pl.Decimal(38, 18)


def decimal_lit(value):
    """A Decimal(38, 18) literal of ``value`` (a Decimal, an int, a float or a numeric string,
    read as ``Decimal(str(value))``)."""
    return pl.lit(Decimal(str(value)), dtype=NUMBER)


def plain_expr(number, places=18):
    """``core.numbers.plain`` of a Decimal expression whose numbers have at most ``places``
    places (18 for any Decimal(38, 18)), row by row: “12.5” for 12.50, “100” for 100, “0”
    for zero, null for null. Polars has no negative zero, so a zero is always “0”: the callers
    that round write Python's “-0” themselves."""
    digits = number.cast(pl.Decimal(38, places)).cast(pl.String)
    if not places:
        return digits
    # Written with a point and ``places`` places: strip the zeros, then the point.
    return digits.str.strip_chars_end("0").str.strip_chars_end(".")
