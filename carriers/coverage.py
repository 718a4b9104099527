"""The coverage figures of the indicator engine, computed from the registry."""

from indicators.providers import Provided

from .selectors import COVERAGE, coverage_figures


def provide(region, quarter):
    return {code: Provided(value, lineage) for code, (value, lineage) in coverage_figures(region, quarter).items()}


CODES = tuple(COVERAGE)
