"""Data elements computed elsewhere rather than entered: another app registers a provider
for them (the carrier registry for the coverage figures), so the indicator engine needs no
knowledge of where they come from.

A provider is ``provide(region_ids, quarters) -> {quarter: {region id: {code: Provided}}}``
and must read in a fixed number of queries however many regions and quarters it is asked
about. It returns the
figure for the whole year as it stood at the quarter's end; the engine scales year-to-date
(cumulative) elements by the share of the year the quarter closes, exactly as it
annualises other year-to-date inputs.

A provider may also register a frame function for the vectorised engine (by its dotted path),
``frame(region_ids, quarters) -> DataFrame`` of ``provided_frames.ANNUAL_SCHEMA``: one row per region,
quarter and code it gives, ``annual`` the figure as ``str()`` writes the ``Provided.value``
Decimal (its exponent is part of the lineage) and ``lineage`` the ``Provided.lineage`` dict as
orjson writes it (none of the engine's own keys: value, registry, name, unit, annual,
share_of_year). Without one, ``provided_frames.provided_frame`` builds the frame from
``provide``.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.module_loading import import_string

_PROVIDERS = {}  # element code -> provider
# provider -> the dotted path of its frame function (``provided_frames``), for those that have
# one: imported when first asked, so that Django starts without Polars.
_FRAMES = {}


@dataclass(frozen=True)
class Provided:
    value: Decimal
    lineage: dict = field(default_factory=dict)  # what was counted, in JSON-ready form


def register(codes, provider, frame=None):
    """``provider`` gives the elements ``codes``; ``frame``: the dotted path of its frame function."""
    for code in codes:
        _PROVIDERS[code] = provider
    if frame is not None:
        _FRAMES[provider] = frame


def providers_of(elements):
    """[(provider, {code: element} it gives)] of the registry ``elements`` that have one."""
    wanted = {e.code: e for e in elements if e.code in _PROVIDERS}
    return [(provider, {code: element for code, element in wanted.items() if _PROVIDERS[code] is provider})
            for provider in {_PROVIDERS[code] for code in wanted}]


def frame_function(provider):
    """``provider``'s frame function, imported, or None."""
    return import_string(_FRAMES[provider]) if provider in _FRAMES else None


def provided_for(region_ids, quarter, elements):
    """{region id: {code: (value, lineage)}} for the registry ``elements`` (DataElement
    rows), each provider asked once for all the regions."""
    return provided_for_quarters(region_ids, [quarter], elements)[quarter]


def provided_for_quarters(region_ids, quarters, elements):
    """{quarter: {region id: {code: (value, lineage)}}}, each provider asked once for all."""
    wanted = {code: element for _provider, own in providers_of(elements) for code, element in own.items()}
    results = {quarter: {region_id: {} for region_id in region_ids} for quarter in quarters}
    for provider, _own in providers_of(elements):
        for quarter, regions in provider(region_ids, quarters).items():
            for region_id, figures in regions.items():
                results[quarter][region_id].update(figures)
    return {quarter: {region_id: scaled(figures, wanted, quarter.share_of_year)
                      for region_id, figures in regions.items()}
            for quarter, regions in results.items()}


def scaled(results, wanted, share):
    """{code: (value, lineage)} of a provider's ``results`` for one region and quarter, a
    year-to-date (cumulative) element's annual figure scaled by ``share`` of the year."""
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
