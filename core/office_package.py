"""The zip container of an Office file (.xlsx, .ods, .docx), checked before anything parses
it: damaged, a zip bomb, macros, embedded objects and controls, links that make Office reach
out when the file is opened, XML document type declarations. Workbook uploads
(``core.workbook_reader``) and evidence uploads (``core.evidence``) share these checks and
their messages.

Evidence files are downloaded and opened in Office by reviewers, so the checks refuse what
Office would run or fetch on opening, whatever the part is called: a part is judged by its
content type and its first bytes, not by its name."""

import codecs
import io
import re
import zipfile
import zlib
from pathlib import PurePosixPath
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _

from .errors import FileUnreadable

MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Where macros live: vbaProject.bin in Office Open XML; Basic/ (StarBasic) and Scripts/
# (other script languages) in OpenDocument.
MACRO_FOLDERS = ("basic", "scripts")
# zipfile raises RuntimeError for a member flagged as encrypted and NotImplementedError for
# one flagged with a compression it does not know: a damaged directory entry reads as either.
DAMAGED_MEMBER = (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error, RuntimeError, NotImplementedError)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE object, a VBA project, an .xls/.doc inside
ZIP = b"PK\x03\x04"
# Content types of parts that hold or run code: VBA projects and their data, macro-enabled
# main parts, Excel 4.0 macro sheets, ActiveX controls, OLE objects. Matched as fragments of
# the lower-cased type, so every variant (template, add-in, binary, signature) is caught.
CODE_CONTENT_TYPES = ("vbaproject", "vbadata", "macroenabled", "macrosheet")
OBJECT_CONTENT_TYPES = ("activex", "oleobject")
# Folders Office keeps embedded objects and ActiveX controls in. A part there is refused
# unless it is an Office package (a Word chart's data is an .xlsx in word/embeddings/),
# which is checked like the file itself, one level deep.
OBJECT_FOLDERS = ("embeddings", "activex")
# External relationships: Office fetches the target of an attached template, an external
# workbook link, a linked picture, a frame or a subdocument when the file is opened (a UNC
# path hands the reader's Windows credentials to that server). A hyperlink is only followed
# when the reader clicks it, after Office's warning, so one to a web page or an e-mail
# address is accepted: refusing them would refuse most reports that cite a web page.
# A hyperlink to anything else (a UNC path, file:, another program's scheme) is refused.
HYPERLINK = "hyperlink"
HYPERLINK_SCHEMES = ("http://", "https://", "mailto:")
# Word records the template a document was made from (a 公文 template on the clerk's own
# disk) as an external attachedTemplate relationship to a drive path. Opening the file looks
# for that path on the reader's own machine only, so a drive path reaches nobody; a template
# on a web server or a network share (http:, \\server, file://server/) is refused.
ATTACHED_TEMPLATE = "attachedtemplate"
LOCAL_DRIVE_PATH = re.compile(r"^(file:/{2,3})?[a-z]:[\\/]", re.IGNORECASE)
NAMED_TARGET = 120  # characters of a target quoted in a refusal

# A document type declaration is where XML entities (“billion laughs”, external files) are
# declared; Office never writes one. The raw bytes are searched, lower-cased, in the
# encodings an XML parser detects from the first bytes (UTF-8, UTF-16 and UTF-32 in both
# byte orders); a part declaring another encoding is also decoded with it and searched.
DECLARATIONS = ("<!doctype", "<!entity")
UNICODE = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
DOCTYPE = tuple(word.encode(encoding) for word in DECLARATIONS for encoding in UNICODE)
# (bytes an XML part may start with, the encoding they mean), after XML 1.0 appendix F.
BYTE_ORDER_MARKS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"), (b"\x4c\x6f\xa7\x94", "cp037"),
)
ZERO_BYTES = {  # which of the first four bytes are zero, for a part without a byte-order mark
    (True, True, True, False): "utf-32-be", (False, True, True, True): "utf-32-le",
    (True, False, True, False): "utf-16-be", (False, True, False, True): "utf-16-le",
}
ENCODING_DECLARATION = re.compile(rb"""^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']{1,40})["']""")


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
        raise zip_bomb()
    return archive


def _expanded(archive):
    return sum(member.file_size for member in archive.infolist())


def check_package(archive, *, scanned=lambda name: False):
    """Refuse what no plain file saved by an office program contains: macros, embedded
    objects and controls, links Office follows on opening, and XML document type
    declarations. Every member is read (the zip-bomb check bounds that), in chunks, and a
    damaged member is reported as a damaged file. The members ``scanned`` says the caller
    reads anyway and looks for a DOCTYPE in (``workbook_measure``'s worksheets) are only
    read as far as their first chunk here, so that the largest parts are not decompressed
    once more only for this."""
    try:
        _check(archive, scanned, budget=[_expanded(archive)], nested=False)
    except FileUnreadable:
        raise
    except DAMAGED_MEMBER:  # FileUnreadable is a ValueError too: the refusals above go as they are
        raise damaged_member() from None


def _check(archive, scanned, *, budget, nested):
    if any(_is_macro(name) for name in archive.namelist()):
        raise macros()
    _check_content_types(archive)
    for name in archive.namelist():
        if not name.endswith("/"):
            _check_member(archive, name, scanned, budget=budget, nested=nested)


def zip_bomb():
    return FileUnreadable(
        _("The file expands to an implausible size when opened and was refused (possible zip bomb).")
    )


def macros():
    return FileUnreadable(
        _("The file contains macros (a macro-enabled file renamed). Save it in Excel as a plain "
          "“Excel workbook (.xlsx)” or “Word document (.docx)” and upload that.")
    )


def damaged_member():
    return FileUnreadable(_("The file is damaged: a part of it cannot be read. Save it again and re-upload."))


def doctype_declared():
    return FileUnreadable(
        _("The file contains an XML document type declaration (DOCTYPE), which Office never "
          "writes; it was refused. Open it in Excel or Word, save it again and re-upload.")
    )


def embedded_object(part):
    return FileUnreadable(
        _("The file contains an embedded object or control (%(part)s), which Office may run when the "
          "file is opened; for safety it was refused. Delete the object (paste it as a picture if "
          "it is needed), save the file and upload that.") % {"part": part}
    )


def external_link(kind, target):
    target = " ".join(target.split())
    if len(target) > NAMED_TARGET:
        target = target[:NAMED_TARGET] + "…"
    return FileUnreadable(
        _("The file contains an external link (%(kind)s → %(target)s), which Office follows when the "
          "file is opened; for safety it was refused. Save it as a file without external links and "
          "upload that.") % {"kind": kind, "target": target}
    )


def unusual_encoding(part, encoding):
    return FileUnreadable(
        _("A part of the file (%(part)s) is written in a character encoding Office never uses "
          "(%(encoding)s); it was refused. Open it in Excel or Word, save it again and re-upload.")
        % {"part": part, "encoding": encoding}
    )


def _is_macro(name):
    path = PurePosixPath(name.lower())
    return path.name == "vbaproject.bin" or (len(path.parts) > 1 and path.parts[0] in MACRO_FOLDERS)


def read_member(archive, name, chunk=1 << 20):
    """The decompressed bytes of member ``name``, chunk by chunk."""
    with archive.open(name) as member:
        while block := member.read(chunk):
            yield block


def _check_content_types(archive):
    """Refuse a part that is code or an object by its content type: Office loads a part by
    the type [Content_Types].xml gives it (by name or by extension), whatever it is called."""
    name = next((item for item in archive.namelist() if item.lower() == "[content_types].xml"), None)
    if name is None:
        return
    for entry in _xml(archive, name):
        content_type = (entry.get("ContentType") or "").lower()
        if any(fragment in content_type for fragment in CODE_CONTENT_TYPES):
            raise macros()
        if any(fragment in content_type for fragment in OBJECT_CONTENT_TYPES):
            raise embedded_object(entry.get("PartName") or "*." + (entry.get("Extension") or ""))


def _check_member(archive, name, scanned, *, budget, nested):
    blocks = read_member(archive, name)
    first = next(blocks, b"")
    if first.startswith(OLE2):
        raise embedded_object(name)
    folders = {part.lower() for part in PurePosixPath(name).parts[:-1]}
    if "activex" in folders:
        raise embedded_object(name)
    if first.startswith(ZIP):
        if nested:  # an object inside an embedded object: nothing a chart or a report needs
            raise embedded_object(name)
        _check_embedded(name, first + b"".join(blocks), budget)
        return
    if folders.intersection(OBJECT_FOLDERS):
        raise embedded_object(name)
    encoding = _encoding(first, name)
    if scanned(name):  # the caller reads the rest; a declaration comes before the root element
        blocks = iter(())
    if _declares_doctype(first, blocks, encoding):
        raise doctype_declared()
    if name.lower().endswith(".rels"):
        _check_relationships(archive, name)


def _check_embedded(name, data, budget):
    """An Office package embedded in the file (a chart's workbook): the same checks, within
    the same size budget as the file itself."""
    try:
        inner = zipfile.ZipFile(io.BytesIO(data))
        budget[0] += _expanded(inner)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise embedded_object(name) from None
    if budget[0] > MAX_UNCOMPRESSED_BYTES or _expanded(inner) > MAX_COMPRESSION_RATIO * max(len(data), 1):
        raise zip_bomb()
    _check(inner, lambda member: False, budget=budget, nested=True)


def _check_relationships(archive, name):
    for relationship in _xml(archive, name):
        target = (relationship.get("Target") or "").strip()
        kind = (relationship.get("Type") or "").rstrip("/").rsplit("/", 1)[-1]
        external = (relationship.get("TargetMode") or "internal").strip().lower() != "internal"
        # An internal target is a part name; one written as an address or a network path
        # is treated as what it is.
        if external or "://" in target or target.startswith(("\\\\", "//")):
            if kind.lower() == HYPERLINK and target.lower().startswith(HYPERLINK_SCHEMES):
                continue
            if kind.lower() == ATTACHED_TEMPLATE and LOCAL_DRIVE_PATH.match(target):
                continue
            raise external_link(kind or "?", target)


def _xml(archive, name):
    """The child elements of a small XML part's root ([Content_Types].xml, a .rels part),
    parsed without DTDs or entities. A part that does not parse is damaged: Office would not
    open the file either."""
    try:
        root = fromstring(b"".join(read_member(archive, name)), forbid_dtd=True)
    except DefusedXmlException:
        raise doctype_declared() from None
    except ParseError:
        raise damaged_member() from None
    return list(root)


def _encoding(first, name):
    """The encoding of an XML part starting with ``first``, detected as an XML parser
    does: a byte-order mark, the zero bytes of UTF-16 or UTF-32 text, or the encoding
    declaration. A binary part reads as UTF-8 (nothing is decoded for that)."""
    for mark, encoding in BYTE_ORDER_MARKS:
        if first.startswith(mark):
            return encoding
    if len(first) >= 4 and (encoding := ZERO_BYTES.get(tuple(byte == 0 for byte in first[:4]))):
        return encoding
    declared = ENCODING_DECLARATION.match(first[:1024])
    if not declared:
        return "utf-8"
    label = declared.group(1).decode("ascii", "replace").strip()
    try:
        codec = codecs.lookup(label)
    except LookupError:
        raise unusual_encoding(name, label) from None
    if not getattr(codec, "_is_text_encoding", True):  # rot13, hex, base64: no XML is written in those
        raise unusual_encoding(name, label)
    return codec.name


def _declares_doctype(first, rest, encoding):
    """Whether the part (``first``, then the chunks of ``rest``) holds a DOCTYPE or ENTITY
    declaration, in any letter case: in its raw bytes, and decoded when its encoding is not
    one the raw search covers (“<!DOCTYPE” in UTF-7 or EBCDIC has no such bytes)."""
    decoder = None
    if encoding not in UNICODE:  # UTF-7 may write “<!” as “+ADwAIQ-”: only decoded text tells
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    overlap = max(len(pattern) for pattern in DOCTYPE) - 1
    tail, text_tail = b"", ""
    for block in _chain(first, rest):
        window = tail + block.lower()
        if any(pattern in window for pattern in DOCTYPE):
            return True
        tail = window[-overlap:]
        if decoder is not None:
            text = text_tail + decoder.decode(block).lower()
            if any(word in text for word in DECLARATIONS):
                return True
            text_tail = text[-overlap:]
    return False


def _chain(first, rest):
    yield first
    yield from rest
