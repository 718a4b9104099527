"""The vectorised engine of formula values gives exactly the rows the Python engine gives,
one value at a time: values, statuses, explanations, points, awards and the stored lineage."""

from datetime import date

import orjson
import pytest

from core.periods import Quarter
from demo import catalogue as indicator_demo
from demo import scale
from indicators.models import Adoption, DataValue, IndicatorSet
from indicators.services import compute
from indicators.services.compute import vectorised
from indicators.services.vector_values import value_rows
from tests.helpers import enter_figures

QUARTERS = [Quarter(2022, 4), Quarter(2023, 1), Quarter(2023, 4)]


def vector_rows(region_ids, quarters, indicator_set):
    common = compute._common(indicator_set)
    rows = value_rows(region_ids, sorted(quarters), common, [i for i in common.indicators if vectorised(i)])
    found = {row[:4]: (*row[4:9], orjson.loads(str(row[9]))) for row in rows}
    assert len(found) == len(rows), "a value given twice"
    return found


def assert_same(region_ids, quarters, indicator_set):
    expected = compute.reference_rows(region_ids, quarters, indicator_set)
    found = vector_rows(region_ids, quarters, indicator_set)
    assert set(found) == set(expected)
    fields = ("value", "status", "explanation", "points", "award", "trace")
    differ = [(key, field, want, got) for key in sorted(expected)
              for field, want, got in zip(fields, expected[key], found[key], strict=True) if want != got]
    assert not differ, "\n".join(map(repr, differ[:6]))
    return expected


@pytest.fixture
def catalogue(regions):
    indicator_demo.load_catalogue()
    return IndicatorSet.objects.get()


def test_figures_missing_zero_and_present(catalogue, regions):
    district, county = regions["qianjiang"], regions["wulong"]
    for region in (district, county):
        Adoption.objects.get_or_create(region=region, indicator_set=catalogue, defaults={"since_year": 2022})
    enter_figures(district, Quarter(2022, 4), IND_NEW_WATER=2150, IND_ADDED_VALUE=1000000, RECLAIMED_WATER=380,
                  SEWAGE_TREATED=1900, WELLS_TOTAL=12, WELLS_CLOSED=12)
    enter_figures(district, Quarter(2023, 4), IND_NEW_WATER=2000, IND_ADDED_VALUE=1000000, RECLAIMED_WATER="400.5",
                  SEWAGE_TREATED=0, WELLS_TOTAL=12, WELLS_CLOSED=11, RES_WATER=1200, HOUSEHOLDS=100000,
                  PERSONS_PER_HOUSEHOLD="2.8")
    enter_figures(county, Quarter(2023, 1), RES_WATER="0.0001", HOUSEHOLDS=3, PERSONS_PER_HOUSEHOLD="3.0")
    DataValue.objects.filter(region=district).update(source_sha256="cd" * 32)
    expected = assert_same([district.pk, county.pk], QUARTERS, catalogue)
    assert {row[1] for row in expected.values()} >= {"incomplete"}



def test_generated_counties(db):
    """Beyond the demo: counties as the scale generator makes them, over two years."""
    scale.generate(regions=6, quarters=8, seed=11, today=date(2025, 1, 3), log=lambda _: None)
    adopted = Adoption.objects.order_by("region_id")
    for indicator_set in IndicatorSet.objects.filter(adoptions__isnull=False).distinct():
        region_ids = list(adopted.filter(indicator_set=indicator_set).values_list("region_id", flat=True))
        expected = assert_same(region_ids, list(Quarter.range(Quarter(2023, 1), Quarter(2024, 4))), indicator_set)
        assert len(expected) > 100 and {row[1] for row in expected.values()} == {"met", "not_met", "incomplete"}


def test_reference_values_picked_as_the_python_engine_picks_them(catalogue, regions):
    """Beyond the demo: a region's own figure of a national code replaces the national one in
    its year only; a national figure published exactly on a quarter's last day counts for
    that quarter, one published the day after does not; a quota of one region only."""
    from indicators.models import ReferenceValue

    district, county = regions["qianjiang"], regions["wulong"]
    for region in (district, county):
        Adoption.objects.get_or_create(region=region, indicator_set=catalogue, defaults={"since_year": 2022})
    ReferenceValue.objects.filter(code="NATIONAL_IND_WATER", region=None, year=2021).update(
        published_on=date(2022, 12, 31))  # the last day of 2022Q4: counts for it
    ReferenceValue.objects.filter(code="NATIONAL_IND_WATER", region=None, year=2022).update(
        published_on=date(2023, 1, 1))  # the day after: 2022Q4 is still judged on 2021's
    ReferenceValue.objects.create(code="NATIONAL_IND_WATER", name="区定工业用水基准", region=county, year=2023,
                                  value="30.5")
    ReferenceValue.objects.filter(code="WATER_QUOTA").exclude(region=district).delete()
    for region in (district, county):
        for quarter in QUARTERS:
            enter_figures(region, quarter, IND_NEW_WATER=2000, IND_ADDED_VALUE=1000000, NEW_WATER_EXCL_PRIMARY=900,
                          GDP_EXCL_PRIMARY=500000, TOTAL_WATER=1500)
    expected = assert_same([district.pk, county.pk], QUARTERS, catalogue)
    lineages = orjson.dumps([row[5] for row in expected.values()]).decode()
    assert '[2021,null,"28.2000"]' in lineages and f'[2023,{county.pk},"30.5000"]' in lineages
