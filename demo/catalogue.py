"""Demo catalogue: the data elements, national reference values and the 20 indicators of
黔江's 附件, matched on natural keys and written only where they differ, so loading twice
writes nothing."""

from django.core.exceptions import ValidationError

from indicators import services
from indicators.models import Adoption, DataElement, Indicator, IndicatorSet, ReferenceValue
from org.models import Region

from . import catalogue_data, dates, quarterly_statistics
from .store import put

QIANJIANG_QUOTA = {2022: "2950", 2023: "3000"}  # 万m³ — illustrative assigned quotas for the demo


def quota(year):
    """黔江's assigned total-use quota (万m³): as above, then tightened by 20 a year."""
    return QIANJIANG_QUOTA.get(year) or str(3000 - 20 * (year - 2023))


def load(*, password):
    indicator_set = load_catalogue()
    qianjiang = Region.objects.get(code="500114")
    put(Adoption, {"region": qianjiang, "indicator_set": indicator_set},
        {"since_year": quarterly_statistics.FIRST_YEAR})
    quarters = quarterly_statistics.load(qianjiang, indicator_set)
    written = services.recompute(
        regions=[qianjiang], quarters=dates.quarters_from(quarterly_statistics.FIRST_YEAR), indicator_set=indicator_set,
        publish=False,  # the scorecards part computes every quarter's scores at the end
    )
    return (
        f"{len(catalogue_data.DATA_ELEMENTS)} data elements, {len(catalogue_data.INDICATORS)} indicators, "
        f"{quarters} quarters of 黔江 statistics, {written} computed values"
    )


def load_catalogue():
    """The data elements, reference values and the indicator set; returns the set."""
    for code, name, unit, cumulative in catalogue_data.DATA_ELEMENTS:
        low, high = catalogue_data.RANGES.get(code, ("0", None))
        put(DataElement, {"code": code}, {
            "name": name, "unit": unit, "cumulative": cumulative, "min_value": low, "max_value": high,
            "source": "registry" if code in catalogue_data.REGISTRY else "entered",
        })
    for part, whole in catalogue_data.NOT_ABOVE.items():
        put(DataElement, {"code": part}, {"not_above": DataElement.objects.get(code=whole)})
    for code, name, unit, values in catalogue_data.REFERENCES:
        for year, value in values.items():
            put(ReferenceValue, {"code": code, "region": None, "year": year},
                {"name": name, "unit": unit, "value": value, "source": catalogue_data.NATIONAL_SOURCE})
    qianjiang = Region.objects.get(code="500114")
    code, name, unit = catalogue_data.WATER_QUOTA
    for year in dates.years_from(quarterly_statistics.FIRST_YEAR):
        put(ReferenceValue, {"code": code, "region": qianjiang, "year": year},
            {"name": name, "unit": unit, "value": quota(year), "source": "演示数据"})
    spec = catalogue_data.INDICATOR_SET
    indicator_set, _ = put(IndicatorSet, {"code": spec["code"], "version": spec["version"]},
                           {"name": spec["name"], "source": spec["source"], "guiding_share": spec["guiding_share"]})
    for row in catalogue_data.INDICATORS:
        number, code, name, category, kind, unit, method, formula, target, requirement, lead, responsible = row
        indicator, _ = put(Indicator, {"indicator_set": indicator_set, "code": code}, {
            "number": number, "name": name, "category": category, "kind": kind, "unit": unit, "method": method,
            "formula": formula, "target": target, "target_text": requirement, "lead_text": lead,
            "responsible_text": responsible, "definition": catalogue_data.DEFINITIONS[number],
            "checklist": catalogue_data.CHECKLISTS.get(code, []),
            "annual": code in catalogue_data.ANNUAL,
        })
        try:
            indicator.full_clean()
        except ValidationError as error:
            raise ValueError(f"indicator {number} {name}: {error.messages}") from None
    return indicator_set
