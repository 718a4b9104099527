"""Checking uploaded evidence files: what they claim to be must match what they are."""

import hashlib
import io
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from .errors import FileUnreadable
from .office_package import check_package, open_package

# Extension -> check of the first bytes (and, for Office files, the zip's contents).
EVIDENCE_TYPES = {
    ".pdf": lambda data: data.startswith(b"%PDF"),
    ".png": lambda data: data.startswith(b"\x89PNG\r\n\x1a\n"),
    ".jpg": lambda data: data.startswith(b"\xff\xd8\xff"),
    ".jpeg": lambda data: data.startswith(b"\xff\xd8\xff"),
    ".docx": lambda data: _office(data, "word/document.xml"),
    ".xlsx": lambda data: _office(data, "xl/workbook.xml"),
}


OFFICE = (".docx", ".xlsx")


def _office(data, member):
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    return member in names and "[Content_Types].xml" in names  # without it Office cannot open the file


def check_evidence(upload):
    """The file's bytes and SHA-256, or a ValidationError saying what is wrong with it."""
    name = PurePath(upload.name).name
    suffix = PurePath(name).suffix.lower()
    allowed = "、".join(sorted(ext.lstrip(".") for ext in EVIDENCE_TYPES))
    if suffix not in EVIDENCE_TYPES:
        raise ValidationError(
            _("“%(name)s” is not an accepted type. Accepted: %(allowed)s.") % {"name": name, "allowed": allowed}
        )
    limit = settings.EVIDENCE_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size).1f MB; the limit is %(limit)d MB.")
            % {"name": name, "size": upload.size / 1024 / 1024, "limit": settings.EVIDENCE_MAX_MB}
        )
    data = upload.read()
    if not data:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name})
    if not EVIDENCE_TYPES[suffix](data):
        raise ValidationError(
            _("“%(name)s” is not really a %(type)s file (its content does not match its name).")
            % {"name": name, "type": suffix.lstrip(".")}
        )
    if suffix in OFFICE:  # downloaded and opened by others: no macros, zip bombs or entity tricks
        try:
            check_package(open_package(data))
        except FileUnreadable as error:
            raise ValidationError(_("“%(name)s”: %(reason)s") % {"name": name, "reason": error}) from None
    return data, hashlib.sha256(data).hexdigest()


def evidence_store(files, *, upload, user):
    """Check ``upload`` and attach it through ``files``, the record's related manager of an
    ``EvidenceFile`` model (``report.evidence``). The same file twice is refused."""
    data, digest = check_evidence(upload)
    name = PurePath(upload.name).name[:200]
    if files.filter(sha256=digest).exists():
        raise ValidationError(_("“%(name)s” is already attached to this entry.") % {"name": name})
    evidence = files.model(name=name, size=len(data), sha256=digest, uploaded_by=user)
    setattr(evidence, files.field.name, files.instance)
    evidence.file.save(f"{digest[:16]}{PurePath(name).suffix.lower()}", ContentFile(data), save=False)
    evidence.save()
    return evidence
