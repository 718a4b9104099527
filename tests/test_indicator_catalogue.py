"""The 黔江 indicator catalogue: loaded exactly, formulas checked on save, and hand-worked
values through the stored formulas and target rules."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from demo import catalogue as indicator_demo
from indicators.formulas import parse
from indicators.models import DataElement, Indicator, ReferenceValue
from indicators.targets import MET, NOT_MET, RuleError, check, validate_rule


@pytest.fixture
def catalogue(regions):
    indicator_demo.load_catalogue()
    return {indicator.code: indicator for indicator in Indicator.objects.all()}


def known():
    return set(DataElement.objects.values_list("code", flat=True)) | set(
        ReferenceValue.objects.values_list("code", flat=True)
    )


def evaluate(indicator, **values):
    return parse(indicator.formula, known_names=known()).evaluate({k: D(str(v)) for k, v in values.items()})


def test_twenty_indicators_as_in_the_document(catalogue):
    assert len(catalogue) == 20
    bottom = sorted(i.number for i in catalogue.values() if i.kind == "bottom_line")
    assert bottom == [2, 3, 7, 11]
    assert [i.category for i in sorted(catalogue.values(), key=lambda i: i.number)].count("安全韧性") == 10
    assert catalogue["LEAKAGE"].method == "leakage" and catalogue["WATER_ENVIRONMENT"].method == "checklist"
    assert catalogue["INDUSTRY_WATER_INTENSITY"].lead_text == "区经济信息委"
    for indicator in catalogue.values():
        indicator.full_clean()


def test_national_references_2018_to_2023(catalogue):
    national = ReferenceValue.objects.filter(region__isnull=True)
    assert national.count() == 12
    assert national.get(code="NATIONAL_IND_WATER", year=2023).value == D("24.3")
    assert national.get(code="NATIONAL_GDP_WATER", year=2018).value == D("66.8")


def test_loading_twice_changes_nothing(catalogue):
    counts = [Indicator.objects.count(), DataElement.objects.count(), ReferenceValue.objects.count()]
    indicator_demo.load_catalogue()
    assert [Indicator.objects.count(), DataElement.objects.count(), ReferenceValue.objects.count()] == counts


def test_per_capita_domestic_use_in_litres_per_person_and_day(catalogue):
    # 1,200 万m³ a year for 100,000 households of 2.8 people:
    # 1.2e10 L ÷ (280,000 people × 365 days) = 117.4168… L/人·天 ≤ 140.
    indicator = catalogue["PER_CAPITA_DOMESTIC"]
    value = evaluate(indicator, RES_WATER=1200, HOUSEHOLDS=100000, PERSONS_PER_HOUSEHOLD="2.8", DAYS_YTD=365)
    assert round(value, 4) == D("117.4168")
    assert check(indicator.target, value=value, unit=indicator.unit).status == MET


def test_industry_intensity_met_through_its_year_on_year_branch(catalogue):
    # 2,000 万m³ for 1,000,000 万元 = 20 m³/万元; half of 24.3 is 12.15, not met; last year 21.5 →
    # a fall of 6.98 % ≥ 5 %: met.
    indicator = catalogue["INDUSTRY_WATER_INTENSITY"]
    value = evaluate(indicator, IND_NEW_WATER=2000, IND_ADDED_VALUE=1000000)
    assert value == D(20)
    national = {"NATIONAL_IND_WATER": ReferenceValue.objects.get(code="NATIONAL_IND_WATER", year=2023).value}
    outcome = check(indicator.target, value=value, previous=D("21.5"), references=national)
    assert outcome.status == MET and "下降6.98%" in outcome.explanation


def test_reclaimed_water_ratio(catalogue):
    # 380 of 1,900 万m³ treated = 20 % < 25 %; last year 17.5 % → growth 14.29 % ≥ 5 %: met.
    indicator = catalogue["RECLAIMED_WATER_RATIO"]
    value = evaluate(indicator, RECLAIMED_WATER=380, SEWAGE_TREATED=1900)
    assert value == D(20)
    outcome = check(indicator.target, value=value, previous=D("17.5"))
    assert outcome.explanation == "20低于下限25，未满足要求；较上年增长14.29%，满足年增长率不低于5%的要求。"
    assert check(indicator.target, value=value, previous=D("19.5")).status == NOT_MET


def test_carrier_unit_coverage_denominator(catalogue):
    # 120 ÷ (5,000 − 2,000 − 1,200) × 100 = 6.67 % < 15 %.
    indicator = catalogue["CARRIER_UNIT_COVERAGE"]
    value = evaluate(indicator, CARRIER_UNIT_WATER=120, CITY_NEW_WATER=5000, IND_NEW_WATER=2000, RES_WATER=1200)
    assert round(value, 2) == D("6.67")
    assert check(indicator.target, value=value, unit="%").status == NOT_MET


@pytest.mark.parametrize(
    ("formula", "message"),
    [("PERMEABLE_AREA / UNKNOWN_AREA", "UNKNOWN_AREA"), ("__import__('os').system('x')", "只能调用")],
)
def test_a_bad_formula_is_refused_on_save(catalogue, formula, message):
    indicator = catalogue["PERMEABLE_RATIO"]
    indicator.formula = formula
    with pytest.raises(ValidationError) as error:
        indicator.full_clean()
    assert message in error.value.message_dict["formula"][0]


@pytest.mark.parametrize(
    "rule",
    [{}, {"kind": "bound"}, {"kind": "bound", "op": "about", "value": "1"}, {"kind": "bound", "op": "le", "value": "x"},
     {"kind": "any", "rules": []}, {"kind": "change", "direction": "sideways", "at_least": "5"}],
)
def test_bad_rules_are_refused(rule):
    with pytest.raises(RuleError):
        validate_rule(rule)
