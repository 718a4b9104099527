"""Numbers as people write them."""

from decimal import Decimal


def plain(value, empty=""):
    """1200 for 1200.00, 12.5 for 12.50, 3 for 3.0000: how a clerk writes it; ``empty`` for None."""
    if value is None:
        return empty
    return format(Decimal(str(value)).normalize(), "f")
