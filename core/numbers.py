"""Numbers as people write them."""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_SPACES = re.compile(r"\s+")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?:[eE][+-]?\d+)?")


def plain(value, empty=""):
    """1200 for 1200.00, 12.5 for 12.50, 3 for 3.0000: how a clerk writes it; ``empty`` for None."""
    if value is None:
        return empty
    return format(Decimal(str(value)).normalize(), "f")


def number_text(text):
    """``text`` typed as a number, ready for ``Decimal``: full-width digits, signs, points and
    commas made half-width (NFKC; Chinese input methods type them), spaces removed, and
    thousands separators dropped. None when a comma stands where no thousands separator can:
    “12,5” (a decimal comma) or “1,2,3” are not 125 or 123."""
    text = _SPACES.sub("", unicodedata.normalize("NFKC", text))
    if "," in text:
        if not _GROUPED.fullmatch(text):
            return None
        text = text.replace(",", "")
    return text


def decimal_or_none(text):
    """A finite Decimal from ``text`` as ``number_text`` reads it, or None when it is not one."""
    cleaned = number_text(text)
    if cleaned is None:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
