"""Evidence files attached to a record (progress entries, checklist answers, carriers,
water audits): the one way they are checked, attached, removed and downloaded, so every
kind refuses the same files with the same words.

Each kind's view finds its record (a 404 for a user who may not see or change it) and
hands over the record's related manager of its ``core.models.EvidenceFile`` model
(``report.evidence``), the reviewed record whose state decides whether the files may
still change (``review=``; none for the registry), and the address to go back to."""

import hashlib
import io
import zipfile
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import FileUnreadable
from .office_package import check_package, open_package
from .workflow import TransitionRefused, lock, require_editable

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
# The file chooser's ``accept``: what the browser offers first, not a check.
ACCEPT = ",".join(sorted(EVIDENCE_TYPES))


class EvidenceForm(forms.Form):
    """One evidence file. An empty file is let through to ``check_file``, which refuses it
    naming the file."""

    file = forms.FileField(
        label=gettext_lazy("Evidence file"),
        help_text=gettext_lazy("PDF, image (jpg/png), Word (.docx) or Excel (.xlsx)."),
        allow_empty_file=True,
        error_messages={"required": gettext_lazy("Choose a file to attach.")},
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )


def _office(data, member):
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    return member in names and "[Content_Types].xml" in names  # without it Office cannot open the file


def check_file(upload):
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
    if suffix in OFFICE:  # opened in Office by others: nothing it would run or fetch, no zip bombs or entity tricks
        try:
            check_package(open_package(data))
        except FileUnreadable as error:
            raise ValidationError(_("“%(name)s”: %(reason)s") % {"name": name, "reason": error}) from None
    return data, hashlib.sha256(data).hexdigest()


def _require_open(review):
    """Refuse (TransitionRefused) while ``review`` is submitted or approved. The row stays
    locked until the caller's transaction ends, so a decision taken meanwhile waits."""
    if review is not None:
        require_editable(lock(review))


@transaction.atomic
def store(files, *, upload, user, review=None, fields=None):
    """Check ``upload`` and attach it through ``files``, the record's related manager of
    its evidence model, with ``fields`` the evidence model's own further values (a stage
    document's stage). The same file twice is refused, as is any change while ``review``
    is not editable."""
    _require_open(review)
    data, digest = check_file(upload)
    name = PurePath(upload.name).name[:200]
    duplicate = ValidationError(_("“%(name)s” is already attached to this entry.") % {"name": name})
    if files.filter(sha256=digest).exists():
        raise duplicate
    evidence = files.model(name=name, size=len(data), sha256=digest, uploaded_by=user, **(fields or {}))
    setattr(evidence, files.field.name, files.instance)
    evidence.file.save(f"{digest[:16]}{PurePath(name).suffix.lower()}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            evidence.save()
    except IntegrityError:  # the same file sent twice at once: the other request stored it
        evidence.file.delete(save=False)
        raise duplicate from None
    return evidence


@transaction.atomic
def discard(evidence, *, review=None, kept_reason=None):
    """Remove ``evidence``; its file goes once the removal is committed. ``kept_reason``:
    why the record it belongs to keeps its files (refused with it), for records that are
    not reviewed but closed another way (an accepted carrier, a closed audit)."""
    _require_open(review)
    if kept_reason:
        raise TransitionRefused(kept_reason)
    stored = evidence.file
    evidence.delete()
    transaction.on_commit(lambda: stored.storage.delete(stored.name))


# --- the requests -------------------------------------------------------------------------


def attach(request, files, *, back, review=None, fields=None, posted_as="file", in_place=None):
    """Attach the file posted with ``EvidenceForm`` (under the name ``posted_as``) to the
    record of ``files`` (with ``fields``, see ``store``), say how it went, and go back to
    ``back`` — or answer in place (see ``_answer``)."""
    form = EvidenceForm(request.POST, {"file": upload} if (upload := request.FILES.get(posted_as)) else {})
    if not form.is_valid():
        messages.error(request, " ".join(problem for problems in form.errors.values() for problem in problems))
        return _answer(request, back, in_place, refused=True)
    try:
        stored = store(files, upload=form.cleaned_data["file"], user=request.user, review=review, fields=fields)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except TransitionRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("“%(name)s” attached.") % {"name": stored.name})
        return _answer(request, back, in_place)
    return _answer(request, back, in_place, refused=True)


def remove(request, evidence, *, back, review=None, kept_reason=None, in_place=None):
    """Remove ``evidence``, say how it went, and go back to ``back`` — or answer in place."""
    try:
        discard(evidence, review=review, kept_reason=kept_reason)
    except TransitionRefused as error:
        messages.error(request, str(error))
        return _answer(request, back, in_place, refused=True)
    messages.success(request, _("“%(name)s” removed.") % {"name": evidence.name})
    return _answer(request, back, in_place)


def _answer(request, back, in_place, *, refused=False):
    """An htmx request from a page listing the files where they can be swapped
    (``in_place``: a callable giving that list, with the message, as a response) gets it,
    so the page around it — a form being typed into — stays as it is. Any other request
    goes back to ``back``, the page showing the message.

    The list answering a refusal is sent as 422: the audit log records the request as
    failed (the message saying why is shown, so no longer waiting to be), and htmx swaps
    a 422 in all the same (``responseHandling`` in base.html). Views answering in place
    declare ``@audited(..., page=Outcome.SUCCESS)``: their 200 is the change made."""
    if in_place is not None and request.headers.get("HX-Request"):
        response = in_place()
        if refused:
            response.status_code = 422
        return response
    return redirect(back)


def download(evidence):
    """The stored file as a download under the name it was uploaded with. Someone else's
    upload is never shown inline, nor sniffed by the browser into a page."""
    try:
        content = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(content, as_attachment=True, filename=evidence.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
