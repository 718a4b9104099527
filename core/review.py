"""The review decisions every reviewed record takes from a page (approve / return with a
comment / reopen with a reason): the forms and the request handling, so progress entries
and data reports answer a reviewer the same way."""

from django import forms
from django.contrib import messages
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .history import record_history
from .workflow import EditConflict, TransitionRefused


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required when returning: say what the department should fix."),
    )
    # The version of the record the reviewer was shown: a decision is taken on that content only.
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def showing(cls, record):
        """The form for a page that shows ``record`` as it is now."""
        return cls(initial={"version": record.version})


class ReopenForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for reopening"), widget=forms.Textarea(attrs={"rows": 2}))


def decide(request, record, *, approve, send_back):
    """Approve ``record`` or, when the reviewer pressed 退回, send it back with the comment,
    both only if the record is still the version the page showed. ``approve(report=, user=,
    version=)`` and ``send_back(report=, user=, comment=, version=)`` are the record's
    services. Returns whether the decision was taken; the reason it was not is a message
    (the caller then shows the record as it is now)."""
    form = ReviewForm(request.POST)
    if not form.is_valid() or form.cleaned_data["version"] is None:
        messages.error(request, _("The page did not say which version of the entry you reviewed. Review it "
                                  "again as shown below."))
        return False
    version = form.cleaned_data["version"]
    try:
        if request.POST.get("action") == "return":
            send_back(report=record, user=request.user, comment=form.cleaned_data["comment"], version=version)
            messages.success(request, _("Returned to %(department)s.") % {"department": record.department})
        else:
            approve(report=record, user=request.user, version=version)
            messages.success(request, _("Approved. The entry is now locked."))
    except EditConflict as conflict:
        messages.error(request, changed_since_shown(conflict.current))
        return False
    except TransitionRefused as error:
        messages.error(request, str(error))
        return False
    return True


def changed_since_shown(current):
    """Why a decision on ``current`` was refused: it changed after the page was shown.
    Says what its latest change was, by whom and when, from the record's history."""
    latest = record_history(current, limit=1)
    if latest and latest[0]["changes"]:
        entry = latest[0]
        what = _("last changed %(when)s by %(user)s: %(fields)s") % {
            "when": timezone.localtime(entry["record"].history_date).strftime("%Y-%m-%d %H:%M"),
            "user": entry["record"].history_user or "—",
            "fields": "、".join(str(change["field"]) for change in entry["changes"]),
        }
    else:
        what = _("now %(state)s") % {"state": current.get_state_display()}
    return _("Nothing was decided: this entry changed after your page was shown (%(what)s). Its current content "
             "is shown below; review it again.") % {"what": what}


def reopen(request, record, *, service):
    """Reopen an approved ``record`` with the reason the reviewer gave."""
    form = ReopenForm(request.POST)
    try:
        if not form.is_valid():
            raise TransitionRefused(_("Give the reason for reopening an approved entry."))
        service(report=record, user=request.user, reason=form.cleaned_data["reason"])
    except TransitionRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Reopened and returned to the department."))
