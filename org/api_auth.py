"""How /api/v1/ knows who calls: a system account's bearer token (``org.services.tokens``),
and how often it may call (per token).

Once the token is accepted, ``request.user`` is its system account, so that everything the
pages rely on works the same for the API: the scope (``org.scoping.visible_to``), the audit
log's who (``core.audit``), django-simple-history's who changed a row."""

import logging

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from core.audit import client_ip

from .services.tokens import TokenRefused, token_authenticate

logger = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if not header:
            raise AuthenticationError(401, _("Sign the request with a token: Authorization: Bearer <token>."))
        scheme, _space, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError(401, _("Sign the request with a token: Authorization: Bearer <token>."))
        return self.authenticate(request, token.strip())

    def authenticate(self, request, token):
        try:
            row = token_authenticate(token, ip=client_ip(request))
        except TokenRefused as refused:
            if refused.token is not None:
                request.audit_origin = _token_origin(refused.token)
                # The audit log names whose token was refused (a revoked or expired key still
                # in use is what an administrator wants to find).
                request.user = refused.token.account
                request.api_refused = True
            raise AuthenticationError(401, str(refused)) from None
        request.user = row.account
        request.api_token = row
        request.audit_origin = _token_origin(row)
        return row


def _token_origin(row):
    return _("API token %(prefix)s…") % {"prefix": row.prefix}


def require_write(request):
    """Refuse a write to a read-only token (403). What it may write is then the account's
    scope, checked by the same services as the pages."""
    if request.auth.read_only:
        raise HttpError(403, _("This token is read only: it cannot change anything."))


def api_reporting_department(request):
    """The department a token writes a department's records for: its own, as on the pages
    (``reporting_department``). Only a department's system account writes them: a
    district's or a city's reads its region and reviews on the pages, and a write in a
    department's name from it would hide who reported (403, said in words)."""
    from django.core.exceptions import PermissionDenied

    from .models import User
    from .scoping import reporting_department

    if request.user.role != User.Role.REPORTER or request.user.department_id is None:
        raise PermissionDenied(_("Only a department's system account writes its department's entries and figures; "
                                 "this token is a district's or a city's."))
    return reporting_department(request.user)


class TokenThrottle(SimpleRateThrottle):
    """API_RATE calls per token (e.g. "600/min"), counted in the ``throttle`` cache (Redis
    when the portal has one, so every gunicorn worker counts together). A cache that
    cannot answer lets the call through: a stopped Redis must not stop the API."""

    def __init__(self):
        super().__init__(settings.API_RATE)

    @property
    def cache(self):
        return caches["throttle"]

    def get_cache_key(self, request):
        token = getattr(request, "api_token", None)
        # The prefix, not the id: a test database reuses ids, the random prefix never repeats.
        return f"api-throttle-{token.prefix}" if token is not None else None

    def allow_request(self, request):
        # Read at each call, not once at start-up, so that a changed setting (and a test) applies.
        self.rate = settings.API_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request)
        except Exception:
            logger.warning("API throttle cache unavailable; call let through", exc_info=True)
            return True


def signed_in_or_token(view):
    """The API's description and its docs: for a person signed in to the portal, or a
    system presenting a usable token; a browser is sent to sign in, a system gets a 401."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.http import JsonResponse

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_system:
            return view(request, *args, **kwargs)
        header = request.headers.get("Authorization", "")
        if header:
            try:
                token_authenticate(header.partition(" ")[2].strip(), ip=client_ip(request))
            except TokenRefused as refused:
                return JsonResponse({"detail": str(refused), "errors": []}, status=401,
                                    json_dumps_params={"ensure_ascii": False})
            return view(request, *args, **kwargs)
        if request.path.endswith(".json"):
            return JsonResponse({"detail": _("Sign the request with a token: Authorization: Bearer <token>."),
                                 "errors": []}, status=401, json_dumps_params={"ensure_ascii": False})
        return redirect_to_login(request.get_full_path())

    return guarded
