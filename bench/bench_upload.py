"""统计数据批量导入 at national scale: one quarter's statistics of every generated county in one
file, parsed, checked and committed through the real service, against a raw openpyxl
read-only parse of the same file in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jieshui_bench .venv/bin/python bench/bench_upload.py
    .venv/bin/python bench/bench_upload.py --reader-only 80000   # the reader figures alone, no database

The reader figures: the read step of each upload kind (``upload_files``) against a raw
python-calamine parse of the same file (bar ≤ 1.5×), with the old openpyxl read-only parse
of the bulk file beside them, and the peak memory of reading (and, with the scale data,
checking) the bulk file, measured as the growth of ru_maxrss in a fresh process (calamine's
memory is not Python's, so tracemalloc would not see it).

Needs the data of ``manage.py generate_scale_data``. The file is for the quarter after the
generated ones, so no report is submitted or approved yet and every figure is new. What
the import wrote (that quarter's reports and figures of those counties, and their history)
is deleted at the end, in bulk, so the benchmark can run again.

The recompute the commit enqueues is not run: the job's ``apply_async`` is replaced by a
recorder while the commit is timed, so the figure is parse + check + write + COMMIT only
(with ``REDIS_URL`` unset Celery is eager and would otherwise recompute inline).
"""

import argparse
import cProfile
import io
import pstats
import random
import subprocess
import sys
import tempfile
from decimal import Decimal
from functools import partial
from unittest import mock

from common import ROOT, figure, heading, require_scale_data, setup, timed

setup()

import openpyxl  # noqa: E402
import python_calamine  # noqa: E402
import upload_files  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from core import jobs  # noqa: E402
from core.models import StaleMark  # noqa: E402
from core.periods import Quarter  # noqa: E402
from indicators import bulk_workbook, selectors  # noqa: E402
from indicators.models import DataElement, DataReport, DataValue  # noqa: E402
from indicators.services import bulk_statistics_commit  # noqa: E402
from indicators.services.bulk_statistics import CHANGE_REASON  # noqa: E402
from org.models import User  # noqa: E402

BAR = 2  # read + check + commit may take at most twice the floor: a raw parse plus a COPY of its rows
READ_BAR = 1.5  # a read step may take at most 1.5 times a raw calamine parse of the same file


def bench_user():
    user, _created = User.objects.get_or_create(
        username="bench_bulk_admin", defaults={"role": User.Role.ADMIN, "display_name": "批量导入基准测试"}
    )
    return user


def import_quarter(counties):
    """The quarter after the latest generated one; an earlier run's leftovers are removed first."""
    while True:
        latest = DataReport.objects.filter(region__in=counties).aggregate(year=Max("year"))["year"]
        number = DataReport.objects.filter(region__in=counties, year=latest).aggregate(q=Max("quarter"))["q"]
        quarter = Quarter(latest, number)
        if not DataValue.history.filter(year=latest, quarter=number, history_change_reason=CHANGE_REASON).exists():
            return quarter.next()
        print(f"removing what an earlier run imported into {quarter}")
        delete_import(counties, quarter)


def synthetic_rows(counties, quarter, seed=2026):
    """The template of ``quarter`` for the generated counties, every value filled in within
    the element's plausible range (so that there is no warning to confirm)."""
    codes = set(counties.values_list("code", flat=True))
    ranges = {e.code: (e.min_value or 0, e.max_value or 90_000) for e in DataElement.objects.all()}
    rng = random.Random(seed)
    rows = [row for row in selectors.bulk_template_rows(quarter) if row.region_code in codes]
    return [row._replace(value=_between(rng, *ranges[row.element_code])) for row in rows]


def _between(rng, low, high):
    return (Decimal(low) + (Decimal(high) - Decimal(low)) * Decimal(rng.randint(0, 10_000)) / 10_000).quantize(
        Decimal("0.01")
    )


def raw_parse(data):
    """The baseline: openpyxl's read-only load and every value of every row."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    filled = sum(1 for row in workbook.worksheets[0].iter_rows(values_only=True) for value in row if value is not None)
    workbook.close()
    return filled


def calamine_parse(data):
    """The reader's floor: python-calamine's parse of every sheet of the file, every value."""
    with python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
        return sum(len(workbook.get_sheet_by_name(name).to_python()) for name in workbook.sheet_names)


SCRATCH_COLUMNS = "number integer, region_code text, region_name text, element_code text, element_name text, " \
    "value numeric, comment text"


def copy_scratch(rows):
    """The write floor: PostgreSQL taking in the file's rows with COPY into a scratch table
    and committing them (a logged table, as the real ones are, but without their indexes,
    constraints or history), dropped again afterwards."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_upload_scratch")
        cursor.execute(f"CREATE TABLE bench_upload_scratch ({SCRATCH_COLUMNS})")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.cursor.copy_expert("COPY bench_upload_scratch FROM STDIN", buffer)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_upload_scratch")
    return len(rows)


def _copy_text(value):
    if value is None or value == "":
        return "\\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def best_of(function, repeat):
    return min(timed(function)[0] for _round in range(repeat))


# Run in a fresh process: how far its resident set rises above where it was while it reads
# (and, given a quarter, checks) the file. Freed memory is handed back to the system first
# and the kernel's high-water mark (VmHWM) reset, so that the memory Django's start-up used
# and freed does not hide the read's (Linux).
PEAK = """
import ctypes, sys

def status(field):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(field))

sys.path.insert(0, sys.argv[1])
from common import setup
setup()
import io
import openpyxl
from core.periods import Quarter
from indicators import bulk_workbook
from indicators.services.bulk_statistics import bulk_statistics_prepare
data = open(sys.argv[3], "rb").read()
ctypes.CDLL("libc.so.6").malloc_trim(0)
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")
before = status("VmRSS:")
if sys.argv[2] == "openpyxl":
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)  # the reader before calamine
    parsed = bulk_workbook._read_rows(book.worksheets[0].iter_rows(values_only=True))
elif sys.argv[2] == "portal":
    parsed = bulk_workbook.read(data)
    if sys.argv[4]:
        bulk_statistics_prepare(parsed=parsed, quarter=Quarter.parse(sys.argv[4]))
print(status("VmHWM:") - before)
"""


def peak_mib(data, how, quarter=None):
    """How far the resident set of a fresh process reading ``data`` ``how`` ("portal" or
    "openpyxl") rises while it reads."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as file:
        file.write(data)
        file.flush()
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-c", PEAK, str(ROOT / "bench"), how, file.name, str(quarter or "")],
            capture_output=True, text=True, check=True,
        )
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def reader_figures(bulk, *, repeat, quarter=None):
    """Each upload kind's read step against a raw calamine parse of the same file; the old
    openpyxl parse of the bulk file beside them; the bulk upload's peak memory."""
    heading("Reading uploads: each read step against a raw python-calamine parse of the same file")
    for label, data, read, parse in upload_files.kinds(bulk):
        base, seconds = float("inf"), float("inf")
        for _round in range(repeat):  # alternating, so a busy machine slows both
            base = min(base, timed(lambda data=data: calamine_parse(data))[0])
            seconds = min(seconds, timed(lambda data=data, read=read: read(data))[0])
        figure(f"  {label}: read", seconds, baseline=base, baseline_label="raw calamine parse", max_ratio=READ_BAR,
               extra=f"{len(data) / 1024:,.0f} KiB")
        if parse is not None:  # what the upload's reader then makes of the grid, for comparison only
            figure("    read + the upload's own parsing of the rows", best_of(lambda data=data, parse=parse:
                                                                               parse(data), repeat),
                   baseline=base, baseline_label="raw calamine parse")
        if read is bulk_workbook.read:
            figure("  bulk statistics: old openpyxl read-only parse", best_of(lambda: raw_parse(bulk), repeat),
                   baseline=base, baseline_label="raw calamine parse")
    checked = " + check" if quarter else ""  # the check needs the scale data's counties
    portal, old = peak_mib(bulk, "portal", quarter), peak_mib(bulk, "openpyxl")
    print(f"  bulk statistics peak memory: read{checked} {portal:,.0f} MiB; "
          f"old reader (openpyxl read-only, the same row parsing) {old:,.0f} MiB (rise of the resident set of "
          "a fresh process while it reads)", flush=True)


def delete_import(counties, quarter):
    """One DELETE per table without loading rows or sending signals (django-simple-history
    would write a row per deleted row): the figures, the reports, and their history. On
    PostgreSQL the tables are vacuumed too, so that the next round does not wade through
    the dead rows this one left at the top of every index."""
    where = {"region__in": counties, "year": quarter.year, "quarter": quarter.number}
    # The recompute marks the commit left (its job is not run here): without removing them
    # the next round would find them waiting and queue nothing, and be faster for it.
    querysets = [DataValue.objects.filter(**where), DataValue.history.filter(**where),
                 DataReport.objects.filter(**where), DataReport.history.filter(**where),
                 StaleMark.objects.filter(region__in=counties)]
    for queryset in querysets:
        queryset._raw_delete(queryset.db)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for queryset in querysets:
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(queryset.model._meta.db_table)}")


def as_saved_by_excel(rows, quarter):
    """The same cells as Excel or WPS save them: shared strings and a <dimension>, which
    openpyxl's write-only template has not (it writes inline strings and no dimension, so
    a read-only load scans the whole sheet once more to size it)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = bulk_workbook.SHEET
    sheet.append([bulk_workbook.title_of(quarter, "")])
    sheet.append([bulk_workbook.INSTRUCTIONS])
    sheet.append([header for _key, header, _width in bulk_workbook.COLUMNS])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def measure(data, quarter, counties, user, *, repeat, profile=None):
    """The best of ``repeat`` rounds of the baseline and of the import (each round alternates
    them, so a busy machine slows both), the import's query count and preview, and the
    recompute jobs it enqueued."""
    best = {"openpyxl": float("inf"), "calamine": float("inf"), "copy": float("inf"), "parse": float("inf"),
            "commit": float("inf")}
    rows = bulk_workbook.read(data).rows
    for _round in range(repeat):
        best["openpyxl"] = min(best["openpyxl"], timed(lambda: raw_parse(data))[0])
        best["calamine"] = min(best["calamine"], timed(lambda: calamine_parse(data))[0])
        best["copy"] = min(best["copy"], timed(lambda: copy_scratch(rows))[0])
        try:
            with mock.patch.object(jobs.recompute, "apply_async") as delay, \
                    CaptureQueriesContext(connection) as queries:
                if profile:
                    profile.enable()
                parse_seconds, parsed = timed(lambda: bulk_workbook.read(data))
                commit_seconds, preview = timed(partial(bulk_statistics_commit, parsed=parsed, quarter=quarter,
                                                        user=user, source_sha256="b" * 64))
                if profile:
                    profile.disable()
            written = DataValue.objects.filter(region__in=counties, year=quarter.year, quarter=quarter.number).count()
            assert written == preview.new, (written, preview.new)
        finally:
            delete_import(counties, quarter)
        best["parse"], best["commit"] = min(best["parse"], parse_seconds), min(best["commit"], commit_seconds)
    enqueued = [(len(call.args[0][1]), call.args[0][2]) for call in delay.call_args_list]  # (name, regions, quarters)
    return best, len(queries.captured_queries), preview, enqueued


def report(label, best, queries, preview):
    heading(label)
    floor = best["calamine"] + best["copy"]
    figure("raw python-calamine parse", best["calamine"])
    figure("COPY of the file's rows into a scratch table", best["copy"])
    figure("floor: raw parse + COPY (baseline)", floor)
    figure("  read (bulk_workbook.read)", best["parse"], baseline=best["calamine"], baseline_label="raw parse")
    figure("  check + write + commit", best["commit"], baseline=best["copy"], baseline_label="COPY",
           extra=f"{queries} queries, {preview.new} new figures, {preview.reports_created} reports")
    figure("read + check + commit", best["parse"] + best["commit"], baseline=floor,
           baseline_label="raw parse + COPY", max_ratio=BAR)
    figure("old baseline: raw openpyxl read-only parse", best["openpyxl"], baseline=floor,
           baseline_label="raw parse + COPY")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best of each figure is printed")
    parser.add_argument("--excel-saved", action="store_true", help="also time the file as Excel would save it")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the import")
    parser.add_argument("--reader-only", type=int, metavar="ROWS",
                        help="only the reader figures, on a generated bulk file of ROWS rows (no database)")
    args = parser.parse_args()
    if args.reader_only:
        reader_figures(upload_files.bulk_template(args.reader_only), repeat=args.repeat)
        return
    counties = require_scale_data()
    quarter = import_quarter(counties)
    user = bench_user()
    rows = synthetic_rows(counties, quarter)
    build_seconds, data = timed(lambda: bulk_workbook.build(rows, quarter=quarter, scope_name=""))
    print(f"{connection.vendor}: {counties.count()} counties, {len(rows)} rows for {quarter}, template "
          f"{len(data) / 1024 / 1024:.1f} MiB built in {build_seconds:.2f} s; best of {args.repeat}")
    profile = cProfile.Profile() if args.profile else None
    best, queries, preview, enqueued = measure(data, quarter, counties, user, repeat=args.repeat, profile=profile)
    report("统计数据批量导入: the downloaded template, filled in", best, queries, preview)
    print(f"recompute jobs enqueued on commit (not run here): {enqueued}")
    reader_figures(data, repeat=args.repeat, quarter=quarter)
    if args.excel_saved:
        excel = as_saved_by_excel(rows, quarter)
        best, queries, preview, _enqueued = measure(excel, quarter, counties, user, repeat=args.repeat)
        report("the same file as saved by Excel (shared strings, dimension)", best, queries, preview)
    if profile:
        pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
