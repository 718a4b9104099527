"""The source documents' task tables laid out as .xlsx files, as the originals are printed:
附件 label and title above the header, merged cells, borders, wrapped text.

    python -m demo.tables OUTDIR    # write the four workbooks to look at them
"""

import io
import sys
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from core.excel import write_text

from . import table_data

TABLES = {
    "wulong_annex1": table_data.WULONG_ANNEX1,
    "wulong_annex2": table_data.WULONG_ANNEX2,
    "qianjiang_tasks": table_data.QIANJIANG_TASKS,
    "qianjiang_indicators": table_data.QIANJIANG_INDICATORS,
}
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
FIXED_TIME = datetime(2023, 5, 19)  # so the same data always gives the same bytes


def build(table):
    """An openpyxl Workbook of ``table`` (see ``table_data``)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table["sheet"]
    width = len(table["header"])
    sheet.cell(row=1, column=1, value=table["label"]).font = Font(name="黑体", size=12)
    title = sheet.cell(row=2, column=1, value=table["title"])
    title.font, title.alignment = Font(name="方正小标宋_GBK", size=16), Alignment(horizontal="center")
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    for column, name in enumerate(table["header"], start=1):
        cell = sheet.cell(row=3, column=column, value=name or None)
        cell.font, cell.alignment, cell.border = Font(name="黑体", size=11, bold=True), WRAP, BORDER
    for first, last in table["header_merges"]:
        sheet.merge_cells(start_row=3, start_column=first, end_row=3, end_column=last)
    first_data_row = 4
    for offset, values in enumerate(table["rows"]):
        for column, value in enumerate(values, start=1):
            cell = write_text(sheet.cell(row=first_data_row + offset, column=column), value or None)
            cell.font, cell.alignment, cell.border = Font(name="仿宋_GB2312", size=11), WRAP, BORDER
    # A None continues the cell above: merge each such run into the cell that starts it.
    for column in range(1, width + 1):
        start = None
        for offset, values in enumerate([*table["rows"], [""] * width]):
            if values[column - 1] is None:
                continue
            if start is not None and offset - 1 > start:
                sheet.merge_cells(
                    start_row=first_data_row + start, start_column=column,
                    end_row=first_data_row + offset - 1, end_column=column,
                )
            start = offset
    for column in range(1, width + 1):
        longest = max(len(str(values[column - 1] or "")) for values in table["rows"])
        sheet.column_dimensions[get_column_letter(column)].width = min(max(longest, 8), 60)
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    return workbook


def build_bytes(table):
    buffer = io.BytesIO()
    build(table).save(buffer)
    return buffer.getvalue()


def main(outdir):
    folder = Path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in TABLES.items():
        build(table).save(folder / f"{name}.xlsx")
        print(folder / f"{name}.xlsx")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
