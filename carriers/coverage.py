"""The coverage figures of the indicator engine, computed from the registry: as dicts for the
Python engine and the pages (``provide``); ``coverage_frames.provide_frame`` gives the same
figures with the same lineage as a long frame for the vectorised engine."""

from indicators.providers import Provided

from .selectors import COVERAGE, coverage_figures


def provide(region_ids, quarters):
    return {
        quarter: {region_id: {code: Provided(value, lineage) for code, (value, lineage) in figures.items()}
                  for region_id, figures in regions.items()}
        for quarter, regions in coverage_figures(region_ids, quarters).items()
    }


CODES = tuple(COVERAGE)
