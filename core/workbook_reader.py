"""The one reader every workbook upload goes through: .xlsx, .xls and .ods.

1. ``check_upload``: size, then the format from the bytes (not the file's name) and its
   container: a CSV, Word or image file renamed, a damaged or encrypted file, a zip bomb,
   macros, XML document type declarations. Then the workbook is measured
   (``core.workbook_measure``) without being parsed, and refused when it has too many
   sheets or cells, whatever it says about itself.
2. ``load_workbook`` opens what passed with python-calamine, which parses all three formats
   an order of magnitude faster than openpyxl and in far less memory; a sheet is parsed only
   when it is read, and refused first by its measured rows, columns and extent
   (``read_grid``, ``read_rows``).

openpyxl is still used in one place, where only it sees what is needed: a formula never
calculated (in an .xlsx a program wrote, not one Excel saved) has no value, which calamine
reads as an empty cell. With ``uncalculated_as_text`` such a cell reads as its formula
(“=A1*2”), so a template reader refuses it where a number belongs rather than taking it for
a blank, which would clear the stored figure. The measuring pass notes which sheets have one,
and only those are streamed once more through openpyxl's read-only reader. (.xls and .ods
files always carry the values of their formulas.)

The messages are for the clerk who uploaded the file, in Chinese, and say what to do.
"""

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
import python_calamine
from django.utils.translation import gettext as _

from . import workbook_measure as measure
from .errors import FileUnreadable
from .office_package import check_package, open_package

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 200

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


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
    """Refuse what must not reach the parser; returns the workbook's measurements
    (``workbook_measure.Measured``). ``data`` is the whole file as bytes."""
    if len(data) == 0:
        raise FileUnreadable(_("The file is empty."))
    if len(data) > max_bytes:
        raise FileUnreadable(
            _("The file is %(size).1f MB; the limit is %(limit)d MB.")
            % {"size": len(data) / 1024 / 1024, "limit": max_bytes // 1024 // 1024}
        )
    if data.startswith(OLE2_MAGIC):
        return _check_ole(data)
    if not data.startswith(ZIP_MAGIC):
        if _looks_like_text(data):
            raise FileUnreadable(
                _("This is a text file (such as CSV), not an Excel workbook. Open it in Excel and save it as .xlsx.")
            )
        raise FileUnreadable(_("This is not an Excel .xlsx file."))
    archive = open_package(data)
    names = archive.NameToInfo
    if "xl/workbook.xml" in names:
        if "[Content_Types].xml" not in names:  # Excel cannot open such a package either
            raise FileUnreadable(
                _("The file is damaged: it is not a complete .xlsx file. Save it again and re-upload.")
            )
        check_package(archive, scanned=measure.is_worksheet_part)
        return measure.measure_xlsx(archive)
    if measure.is_ods(archive):
        check_package(archive)
        return measure.measure_ods(archive)
    if "word/document.xml" in names:
        raise FileUnreadable(_("This is a Word document, not an Excel workbook."))
    raise FileUnreadable(_("This is not an Excel .xlsx file."))


def _check_ole(data):
    """An Excel 97–2003 workbook (.xls), or an encrypted .xlsx (Office stores those in the
    same OLE container as .xls)."""
    if "EncryptionInfo".encode("utf-16-le") in data or b"EncryptedPackage" in data:
        raise measure.password_protected()
    ole = measure.open_ole(data)
    try:
        stream = measure.workbook_stream(ole)
        if stream is None:
            if ole.exists("WordDocument"):
                raise FileUnreadable(_("This is a Word document, not an Excel workbook."))
            raise FileUnreadable(_("This is not an Excel .xlsx file."))
        if measure.has_vba(ole):
            raise measure.macros()
        return measure.measure_xls(ole, stream)
    finally:
        ole.close()


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


def _damaged(kind, error):
    reason = type(error).__name__ if isinstance(error, Exception) else str(error)
    if kind == "xlsx":
        return FileUnreadable(_("The file is damaged or not a valid .xlsx workbook (%(reason)s).") % {"reason": reason})
    return measure.damaged_workbook(reason)


@dataclass
class Sheet:
    """A sheet of a ``Workbook``, not read yet: ``read_grid`` or ``read_rows`` read it."""

    workbook: object
    title: str
    size: object  # workbook_measure.SheetSize


class Workbook:
    """A checked upload, open with python-calamine. ``sheetnames`` and ``worksheets`` are the
    sheets that hold cells (not chart sheets), in workbook order."""

    def __init__(self, data, measured, *, uncalculated_as_text=False):
        self.data, self.kind, self.uncalculated_as_text = data, measured.kind, uncalculated_as_text
        try:
            self.calamine = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            metadata = self.calamine.sheets_metadata
        except BaseException as error:
            raise _calamine_failed(self.kind, error) from None
        sizes = measured.sheets if len(measured.sheets) == len(metadata) else None
        self.worksheets = []
        for index, sheet in enumerate(metadata):
            if sheet.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            # Paired by position (calamine and the measuring pass both read workbook order);
            # should they ever disagree, every sheet counts as large as the largest.
            size = sizes[index] if sizes else max(measured.sheets, key=lambda s: s.extent, default=None)
            self.worksheets.append(Sheet(self, sheet.name, size or measure.SheetSize(sheet.name)))
        self.sheetnames = [sheet.title for sheet in self.worksheets]

    def __getitem__(self, name):
        for sheet in self.worksheets:
            if sheet.title == name:
                return sheet
        raise KeyError(name)

    def close(self):
        self.calamine.close()


def load_workbook(data, *, uncalculated_as_text=False):
    """Check ``data`` and open it; formulas are read as their last computed values (see the
    module's docstring for ``uncalculated_as_text``)."""
    return Workbook(data, check_upload(data), uncalculated_as_text=uncalculated_as_text)


def _check_size(sheet, max_rows, max_columns):
    size = sheet.size
    if max_rows is not None and size.rows > max_rows:
        raise FileUnreadable(
            _("Sheet “%(sheet)s” has %(rows)d rows; at most %(limit)d are accepted.")
            % {"sheet": sheet.title, "rows": size.rows, "limit": max_rows}
        )
    if size.columns > max_columns:
        raise FileUnreadable(
            _("Sheet “%(sheet)s” has %(columns)d columns; at most %(limit)d are accepted.")
            % {"sheet": sheet.title, "columns": size.columns, "limit": max_columns}
        )
    if size.extent > measure.MAX_CELLS:
        raise measure.too_many_cells(size.extent)


def _calamine_failed(kind, error):
    """The refusal for what calamine raised on a malformed file: its own errors, others, and
    the panics of the Rust code underneath (a date cell holding 1e308, say), which PyO3 raises
    as a ``PanicException`` deriving from BaseException. Anything else (KeyboardInterrupt,
    SystemExit) is raised again."""
    if isinstance(error, Exception) or type(error).__name__ == "PanicException":
        return _damaged(kind, error)
    raise error


def _calamine_sheet(sheet):
    try:
        return sheet.workbook.calamine.get_sheet_by_name(sheet.title)
    except BaseException as error:
        raise _calamine_failed(sheet.workbook.kind, error) from None


def read_rows(sheet, *, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS):
    """The sheet's rows as lists of raw values (numbers as floats, dates, text; "" for an
    empty cell), from row 1 and column A, one row at a time; refused first by the sheet's
    measured size. A float may be NaN, which no spreadsheet program stores: a caller must
    refuse it as a damaged file, as ``read_grid`` does."""
    _check_size(sheet, max_rows, max_columns)
    return _values(sheet, _calamine_sheet(sheet))


def _values(sheet, parsed):
    # calamine's rows start at row 1 but at the first column holding a cell.
    padding = [""] * parsed.start[1] if parsed.start else []
    rows = parsed.iter_rows()  # each row's values are made as it is reached, so a bad one fails here
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except BaseException as error:
            raise _calamine_failed(sheet.workbook.kind, error) from None
        yield padding + values if padding else values


def read_grid(sheet, *, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS):
    """The sheet's values as text, refusing sheets too large to be a real table."""
    _check_size(sheet, max_rows, max_columns)
    workbook = sheet.workbook
    parsed = _calamine_sheet(sheet)
    rows = [[_grid_text(value) for value in values] for values in _values(sheet, parsed)]
    ranges = parsed.merged_cell_ranges
    if ranges is None:  # .ods: calamine does not read its merges; the measuring pass did
        merges = list(sheet.size.merges)
    else:
        merges = [(first[0] + 1, first[1] + 1, last[0] + 1, last[1] + 1) for first, last in ranges]
    if workbook.uncalculated_as_text and workbook.kind == "xlsx" and sheet.size.uncalculated:
        _show_uncalculated(workbook, sheet.title, rows)
    while rows and not any(rows[-1]):
        rows.pop()
    return SheetGrid(name=sheet.title, rows=rows, merges=merges)


def _grid_text(value):
    if value.__class__ is float and value != value:
        raise measure.damaged_workbook("NaN")  # no spreadsheet program stores NaN; openpyxl refused it too
    return cell_text(value)


def _show_uncalculated(workbook, title, rows):
    """Put the text of each formula without a value into ``rows``."""
    try:
        formulas = openpyxl.load_workbook(io.BytesIO(workbook.data), read_only=True)
        try:
            for cells in formulas[title].iter_rows():
                for cell in cells:
                    if getattr(cell, "data_type", None) != "f":
                        continue
                    while len(rows) < cell.row:
                        rows.append([])
                    row = rows[cell.row - 1]
                    if len(row) < cell.column:
                        row.extend([""] * (cell.column - len(row)))
                    if not row[cell.column - 1]:
                        row[cell.column - 1] = str(getattr(cell.value, "text", cell.value))  # an array formula's text
        finally:
            formulas.close()
    except FileUnreadable:
        raise
    except Exception as error:  # openpyxl raises many kinds on a malformed package
        raise _damaged("xlsx", error) from None


def cell_text(value):
    """A cell value as the text a person sees: 3 not 3.0, dates as 2023-12-31, 是/否."""
    kind = value.__class__  # text and numbers first: nearly every cell is one
    if kind is str:
        return value.replace("\r\n", "\n").strip()
    if kind is float:
        # Whole numbers as integers, up to Excel's 15 digits: beyond them Excel shows 1E+308
        # too, and the integer would be hundreds of digits of binary noise.
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").strip()
