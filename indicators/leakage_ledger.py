"""The water utilities' leak-repair ledgers (漏损记录台账, ``carriers.LeakRepair``) summed
per utility and quarter, for the leakage figures they stand beside. Monthly rows add up to
their quarter; the mean repair time is weighted by the leaks repaired."""

from dataclasses import dataclass, field
from decimal import Decimal

from carriers.models import LeakRepair
from core.text import normalize_name


@dataclass
class LedgerLine:
    utility: str
    quarter: int | None  # None on a total line
    inspected_km: Decimal = Decimal(0)
    leaks_found: int = 0
    leaks_repaired: int = 0
    volume_lost: Decimal = Decimal(0)
    months: list = field(default_factory=list)  # the months the rows cover; empty: whole quarters
    _timed_hours: Decimal = Decimal(0)  # Σ mean hours × leaks repaired, over rows that give a time
    _timed_leaks: int = 0

    def add(self, row):
        self.inspected_km += row.inspected_km
        self.leaks_found += row.leaks_found
        self.leaks_repaired += row.leaks_repaired
        self.volume_lost += row.volume_lost
        if row.month:
            self.months.append(row.month)
        if row.repair_hours is not None and row.leaks_repaired:
            self._timed_hours += row.repair_hours * row.leaks_repaired
            self._timed_leaks += row.leaks_repaired

    @property
    def repair_hours(self):
        """Mean hours from finding to repair over the leaks whose time is known, or None."""
        if not self._timed_leaks:
            return None
        return (self._timed_hours / self._timed_leaks).quantize(Decimal("0.1"))

    @property
    def repaired_share(self):
        """Leaks repaired ÷ leaks found, in %, or None when none was found."""
        return Decimal(self.leaks_repaired) / self.leaks_found * 100 if self.leaks_found else None


@dataclass
class UtilityLedger:
    utility: str
    quarters: list  # LedgerLine per quarter with rows, in order
    total: LedgerLine


@dataclass
class Ledger:
    year: int
    up_to_quarter: int
    utilities: list  # UtilityLedger
    total: LedgerLine


def leak_repair_ledger(region, year, *, up_to_quarter=4):
    """The region's leak-repair ledgers of ``year`` up to ``up_to_quarter``: per utility per
    quarter, each utility's total and the region's; None when nothing is recorded. One query.
    A utility spelt with other spaces or full-width letters is the same utility, named as its
    earliest row names it."""
    rows = LeakRepair.objects.filter(region=region, year=year, quarter__lte=up_to_quarter).order_by(
        "quarter", "month", "pk")
    by_utility = {}
    total = LedgerLine("", None)
    for row in rows:
        key = normalize_name(row.utility)
        utility = by_utility.setdefault(key, UtilityLedger(row.utility, [], LedgerLine(row.utility, None)))
        if not utility.quarters or utility.quarters[-1].quarter != row.quarter:
            utility.quarters.append(LedgerLine(utility.utility, row.quarter))
        for line in (utility.quarters[-1], utility.total, total):
            line.add(row)
    if not by_utility:
        return None
    return Ledger(year, up_to_quarter, sorted(by_utility.values(), key=lambda u: u.utility), total)
