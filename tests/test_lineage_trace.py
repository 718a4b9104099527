"""The lineage is stored with its input rows named by reference and reads back exactly as
the computation described it: entered figures with their report, state and file digest,
utilities with every term of their rate, reference values with their source, last year's
and a base year's inputs."""

from datetime import date
from decimal import Decimal as D

import pytest

from core.periods import Quarter
from demo import catalogue as indicator_demo
from indicators import lineage as lineage_module
from indicators.models import DataValue, Indicator, IndicatorSet, ReferenceValue, UtilityFigures
from indicators.services import compute as compute_module
from indicators.services import compute_region_quarter
from tests.helpers import enter_figures, enter_utility

Q4_2023 = Quarter(2023, 4)
DIGEST = "ab" * 32


@pytest.fixture
def computed_twice(regions, monkeypatch):
    """A district's values computed once storing the lineage as described, then again
    storing it packed: {(indicator code, quarter): (described, stored ComputedValue)}."""
    indicator_demo.load_catalogue()
    district = regions["qianjiang"]
    indicator_set = IndicatorSet.objects.get()
    # Beyond the demo: a fall against a fixed base year, a district's own reference value
    # with its publication day, files with digests, a second utility.
    Indicator.objects.filter(code="INDUSTRY_WATER_INTENSITY").update(
        target={"kind": "change_vs_base", "base_year": 2021, "direction": "fall", "at_least": "5"})
    ReferenceValue.objects.update_or_create(code="WATER_QUOTA", region=district, year=2023, defaults={
        "value": D("3100.5"), "source": "区水利局下达", "published_on": date(2023, 3, 1)})
    for quarter, added in ((Quarter(2021, 4), 1000000), (Quarter(2022, 4), 1000000), (Q4_2023, 1100000)):
        enter_figures(district, quarter, IND_NEW_WATER=2150, IND_ADDED_VALUE=added, TOTAL_WATER=2900,
                      RES_WATER=1200, HOUSEHOLDS=100000, PERSONS_PER_HOUSEHOLD="2.8")
        for name, supply in (("甲水厂", 1000), ("乙供水站", 240)):
            enter_utility(district, quarter, name, supply=supply, registered=supply * D("0.88"),
                          resident_metered=supply * D("0.6"), pipe_km=120, pressure=D("0.45"), frost_depth=D("0.5"))
    DataValue.objects.update(source_sha256=DIGEST)
    UtilityFigures.objects.update(source_sha256=DIGEST)
    quarters = [Quarter(2022, 4), Q4_2023]
    # Described in full by the Python engine (every item), then stored by the engines as a
    # recompute runs them (formula items vectorised, writing the packed form themselves).
    monkeypatch.setattr(compute_module, "packed", lambda described: described)
    monkeypatch.setattr(compute_module, "vectorised", lambda indicator: False)
    for quarter in quarters:
        compute_region_quarter(district, quarter, indicator_set)
    described = {(v.indicator.code, v.period): v.trace for v in indicator_set_values(district)}
    monkeypatch.undo()
    for quarter in quarters:
        compute_region_quarter(district, quarter, indicator_set)
    return {key: (described[key], value) for value in indicator_set_values(district)
            for key in [(value.indicator.code, value.period)]}


def indicator_set_values(district):
    from indicators.models import ComputedValue

    return list(ComputedValue.objects.filter(region=district).select_related("indicator"))


def test_every_value_reads_back_as_described(computed_twice):
    assert len(computed_twice) == 40
    for key, (described, stored) in computed_twice.items():
        assert stored.lineage == described, key


def test_what_is_stored_names_rows_instead_of_copying_them(computed_twice):
    described, stored = computed_twice[("INDUSTRY_WATER_INTENSITY", Q4_2023)]
    trace = stored.trace
    assert DIGEST not in str(trace) and DIGEST in str(described)
    entry = DataValue.objects.get(element__code="IND_NEW_WATER", year=2023, quarter=4)
    assert trace["inputs"]["IND_NEW_WATER"] == [entry.pk, "2150.0000"]
    assert described["inputs"]["IND_NEW_WATER"] == {"value": "2150.0000", "entry": entry.pk,
                                                     "report": entry.report_id, "state": "approved", "sha256": DIGEST}
    assert [base["year"] for base in described["base_years"]] == [2021]
    assert isinstance(trace["base_years"][0]["inputs"]["IND_NEW_WATER"], list)
    quota = computed_twice[("TOTAL_WATER_USE", Q4_2023)]
    assert quota[1].trace["references"]["WATER_QUOTA"] == [2023, quota[1].region_id, "3100.5000"]
    assert quota[1].lineage["references"]["WATER_QUOTA"] == {
        "value": "3100.5000", "year": 2023, "source": "区水利局下达", "region": quota[1].region_id,
        "published_on": "2023-03-01"}
    leakage = computed_twice[("LEAKAGE", Q4_2023)][1]
    assert set(leakage.trace["inputs"]["utilities"]) == {"甲水厂", "乙供水站"}
    assert all(isinstance(pk, int) for pk in leakage.trace["inputs"]["utilities"].values())
    assert leakage.lineage["inputs"]["utilities"]["乙供水站"]["r_wl"] == described_utility(computed_twice)
    assert len(str(stored.trace)) < len(str(described)) / 2


def described_utility(computed_twice):
    return computed_twice[("LEAKAGE", Q4_2023)][0]["inputs"]["utilities"]["乙供水站"]["r_wl"]


def test_many_values_are_read_back_in_one_query_per_kind(computed_twice, django_assert_num_queries):
    values = indicator_set_values(next(iter(computed_twice.values()))[1].region)
    with django_assert_num_queries(3):  # entries, utilities with their reports, reference values
        lineage_module.expanded(values)
    with django_assert_num_queries(0):
        assert all(isinstance(value.lineage, dict) for value in values)


def test_a_lineage_stored_before_reads_back_unchanged(computed_twice):
    described, stored = computed_twice[("PER_CAPITA_DOMESTIC", Q4_2023)]
    type(stored).objects.filter(pk=stored.pk).update(trace=described)
    stored.refresh_from_db()
    assert stored.lineage == described


def test_an_input_row_gone_still_says_what_was_used(computed_twice):
    _described, stored = computed_twice[("PER_CAPITA_DOMESTIC", Q4_2023)]
    entry, value = stored.trace["inputs"]["RES_WATER"]
    stored.trace = {**stored.trace, "inputs": {**stored.trace["inputs"], "RES_WATER": [entry + 10**6, value]}}
    assert stored.lineage["inputs"]["RES_WATER"] == {"value": "1200.0000", "entry": entry + 10**6}
