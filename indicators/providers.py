"""Data elements computed elsewhere rather than entered: another app registers a provider
for them (the carrier registry for the coverage figures), so the indicator engine needs no
knowledge of where they come from.

A provider is ``provide(region_ids, quarters) -> {quarter: {region id: {code: Provided}}}``
and must read in a fixed number of queries however many regions and quarters it is asked
about. It returns the
figure for the whole year as it stood at the quarter's end; the engine scales year-to-date
(cumulative) elements by the share of the year the quarter closes, exactly as it
annualises other year-to-date inputs.
"""

from dataclasses import dataclass, field
from decimal import Decimal

_PROVIDERS = {}  # element code -> provider


@dataclass(frozen=True)
class Provided:
    value: Decimal
    lineage: dict = field(default_factory=dict)  # what was counted, in JSON-ready form


def register(codes, provider):
    for code in codes:
        _PROVIDERS[code] = provider


def provided_for(region_ids, quarter, elements):
    """{region id: {code: (value, lineage)}} for the registry ``elements`` (DataElement
    rows), each provider asked once for all the regions."""
    return provided_for_quarters(region_ids, [quarter], elements)[quarter]


def provided_for_quarters(region_ids, quarters, elements):
    """{quarter: {region id: {code: (value, lineage)}}}, each provider asked once for all."""
    wanted = {e.code: e for e in elements if e.code in _PROVIDERS}
    results = {quarter: {region_id: {} for region_id in region_ids} for quarter in quarters}
    for provider in {_PROVIDERS[code] for code in wanted}:
        for quarter, regions in provider(region_ids, quarters).items():
            for region_id, figures in regions.items():
                results[quarter][region_id].update(figures)
    return {quarter: {region_id: _scaled(figures, wanted, quarter.share_of_year)
                      for region_id, figures in regions.items()}
            for quarter, regions in results.items()}


def _scaled(results, wanted, share):
    found = {}
    for code, element in wanted.items():
        if code not in results:
            continue
        item = results[code]
        value = item.value * share if element.cumulative else item.value
        lineage = {"value": str(value), "registry": True, "name": element.name, "unit": element.unit, **item.lineage}
        if element.cumulative:
            lineage.update({"annual": str(item.value), "share_of_year": str(share)})
        found[code] = (value, lineage)
    return found
