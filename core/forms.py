"""Form pieces every app uses."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .docx_reader import load_document, looks_like_word
from .errors import FileUnreadable
from .workbook_reader import MAX_UPLOAD_BYTES, check_upload


class WorkbookField(forms.FileField):
    """An uploaded workbook (.xlsx, .xls, .ods), checked (size, type, container, sheets and
    cells) before anything parses it.
    The cleaned upload carries its bytes as ``workbook_bytes``."""

    # What the browser's file chooser offers first; the content is what is checked.
    ACCEPT = ".xlsx,.xls,.ods"

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"empty": _("The file is empty.")})
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": self.ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload is None:
            return upload
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        content = upload.read()
        try:
            self.check(content)
        except FileUnreadable as error:
            raise forms.ValidationError(str(error)) from None
        upload.workbook_bytes = content
        return upload

    def check(self, content):
        check_upload(content)


class WorkbookOrWordField(WorkbookField):
    """A workbook, or a Word document (.docx) whose tables or numbered prose are read: checked
    as ``core.docx_reader`` reads it (the same package checks), by its content, not its name."""

    ACCEPT = ".xlsx,.xls,.ods,.docx"

    def check(self, content):
        if looks_like_word(content):
            load_document(content)
        else:
            check_upload(content)


class VersionedForm(forms.ModelForm):
    """Carries the version the user started from, for optimistic locking."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version
        if self.instance.pk is None:  # nothing stored yet, so nothing to conflict with
            self.fields["version"].required = False

    def show_conflict(self, current):
        """After a refused save: keep the user's input, show what is stored now, and let a
        second submit knowingly replace it."""
        self.add_error(None, _("Someone else saved this record after you opened it. Their values are shown below; "
                                "submit again to replace them with yours, or cancel."))
        data = self.data.copy()
        data[self.add_prefix("version")] = current.version
        self.data = data
