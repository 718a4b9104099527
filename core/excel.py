"""Reading uploaded Excel files safely, and writing cells that cannot turn into formulas.

Every upload is checked before openpyxl parses it: size, file type (an old .xls, a
password-protected workbook, a CSV or Word file renamed to .xlsx), and the zip container
(corrupted, or a zip bomb). The messages are for the clerk who uploaded the file, in
Chinese, and say what to do.
"""

import datetime
import io
import zipfile
import zlib
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import PurePosixPath

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.cell.cell import MergedCell
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.merge import MergedCellRange

from .errors import FileUnreadable

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ROWS = 50_000
MAX_COLUMNS = 200

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# Characters that make a spreadsheet treat text as a formula or a command.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class WorkbookError(FileUnreadable):
    """The file cannot be read as a workbook; the message says why and what to do."""


@dataclass
class SheetGrid:
    """A sheet's cell values as text (row and column numbers are 1-based, as Excel shows
    them) and its merged ranges as (first_row, first_col, last_row, last_col)."""

    name: str
    rows: list = field(default_factory=list)
    merges: list = field(default_factory=list)

    def value(self, row, column):
        if row - 1 >= len(self.rows):
            return ""
        cells = self.rows[row - 1]
        return cells[column - 1] if column - 1 < len(cells) else ""

    @property
    def row_count(self):
        return len(self.rows)


def check_upload(data, *, max_bytes=MAX_UPLOAD_BYTES):
    """Refuse what must not reach the parser. ``data`` is the whole file as bytes."""
    if len(data) == 0:
        raise WorkbookError(_("The file is empty."))
    if len(data) > max_bytes:
        raise WorkbookError(
            _("The file is %(size).1f MB; the limit is %(limit)d MB.")
            % {"size": len(data) / 1024 / 1024, "limit": max_bytes // 1024 // 1024}
        )
    if data.startswith(OLE2_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            raise WorkbookError(
                _(
                    "The workbook is protected by a password. "
                    "Remove the password in Excel, save it as .xlsx and upload it again."
                )
            )
        raise WorkbookError(
            _(
                "This is an old Excel file (.xls). "
                "Open it in Excel, save it as “Excel workbook (.xlsx)” and upload that."
            )
        )
    if not data.startswith(ZIP_MAGIC):
        if _looks_like_text(data):
            raise WorkbookError(
                _("This is a text file (such as CSV), not an Excel workbook. Open it in Excel and save it as .xlsx.")
            )
        raise WorkbookError(_("This is not an Excel .xlsx file."))
    archive = open_package(data)
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise WorkbookError(_("This is a Word document, not an Excel workbook."))
        raise WorkbookError(_("This is not an Excel .xlsx file."))
    check_package(archive)


def open_package(data):
    """The zip container of an Office file (.xlsx, .docx), refused when damaged or when it
    would expand to an implausible size (a zip bomb)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise WorkbookError(
            _("The file is damaged: it is not a complete .xlsx file. Save it again and re-upload.")
        ) from None
    uncompressed = sum(member.file_size for member in members)
    if uncompressed > MAX_UNCOMPRESSED_BYTES or uncompressed > MAX_COMPRESSION_RATIO * max(len(data), 1):
        raise WorkbookError(
            _("The file expands to an implausible size when opened and was refused (possible zip bomb).")
        )
    return archive


# A document type declaration is where XML entities (“billion laughs”, external files) are
# declared; Office never writes one. Looked for in UTF-8 and both UTF-16 byte orders.
DOCTYPE = tuple("<!DOCTYPE".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be"))


def check_package(archive):
    """Refuse what no file saved by Office contains: macros under an .xlsx/.docx name, and
    XML document type declarations. Every member is read (the zip-bomb check bounds that),
    in chunks, and a damaged member is reported as a damaged file."""
    names = archive.namelist()
    if any(PurePosixPath(name).name.lower() == "vbaproject.bin" for name in names):
        raise WorkbookError(
            _("The file contains macros (a macro-enabled file renamed). Save it in Excel as a plain "
              "“Excel workbook (.xlsx)” or “Word document (.docx)” and upload that.")
        )
    try:
        declared = any(_declares_doctype(archive, name) for name in names)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
        raise WorkbookError(
            _("The file is damaged: a part of it cannot be read. Save it again and re-upload.")
        ) from None
    if declared:
        raise WorkbookError(
            _("The file contains an XML document type declaration (DOCTYPE), which Office never "
              "writes; it was refused. Open it in Excel or Word, save it again and re-upload.")
        )


def _declares_doctype(archive, name, chunk=1 << 20):
    overlap = max(len(pattern) for pattern in DOCTYPE) - 1
    tail = b""
    with archive.open(name) as member:
        while block := member.read(chunk):
            window = tail + block
            if any(pattern in window for pattern in DOCTYPE):
                return True
            tail = window[-overlap:]
    return False


def _looks_like_text(data):
    sample = data[:4096]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        try:
            sample.decode("gb18030")
        except UnicodeDecodeError:
            return False
    return b"\x00" not in sample


def load_workbook(data, *, uncalculated_as_text=False):
    """Check ``data`` and open it; formulas are read as their last computed values.

    A formula never calculated (in a file a program wrote, not one Excel saved) has no value
    and would read as an empty cell. With ``uncalculated_as_text`` it reads as its text
    (“=A1*2”) instead, so a template reader refuses it where a number belongs rather than
    taking it for a blank, which would clear the stored figure."""
    check_upload(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        if uncalculated_as_text:
            _show_uncalculated(workbook, openpyxl.load_workbook(io.BytesIO(data)))
    except Exception as error:  # openpyxl raises many kinds on a malformed package
        raise WorkbookError(
            _("The file is damaged or not a valid .xlsx workbook (%(reason)s).") % {"reason": type(error).__name__}
        ) from None
    return workbook


def _show_uncalculated(values, formulas):
    for sheet in values.worksheets:
        cells = sheet._cells  # the cells the file has: a formula's cell is among them
        for key, formula in formulas[sheet.title]._cells.items():
            cell = cells.get(key)
            if formula.data_type == "f" and cell is not None and cell.value is None:
                cell.value = str(getattr(formula.value, "text", formula.value))  # an array formula's text


def read_grid(worksheet, *, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS):
    """The sheet's values as text, refusing sheets too large to be a real table."""
    if worksheet.max_row > max_rows:
        raise WorkbookError(
            _("Sheet “%(sheet)s” has %(rows)d rows; at most %(limit)d are accepted.")
            % {"sheet": worksheet.title, "rows": worksheet.max_row, "limit": max_rows}
        )
    if worksheet.max_column > max_columns:
        raise WorkbookError(
            _("Sheet “%(sheet)s” has %(columns)d columns; at most %(limit)d are accepted.")
            % {"sheet": worksheet.title, "columns": worksheet.max_column, "limit": max_columns}
        )
    rows = [[cell_text(value) for value in row] for row in worksheet.iter_rows(values_only=True)]
    while rows and not any(rows[-1]):
        rows.pop()
    merges = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in worksheet.merged_cells.ranges]
    return SheetGrid(name=worksheet.title, rows=rows, merges=merges)


def cell_text(value):
    """A cell value as the text a person sees: 3 not 3.0, dates as 2023-12-31."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        # Whole numbers as integers, up to Excel's 15 digits: beyond them Excel shows 1E+308
        # too, and the integer would be hundreds of digits of binary noise.
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").strip()


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
