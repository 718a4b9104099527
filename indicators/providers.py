"""Data elements computed elsewhere rather than entered: another app registers a provider
for them (the carrier registry for the coverage figures), so the indicator engine needs no
knowledge of where they come from.

A provider is ``provide(region_ids, quarters) -> {quarter: {region id: {code: Provided}}}``
and must read in a fixed number of queries however many regions and quarters it is asked
about. It returns the
figure for the whole year as it stood at the quarter's end; the engine scales year-to-date
(cumulative) elements by the share of the year the quarter closes, exactly as it
annualises other year-to-date inputs.

A provider may also register a frame function for the vectorised engine,
``frame(region_ids, quarters) -> DataFrame`` of ``ANNUAL_SCHEMA``: one row per region,
quarter and code it gives, ``annual`` the figure as ``str()`` writes the ``Provided.value``
Decimal (its exponent is part of the lineage) and ``lineage`` the ``Provided.lineage`` dict as
orjson writes it (none of the engine's own keys: value, registry, name, unit, annual,
share_of_year). Without one, ``provided_frame`` builds the frame from ``provide``.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import orjson
import polars as pl

from core import frame_decimal

from .vector_numbers import NUMBER

_PROVIDERS = {}  # element code -> provider
FEW = 200  # region × quarters below which a provider's dicts are cheaper than its frame
_FRAMES = {}  # provider -> its frame function, for the providers that have one

KEYS = ["region_id", "year", "quarter", "code"]
# What a provider's frame function gives, and what provided_frame gives.
ANNUAL_SCHEMA = {"region_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64, "code": pl.String,
                 "annual": pl.String, "lineage": pl.String}
SCHEMA = {"region_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64, "code": pl.String,
          "value": NUMBER, "lineage": pl.String}


@dataclass(frozen=True)
class Provided:
    value: Decimal
    lineage: dict = field(default_factory=dict)  # what was counted, in JSON-ready form


def register(codes, provider, frame=None):
    for code in codes:
        _PROVIDERS[code] = provider
    if frame is not None:
        _FRAMES[provider] = frame


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


def provided_frame(region_ids, quarters, elements):
    """``provided_for_quarters`` as a long frame of ``SCHEMA``, sorted by region, year, quarter
    and code: ``value`` the value as a Decimal(38, 18), ``lineage`` the lineage dict as orjson
    writes it. Each provider is asked once, through its frame function if it has one."""
    wanted = {e.code: e for e in elements if e.code in _PROVIDERS}
    found = [pl.DataFrame(schema=SCHEMA)]
    # A frame function's fixed cost (15 ms) is ten times the dicts of one region (an
    # approval's recompute); from about 200 regions × quarters on, the frame is the cheaper.
    few = len(region_ids) * len(quarters) < FEW
    for provider in {_PROVIDERS[code] for code in wanted}:
        own = {code: element for code, element in wanted.items() if _PROVIDERS[code] is provider}
        if provider in _FRAMES and not few:
            found.append(_scaled_frame(_FRAMES[provider](region_ids, quarters), own, quarters))
        else:
            found.append(_rows_frame(provider(region_ids, quarters), own))
    return pl.concat(found).sort(KEYS)


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


def _rows_frame(provided, wanted):
    """The frame of a provider without a frame function, from its dicts, one row at a time."""
    rows = [(region_id, quarter.year, quarter.number, code, value, orjson.dumps(lineage).decode())
            for quarter, regions in provided.items() for region_id, figures in regions.items()
            for code, (value, lineage) in _scaled(figures, wanted, quarter.share_of_year).items()]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def _scaled_frame(annual, wanted, quarters):
    """``_scaled`` on a frame function's rows: the value of a cumulative element is the annual
    figure times the quarter's share of the year, multiplied as Python's Decimal does it
    (``core.frame_decimal``), and the lineage the same dict written by orjson."""
    elements = pl.DataFrame(
        [(code, orjson.dumps(e.name).decode(), orjson.dumps(e.unit).decode(), e.cumulative)
         for code, e in wanted.items()],
        schema={"code": pl.String, "name": pl.String, "unit": pl.String, "cumulative": pl.Boolean}, orient="row")
    shares = pl.DataFrame([(q.year, q.number, str(q.share_of_year)) for q in quarters],
                          schema={"year": pl.Int64, "quarter": pl.Int64, "share": pl.String}, orient="row")
    shares = shares.with_columns(*frame_decimal.parse("share", "share"))
    frame = (annual.join(elements, on="code").join(shares, on=["year", "quarter"])
             .with_columns(*frame_decimal.parse("annual", "annual")))
    if frame.select(pl.col("annual_coefficient").is_null().any()).item():
        raise ValueError("a provider's annual figure is not a number as str(Decimal) writes it")
    frame = frame_decimal.multiply(frame, "annual", "share", "scaled")
    cumulative = pl.col("cumulative")
    frame = frame.with_columns([
        pl.when(cumulative).then(pl.col(scaled)).otherwise(pl.col(annual)).alias(value)
        for scaled, annual, value in zip(*map(frame_decimal.columns, ("scaled", "annual", "value")), strict=True)])
    shown = pl.when(cumulative).then(frame_decimal.text("value")).otherwise(pl.col("annual"))
    # The provider's members after the engine's own, as {"value": …, **item.lineage} orders them.
    members = pl.col("lineage").str.slice(1, pl.col("lineage").str.len_chars() - 2)
    lineage = pl.concat_str([
        pl.lit('{"value":"'), shown, pl.lit('","registry":true,"name":'), pl.col("name"), pl.lit(',"unit":'),
        pl.col("unit"), pl.when(members == "").then(pl.lit("")).otherwise(pl.concat_str([pl.lit(","), members])),
        pl.when(cumulative).then(pl.concat_str([pl.lit(',"annual":"'), pl.col("annual"),
                                                pl.lit('","share_of_year":"'), pl.col("share"), pl.lit('"')]))
        .otherwise(pl.lit("")),
        pl.lit("}"),
    ])
    return frame.select(*KEYS, frame_decimal.number("value").alias("value"), lineage.alias("lineage")).cast(SCHEMA)
