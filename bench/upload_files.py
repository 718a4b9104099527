"""One file of each upload kind, at the size of a large real upload, and the read step the
portal runs on it before anything is checked against the database: for the reader figures
of ``bench_upload.py``. Built with openpyxl like the downloads; nothing here needs a
database (a template's owner is a stand-in with the id it was stamped with)."""

import io
import random
from types import SimpleNamespace

import openpyxl

from carriers import registry_read
from carriers.registry_layout import CARRIER_COLUMNS, CARRIERS_SHEET, USER_COLUMNS, USERS_SHEET
from core.periods import Quarter
from core.signed_workbook import stamp
from core.workbook_reader import load_workbook, read_grid
from indicators import bulk_workbook, data_workbook
from tasks import progress_workbook
from tasks.table_parsing import parse_task_sheet

QUARTER = Quarter(2024, 1)
OWNER = SimpleNamespace(pk=1)
DEPARTMENTS = ["区水利局", "区发展改革委", "区经济信息委", "区住房城乡建委", "区城市管理局", "区农业农村委"]


def _saved(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet(title, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    return workbook


def task_rows(items, names, seed=7):
    """Key tasks of 10 sub-tasks of 10 work items, led and supported by ``names``."""
    rng = random.Random(seed)
    rows = []
    for index in range(items):
        key, sub, item = index // 100, (index // 10) % 10, index % 10
        rows.append([
            f"（{key + 1}）第{key + 1}项重点任务：推进节水型社会建设" if sub == 0 and item == 0 else None,
            f"{sub + 1}. 第{key + 1}-{sub + 1}项子任务" if item == 0 else None,
            f"第{index + 1}项工作内容：加强计划用水管理，开展节水宣传和节水载体创建，确保完成年度目标任务。",
            "、".join(rng.sample(names, 2)),
            "、".join(rng.sample(names, 3)),
        ])
    return rows


def task_table(items=10_000, seed=7):
    """The task table ``bench_tasks`` imports, with stand-in department names."""
    rows = [["附件"], ["基准测试任务分解表"], ["重点任务", "工作内容", None, "牵头单位", "配合单位"]]
    workbook = _sheet("任务分解", rows + task_rows(items, DEPARTMENTS, seed))
    workbook.active.merge_cells("B3:C3")
    return _saved(workbook)


def read_task_table(data):
    """The pure part of the task-table preview: the file read, the tree parsed (the names
    are resolved against the database afterwards)."""
    return parse_task_sheet(read_grid(load_workbook(data).worksheets[0]))


def progress_template(rows=2_000):
    headers = [header for _key, header, _width, _editable in progress_workbook.COLUMNS]
    body = [[number, "年度方案", f"第{number}项工作事项", "完成", "未填报", "推进中", 50, 3, "完成了部分工作" * 4,
             "", "继续推进"] for number in range(1, rows + 1)]
    workbook = _sheet(progress_workbook.SHEET, [["进展填报表"], ["填报单位："], ["说明"], headers, *body])
    stamp(workbook, salt=progress_workbook.SIGNING_SALT, department=OWNER.pk, quarter=str(QUARTER),
          items=list(range(1, rows + 1)))  # 序号 n names the n-th item of the signed list
    return _saved(workbook)


def read_progress_template(data):
    return progress_workbook.read(data, department=OWNER, quarter=QUARTER, department_names={})


DATA_CODES = [f"ELEMENT_{number:03d}" for number in range(1, 301)]


def data_template():
    headers = [header for _key, header, _width, _editable in data_workbook.COLUMNS]
    body = [[code, "指标", f"数据项{code}", "万m³", "累计", 10.5, 9.75, 12.25, ""] for code in DATA_CODES]
    workbook = _sheet(data_workbook.SHEET, [[data_workbook.TITLE], ["填报单位："], [data_workbook.INSTRUCTIONS],
                                            headers, *body])
    stamp(workbook, salt=data_workbook.SIGNING_SALT, department=OWNER.pk, quarter=str(QUARTER),
          header_row=data_workbook.HEADER_ROW)
    return _saved(workbook)


def read_data_template(data):
    report = SimpleNamespace(department_id=OWNER.pk, period=QUARTER)
    return data_workbook.read(data, report=report, codes=set(DATA_CODES), department_names={}, with_utilities=False)


def users_file(users=20_000):
    headers = [column.header for column in USER_COLUMNS]
    body = [[f"基准用水单位{number}", None, "居民小区", None, "公共供水", 2023, 0, 0, 1200.5, 1200.5, 0, 1500, 300,
             None] for number in range(1, users + 1)]
    return _saved(_sheet(USERS_SHEET, [["基准区用水单位名录及年度用水量"], headers, *body]))


def carriers_file(carriers=5_000):
    headers = [column.header for column in CARRIER_COLUMNS]
    body = [["节水型居民小区", "区县级", "已验收", f"基准用水单位{number}", None, None, "2023-01-05", "2023-06-01",
             None, None, None, ""] for number in range(1, carriers + 1)]
    return _saved(_sheet(CARRIERS_SHEET, [["基准区节水载体名录"], headers, *body]))


def bulk_template(rows=80_000):
    """A filled-in bulk statistics template of ``rows`` rows, as ``bulk_workbook.build``
    writes it (without the database's counties: synthetic codes)."""
    rng = random.Random(2026)
    template = [
        bulk_workbook.TemplateRow(f"{500000 + number // 28:06d}", f"县{number // 28}", f"ELEMENT_{number % 28:03d}",
                                  f"数据项{number % 28}", "万m³", round(rng.uniform(0, 90_000), 2))
        for number in range(rows)
    ]
    return bulk_workbook.build(template, quarter=QUARTER, scope_name="")


def read_grids(data):
    """The read step of the uploads that read sheets as grids (task table, templates,
    registry): the workbook checked, measured, opened, and every sheet read as text."""
    workbook = load_workbook(data)
    return [read_grid(sheet) for sheet in workbook.worksheets]


def kinds(bulk):
    """(label, file, read step, the upload's whole pure reader or None) of each upload kind;
    ``bulk`` is the bulk statistics file, whose reader streams its rows (no grid)."""
    return [
        ("bulk statistics (bulk_workbook.read)", bulk, bulk_workbook.read, None),
        ("task table, 10,000 items", task_table(), read_grids, read_task_table),
        ("progress template, 2,000 rows", progress_template(), read_grids, read_progress_template),
        ("data template, 300 rows", data_template(), read_grids, read_data_template),
        ("water users, 20,000 rows", users_file(), read_grids, registry_read.read_users),
        ("carriers, 5,000 rows", carriers_file(), read_grids, registry_read.read_carriers),
    ]
