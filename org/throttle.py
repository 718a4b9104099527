"""Throttling of password guesses, on top of django-axes.

axes locks a username + IP pair after AXES_FAILURE_LIMIT failed sign-ins. Two more ways
to guess are closed here:

- one password tried across many usernames from one address: SignInHandler also locks an
  IP after AXES_IP_FAILURE_LIMIT failures within the cool-off, whatever the usernames;
- the password-change form: a wrong old password is reported to axes as a failed sign-in
  of that user from that address, so whoever holds a session cannot guess the password
  behind it, and once locked the form is refused even with the right old password.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _


class SignInHandler(AxesDatabaseHandler):
    """axes' database handler with a second, per-address limit.

    axes compares one failure count with one limit. The count given here is the username +
    IP pair's, raised to that limit when the address as a whole has reached its own (higher)
    limit, so either lock applies. The address is deliberately not an axes lockout
    parameter: axes would then clear every failure from the address when anyone signs in
    from it, and one valid account would reset the count between rounds of guessing."""

    def get_failures(self, request, credentials=None):
        failures = super().get_failures(request, credentials)
        if address_failures(request) >= settings.AXES_IP_FAILURE_LIMIT:
            request.axes_address_locked = True  # the lockout page says why
            return max(failures, get_failure_limit(request, credentials))
        return failures


def address_failures(request):
    """Failed sign-ins from the request's address within the cool-off, for any username."""
    attempts = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
    )
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class ThrottledPasswordChangeForm(PasswordChangeForm):
    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        credentials = get_credentials(self.user.get_username())
        if not AxesProxyHandler.is_allowed(self.request, credentials):
            raise ValidationError(
                _("Too many wrong passwords have been entered. Please try again later."), code="locked"
            )
        try:
            return super().clean_old_password()
        except ValidationError:
            # axes records it; at the limit its middleware answers with the lockout page.
            user_login_failed.send(sender=__name__, credentials=credentials, request=self.request)
            raise


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}
