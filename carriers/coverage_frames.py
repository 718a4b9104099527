"""The coverage figures as a long frame for the vectorised engine (registered as the frame
function of ``coverage.provide``): the same figures with the same lineage, from frames,
joins and group-bys. Its own module: Django starts without Polars."""

import polars as pl
from django.conf import settings
from django.utils import translation

from core import frame_decimal, frames
from indicators.provided_frames import ANNUAL_SCHEMA

from .models import Carrier, UserYear
from .selectors import COVERAGE, coverage_carriers

KEYS = ["region_id", "year", "quarter", "code"]
# The carriers as selectors._Built reads them, in that order.
_CARRIERS = {"pk": pl.Int64, "region_id": pl.Int64, "carrier_type": pl.String, "user_id": pl.Int64,
             "user__name": pl.String, "level": pl.String, "accepted_on": pl.Date, "carrier_type__name": pl.String,
             "status": pl.String, "ended_on": pl.Date}
_FIGURES = {"user_id": pl.Int64, "figure_year": pl.Int64, "households": pl.Int64,
            "total_use": pl.Decimal(16, 2), "reused_water": pl.Decimal(16, 2)}
_MEASURES = pl.DataFrame([(code, str(carrier_type), measure) for code, (types, measure) in COVERAGE.items()
                          for carrier_type in types], schema=["code", "carrier_type", "measure"], orient="row")
_BUILT = [str(status) for status in Carrier.BUILT]
_ENDED = [str(status) for status in Carrier.ENDED]


def provide_frame(region_ids, quarters):
    """``provide`` as a frame of ``ANNUAL_SCHEMA``: per region, quarter and coverage code, the
    annual figure as ``str()`` writes the Decimal ``coverage_figures`` gives, and its lineage as
    orjson writes it. The same two reads (as frames), then joins and group-bys for the loops
    of ``selectors._coverage``."""
    with translation.override(settings.LANGUAGE_CODE):  # the lineage's labels, as coverage_figures
        levels = {key: str(label) for key, label in Carrier._meta.get_field("level").flatchoices}
    if not quarters or not region_ids:
        return pl.DataFrame(schema=ANNUAL_SCHEMA)
    carriers_query = coverage_carriers(region_ids, quarters)
    # The database's order (user names in its collation) numbered: “first carrier of a user”.
    carriers = frames.frame(carriers_query.values_list(*_CARRIERS), _CARRIERS).with_row_index("order")
    years = UserYear.objects.filter(user__in=carriers_query.values("user_id"),
                                    year__lte=max(q.year for q in quarters)).order_by()
    figures = frames.frame(years.values_list("user_id", "year", "households", "total_use", "reused_water"),
                           _FIGURES)
    days = pl.DataFrame({"year": [q.year for q in quarters], "quarter": [q.number for q in quarters],
                         "as_of": [q.last_day for q in quarters]},
                        schema={"year": pl.Int64, "quarter": pl.Int64, "as_of": pl.Date})
    counted = _counted(carriers, _latest(figures, days), days, levels)
    # Items in the order counted: a group keeps its rows' order (and a list joins faster than str.join).
    totals = counted.sort("order").group_by(KEYS).agg(
        pl.col("item").alias("items"),
        pl.col("figure_units").sum().alias("units"),
        pl.col("unit_exponent").first(),
        # Decimal(0) + each figure (``amount or 0``): a zero figure leaves the exponent alone.
        pl.col("figure_exponent").filter(pl.col("figure_units") != 0).min().alias("exponent"),
    )
    # Every region, quarter and code has its figure, 0 and nothing counted without carriers.
    grid = (pl.DataFrame({"region_id": list(region_ids)}, schema={"region_id": pl.Int64})
            .join(days, how="cross").join(pl.DataFrame({"code": list(COVERAGE)}), how="cross"))
    annual = grid.join(totals, on=KEYS, how="left").with_columns(
        pl.col("units").fill_null(0), pl.col("unit_exponent").fill_null(0),
        pl.col("items").list.join(",").fill_null(""),
        pl.min_horizontal(pl.col("exponent").fill_null(0), pl.lit(0)).alias("exponent"))
    coefficient = pl.col("units") // frame_decimal.power_of_ten(pl.col("exponent") - pl.col("unit_exponent"))
    annual = annual.with_columns(pl.lit(False).alias("annual_negative"), coefficient.alias("annual_coefficient"),
                                 pl.col("exponent").alias("annual_exponent"))
    return annual.select(
        *KEYS, frame_decimal.text("annual").alias("annual"),
        pl.concat_str([pl.lit('{"counted":['), pl.col("items"), pl.lit('],"as_of":"'),
                       pl.col("as_of").cast(pl.String), pl.lit('"}')]).alias("lineage"),
    ).sort(KEYS)


def built_on(day):
    """``Carrier.built_on(day)`` on carrier rows: accepted by the day, and then built unless
    ended (failed re-check, revoked), in which case only before the day it ended."""
    accepted = pl.col("accepted_on").is_not_null() & (pl.col("accepted_on") <= day)
    ended_later = pl.col("ended_on").is_not_null() & (pl.col("ended_on") > day)
    still = pl.when(pl.col("status").is_in(_ENDED)).then(ended_later).otherwise(pl.col("status").is_in(_BUILT))
    return (accepted & still).fill_null(False)


def _latest(figures, days):
    """Each user's latest figures up to each quarter's year, keyed by (user_id, year)."""
    years = days.select("year").unique()
    return (figures.join(years, how="cross").filter(pl.col("figure_year") <= pl.col("year"))
            .sort("figure_year").group_by("user_id", "year").last())


def _counted(carriers, latest, days, levels):
    """The carriers counted for each region, quarter and code (a user once, with the first of
    its carriers of the code's types built at the quarter's end), each with its figure as a
    number (``figure_*``, see ``core.frame_decimal``) and its lineage item as JSON."""
    built = (carriers.join(days, how="cross").filter(built_on(pl.col("as_of")))
             .join(_MEASURES, on="carrier_type")
             .sort("order")
             .unique(["region_id", "year", "quarter", "code", "user_id"], keep="first", maintain_order=True)
             .join(latest, on=["user_id", "year"], how="left"))
    # selectors._measure: new water (m³, two places) ÷ 10,000 in 万m³, which Python divides
    # exactly, keeping trailing zeros down to the division's ideal exponent −2; households as
    # they are. Units: the figure in millionths of 万m³ (cents of a m³) or in households.
    water = pl.col("measure") == "new_water"
    cents = (pl.col("total_use") - pl.col("reused_water")).cast(pl.Decimal(38, 2)).to_physical()
    units = pl.when(water).then(cents).otherwise(pl.col("households").cast(pl.Int128))
    trailing = pl.sum_horizontal([(pl.col("figure_units") % 10**places == 0).cast(pl.Int64) for places in range(1, 5)])
    built = built.with_columns(units.alias("figure_units"), pl.when(water).then(-6).otherwise(0).alias("unit_exponent"))
    built = built.with_columns(pl.when(water).then(-6 + trailing).otherwise(0).alias("figure_exponent"))
    built = built.with_columns(
        pl.lit(False).alias("figure_negative"),
        (pl.col("figure_units") // frame_decimal.power_of_ten(pl.col("figure_exponent") - pl.col("unit_exponent")))
        .alias("figure_coefficient"))
    item = pl.struct(
        carrier=pl.col("pk"), user=pl.col("user_id"), name=pl.col("user__name"), type=pl.col("carrier_type__name"),
        level=pl.col("level").replace_strict(levels, return_dtype=pl.String),
        accepted_on=pl.col("accepted_on").cast(pl.String), figure=frame_decimal.text("figure"),
        figure_year=pl.col("figure_year"),
    )
    return built.with_columns(item.struct.json_encode().alias("item"))
