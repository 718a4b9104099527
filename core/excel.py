"""Writing Excel cells that cannot turn into formulas, and the layout helpers the exports
share. Reading uploaded workbooks is ``core.workbook_reader``."""

from copy import copy
from itertools import islice

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.merge import MergedCellRange

# Characters that make a spreadsheet treat text as a formula or a command.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def write_text(cell, value):
    """Put ``value`` in ``cell`` as data: text that starts like a formula stays text."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell.data_type = "s"
    return cell


def column_letter(index):
    return openpyxl.utils.get_column_letter(index)


def merge_bordered(sheet, first_row, first_column, last_row, last_column):
    """Merge a range whose cells already carry their borders and styles.

    openpyxl's ``merge_cells`` re-derives the edge borders cell by cell and checks the new
    range against every earlier one, which grows with the square of a large table's
    merges. The ranges merged here never overlap and are already bordered, so only the
    range is recorded and the covered cells become merged cells keeping their style."""
    merged = MergedCellRange(sheet, CellRange(min_row=first_row, min_col=first_column,
                                              max_row=last_row, max_col=last_column).coord)
    sheet.merged_cells.ranges.add(merged)
    for row, column in islice(merged.cells, 1, None):
        covered = MergedCell(sheet, row, column)
        existing = sheet._cells.get((row, column))
        if existing is not None:
            covered._style = copy(existing._style)
        sheet._cells[row, column] = covered
