"""One way in for every uploaded file: upload → read → check → preview → confirm.

An app describes one import flow as an ``Importer`` and its two views call ``keep_upload``
(the upload form was valid) and ``preview`` (the preview page, GET to look and POST to
confirm). The steps, and what each app supplies:

- ``target(request, meta)``: what the upload is for (a region, a report, a quarter), looked
  up again in the user's scope from what the upload page recorded; a 404 when no longer
  allowed.
- ``read(data, target)``: the file's bytes → what it says. Pure apart from ``target``; raises
  ``core.errors.FileUnreadable`` (the clerk is sent back to the upload page with the reason).
- ``check(read, target)`` → ``Check``: errors by row and column (they block the import),
  warnings to confirm, and what the import would change and remove, for the preview.
- ``commit(read, target, confirmation)``: write it, run inside one transaction (nothing is
  written when it raises). It checks again against the records as they are now and raises
  ``core.errors.ImportBlocked`` when they no longer fit (a record changed since the
  preview). What follows a commit (recomputes, …) is registered with
  ``transaction.on_commit`` by the app's services, so it runs only once the write is kept.
- ``done(request, result, target)`` → (success message, address to go to).

Pending uploads are ``core.pending_uploads``: per user, with a quota and an expiry.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.db import DatabaseError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import pending_uploads
from .errors import FileUnreadable, ImportBlocked
from .views import import_failed_in_database

SHOWN_PROBLEMS = 200  # a national file can have thousands; the first ones say what is wrong
SHOWN_CHANGES = 100


@dataclass
class Change:
    """One thing the import adds, changes or removes, as the preview lists it."""

    where: str  # where in the file ("第12行"), or "" for what the file no longer has
    label: str  # what it is ("3.1 完成管网排查", "武隆区 用水总量")
    fields: list = field(default_factory=list)  # [(field, old, new)]; a removal: [(what hangs on it, count, None)]


@dataclass
class Check:
    """What a file would do: the preview shows it, the confirm step commits it."""

    data: object = None  # the app's own result of the check, for its page
    problems: list = field(default_factory=list)  # errors, "第N行X列（表头）：…"; any blocks the import
    warnings: list = field(default_factory=list)  # confirmed with a tick before the import
    changes: list = field(default_factory=list)  # Change: what is added or changed (may hold only the first)
    removals: list = field(default_factory=list)  # Change: what the import removes
    changed: int | None = None  # how many changes in all, when ``changes`` holds only the first ones
    added: int = 0  # new records not listed one by one (the page shows them its own way)
    facts: list = field(default_factory=list)  # [(label, value)]: the summary above the lists
    needs_confirmation: bool | None = None  # default: when there are warnings

    def __post_init__(self):
        self.problems = [str(problem) for problem in self.problems]
        self.warnings = [str(warning) for warning in self.warnings]
        if self.changed is None:
            self.changed = len(self.changes)
        if self.needs_confirmation is None:
            self.needs_confirmation = bool(self.warnings)

    @property
    def changes_anything(self):
        return bool(self.changed or self.added or self.removals)


@dataclass
class Confirmation:
    """What the user said when confirming."""

    user: object
    warnings_confirmed: bool
    form: object = None  # the importer's confirm form, valid


class Importer:
    """One import flow. Subclass it, set the attributes and supply the hooks."""

    kind = ""  # names the pending upload: an upload of one kind cannot be confirmed as another
    preview_route = ""  # URL name of the preview view (taking ``token``)
    template = ""  # the preview page; it extends "core/import_preview.html"
    title = gettext_lazy("Import preview")
    confirm_label = gettext_lazy("Confirm and import")
    # True when ``commit`` itself refuses errors and unconfirmed warnings with an
    # ``ImportBlocked`` whose ``preview`` is the ``Check``: confirming then skips the check
    # before the commit (a national statistics file takes seconds to check).
    commit_checks = False

    def preview_url(self, token):
        return reverse(self.preview_route, kwargs={"token": token})

    def target(self, request, meta):
        return None

    def read(self, data, target):
        raise NotImplementedError

    def check(self, read, target):
        raise NotImplementedError

    def confirm_form(self, check, target, data):
        """An extra form the user fills in on the preview to confirm (None: just a button).
        ``check`` is None when the importer ``commit_checks``."""
        return None

    def commit(self, read, target, confirmation):
        raise NotImplementedError

    def done(self, request, result, target):
        raise NotImplementedError

    def context(self, target, check):
        """More for the preview page (its breadcrumbs, say)."""
        return {}


def keep_upload(request, importer, upload, *, back=None, **meta):
    """Keep a valid upload (a ``core.forms.WorkbookField`` file) and go to its preview.
    ``back`` is the upload page to return to (default: the page posted to)."""
    back = back or request.get_full_path()
    token = pending_uploads.keep(
        request, kind=importer.kind, data=upload.workbook_bytes, filename=upload.name, back=back, **meta
    )
    return redirect(importer.preview_url(token))


def preview(request, importer, token):
    """The preview of a pending upload (GET) and its confirmation (POST)."""
    try:
        found = pending_uploads.find(request, kind=importer.kind, token=token)
    except pending_uploads.Expired as expired:
        messages.error(request, _("The uploaded file has expired (a file waits %(hours)d hours for its confirmation). "
                                  "Upload it again.") % {"hours": pending_uploads.EXPIRY_HOURS})
        return redirect(expired.meta["back"])
    if found is None:
        raise Http404
    meta, content = found
    target = importer.target(request, meta)
    try:
        read = importer.read(content, target)
    except FileUnreadable as error:
        pending_uploads.discard(request, token)
        messages.error(request, _("The file could not be read: %(reason)s") % {"reason": error})
        return redirect(meta["back"])
    posted = request.method == "POST"
    # An importer whose commit checks everything itself is not checked twice on confirming.
    check = None if posted and importer.commit_checks else importer.check(read, target)
    form = importer.confirm_form(check, target, request.POST if posted else None)
    if posted and (check is None or not check.problems) and (form is None or form.is_valid()):
        confirmed = request.POST.get("confirm_warnings") == "on"
        if check is not None and check.needs_confirmation and not confirmed:
            messages.warning(request, _("Tick the confirmation that the figures with warnings are right."))
        else:
            try:
                with transaction.atomic():
                    result = importer.commit(read, target, Confirmation(request.user, confirmed, form))
            except ImportBlocked as blocked:
                _say_blocked(request, blocked)
                if isinstance(blocked.preview, Check):
                    check = blocked.preview
                else:
                    check = _with_problems(check or importer.check(read, target), blocked)
            except DatabaseError:
                import_failed_in_database(request)
            else:
                pending_uploads.discard(request, token)
                message, url = importer.done(request, result, target)
                messages.success(request, message)
                return redirect(url)
    if check is None:
        check = importer.check(read, target)
    return render(request, importer.template, {
        "importer": importer, "meta": meta, "check": check, "form": form, "again_url": meta["back"],
        "problems": check.problems, "shown_problems": check.problems[:SHOWN_PROBLEMS],
        "shown_warnings": check.warnings[:SHOWN_PROBLEMS], "changes": check.changes[:SHOWN_CHANGES],
        "changed": check.changed, "removals": check.removals, **importer.context(target, check),
    })


def _say_blocked(request, blocked):
    if blocked.warnings_only:
        messages.warning(request, _("Tick the confirmation that the figures with warnings are right."))
    elif len(blocked.problems) == 1:
        messages.error(request, _("Nothing was saved: %(reason)s") % {"reason": blocked.problems[0]})
    else:
        messages.error(request, _("Nothing was imported: the file has errors (listed below)."))


def _with_problems(check, blocked):
    """The preview again after a refused confirmation, with what stands in the way."""
    if not blocked.warnings_only:
        known = set(check.problems)
        check.problems = check.problems + [problem for problem in blocked.problems if problem not in known]
    return check
