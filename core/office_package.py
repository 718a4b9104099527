"""The zip container of an Office file (.xlsx, .ods, .docx), checked before anything parses
it: damaged, a zip bomb, macros, XML document type declarations. Workbook uploads
(``core.workbook_reader``) and evidence uploads (``core.evidence``) share these checks and
their messages."""

import io
import zipfile
import zlib
from pathlib import PurePosixPath

from django.utils.translation import gettext as _

from .errors import FileUnreadable

MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Where macros live: vbaProject.bin in Office Open XML; Basic/ (StarBasic) and Scripts/
# (other script languages) in OpenDocument.
MACRO_FOLDERS = ("basic", "scripts")
DAMAGED_MEMBER = (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error)
# A document type declaration is where XML entities (“billion laughs”, external files) are
# declared; Office never writes one. Looked for in UTF-8 and both UTF-16 byte orders.
DOCTYPE = tuple("<!DOCTYPE".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be"))


def open_package(data):
    """The zip container of ``data``, refused when damaged or when it would expand to an
    implausible size (a zip bomb). The sizes are the ones the zip declares; reading a member
    (``read_member``) stops at the declared size, so a member cannot expand beyond it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileUnreadable(
            _("The file is damaged: it is not a complete .xlsx file. Save it again and re-upload.")
        ) from None
    uncompressed = sum(member.file_size for member in members)
    if uncompressed > MAX_UNCOMPRESSED_BYTES or uncompressed > MAX_COMPRESSION_RATIO * max(len(data), 1):
        raise FileUnreadable(
            _("The file expands to an implausible size when opened and was refused (possible zip bomb).")
        )
    return archive


def check_package(archive, *, scanned=lambda name: False):
    """Refuse what no plain file saved by an office program contains: macros, and XML document
    type declarations. Every member is read (the zip-bomb check bounds that), in chunks,
    and a damaged member is reported as a damaged file; except the members ``scanned`` says
    the caller reads anyway and looks for a DOCTYPE in (``workbook_measure``'s worksheets),
    so that the largest parts are not decompressed once more only for this."""
    if any(_is_macro(name) for name in archive.namelist()):
        raise FileUnreadable(
            _("The file contains macros (a macro-enabled file renamed). Save it in Excel as a plain "
              "“Excel workbook (.xlsx)” or “Word document (.docx)” and upload that.")
        )
    try:
        declared = any(_declares_doctype(archive, name) for name in archive.namelist() if not scanned(name))
    except DAMAGED_MEMBER:
        raise damaged_member() from None
    if declared:
        raise doctype_declared()


def damaged_member():
    return FileUnreadable(_("The file is damaged: a part of it cannot be read. Save it again and re-upload."))


def doctype_declared():
    return FileUnreadable(
        _("The file contains an XML document type declaration (DOCTYPE), which Office never "
          "writes; it was refused. Open it in Excel or Word, save it again and re-upload.")
    )


def _is_macro(name):
    path = PurePosixPath(name.lower())
    return path.name == "vbaproject.bin" or (len(path.parts) > 1 and path.parts[0] in MACRO_FOLDERS)


def read_member(archive, name, chunk=1 << 20):
    """The decompressed bytes of member ``name``, chunk by chunk."""
    with archive.open(name) as member:
        while block := member.read(chunk):
            yield block


def _declares_doctype(archive, name):
    overlap = max(len(pattern) for pattern in DOCTYPE) - 1
    tail = b""
    for block in read_member(archive, name):
        window = tail + block
        if any(pattern in window for pattern in DOCTYPE):
            return True
        tail = window[-overlap:]
    return False
