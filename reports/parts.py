"""A scorecard's parts: each part's share, and how the parts are stored.

A scorecard stores, for its parts in the order of ``COMPONENTS``, three short lists: the
numerators, the denominators and the weights used. Each part's value follows from its
numerator and denominator, so it is not stored; ``unpacked`` gives back, per part, the value,
numerator, denominator and weight that the pages, the exports and the API show. A national
recompute writes 451,000 scorecards: the lists take a seventh of the JSON the expanded form
took, and the database parses that much less on every write."""

from decimal import ROUND_HALF_UP, Decimal

from core.numbers import plain

from .models import COMPONENTS

ONE_PLACE = Decimal("0.1")
KEYS = [key for key, _label, _weight in COMPONENTS]


class Part:
    """A share from 0 to 100 (one decimal place), or None when the denominator is 0."""

    __slots__ = ("denominator", "numerator", "value")  # hundreds of thousands in a national recompute

    def __init__(self, numerator, denominator):
        self.numerator, self.denominator = numerator, denominator
        self.value = None
        if denominator:
            self.value = (Decimal(100) * numerator / denominator).quantize(ONE_PLACE, ROUND_HALF_UP)

    def __repr__(self):
        return f"Part({self.numerator}, {self.denominator})"


def _json_number(number):
    """A numerator as it is stored: an int, or a Decimal written as text ("2.75")."""
    return plain(number) if isinstance(number, Decimal) else number


def packed(parts, weights):
    """What a scorecard stores of ``parts`` ({key: Part}) and ``weights`` ({key: weight})."""
    return {"n": [_json_number(parts[key].numerator) for key in KEYS],
            "d": [parts[key].denominator for key in KEYS],
            "w": [weights[key] for key in KEYS]}


def unpacked(stored):
    """{key: {"value", "numerator", "denominator", "weight"}} of what ``packed`` stored; the
    value as text ("87.5") or None when the part does not apply. Empty for an empty store."""
    if not stored:
        return {}
    found = {}
    for key, numerator, denominator, weight in zip(KEYS, stored["n"], stored["d"], stored["w"], strict=True):
        value = Part(Decimal(numerator) if isinstance(numerator, str) else numerator, denominator).value
        found[key] = {"value": None if value is None else str(value), "numerator": numerator,
                      "denominator": denominator, "weight": weight}
    return found
