"""Quarterly reports at national scale: one county's report built in-process (against
reading its data alone), then every county's report through two Celery workers (against
building them one after another in-process, extrapolated from a sample in the same run).

The PDF (core/pdf.py: a Chromium started per report, 2–3 s) is measured apart: one
county's report with its PDF beside the same report without. The national run builds the
other files only (CHROMIUM unset for its workers): a county builds its own report, one at a
time, and nobody prints 2,844 PDFs in one night.

Needs Redis: REDIS_URL (default redis://127.0.0.1:6379/14, a database of its own, purged
first) and the scale data in DATABASE_URL. Files go to a temporary MEDIA_ROOT, and the
reports it requested are deleted at the end.

    DATABASE_URL=postgres://… python bench/bench_reports.py [--reports N] [--workers 2]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
MEDIA = tempfile.mkdtemp(prefix="bench-media-")
os.environ["MEDIA_ROOT"] = MEDIA
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
os.environ["CHROMIUM"] = ""  # see above: the PDF is measured apart

from common import celery_workers, figure, heading, require_scale_data, setup, timed  # noqa: E402

setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402

from core import pdf  # noqa: E402
from core.periods import Quarter  # noqa: E402
from reports import report_workbook, services  # noqa: E402
from reports.models import QuarterlyReport  # noqa: E402
from tasks.models import ProgressReport  # noqa: E402

SAMPLE = 10  # reports built in-process for the sequential baseline


def build_in_process(region, quarter):
    report = services.report_request(region=region, quarter=quarter, enqueue=False)
    services.report_build(report)
    return report


def wait_for(reports, timeout):
    """Seconds until every report is built or failed; exits if they take longer than ``timeout``."""
    started, pending = time.monotonic(), QuarterlyReport.objects.filter(pk__in=reports)
    while pending.filter(state__in=[QuarterlyReport.State.QUEUED, QuarterlyReport.State.RUNNING]).exists():
        if time.monotonic() - started > timeout:
            sys.exit(f"the reports were not all built within {timeout} s")
        time.sleep(0.5)
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=0, help="counties to report on (default: all)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    counties = list(require_scale_data())
    if args.reports:
        counties = counties[: args.reports]
    year, number = ProgressReport.objects.order_by("-year", "-quarter").values_list("year", "quarter").first()
    quarter = Quarter(year, number)
    mine = []
    try:
        heading(f"Quarterly reports of {quarter.label}: {len(counties):,} counties, {args.workers} Celery workers")
        reads, builds = [], []
        for region in counties[:SAMPLE]:
            reads.append(timed(lambda region=region: report_workbook.report_data(region, quarter))[0])
            seconds, report = timed(lambda region=region: build_in_process(region, quarter))
            builds.append(seconds)
            mine.append(report.pk)
        one, read = statistics.median(builds), statistics.median(reads)
        figure("one county's report (xlsx + docx + html), median", one, baseline=read,
               baseline_label="reading its data alone", max_seconds=2)
        settings.CHROMIUM = CHROMIUM
        if pdf.chromium():
            with_pdf = []
            for region in counties[:3]:
                seconds, report = timed(lambda region=region: build_in_process(region, quarter))
                with_pdf.append(seconds)
                mine.append(report.pk)
            figure("the same with its PDF (Chromium), median of 3", statistics.median(with_pdf), baseline=one,
                   baseline_label="without the PDF")
        else:
            print(f"no Chromium at {CHROMIUM!r}: the PDF is not measured")
        settings.CHROMIUM = ""
        sequential = statistics.mean(builds) * len(counties)
        with celery_workers(args.workers, log_dir=MEDIA):
            with transaction.atomic():  # enqueued on commit, all at once
                requested = [services.report_request(region=r, quarter=quarter).pk for r in counties]
            mine += requested
            wall = wait_for(requested, timeout=max(600, sequential * 3))
        failed = QuarterlyReport.objects.filter(pk__in=requested, state=QuarterlyReport.State.FAILED).count()
        figure(f"all {len(counties):,} reports through {args.workers} workers", wall, baseline=sequential,
               baseline_label=f"in-process one after another, from {len(builds)} built",
               extra=f"{len(counties) / wall:.1f} reports/s, {failed} failed")
        if failed:
            sys.exit(f"{failed} reports failed")
    finally:
        QuarterlyReport.objects.filter(pk__in=mine).delete()
        shutil.rmtree(MEDIA, ignore_errors=True)


if __name__ == "__main__":
    main()
