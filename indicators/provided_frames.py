"""The figures of ``providers`` as one long frame, for the vectorised engine: from each
provider's frame function where it registered one, else from its dicts."""

import orjson
import polars as pl

from core import frame_decimal

from .providers import frame_function, providers_of, scaled
from .vector_numbers import NUMBER

FEW = 200  # region × quarters below which a provider's dicts are cheaper than its frame
KEYS = ["region_id", "year", "quarter", "code"]
# What a provider's frame function gives, and what provided_frame gives.
ANNUAL_SCHEMA = {"region_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64, "code": pl.String,
                 "annual": pl.String, "lineage": pl.String}
SCHEMA = {"region_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64, "code": pl.String,
          "value": NUMBER, "lineage": pl.String}


def provided_frame(region_ids, quarters, elements):
    """``provided_for_quarters`` as a long frame of ``SCHEMA``, sorted by region, year, quarter
    and code: ``value`` the value as a Decimal(38, 18), ``lineage`` the lineage dict as orjson
    writes it. Each provider is asked once, through its frame function if it has one."""
    found = [pl.DataFrame(schema=SCHEMA)]
    # A frame function's fixed cost (15 ms) is ten times the dicts of one region (an
    # approval's recompute); from about 200 regions × quarters on, the frame is the cheaper.
    few = len(region_ids) * len(quarters) < FEW
    for provider, own in providers_of(elements):
        function = None if few else frame_function(provider)
        if function is not None:
            found.append(_scaled_frame(function(region_ids, quarters), own, quarters))
        else:
            found.append(_rows_frame(provider(region_ids, quarters), own))
    return pl.concat(found).sort(KEYS)


def _rows_frame(provided, wanted):
    """The frame of a provider without a frame function, from its dicts, one row at a time."""
    rows = [(region_id, quarter.year, quarter.number, code, value, orjson.dumps(lineage).decode())
            for quarter, regions in provided.items() for region_id, figures in regions.items()
            for code, (value, lineage) in scaled(figures, wanted, quarter.share_of_year).items()]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def _scaled_frame(annual, wanted, quarters):
    """``providers.scaled`` on a frame function's rows: the value of a cumulative element is the annual
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
