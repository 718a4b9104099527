"""Demo part: the county-level standard (水利部《节水型社会评价标准（试行）》) loaded the way an
administrator loads one — its workbook, built from ``county_standard_data``, through the
standard import service — adopted by 武隆 (since its 2019 工作方案) and 黔江 (beside the
city list, since 2022), with the figures that let both be judged under it
(``county_statistics``) and their values computed. Loading twice writes nothing."""

from decimal import Decimal

from django.core.exceptions import ValidationError

from indicators import services
from indicators import standard_workbook as workbook
from indicators.models import Adoption, DataElement
from indicators.services.standards import standard_commit, standard_prepare
from org.models import Region

from . import county_standard_data, county_statistics, dates

ADOPTED = {county_statistics.WULONG: 2019, county_statistics.QIANJIANG: 2022}


def load(*, password):
    indicator_set = load_standard()
    regions = []
    for code, since in ADOPTED.items():
        region = Region.objects.get(code=code)
        adoption = Adoption.objects.filter(region=region, indicator_set=indicator_set).first()
        if adoption is None or adoption.since_year != since:
            Adoption.objects.update_or_create(region=region, indicator_set=indicator_set,
                                              defaults={"since_year": since})
        regions.append(region)
    written = county_statistics.load(indicator_set)
    computed = 0
    for region in regions:
        # publish=False: the scorecards part computes every quarter's scores at the end, and a
        # second load must queue no job.
        computed += services.recompute(regions=[region], quarters=dates.quarters_from(ADOPTED[region.code]),
                                       indicator_set=indicator_set, publish=False)
    shown = "、".join(f"{count} {kind}" for kind, count in sorted(written.items())) or "no new figures"
    return (f"{indicator_set.name}（{indicator_set.version}）: {indicator_set.indicators.count()} items, "
            f"adopted by 武隆 and 黔江; {shown}; {computed} computed values")


def load_standard():
    """The standard through the import service: read back from its own workbook, checked,
    and committed only when it differs from what is stored. Returns the IndicatorSet."""
    parsed = workbook.read(workbook.build(county_standard_data.spec()))
    preview = standard_prepare(parsed=parsed)
    if not preview.ok:
        raise ValueError("县域节水型社会评价标准: " + "；".join(preview.errors))
    if preview.existing is not None and not preview.changes_anything:
        indicator_set = preview.existing
    else:
        indicator_set = standard_commit(parsed=parsed, user=None, confirm_warnings=True).indicator_set
    _element_details()
    return indicator_set


def _element_details():
    """What the workbook does not carry: plausible ranges and parts of wholes."""
    elements = {e.code: e for e in DataElement.objects.filter(code__in=[e["code"] for e in
                                                                       county_standard_data.ELEMENTS])}
    for code, element in elements.items():
        low, high = county_standard_data.RANGES.get(code, ("0", None))
        whole = county_standard_data.NOT_ABOVE.get(code)
        whole_id = DataElement.objects.filter(code=whole).values_list("pk", flat=True).first() if whole else None
        wanted = {"min_value": None if low is None else Decimal(low),
                  "max_value": None if high is None else Decimal(high), "not_above_id": whole_id}
        if any(getattr(element, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(element, name, value)
            try:
                element.full_clean()
            except ValidationError as error:
                raise ValueError(f"data element {code}: {error.messages}") from None
            element.save()

