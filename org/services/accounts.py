"""Sign-in accounts an administrator makes for a district's departments."""

import secrets
import string

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import User

# No 0/O, 1/l/I: a generated password is read off the screen and typed or passed on by phone.
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
GENERATED_LENGTH = 14


def password_generate():
    return "".join(secrets.choice(_ALPHABET) for _ in range(GENERATED_LENGTH))


def account_create(*, username, display_name, role, department, password=""):
    """A reporter's or reviewer's account in ``department``; returns (user, password), the
    password generated when none is given (shown once, never stored in clear)."""
    password = password or password_generate()
    user = User(username=username, display_name=display_name, role=role, department=department)
    password_validation.validate_password(password, user)
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": _("The username %(username)s is taken.") % {"username": username}})
        user.set_password(password)
        user.save()
    return user, password
