from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import Region


class LoginForm(AuthenticationForm):
    # One message for a wrong username and a wrong password alike: no hint which it was.
    error_messages = {
        "invalid_login": _("The username or password is incorrect. Both are case-sensitive."),
        "inactive": _("This account has been disabled. Please contact the administrator."),
    }


class SelfReviewForm(forms.ModelForm):
    """A district's setting letting its single reviewer approve what they submitted."""

    class Meta:
        model = Region
        fields = ["allow_self_review"]
