"""Both engines on the demo of today: every formula item of both standards the demo's
districts adopted (one judged on points), every quarter they have figures for."""

from core.periods import Quarter
from indicators.models import Adoption, DataValue, IndicatorSet
from tests.test_vector_values import assert_same


def test_the_engines_agree_on_the_demo(demo_of_today, db):
    compared = 0
    for indicator_set in IndicatorSet.objects.filter(adoptions__isnull=False).distinct():
        region_ids = sorted(Adoption.objects.filter(indicator_set=indicator_set).values_list("region_id", flat=True))
        quarters = sorted({Quarter(year, number) for year, number in DataValue.objects.filter(
            region__in=region_ids).values_list("year", "quarter").distinct()})
        rows = assert_same(region_ids, quarters, indicator_set)
        compared += len(rows)
        if indicator_set.is_scored:
            assert any(row[3] is not None for row in rows.values())  # points were awarded and compared
    assert compared > 500
