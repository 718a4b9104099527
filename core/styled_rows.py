"""Appending rows of styled text cells to a worksheet, fast enough for a 10,000-item table.

openpyxl's write-only ``append`` makes a cell object per value, first tries to store the
cell object as a value (and fails), then hashes its style to find the style's index: for
the official task table that was most of the export. The rows here hold only text or
empty cells of a few styles known in advance, so on a write-only sheet each cell is
written as its XML element with the style's index resolved once.

This relies on two hooks of openpyxl's write-only worksheet (``_values_to_row`` and its
writer's ``write_row``), stable across openpyxl 3.1 (pinned in requirements.txt); the
task-table tests read every exported cell back with its style.
"""

from copy import copy

from lxml.etree import Element, SubElement
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.xml.constants import XML_NS

PRESERVE = f"{{{XML_NS}}}space"


class CellStyle:
    """A cell style registered once with a worksheet's workbook and stamped onto many cells.

    Assigning ``cell.font``/``.alignment``/``.border`` makes openpyxl hash each style object
    to find it in the workbook's tables, every time; on a 10,000-row table that is most of
    the export. Stamping copies the already-resolved style instead."""

    def __init__(self, sheet, **attributes):
        template = Cell(sheet)
        for name, value in attributes.items():
            setattr(template, name, value)
        self._style = template._style
        self.index = str(sheet.parent._cell_styles.add(self._style))

    def apply(self, cell):
        cell._style = copy(self._style)


def text(value):
    """``value`` as the text of a cell, without the control characters XML cannot hold."""
    return None if value is None or value == "" else ILLEGAL_CHARACTERS_RE.sub("", str(value))


class StyledRows:
    """Appends rows of (text or None, CellStyle) cells, with a row height or None, to a
    worksheet. Every value is stored as text: a text that starts like a formula stays text."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.streamed = isinstance(sheet, WriteOnlyWorksheet)
        if self.streamed:
            sheet._get_writer()
            sheet._values_to_row = lambda row, _number: row  # rows arrive ready: (cells, height)
            sheet._writer.write_row = _write_row

    def append(self, cells, height=None):
        if self.streamed:
            self.sheet.append((cells, height))
            return
        if height:
            self.sheet.row_dimensions[self.sheet._current_row + 1].height = height
        self.sheet.append([_cell(self.sheet, value, style) for value, style in cells])


def _cell(sheet, value, style):
    cell = Cell(sheet, row=1, column=1)  # appending moves it to its place
    value = text(value)
    if value is not None:
        cell._value, cell.data_type = value, "s"
    style.apply(cell)
    return cell


def _write_row(xf, row, number):
    """One row's XML as openpyxl writes a styled inline-string row."""
    cells, height = row
    attributes = {"r": str(number)}
    if height:
        attributes.update(ht=str(float(height)), customHeight="1")
    with xf.element("row", attributes):
        for column, (value, style) in enumerate(cells, start=1):
            reference = f"{get_column_letter(column)}{number}"
            value = text(value)
            if value is None:
                xf.write(Element("c", {"r": reference, "s": style.index}))
                continue
            element = Element("c", {"r": reference, "s": style.index, "t": "inlineStr"})
            spaced = {PRESERVE: "preserve"} if value != value.strip() else {}  # keep leading/trailing spaces
            SubElement(SubElement(element, "is"), "t", spaced).text = value
            xf.write(element)
