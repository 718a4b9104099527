"""The review decisions every reviewed record takes from a page (approve / return with a
comment / reopen with a reason): the forms and the request handling, so progress entries
and data reports answer a reviewer the same way."""

from django import forms
from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .workflow import TransitionRefused


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required when returning: say what the department should fix."),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for reopening"), widget=forms.Textarea(attrs={"rows": 2}))


def decide(request, record, *, approve, send_back):
    """Approve ``record`` or, when the reviewer pressed 退回, send it back with the comment.
    ``approve(report=, user=)`` and ``send_back(report=, user=, comment=)`` are the record's
    services. Returns whether the decision was taken; the reason it was not is a message."""
    form = ReviewForm(request.POST)
    form.is_valid()
    try:
        if request.POST.get("action") == "return":
            send_back(report=record, user=request.user, comment=form.cleaned_data.get("comment", ""))
            messages.success(request, _("Returned to %(department)s.") % {"department": record.department})
        else:
            approve(report=record, user=request.user)
            messages.success(request, _("Approved. The entry is now locked."))
    except TransitionRefused as error:
        messages.error(request, str(error))
        return False
    return True


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
