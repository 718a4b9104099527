"""Every table a recompute of the demo reads, on the paths for few regions and on the frame
paths for many, is one the fingerprints of ``reports.recompute_inputs`` are made of (or a
result it writes): a new input left out of them would leave results stale for good."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from carriers import target_frames  # noqa: F401 (the frame path's module, loaded as the recompute loads it)
from core.periods import Quarter
from indicators import provided_frames
from indicators.models import ComputedValue
from reports import recompute_inputs, services, vector_scorecards
from reports.models import RecomputedInputs

RESULTS = {"indicators_computedvalue", "reports_scorecard", "reports_regionverdict", "reports_recomputedinputs"}
READ = re.compile(r'\b(?:FROM|JOIN)\s+"(\w+)"')


def tables_read(queries):
    return {table for query in queries if query["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
            for table in READ.findall(query["sql"])}


def fingerprinted_tables():
    tables = set()
    for source in recompute_inputs.SOURCES:
        tables.add(source.model._meta.db_table)
        for path in source.also:  # the related rows a source's columns come from
            model = source.model
            for step in path.split("__")[:-1]:
                model = model._meta.get_field(step).related_model
                tables.add(model._meta.db_table)
    return tables


def test_every_table_the_recompute_reads_is_fingerprinted(demo_of_today, db, monkeypatch):
    quarters = sorted({Quarter(year, number) for year, number in ComputedValue.objects.values_list("year", "quarter")})
    read = set()
    for few, few_targets in ((provided_frames.FEW, vector_scorecards.FEW_TARGETS), (0, 0)):
        monkeypatch.setattr(provided_frames, "FEW", few)
        monkeypatch.setattr(vector_scorecards, "FEW_TARGETS", few_targets)
        with CaptureQueriesContext(connection) as queries:
            services.recompute_all(quarters=quarters, force=True)
        read |= tables_read(queries.captured_queries)
    assert len(read) > 20  # the engines' reads were seen
    assert read - fingerprinted_tables() - RESULTS == set()


def test_the_demo_recomputed_again_computes_nothing(demo_of_today, db):
    quarters = sorted({Quarter(year, number) for year, number in ComputedValue.objects.values_list("year", "quarter")})
    services.recompute_all(quarters=quarters, force=True)
    assert RecomputedInputs.objects.count() >= 2 * len(quarters)  # both districts' quarters
    with CaptureQueriesContext(connection) as queries:
        assert services.recompute_all(quarters=quarters) == (0, 0)
    assert not any("indicators_datavalue" in query["sql"] and "fingerprint_region" not in query["sql"]
                   for query in queries.captured_queries)  # no input read but to fingerprint it
