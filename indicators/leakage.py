"""Public water-supply leakage after CJJ 92-2016 (城镇供水管网漏损控制及评定标准) and its 2018
revision. All rates are in percent; volumes in 万m³, lengths in km, pressures in MPa.

    综合漏损率 R_WL = (供水总量 − 注册用户用水量) / 供水总量
    漏损率     R_BL = R_WL − R_n,  R_n = R1 + R2 + R3 + R4
    R1 = 0.08 × r,                 r = 居民抄表到户水量 / 供水总量
    R2 = 0.99 × (A − 0.0693),      A = DN75 及以上管长 (km) / 供水总量 (万m³), within ±3 points
    R3 = 0.5 / 1 / 2 points for mean plant-outlet pressure 0.35–0.55 / 0.55–0.75 / > 0.75 MPa
    R4 = 1 point where the largest frost depth exceeds 1.4 m

A region's rate is the supply-weighted mean of its utilities' rates.

The standard is written for a year. For a year-to-date figure before the fourth quarter,
A compares the network with the supply scaled up to a year (``year_share`` is the part
of the year the volumes cover); the other terms are ratios of volumes and need nothing.
"""

from dataclasses import dataclass
from decimal import Decimal

HUNDRED = Decimal(100)
R2_LIMIT = Decimal(3)


@dataclass(frozen=True)
class Utility:
    name: str
    supply: Decimal  # 供水总量, 万m³
    registered: Decimal  # 注册用户用水量, 万m³
    resident_metered: Decimal  # 居民抄表到户水量, 万m³
    pipe_km: Decimal  # DN75 及以上管道长度, km
    pressure: Decimal  # 年平均出厂压力, MPa
    frost_depth: Decimal = Decimal(0)  # 最大冻土深度, m


@dataclass(frozen=True)
class Leakage:
    comprehensive: Decimal  # R_WL
    r1: Decimal
    r2: Decimal
    r3: Decimal
    r4: Decimal
    r2_raw: Decimal | None = None  # R2 before it is held within ±3 points
    annualised_supply: Decimal | None = None  # the supply A is computed on, scaled up to a year

    @property
    def r2_clamped(self):
        return self.r2_raw is not None and self.r2_raw != self.r2

    @property
    def correction(self):
        return self.r1 + self.r2 + self.r3 + self.r4

    @property
    def rate(self):
        return self.comprehensive - self.correction


def pressure_correction(pressure):
    if pressure > Decimal("0.75"):
        return Decimal(2)
    if pressure > Decimal("0.55"):
        return Decimal(1)
    if pressure >= Decimal("0.35"):
        return Decimal("0.5")
    return Decimal(0)


def utility_leakage(utility, *, year_share=Decimal(1)):
    if utility.supply <= 0:
        raise ValueError(f"{utility.name}：供水总量必须大于0")
    if utility.registered > utility.supply:
        raise ValueError(f"{utility.name}：注册用户用水量大于供水总量")
    comprehensive = (utility.supply - utility.registered) / utility.supply * HUNDRED
    r1 = Decimal("0.08") * (utility.resident_metered / utility.supply) * HUNDRED
    annualised = utility.supply / year_share
    a = utility.pipe_km / annualised
    r2_raw = Decimal("0.99") * (a - Decimal("0.0693")) * HUNDRED
    r2 = max(-R2_LIMIT, min(R2_LIMIT, r2_raw))
    r4 = Decimal(1) if utility.frost_depth > Decimal("1.4") else Decimal(0)
    return Leakage(comprehensive, r1, r2, pressure_correction(utility.pressure), r4, r2_raw, annualised)


def region_leakage(utilities, *, year_share=Decimal(1)):
    """The supply-weighted mean of the utilities' leakage rates."""
    utilities = list(utilities)
    if not utilities:
        raise ValueError("没有供水企业的数据")
    total = sum(u.supply for u in utilities)
    return sum(utility_leakage(u, year_share=year_share).rate * u.supply for u in utilities) / total
