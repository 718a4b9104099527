"""``indicators.provided_frames.provided_frame`` (the registry figures as one long frame, for the
vectorised engine) gives what the dict API gives, row for row: the value as a Decimal(38, 18)
and the lineage JSON, on the demo's carriers and on cases the demo lacks; and
``core.frame_decimal`` computes and writes numbers as Python's Decimal does."""

import random
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal

import orjson
import polars as pl
import pytest
from django.utils import translation

from carriers.models import Carrier, UserYear, WaterUser
from core import frame_decimal
from core.periods import Quarter
from demo import catalogue as indicator_demo
from demo import regions as org_demo
from demo import registry as carrier_demo
from indicators import provided_frames, providers
from indicators.models import DataElement
from indicators.vector_numbers import NUMBER
from org.models import Region


@pytest.fixture(autouse=True)
def frame_functions_always(monkeypatch):
    """The frame functions however few the regions (below ``FEW`` the dicts are used)."""
    monkeypatch.setattr(provided_frames, "FEW", 0)


def in_column(value):
    """``value`` as a Decimal(38, 18) column holds it: rounded half-even to 18 places."""
    return value.quantize(Decimal(1).scaleb(-18), rounding=ROUND_HALF_EVEN, context=Context(prec=38))


def dict_rows(region_ids, quarters, elements):
    """{(region, year, quarter, code): (value, lineage)} from the dict API."""
    return {(region_id, quarter.year, quarter.number, code): found
            for quarter, regions in providers.provided_for_quarters(region_ids, quarters, elements).items()
            for region_id, figures in regions.items() for code, found in figures.items()}


def assert_same(region_ids, quarters, elements):
    """provided_frame against the dict API for every region × quarter × code; returns the rows."""
    expected = dict_rows(region_ids, quarters, elements)
    frame = provided_frames.provided_frame(region_ids, quarters, elements)
    assert frame.schema == pl.Schema(provided_frames.SCHEMA)
    found = {tuple(row[:4]): row[4:] for row in frame.iter_rows()}
    assert len(found) == frame.height, "a row given twice"
    assert set(found) == set(expected)
    differ = []
    for key, (value, lineage) in expected.items():
        got_value, got_lineage = found[key]
        # The frame's value is the Decimal rounded to the column's 18 places, as Polars takes it.
        if got_value != in_column(value) or orjson.loads(got_lineage) != lineage:
            differ.append((key, value, got_value, lineage, got_lineage))
        elif got_lineage != orjson.dumps(lineage).decode():
            differ.append((key, "same dict, other text", lineage, got_lineage))
    assert not differ, "\n".join(map(repr, differ[:4]))
    # And the frame the vectorised engine made of the dicts until now, column for column.
    rows = [(*key, value, orjson.dumps(lineage).decode()) for key, (value, lineage) in sorted(expected.items())]
    assert frame.equals(pl.DataFrame(rows, schema=provided_frames.SCHEMA, orient="row"))
    return expected


# --- the demo ----------------------------------------------------------------------------------


def test_the_demo_registry(db):
    org_demo.load(password="pw-for-tests-1")
    indicator_demo.load(password="")
    carrier_demo.load(password="")
    region_ids = sorted(Region.objects.values_list("pk", flat=True))  # most without carriers
    elements = list(DataElement.objects.filter(source="registry"))
    assert {e.code for e in elements} == set(providers._PROVIDERS)
    expected = assert_same(region_ids, Quarter.range(Quarter(2018, 1), Quarter(2025, 4)), elements)
    counted = [lineage["counted"] for _value, lineage in expected.values()]
    assert sum(map(len, counted)) > 100 and sum(not c for c in counted) > len(counted) / 2


# --- cases the demo lacks ----------------------------------------------------------------------

Q4_2022, Q1_2023, Q2_2023, Q3_2023, Q1_2024 = (Quarter(2022, 4), Quarter(2023, 1), Quarter(2023, 2),
                                                Quarter(2023, 3), Quarter(2024, 1))
QUARTERS = Quarter.range(Quarter(2022, 1), Quarter(2024, 4))  # 2024: a leap year


def elements(cumulative_water=True, cumulative_households=False):
    """Registry elements as the catalogue has them (unsaved: only their fields are read),
    or with cumulative turned the other way."""
    made = [DataElement(code="CARRIER_ENTERPRISE_WATER", name="节水型企业年用水总量（新水量）", unit="万m³",
                        cumulative=cumulative_water, source="registry"),
            DataElement(code="CARRIER_UNIT_WATER", name='单位 "新水" \\ 量', unit="万m³", cumulative=cumulative_water,
                        source="registry"),
            DataElement(code="CARRIER_HOUSEHOLDS", name="节水型居民小区（社区）居民户数", unit="户",
                        cumulative=cumulative_households, source="registry")]
    return made


class Registry:
    def __init__(self, region):
        self.region = region

    def user(self, name, kind="industry", years=None):
        """A user with {year: total use (m³) or (total, reused) or households}."""
        user = WaterUser.objects.create(region=self.region, name=name, kind=kind)
        for year, figure in (years or {}).items():
            if kind == "community":
                UserYear.objects.create(user=user, year=year, total_use=0, households=figure)
            else:
                total, reused = figure if isinstance(figure, tuple) else (figure, 0)
                UserYear.objects.create(user=user, year=year, total_use=Decimal(total), reused_water=Decimal(reused))
        return user

    def carrier(self, user, carrier_type, accepted_on, *, level="county", status="published", ended_on=None):
        return Carrier.objects.create(region=self.region, user=user, carrier_type=carrier_type, level=level,
                                      status=status, accepted_on=accepted_on, ended_on=ended_on)


@pytest.fixture
def edge_registry(world):
    """Two districts with carriers, one each for a case, and the city without any."""
    first, second = Registry(world.district), Registry(world.other_district)
    # Ended exactly on a quarter's last day: built on 31 December 2022, no longer on 31 March 2023.
    first.carrier(first.user("终于季末厂", years={2022: "123456.78", 2023: "1000"}), "enterprise", date(2022, 1, 5),
                  status="revoked", ended_on=Q1_2023.last_day)
    # Failed its re-check the day after a quarter's end: built on that day.
    first.carrier(first.user("复查未过厂", years={2023: "5.5"}), "enterprise", date(2022, 2, 1),
                  status="failed_recheck", ended_on=date(2023, 7, 1))
    # Accepted on a quarter's last day: built on it.
    first.carrier(first.user("季末验收厂", years={2023: ("2500000.50", "1000.25")}), "enterprise", Q2_2023.last_day)
    # Certified twice for one code (节水型机关 and 节水型单位): counted once, with the first type (agency).
    twice = first.user("两块牌子单位", kind="public", years={2022: "10000.00", 2023: "20000"})
    first.carrier(twice, "unit", date(2021, 6, 1))
    first.carrier(twice, "agency", date(2022, 6, 1), level="city")
    # One type at two levels: counted once, the same carrier every time.
    both = first.user("两级企业", years={2022: "0.01", 2023: "0.10"})
    first.carrier(both, "enterprise", date(2021, 3, 1), level="county")
    first.carrier(both, "enterprise", date(2021, 3, 1), level="city")
    # No figures at all; figures only for a later year; zero new water (all reused).
    first.carrier(first.user("无数据学校", kind="school"), "school", date(2021, 9, 1))
    first.carrier(first.user("只有明年数据厂", years={2024: "777"}), "enterprise", date(2022, 3, 3))
    first.carrier(first.user("全回用厂", years={2022: ("300", "300"), 2023: "0"}), "enterprise", date(2021, 1, 1))
    # A name JSON must escape, and huge and tiny figures (scaled: a number str() writes as 1E-7).
    first.carrier(first.user('引号"反斜杠\\换行\n厂', years={2022: "987654321012.34"}), "enterprise",
                  date(2021, 1, 1), level="province")
    second.carrier(second.user("微量用水厂", years={2023: "0.01"}), "enterprise", date(2022, 1, 1))
    # Households: none given, given, changed; a community not yet accepted, one being created.
    second.carrier(second.user("未填户数小区", kind="community", years={2023: None}), "community", date(2022, 5, 5))
    second.carrier(second.user("三千户小区", kind="community", years={2022: 3000, 2023: 3100}), "community",
                   date(2022, 12, 31))
    second.carrier(second.user("明年验收小区", kind="community", years={2023: 800}), "community", date(2024, 2, 1))
    Carrier.objects.create(region=world.other_district, user=second.user("创建中小区", kind="community",
                                                                         years={2023: 50}),
                           carrier_type="community", level="county", status="creating")
    # Kinds no coverage figure counts.
    second.carrier(second.user("灌区", kind="irrigation", years={2023: "100"}), "irrigation", date(2021, 1, 1))
    return world


def test_edge_cases(edge_registry):
    world = edge_registry
    region_ids = [world.city.pk, world.district.pk, world.other_district.pk]
    expected = assert_same(region_ids, QUARTERS, elements())

    def counted(region, quarter, code):
        return {item["name"]: item for item in expected[(region.pk, quarter.year, quarter.number, code)][1]["counted"]}

    enterprise = "CARRIER_ENTERPRISE_WATER"
    assert "终于季末厂" in counted(world.district, Q4_2022, enterprise)
    assert "终于季末厂" not in counted(world.district, Q1_2023, enterprise)
    assert "复查未过厂" in counted(world.district, Q2_2023, enterprise)
    assert "复查未过厂" not in counted(world.district, Q3_2023, enterprise)
    assert "季末验收厂" in counted(world.district, Q2_2023, enterprise)
    assert "季末验收厂" not in counted(world.district, Q1_2023, enterprise)
    units = counted(world.district, Q1_2023, "CARRIER_UNIT_WATER")
    assert units["两块牌子单位"]["type"] == "节水型机关" and units["两块牌子单位"]["figure"] == "2.00"
    assert [item["user"] for item in expected[(world.district.pk, 2023, 1, enterprise)][1]["counted"]].count(
        WaterUser.objects.get(name="两级企业").pk) == 1
    assert units["无数据学校"]["figure"] is None and units["无数据学校"]["figure_year"] is None
    assert counted(world.district, Q1_2023, enterprise)["只有明年数据厂"]["figure"] is None
    assert counted(world.district, Q1_2023, enterprise)["全回用厂"]["figure"] == "0.00"
    households = counted(world.other_district, Q1_2023, "CARRIER_HOUSEHOLDS")
    assert households["未填户数小区"] == {**households["未填户数小区"], "figure": None, "figure_year": 2023}
    assert set(households) == {"未填户数小区", "三千户小区"}
    tiny = expected[(world.other_district.pk, 2023, 1, enterprise)][1]
    assert tiny["annual"] == "0.000001" and "E-7" in tiny["value"]
    nothing = expected[(world.city.pk, 2023, 1, enterprise)]
    assert nothing[0] == 0 and nothing[1]["counted"] == [] and nothing[1]["value"] == "0E-28"
    assert expected[(world.city.pk, 2024, 1, "CARRIER_HOUSEHOLDS")][1]["value"] == "0"


def test_cumulative_the_other_way_and_labels_in_the_portals_language(edge_registry):
    """Households year-to-date and water not: each measure through both paths; and a job
    running in English still writes the labels in the portal's Chinese, as the dict API does."""
    world = edge_registry
    with translation.override("en"):
        expected = assert_same([world.district.pk, world.other_district.pk], QUARTERS,
                               elements(cumulative_water=False, cumulative_households=True))
    lineage = expected[(world.other_district.pk, 2023, 1, "CARRIER_HOUSEHOLDS")][1]
    assert lineage["share_of_year"] == "0.2465753424657534246575342466" and lineage["counted"][0]["level"] == "区县级"
    assert "annual" not in expected[(world.district.pk, 2023, 1, "CARRIER_UNIT_WATER")][1]


def test_nothing_asked_and_a_provider_without_a_frame_function(edge_registry, monkeypatch):
    world = edge_registry
    assert provided_frames.provided_frame([world.district.pk], [], elements()).is_empty()
    assert provided_frames.provided_frame([], QUARTERS, elements()).is_empty()
    assert provided_frames.provided_frame([world.district.pk], QUARTERS, []).is_empty()
    region_ids = [world.city.pk, world.district.pk, world.other_district.pk]
    framed = provided_frames.provided_frame(region_ids, QUARTERS, elements())
    monkeypatch.setattr(providers, "_FRAMES", {})  # the fallback: the frame built from the dicts
    assert provided_frames.provided_frame(region_ids, QUARTERS, elements()).equals(framed)


# --- Python's Decimal on columns -------------------------------------------------------------------


def random_decimal(rng):
    if rng.random() < 0.1:
        return Decimal(0).scaleb(-rng.randint(0, 30))
    digits = rng.randint(1, 28)
    coefficient = 10**digits - 1 if rng.random() < 0.1 else rng.randint(10 ** (digits - 1), 10**digits - 1)
    if rng.random() < 0.2 and digits > 3:  # ties for the rounding
        coefficient = coefficient // 1000 * 1000 + 500
    return Decimal((rng.random() < 0.2, tuple(map(int, str(coefficient))), rng.randint(-34, 4)))


def test_frame_decimal_computes_and_writes_as_python():
    rng = random.Random(7)
    pairs = [(random_decimal(rng), random_decimal(rng)) for _ in range(3000)]
    shares = [quarter.share_of_year for quarter in (Q1_2023, Q2_2023, Q3_2023, Quarter(2023, 4), Q1_2024)]
    pairs += [(Decimal("0.000001"), share) for share in shares] + [(Decimal(0), share) for share in shares]
    frame = pl.DataFrame({"a": [str(a) for a, _ in pairs], "b": [str(b) for _, b in pairs]})
    frame = frame.with_columns(*frame_decimal.parse("a", "a"), *frame_decimal.parse("b", "b"))
    frame = frame_decimal.multiply(frame, "a", "b", "product")
    assert frame.select(frame_decimal.text("a")).to_series().to_list() == [str(a) for a, _ in pairs]
    assert frame.select(frame_decimal.text("product")).to_series().to_list() == [str(a * b) for a, b in pairs]
    # Decimal(38, 18) as Polars takes a Python Decimal in a row (which it cannot for over 38
    # places): rounded half-even to 18 places.
    fits = [index for index, (a, b) in enumerate(pairs)
            if (a * b).adjusted() < 20 and (a * b).as_tuple().exponent >= -38]
    numbers = frame[fits].select(frame_decimal.number("product")).to_series()
    products = [pairs[index][0] * pairs[index][1] for index in fits]
    assert numbers.to_list() == [in_column(product) for product in products]
    taken = pl.DataFrame([(product,) for product in products], schema={"value": NUMBER}, orient="row")
    assert numbers.equals(taken.to_series(), check_names=False)
    with pytest.raises(pl.exceptions.InvalidOperationError):
        pl.DataFrame({"a": ["1E+20"]}).with_columns(*frame_decimal.parse("a", "a")).select(frame_decimal.number("a"))


def test_few_regions_and_quarters_read_the_dicts(edge_registry, monkeypatch):
    """One region's recompute (an approval's) takes the dicts: the frame function's fixed
    cost is ten times theirs. The rows are the same."""
    monkeypatch.setattr(provided_frames, "FEW", 10**9)
    def asked(*_arguments):
        raise AssertionError("the frame function was asked for a few regions")

    monkeypatch.setattr(provided_frames, "frame_function", asked)
    world = edge_registry
    assert_same([world.city.pk, world.district.pk, world.other_district.pk], QUARTERS, elements())
