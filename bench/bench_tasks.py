"""Import and export of a 10,000-item task table, each against a raw openpyxl read/write of
the same cells in the same run, so the ratios mean something on a noisy machine.

    make bench            # or: DATABASE_URL=... python bench/bench_tasks.py [--items 10000]
"""

import argparse
import io

from common import figure, heading, setup, timed

setup()

import openpyxl  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from upload_files import task_rows  # noqa: E402

from demo import regions as org_demo  # noqa: E402
from org.models import Region  # noqa: E402
from tasks.exports import build_workbook  # noqa: E402
from tasks.imports import preview_task_table  # noqa: E402
from tasks.models import Plan  # noqa: E402
from tasks.selectors import plan_tree  # noqa: E402
from tasks.services import plan_import  # noqa: E402


def synthetic_rows(region, items, seed=7):
    """Key tasks of 10 sub-tasks of 10 work items, with real department names."""
    names = list(region.departments.filter(kind="bureau").values_list("short_name", flat=True))
    return task_rows(items, names, seed)


def write_table(rows, *, merged):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["附件"])
    sheet.append(["基准测试任务分解表"])
    sheet.append(["重点任务", "工作内容", None, "牵头单位", "配合单位"])
    for row in rows:
        sheet.append(row)
    if merged:
        sheet.merge_cells("B3:C3")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def raw_read(data):
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return sum(1 for row in sheet.iter_rows(values_only=True) for value in row if value)


def raw_write(cells):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in cells:
        sheet.append(row)
    workbook.save(io.BytesIO())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    org_demo.load(password="bench-only-password")
    region = Region.objects.get(code="500156")
    Plan.objects.filter(region=region, title__startswith="基准测试").delete()
    rows = synthetic_rows(region, args.items)
    data = write_table(rows, merged=True)

    base_read, _ = timed(lambda: raw_read(data))
    plan = Plan.objects.create(region=region, title="基准测试方案", start_year=2024, end_year=2024)
    with CaptureQueriesContext(connection) as queries:
        import_time, result = timed(
            lambda: plan_import(plan=plan, preview=preview_task_table(region=region, data=data))
        )
    import_queries = len(queries.captured_queries)
    reimport_time, again = timed(lambda: plan_import(plan=plan, preview=preview_task_table(region=region, data=data)))

    with CaptureQueriesContext(connection) as queries:
        export_time, exported = timed(lambda: save(build_workbook(plan, plan_tree(plan))))
    export_queries = len(queries.captured_queries)
    cells = [list(row) for row in openpyxl.load_workbook(io.BytesIO(exported), read_only=True).active.values]
    base_write, _ = timed(lambda: raw_write(cells))

    heading(f"Task tables: {args.items:,} work items ({connection.vendor}), file {len(data) / 1024:.0f} KiB")
    figure("import (check, parse, resolve, write)", import_time, baseline=base_read,
           baseline_label="raw openpyxl read of the file", extra=f"{import_queries} queries, {result.created:,} nodes")
    figure("re-import of the same file", reimport_time, baseline=base_read,
           baseline_label="raw openpyxl read of the file", extra=f"changed: {again.changed}")
    figure("export in the official layout", export_time, baseline=base_write, max_ratio=2,
           baseline_label="raw openpyxl write of the same cells", extra=f"{export_queries} queries")
    Plan.objects.filter(pk=plan.pk).delete()


def save(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


if __name__ == "__main__":
    main()
