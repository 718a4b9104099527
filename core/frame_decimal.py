"""Python's ``Decimal`` on Polars columns, for vectorised code that must give the very numbers
and texts the Python reference computes: a ``Decimal`` keeps its exponent (1.50 is not 1.5),
its arithmetic rounds to 28 significant digits (the default context), and ``str()`` writes
it in a form of its own (0E-28, 2.5E-7). A Polars Decimal has a fixed scale and 38 digits, so
it can hold neither.

A number is three columns named by one prefix, as ``Decimal.as_tuple()`` gives it:
``{prefix}_negative`` (Boolean), ``{prefix}_coefficient`` (Int128: the digits, at most 28)
and ``{prefix}_exponent`` (Int64).
"""

from decimal import Decimal

import polars as pl

PRECISION = 28  # decimal.DefaultContext.prec, which the reference computes in
_LIMB = 10**14  # half of PRECISION's digits: a product of two limbs fits an Int128
# What str(Decimal) writes of a finite number.
_TEXT = r"^(?<sign>-?)(?<whole>\d+)(?:\.(?<fraction>\d*))?(?:E(?<power>[+-]?\d+))?$"


def columns(prefix):
    return f"{prefix}_negative", f"{prefix}_coefficient", f"{prefix}_exponent"


def parse(text, prefix):
    """The three columns of the Decimal each value of the column ``text`` (as ``str(Decimal)``
    writes it) is, as expressions; null for null and for a text that is no such number (the
    caller checks)."""
    negative, coefficient, exponent = columns(prefix)
    parts = pl.col(text).str.extract_groups(_TEXT).struct
    sign, whole, fraction, power = (parts.field(name) for name in ("sign", "whole", "fraction", "power"))
    return [
        (sign == "-").alias(negative),
        # strict: more digits than an Int128 holds raise
        pl.concat_str([whole, fraction.fill_null("")]).cast(pl.Int128, strict=True).alias(coefficient),
        (power.cast(pl.Int64).fill_null(0) - fraction.str.len_chars().fill_null(0).cast(pl.Int64)).alias(exponent),
    ]


def power_of_ten(power):
    """10 ** ``power`` (an Int64 expression, 0 to 38) as an Int128."""
    return pl.lit(10, dtype=pl.Int128).pow(power.cast(pl.UInt32))


def multiply(frame, a, b, prefix):
    """``frame`` with the product of the numbers ``a`` and ``b`` (prefixes) as Python's
    ``a * b`` gives it: the exact product rounded half-even to 28 significant digits.

    The exact product has up to 56 digits, beyond any Polars integer: it is made of 14-digit
    limbs (each partial product fits an Int128), written out as digits, cut to 28 and rounded."""
    a_negative, a_coefficient, a_exponent = columns(a)
    b_negative, b_coefficient, b_exponent = columns(b)
    limit = 10**PRECISION
    if frame.select((pl.col(a_coefficient) >= limit) | (pl.col(b_coefficient) >= limit)).to_series().any():
        raise ValueError("a coefficient of more than 28 digits: not a result of Python's default context")
    limb = pl.lit(_LIMB, dtype=pl.Int128)
    a_high, a_low = pl.col(a_coefficient) // limb, pl.col(a_coefficient) % limb
    b_high, b_low = pl.col(b_coefficient) // limb, pl.col(b_coefficient) % limb
    work = frame.with_columns(_low=a_low * b_low, _middle=a_high * b_low + a_low * b_high, _high=a_high * b_high)
    work = work.with_columns(_middle=pl.col("_middle") + pl.col("_low") // limb, _low=pl.col("_low") % limb)
    work = work.with_columns(_high=pl.col("_high") + pl.col("_middle") // limb, _middle=pl.col("_middle") % limb)
    pieces = [(pl.col("_high") // limb).cast(pl.String)] + [
        (pl.col(name) % limb if name == "_high" else pl.col(name)).cast(pl.String).str.zfill(14)
        for name in ("_high", "_middle", "_low")]
    digits = pl.concat_str(pieces).str.strip_chars_start("0")
    work = work.with_columns(_digits=pl.when(digits == "").then(pl.lit("0")).otherwise(digits))
    work = work.with_columns(_dropped=(pl.col("_digits").str.len_chars().cast(pl.Int64) - PRECISION).clip(0))
    kept, rest = pl.col("_digits").str.head(PRECISION), pl.col("_digits").str.slice(PRECISION)
    first = rest.str.head(1)
    beyond_half = rest.str.slice(1).str.contains("[1-9]")
    odd = kept.str.tail(1).is_in(["1", "3", "5", "7", "9"])
    up = (first > "5") | ((first == "5") & (beyond_half | odd))  # ROUND_HALF_EVEN
    work = work.with_columns(_kept=kept.cast(pl.Int128) + up.fill_null(False).cast(pl.Int128))
    # 99…9 rounded up is 29 digits: Python keeps 28 and raises the exponent.
    carried = pl.col("_kept") == limit
    negative, coefficient, exponent = columns(prefix)
    return work.with_columns(
        (pl.col(a_negative) ^ pl.col(b_negative)).alias(negative),
        pl.when(carried).then(pl.lit(limit // 10, dtype=pl.Int128)).otherwise(pl.col("_kept")).alias(coefficient),
        (pl.col(a_exponent) + pl.col(b_exponent) + pl.col("_dropped") + carried.cast(pl.Int64)).alias(exponent),
    ).drop("_low", "_middle", "_high", "_digits", "_dropped", "_kept")


def text(prefix):
    """``str()`` of the number ``prefix``: plain while the exponent is not positive and the
    number not below 1E-6, scientific otherwise (as ``Decimal.__str__``)."""
    negative, coefficient, exponent = columns(prefix)
    digits = pl.col(coefficient).cast(pl.String)
    count = digits.str.len_chars().cast(pl.Int64)
    power = pl.col(exponent)
    left = power + count  # the digits before the point
    # Plain: zeros before the digits so that at least one stands before the point.
    padded = digits.str.zfill((1 - power).clip(0))
    point = padded.str.len_chars().cast(pl.Int64) + power
    plain = pl.concat_str([padded.str.head(point), pl.when(power < 0).then(pl.lit(".")).otherwise(pl.lit("")),
                           padded.str.slice(point)])
    scientific = pl.concat_str([
        digits.str.head(1), pl.when(count > 1).then(pl.lit(".")).otherwise(pl.lit("")), digits.str.slice(1),
        pl.lit("E"), pl.when(left > 0).then(pl.lit("+")).otherwise(pl.lit("")), (left - 1).cast(pl.String),
    ])
    shown = pl.when((power <= 0) & (left > -6)).then(plain).otherwise(scientific)
    return pl.when(pl.col(negative)).then(pl.concat_str([pl.lit("-"), shown])).otherwise(shown)


def number(prefix, scale=18):
    """The number ``prefix`` as a Decimal(38, ``scale``) column, rounded half-even to ``scale``
    places as Polars rounds a Python Decimal it is given; more integer digits than that
    holds raise, as they do there."""
    negative, coefficient, exponent = columns(prefix)
    shift = pl.col(exponent) + scale
    # Fewer places than ``scale``: exact. More: divided by 10 ** (places beyond), rounded half-
    # even; beyond 38 places a coefficient of at most 28 digits is below half of it, i.e. 0.
    divisor = power_of_ten((-shift).clip(0, 38))
    quotient, remainder = pl.col(coefficient) // divisor, pl.col(coefficient) % divisor
    half = divisor // 2
    up = (remainder > half) | ((remainder == half) & (divisor > 1) & (quotient % 2 == 1))
    too_large = pl.col(coefficient).cast(pl.String).str.len_chars().cast(pl.Int64) + pl.col(exponent) > 38 - scale
    units = (  # the number in units of 10 ** -scale; too large: 10 ** 38, which the strict cast refuses
        pl.when(too_large).then(pl.lit(10**38, dtype=pl.Int128))
        .when(shift >= 0).then(pl.col(coefficient) * power_of_ten(shift.clip(0, 38)))
        .otherwise(quotient + up.cast(pl.Int128))
    )
    signed = pl.when(pl.col(negative)).then(pl.lit(0, dtype=pl.Int128) - units).otherwise(units)
    signed = signed.cast(pl.Decimal(38, 0), strict=True)
    # × 10 ** -scale: an exact product of the two scales, no rounding
    return (signed * pl.lit(Decimal(1).scaleb(-scale), dtype=pl.Decimal(38, scale))).cast(pl.Decimal(38, scale))
