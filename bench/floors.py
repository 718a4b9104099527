"""The floors of a national recompute: what PostgreSQL alone takes to hand out every input
column the recompute reads and to take in every row it writes, measured in the same run as
the recompute so that its figures can be held against them (issue 25).

- ``read_floor()``: ``COPY (SELECT …) TO STDOUT`` of the columns the recompute uses, each
  source read once for the whole country (the recompute reads them in batches of regions and
  quarters; a floor does not pay for that). The columns are those the computation uses, not
  every column the ORM happens to select with a ``select_related``.
- ``write_floor()``: ``COPY … FROM STDIN`` of the rows the recompute wrote, taken from the
  stored result tables (copied out to memory first, untimed) into scratch tables made
  ``LIKE`` the result tables with their indexes, in a schema of their own dropped after.
- ``written_sizes()``: what the written rows weigh, and the average length of the lineage
  and scorecard components JSON, which make up most of it.

Both floors need the result tables filled: measure them after a recompute.
"""

import io
import time
from dataclasses import dataclass

from django.db import connection

# Every input of ``reports.services.recompute_all``, by where it is read in the code (counted
# reports are DataReport.COUNTED_STATES). Kept in step with indicators/services/compute.py,
# indicators/selectors.py (duties), reports/scoring.py, carriers/selectors.py
# (targets_progress, coverage_figures) and org's department resolver.
READS = {
    # indicators.services.compute._inputs: entered figures of counted reports
    "data values": """
        SELECT v.region_id, v.year, v.quarter, e.code, v.value, v.id, v.report_id, r.state, v.source_sha256
        FROM indicators_datavalue v JOIN indicators_dataelement e ON e.id = v.element_id
        JOIN indicators_datareport r ON r.id = v.report_id
        WHERE r.state IN ('submitted', 'approved') AND e.source = 'entered'""",
    # _utilities: the leakage inputs
    "utility figures": """
        SELECT u.region_id, u.year, u.quarter, u.utility, u.supply, u.registered, u.resident_metered, u.pipe_km,
               u.pressure, u.frost_depth, u.id, u.report_id, r.state, u.source_sha256
        FROM indicators_utilityfigures u JOIN indicators_datareport r ON r.id = u.report_id
        WHERE r.state IN ('submitted', 'approved')""",
    # _answers: checklist answers of counted reports, with their evidence count
    "checklist answers": """
        SELECT r.region_id, r.year, r.quarter, a.id, a.indicator_id, a.item, a.answer,
               (SELECT count(*) FROM indicators_checklistevidence x WHERE x.answer_id = a.id)
        FROM indicators_checklistanswer a JOIN indicators_datareport r ON r.id = a.report_id
        WHERE r.state IN ('submitted', 'approved')""",
    # _judgements: the experts' points of judged items
    "judgements": """
        SELECT j.region_id, j.indicator_id, j.year, j.quarter, j.id, j.points, j.reason, u.username, j.judged_at
        FROM indicators_judgement j LEFT JOIN org_user u ON u.id = j.judged_by_id""",
    # _references and _common.national
    "reference values": """
        SELECT id, code, region_id, year, value, source, published_on FROM indicators_referencevalue""",
    # the catalogue: _common, duties_for_regions, Batch.indicators
    "catalogue": """
        SELECT i.id, i.indicator_set_id, i.number, i.code, i.name, i.kind, i.unit, i.method, i.formula,
               i.formula_version, i.checklist, i.target, i.points, i.scoring, i.annual, i.lead_text,
               s.guiding_share, s.min_guiding, s.min_points
        FROM indicators_indicator i JOIN indicators_indicatorset s ON s.id = i.indicator_set_id""",
    "data elements": "SELECT id, code, name, unit, cumulative, source FROM indicators_dataelement",
    "adoptions": "SELECT region_id, indicator_set_id FROM indicators_adoption",
    # carriers.selectors._coverage: carriers (the built ones are filtered per quarter's day) and
    # their users' yearly figures, for the registry-fed data elements
    "carriers (coverage)": """
        SELECT c.id, c.region_id, c.carrier_type, c.user_id, w.name, c.level, c.accepted_on, c.status, c.ended_on,
               k.name
        FROM carriers_carrier c JOIN carriers_carrierkind k ON k.code = c.carrier_type
        JOIN carriers_wateruser w ON w.id = c.user_id""",
    "user years": "SELECT user_id, year, households, total_use, reused_water FROM carriers_useryear",
    # carriers.selectors.targets_progress: targets, accepted carriers and the users they count against
    "carrier targets": """
        SELECT id, region_id, year, carrier_type, min_count, min_rate, rate_base, due_on, department_id,
               new_in_year FROM carriers_carriertarget""",
    "carriers (targets)": """
        SELECT region_id, carrier_type, accepted_on, status, ended_on, user_id, entity_name
        FROM carriers_carrier WHERE accepted_on IS NOT NULL""",
    "carrier kinds": 'SELECT code, name, user_kinds, counts_toward_rate, "order" FROM carriers_carrierkind',
    "water users by kind": "SELECT region_id, kind, count(*) FROM carriers_wateruser GROUP BY 1, 2",
    # who answers for each indicator (indicators.selectors.duties_for_regions via org's resolver)
    "departments": "SELECT id, region_id, name, short_name, kind FROM org_department WHERE is_active",
    "department aliases": """
        SELECT a.region_id, a.department_id, a.name FROM org_departmentalias a
        JOIN org_department d ON d.id = a.department_id WHERE d.is_active""",
    "department groups": """
        SELECT g.id, g.region_id, g.name, g.kinds, g.aliases, m.department_id
        FROM org_departmentgroup g LEFT JOIN org_departmentgroup_members m ON m.departmentgroup_id = g.id""",
    # reports.services / reports.scoring: plans, weights, work items and their assignments
    "plans and weights": """
        SELECT p.id, p.region_id, p.start_year, p.end_year, p.report_window_days, p.report_due_offset_days,
               w.completeness, w.on_time, w.progress, w.indicators, w.carriers, w.returns, w.cooperation,
               w.green_from, w.amber_from
        FROM tasks_plan p LEFT JOIN reports_scoreweights w ON w.plan_id = p.id""",
    "work items": "SELECT id, plan_id, due_on, position, archived_at FROM tasks_tasknode WHERE level = 3",
    "assignments": """
        SELECT a.node_id, a.department_id, a.role FROM tasks_assignment a
        JOIN tasks_tasknode n ON n.id = a.node_id WHERE n.level = 3""",
    "progress entries": """
        SELECT year, quarter, id, item_id, department_id, state, status, percent, submitted_at
        FROM tasks_progressreport""",
    "contributions": "SELECT year, quarter, item_id, department_id FROM tasks_contribution",
    # PlanFacts.returned: entries returned at some time of the quarter
    "returned entries": """
        SELECT h.id, h.year, h.quarter, n.plan_id FROM tasks_historicalprogressreport h
        JOIN tasks_tasknode n ON n.id = h.item_id WHERE h.state = 'returned'""",
    # Batch.values: the computed values as the scorecards and verdicts read them, and the keys
    # of the stored scorecards and verdicts (to delete those no longer due)
    "computed values (scored)": """
        SELECT id, region_id, indicator_id, year, quarter, status, points, digest FROM indicators_computedvalue""",
    # with the digests the recompute compares its rows with
    "scorecard keys": "SELECT id, plan_id, department_id, year, quarter, digest FROM reports_scorecard",
    "verdict keys": "SELECT id, region_id, indicator_set_id, year, quarter, digest FROM reports_regionverdict",
}

# The rows the recompute writes: each result table with the columns it writes (not its id).
WRITES = {
    "indicators_computedvalue": (
        "region_id",
        "indicator_id",
        "year",
        "quarter",
        "value",
        "status",
        "explanation",
        "points",
        "award",
        "trace",
        "digest",
    ),
    "reports_scorecard": (
        "plan_id",
        "department_id",
        "year",
        "quarter",
        "composite",
        "band",
        "parts",
        "running",
        "leads",
        "digest",
        "computed_at",
    ),
    "reports_regionverdict": (
        "region_id",
        "indicator_set_id",
        "year",
        "quarter",
        "verdict",
        "reason",
        "figures",
        "points",
        "digest",
        "computed_at",
    ),
}
SCRATCH = "bench_floors"  # the schema of the write floor's scratch tables, dropped after


@dataclass
class Moved:
    """What one COPY moved: seconds, rows, bytes of COPY text."""

    seconds: float
    rows: int
    bytes: int


class _Sink(io.RawIOBase):
    """A file that counts what COPY writes to it and keeps nothing: the read floor is
    PostgreSQL handing the rows out, not Python storing them."""

    def __init__(self):
        self.bytes = self.rows = 0

    def writable(self):
        return True

    def write(self, data):
        self.bytes += len(data)
        self.rows += data.count(b"\n")
        return len(data)


def _copy_out(sql, target):
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY ({sql}) TO STDOUT", target)


def read_floor():
    """{source: Moved} of every input, each read once with COPY TO STDOUT."""
    found = {}
    for name, sql in READS.items():
        sink = _Sink()
        started = time.perf_counter()
        _copy_out(sql, sink)
        found[name] = Moved(time.perf_counter() - started, sink.rows, sink.bytes)
    return found


def write_floor(*, indexes=True):
    """{result table: Moved} of COPY FROM STDIN of the stored results into scratch tables
    like the result tables, with their indexes unless ``indexes`` is false (the real writes
    maintain them). Only the COPY in is timed; each runs in its own transaction, committed,
    as a write is."""
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SCRATCH}")
    try:
        for table, columns in WRITES.items():
            listed = ", ".join(columns)
            text = io.BytesIO()
            _copy_out(f"SELECT {listed} FROM {table}", text)  # noqa: S608 — names from WRITES
            size, rows = text.tell(), text.getvalue().count(b"\n")
            text.seek(0)
            with connection.cursor() as cursor:
                like = "INCLUDING ALL" if indexes else "INCLUDING DEFAULTS INCLUDING IDENTITY"
                cursor.execute(f"CREATE TABLE {SCRATCH}.{table} (LIKE public.{table} {like})")
                started = time.perf_counter()
                cursor.cursor.copy_expert(f"COPY {SCRATCH}.{table} ({listed}) FROM STDIN", text)
                found[table] = Moved(time.perf_counter() - started, rows, size)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")
    return found


def written_sizes():
    """{label: average characters} of the JSON that makes up most of what is written."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT avg(length(trace::text)) FROM indicators_computedvalue), "
            "(SELECT avg(length(parts::text)) FROM reports_scorecard), "
            "(SELECT avg(length(figures::text)) FROM reports_regionverdict)"
        )
        lineage, components, figures = cursor.fetchone()
    return {"lineage": lineage or 0, "scorecard parts": components or 0, "verdict figures": figures or 0}


def total(moved):
    return Moved(
        sum(m.seconds for m in moved.values()),
        sum(m.rows for m in moved.values()),
        sum(m.bytes for m in moved.values()),
    )


def megabytes(size):
    return f"{size / 1e6:,.1f} MB"
