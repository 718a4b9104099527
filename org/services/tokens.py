"""System accounts and the API tokens they present to /api/v1/.

A token reads ``jsd_<prefix>_<secret>``: the prefix finds the row and is shown on the page to
tell tokens apart; only the SHA-256 digest of the whole token is kept, so a copy of the
database gives nobody a working token. The token is shown once, when it is made.
"""

import datetime
import hashlib
import hmac
import re
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.gongwen import written_date

from ..models import ApiToken, User

TOKEN_PATTERN = re.compile(r"^jsd_([a-z2-7]{10})_([A-Za-z0-9_-]{43})$")
DEFAULT_DAYS = 90
MAX_DAYS = 3 * 365
# Writing the last use on every call would make each API read a write; once a minute is
# precise enough for "last used" and for noticing a token nobody uses any more.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class TokenRefused(Exception):
    """The token presented cannot be used; the message says why, for the caller."""

    def __init__(self, message, token=None):
        super().__init__(message)
        self.token = token


def digest_of(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _new_prefix():
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def parse_expiry(text):
    """'90d', '12w', '6m' (30-day months), '1y' or a bare number of days → days; a
    ValidationError naming the expected form otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*([dwmy]?)\s*", str(text or ""))
    if not match:
        raise ValidationError(_("Write the validity as a number of days, e.g. 90d, 12w, 6m or 1y."))
    days = int(match.group(1)) * {"": 1, "d": 1, "w": 7, "m": 30, "y": 365}[match.group(2)]
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(_("A token is valid for 1 to %(most)s days.") % {"most": MAX_DAYS})
    return days


def token_create(*, account, name, days=DEFAULT_DAYS, read_only=False, by=None):
    """A new token for system account ``account``, valid ``days`` days; returns (row, token)."""
    if not account.is_system:
        raise ValidationError(_("Tokens are only made for system accounts."))
    if not account.is_active:
        raise ValidationError(_("The system account is disabled."))
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(_("A token is valid for 1 to %(most)s days.") % {"most": MAX_DAYS})
    # A city supervisor changes nothing on the pages; its tokens read only, except a city
    # statistics account's bulk figures (see org.scoping.Scope.bulk_counties), which needs write.
    with transaction.atomic():
        prefix = _new_prefix()
        while ApiToken.objects.filter(prefix=prefix).exists():
            prefix = _new_prefix()
        token = f"jsd_{prefix}_{secrets.token_urlsafe(32)}"
        row = ApiToken.objects.create(
            account=account, name=name.strip() or account.get_username(), prefix=prefix, digest=digest_of(token),
            read_only=read_only, expires_at=timezone.now() + datetime.timedelta(days=days), created_by=by,
        )
    return row, token


def token_revoke(*, token, by):
    """Revoke ``token`` from now on; revoking twice keeps the first time."""
    with transaction.atomic():
        row = ApiToken.objects.select_for_update().get(pk=token.pk)
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.revoked_by = by
            row.save(update_fields=["revoked_at", "revoked_by"])
    return row


def token_authenticate(token, *, ip=None, now=None):
    """The usable ApiToken row (its account loaded) for the presented ``token``; TokenRefused
    saying why otherwise."""
    now = now or timezone.now()
    match = TOKEN_PATTERN.match(token or "")
    row = None
    if match:
        row = (
            ApiToken.objects.select_related("account__department__region")
            .filter(prefix=match.group(1)).first()
        )
    if row is None or not hmac.compare_digest(row.digest, digest_of(token)):
        raise TokenRefused(_("The token is not valid."))
    if row.revoked_at is not None:
        raise TokenRefused(_("The token was revoked on %(date)s.") % {"date": _written(row.revoked_at)}, row)
    if row.expires_at <= now:
        raise TokenRefused(_("The token expired on %(date)s.") % {"date": _written(row.expires_at)}, row)
    if not row.account.is_active:
        raise TokenRefused(_("The token's system account is disabled."), row)
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION or row.last_used_ip != ip:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now, last_used_ip=ip)
        row.last_used_at, row.last_used_ip = now, ip
    return row


def _written(moment):
    return written_date(timezone.localtime(moment).date())


def system_account_create(*, username, display_name, role, department):
    """A system account: the role and department decide its scope as for a person (a
    department's reporter, a district's reviewer, a city's supervisor); it has no password
    and never signs in to a page."""
    if role not in (User.Role.REPORTER, User.Role.REVIEWER, User.Role.SUPERVISOR):
        raise ValidationError({"role": _("A system account is a department's, a district's or a city's.")})
    user = User(username=username, display_name=display_name, role=role, department=department, is_system=True)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": _("The username %(username)s is taken.") % {"username": username}})
        user.save()
    return user


def system_account_set_active(*, account, active):
    """Disable (or enable again) a system account: a disabled account's tokens are refused
    from the next call on (``token_authenticate``); nothing is deleted."""
    if not account.is_system:
        raise ValidationError(_("Only a system account is disabled here."))
    if account.is_active != active:
        account.is_active = active
        account.save(update_fields=["is_active"])
    return account
