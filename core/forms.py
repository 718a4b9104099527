"""Form pieces every app uses."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .excel import MAX_UPLOAD_BYTES, WorkbookError, check_upload


class WorkbookField(forms.FileField):
    """An uploaded .xlsx, checked (size, type, zip container) before anything parses it.
    The cleaned upload carries its bytes as ``workbook_bytes``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"empty": _("The file is empty.")})
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload is None:
            return upload
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        content = upload.read()
        try:
            check_upload(content)
        except WorkbookError as error:
            raise forms.ValidationError(str(error)) from None
        upload.workbook_bytes = content
        return upload
