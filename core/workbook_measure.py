"""How large an uploaded workbook is, found without parsing it: its format (from the bytes,
not the name), its sheets, and for each sheet the cells it holds and the rows and columns
they reach.

python-calamine builds a sheet as one dense rectangle from its first to its last cell, so a
sheet's cost is its extent, not only its cell count: two cells at A1 and XFD1048576 make 17
billion. A 700-byte .ods can say “this row, a hundred thousand times, a hundred cells
wide”. So the extent and the count are read first, streaming, in memory that does not grow
with the file, and ``core.workbook_reader`` refuses what is too large before calamine sees it:

- .xlsx: each worksheet part is decompressed chunk by chunk and its cell tags and cell
  references counted with byte patterns (its ``<dimension>`` counts too);
- .ods: content.xml is streamed through expat, adding up ``number-rows-repeated`` ×
  ``number-columns-repeated`` of the cells that hold something (the empty repeated block
  LibreOffice writes to the sheet's end holds nothing and costs nothing);
- .xls: the workbook stream (at most the upload's 10 MB) is walked record by record.

Macros and encryption are refused here too, for the formats whose container only this
module opens (.xls); the zip formats' container checks are ``core.office_package``.
"""

import re
import struct
import xml.parsers.expat
from dataclasses import dataclass, field

import olefile
from django.utils.translation import gettext as _

from .errors import FileUnreadable
from .office_package import DAMAGED_MEMBER, damaged_member, doctype_declared, read_member

MAX_SHEETS = 100
# Cells a workbook may hold (and a sheet may reach, rows × columns). The largest real upload,
# the national bulk statistics table, is 150,000 rows × 7 columns at most.
MAX_CELLS = 2_000_000
# A cell's XML longer than this is no cell a spreadsheet program writes.
MAX_TAG_BYTES = 8 * 1024 * 1024

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_RELATIONSHIP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


@dataclass
class SheetSize:
    name: str
    rows: int = 0  # the last row a cell is on (1-based, as Excel numbers rows)
    columns: int = 0  # the last column a cell is in
    cells: int = 0  # the cells the file holds
    uncalculated: bool = False  # an .xlsx formula cell without a calculated value
    merges: list = field(default_factory=list)  # .ods only: calamine reads no .ods merges

    @property
    def extent(self):
        return self.rows * self.columns


@dataclass
class Measured:
    kind: str  # "xlsx", "xls" or "ods"
    sheets: list  # SheetSize, in workbook order


def too_many_sheets(count):
    return FileUnreadable(
        _("The workbook has %(sheets)d sheets; at most %(limit)d are accepted.")
        % {"sheets": count, "limit": MAX_SHEETS}
    )


def too_many_cells(count):
    return FileUnreadable(
        _("The workbook has more than %(limit)s filled cells (at least %(cells)s); it is too large to be a table "
          "the portal reads and was refused.") % {"cells": f"{count:,}", "limit": f"{MAX_CELLS:,}"}
    )


def damaged_workbook(reason):
    return FileUnreadable(_("The file is damaged or not a valid workbook (%(reason)s).") % {"reason": reason})


def macros():
    return FileUnreadable(
        _("The workbook contains macros, which are not accepted. Save it as a plain “Excel workbook (.xlsx)” "
          "and upload that.")
    )


def password_protected():
    return FileUnreadable(
        _(
            "The workbook is protected by a password. "
            "Remove the password in Excel, save it as .xlsx and upload it again."
        )
    )


class _Budget:
    """The cells counted so far in the whole workbook; refuses as soon as there are too many."""

    def __init__(self):
        self.cells = 0

    def add(self, count):
        self.cells += count
        if self.cells > MAX_CELLS:
            raise too_many_cells(self.cells)


# --- .xlsx ---------------------------------------------------------------------------------------


def measure_xlsx(archive):
    budget = _Budget()
    sheets = []
    for name, part in _xlsx_sheet_parts(archive):
        size = SheetSize(name=name)
        if part in archive.NameToInfo:
            try:
                _measure_sheet_xml(read_member(archive, part), size, budget)
            except FileUnreadable:
                raise
            except DAMAGED_MEMBER:
                raise damaged_member() from None
        sheets.append(size)
    if "xl/sharedStrings.xml" in archive.NameToInfo:
        strings = _Budget()  # a text per string: no more of them than cells are allowed
        for block in read_member(archive, "xl/sharedStrings.xml"):
            strings.add(block.count(b"<si>") + block.count(b"<si "))
    return Measured("xlsx", sheets)


def is_worksheet_part(name):
    """Where Office keeps worksheets. The measuring pass reads every sheet the workbook names
    and looks for a DOCTYPE in it; a worksheet part no sheet names is read by nobody."""
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _xlsx_sheet_parts(archive):
    """(sheet name, zip member) of each sheet, from the workbook part and its relationships."""
    targets = {
        attributes.get("Id"): attributes.get("Target", "")
        for attributes in _elements(archive, "xl/_rels/workbook.xml.rels", f"{RELATIONSHIPS_NS} Relationship")
    }
    parts = []
    for attributes in _elements(archive, "xl/workbook.xml", f"{MAIN_NS} sheet"):
        if len(parts) == MAX_SHEETS:
            raise too_many_sheets(len(parts) + 1)
        target = targets.get(attributes.get(f"{OFFICE_RELATIONSHIP_NS} id"), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        parts.append((attributes.get("name", ""), part))
    return parts


def _elements(archive, part, wanted):
    """The attributes of each ``wanted`` element of a small XML part, streamed."""
    if part not in archive.NameToInfo:
        return []
    found = []
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = lambda name, attributes: found.append(attributes) if name == wanted else None
    try:
        for block in read_member(archive, part):
            parser.Parse(block, False)
            if len(found) > MAX_SHEETS:
                break
        parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as error:
        raise _malformed(part, error) from None
    except DAMAGED_MEMBER:
        raise damaged_member() from None
    return found


def _malformed(part, error):
    return damaged_workbook(f"{part}: {xml.parsers.expat.errors.messages.get(error.code, error.code)}")


class _SheetPatterns:
    """Byte patterns of one worksheet part, for the namespace prefix the part uses (none in
    the files Excel, WPS and LibreOffice write). Those programs write a cell's reference
    first (``<c r="B7"``); a cell or row written otherwise is counted as one without a
    reference, which can only make the sheet measure larger."""

    def __init__(self, prefix):
        q = prefix + b":" if prefix else b""
        p = re.escape(q)
        self.referenced_cell = b"<" + q + b'c r="'
        self.cell_reference = re.compile(rb"<" + p + rb'c r="([A-Za-z]{1,3})(\d{1,9})"')
        self.other_cell = re.compile(rb"<" + p + rb'c(?:[\t\r\n/>]| (?!r="))')
        self.row_reference = re.compile(rb"<" + p + rb'row r="(\d{1,9})"')
        self.other_row = re.compile(rb"<" + p + rb'row(?:[\t\r\n/>]| (?!r="))')
        self.dimension = re.compile(rb"<" + p + rb"dimension\s[^>]*?\bref=\"[A-Za-z]*\d*:?([A-Za-z]{1,3})(\d{1,9})\"")
        self.uncalculated = re.compile(
            rb"<" + p + rb"c\b[^>]*[^/]>\s*<" + p + rb"f\b[^>]*(?:/>|>[^<]*</" + p + rb"f>)\s*"
            rb"(?:<" + p + rb"v\s*/>|<" + p + rb"v>\s*</" + p + rb"v>)?\s*</" + p + rb"c>"
        )
        self.ends = (b"</" + q + b"c>", b"</" + q + b"row>")
        self.formula = b"<" + q + b"f"


def _measure_sheet_xml(blocks, size, budget):
    patterns, carry = None, b""
    for block in blocks:
        data = carry + block
        if patterns is None:
            patterns = _sheet_patterns(data)
            declared = patterns.dimension.search(data)
            if declared:
                size.columns = column_number(declared.group(1))
                size.rows = int(declared.group(2))
        cut = max(data.rfind(end) + len(end) if data.rfind(end) >= 0 else 0 for end in patterns.ends)
        part, carry = data[:cut], data[cut:]
        if len(carry) > MAX_TAG_BYTES:
            raise damaged_workbook("cell too long")
        _measure_part(part, patterns, size, budget)
    if carry:
        _measure_part(carry, patterns, size, budget)


def _measure_part(part, patterns, size, budget):
    if b"<!DOCTYPE" in part:  # UTF-8 (checked first): other encodings' bytes declare nothing here
        raise doctype_declared()
    references = patterns.cell_reference.findall(part)
    unreferenced = len(patterns.other_cell.findall(part)) + part.count(patterns.referenced_cell) - len(references)
    cells = len(references) + unreferenced
    budget.add(cells)
    size.cells += cells
    if references:
        size.columns = max(size.columns, max(map(column_number, {letters for letters, _row in references})))
        size.rows = max(size.rows, max(map(int, {row for _letters, row in references})))
    rows = patterns.row_reference.findall(part)
    if rows:
        size.rows = max(size.rows, max(map(int, set(rows))))
    # A cell or row without a reference follows the one before it, so it reaches at most this far.
    size.columns += unreferenced
    size.rows += len(patterns.other_row.findall(part))
    if not size.uncalculated and patterns.formula in part:
        size.uncalculated = patterns.uncalculated.search(part) is not None


def _sheet_patterns(data):
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start.startswith(b"<") or b"\x00" in start[:200]:
        raise damaged_workbook("not UTF-8 XML")  # Office writes UTF-8; other encodings hide from the patterns
    root = re.search(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet\b", data)
    return _SheetPatterns(root.group(1) or b"" if root else b"")


def column_number(letters):
    """1 for b"A", 27 for b"AA"."""
    number = 0
    for code in letters.upper():
        number = number * 26 + code - 64
    return number


# --- .ods ----------------------------------------------------------------------------------------


def is_ods(archive):
    if "mimetype" not in archive.NameToInfo or "content.xml" not in archive.NameToInfo:
        return False
    try:
        return archive.read("mimetype").strip() == ODS_MIMETYPE
    except DAMAGED_MEMBER:
        raise damaged_member() from None


class _OdsCounter:
    """Walks content.xml's tables, rows and cells, counting the cells that hold something."""

    def __init__(self):
        self.sheets, self.budget = [], _Budget()
        self.sheet = None
        self.depth = 0  # tables inside tables (charts' own tables) are not sheets
        self.row = self.row_repeat = self.column = 0
        self.row_cells = self.row_reach = 0
        self.cell = None  # (repeat, filled) of the cell being read

    def start(self, name, attributes):
        if self.cell is not None:
            self.cell[1] = True  # a paragraph, a link, an annotation: something is in the cell
            if name == f"{TABLE_NS} table":
                self.depth += 1
            return
        if name == f"{TABLE_NS} table":
            self.depth += 1
            if self.depth == 1:
                if len(self.sheets) == MAX_SHEETS:
                    raise too_many_sheets(len(self.sheets) + 1)
                self.sheet = SheetSize(name=attributes.get(f"{TABLE_NS} name", ""))
                self.sheets.append(self.sheet)
                self.row = 0
        elif self.depth != 1:
            return
        elif name == f"{TABLE_NS} table-row":
            self.row_repeat = _count(attributes, "number-rows-repeated")
            self.column = self.row_cells = self.row_reach = 0
        elif name in (f"{TABLE_NS} table-cell", f"{TABLE_NS} covered-table-cell"):
            repeat = _count(attributes, "number-columns-repeated")
            filled = f"{OFFICE_NS} value-type" in attributes
            rows_spanned = _count(attributes, "number-rows-spanned")
            columns_spanned = _count(attributes, "number-columns-spanned")
            if rows_spanned > 1 or columns_spanned > 1:
                for copy in range(self.row_repeat):
                    for offset in range(repeat):
                        first_row, first_column = self.row + copy + 1, self.column + offset + 1
                        self.sheet.merges.append((first_row, first_column, first_row + rows_spanned - 1,
                                                  first_column + columns_spanned - 1))
                        self.budget.add(1)  # a merge costs what a cell does
                        self.sheet.rows = max(self.sheet.rows, first_row + rows_spanned - 1)
                        self.sheet.columns = max(self.sheet.columns, first_column + columns_spanned - 1)
            self.cell = [repeat, filled]

    def end(self, name):
        if name == f"{TABLE_NS} table":
            self.depth -= 1
        elif self.depth != 1:
            return
        elif name in (f"{TABLE_NS} table-cell", f"{TABLE_NS} covered-table-cell") and self.cell is not None:
            repeat, filled = self.cell
            self.cell = None
            self.column += repeat
            if filled:
                self.row_cells += repeat
                self.row_reach = self.column
        elif name == f"{TABLE_NS} table-row":
            if self.row_cells:
                self.budget.add(self.row_cells * self.row_repeat)
                self.sheet.cells += self.row_cells * self.row_repeat
                self.sheet.rows = max(self.sheet.rows, self.row + self.row_repeat)
                self.sheet.columns = max(self.sheet.columns, self.row_reach)
            self.row += self.row_repeat


def _count(attributes, name):
    text = attributes.get(f"{TABLE_NS} {name}")
    if text is None:
        return 1
    if not text.isdecimal() or len(text) > 9 or int(text) < 1:
        raise damaged_workbook(f"table:{name}")
    return int(text)


def measure_ods(archive):
    counter = _OdsCounter()
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = counter.start
    parser.EndElementHandler = counter.end
    try:
        for block in read_member(archive, "content.xml"):
            parser.Parse(block, False)
        parser.Parse(b"", True)
    except FileUnreadable:
        raise  # too many sheets or cells, found while reading
    except xml.parsers.expat.ExpatError as error:
        raise _malformed("content.xml", error) from None
    except DAMAGED_MEMBER:
        raise damaged_member() from None
    return Measured("ods", counter.sheets)


# --- .xls ----------------------------------------------------------------------------------------

BOF, EOF, BOUNDSHEET, FILEPASS = 0x0809, 0x000A, 0x0085, 0x002F
# Records of one cell: row and column are their first two 16-bit fields.
CELL_RECORDS = {0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6}
# Records of a run of cells in one row: row, first column, …, last column (the last 16 bits).
RUN_RECORDS = {0x00BD, 0x00BE}
VBA_STORAGES = ("_vba_project_cur", "vba", "macros", "_vba_project")


def open_ole(data):
    try:
        return olefile.OleFileIO(data)
    except (OSError, ValueError, struct.error, IndexError, RecursionError) as error:
        raise damaged_workbook(type(error).__name__) from None


def workbook_stream(ole):
    """The BIFF stream's name, or None when the OLE file holds no Excel workbook."""
    for name in ("Workbook", "Book"):
        if ole.exists(name) and ole.get_type(name) == olefile.STGTY_STREAM:
            return name
    return None


def has_vba(ole):
    return any(entry[0].lower() in VBA_STORAGES for entry in ole.listdir(streams=True, storages=True))


def measure_xls(ole, stream):
    if ole.get_size(stream) > 64 * 1024 * 1024:
        raise damaged_workbook("BIFF")
    try:
        biff = ole.openstream(stream).read()
    except (OSError, ValueError, struct.error, IndexError) as error:
        raise damaged_workbook(type(error).__name__) from None
    budget, sheets, offsets = _Budget(), [], {}
    position, current = 0, None
    while position + 4 <= len(biff):
        kind, length = struct.unpack_from("<HH", biff, position)
        body = position + 4
        if body + length > len(biff):
            break  # a stream ends where its records end; calamine says whether the rest is readable
        if kind == FILEPASS and current is None:
            raise password_protected()
        if kind == BOUNDSHEET and current is None and length >= 8:
            if len(sheets) == MAX_SHEETS:
                raise too_many_sheets(len(sheets) + 1)
            size = SheetSize(name=_sheet_name(biff[body + 6 : body + length]))
            sheets.append(size)
            offsets[struct.unpack_from("<I", biff, body)[0]] = size
        elif kind == BOF and position in offsets:
            current = offsets[position]
        elif kind == EOF:
            current = None
        elif current is not None and length >= 4 and (kind in CELL_RECORDS or kind in RUN_RECORDS):
            row, first = struct.unpack_from("<HH", biff, body)
            last = struct.unpack_from("<H", biff, body + length - 2)[0] if kind in RUN_RECORDS else first
            count = max(last - first + 1, 1)
            budget.add(count)
            current.cells += count
            current.rows = max(current.rows, row + 1)
            current.columns = max(current.columns, max(first, last) + 1)
        position = body + length
    return Measured("xls", sheets)


def _sheet_name(record):
    """A BOUNDSHEET's name: a character count, a flags byte (bit 0: UTF-16), the characters."""
    if len(record) < 2:
        return ""
    count, wide = record[0], record[1] & 1
    text = record[2 : 2 + count * (2 if wide else 1)]
    return text.decode("utf-16-le" if wide else "latin-1", errors="replace")
