"""The audit log: one ``AuditEntry`` for every data-changing action — who, when, what,
from where, and how it ended.

``AuditMiddleware`` records every non-safe request (POST, PUT, PATCH, DELETE) that
resolves to a route — the portal's pages, htmx posts, the admin site, sign-in, sign-out
and password changes — once the view has answered. ``record_command`` (used through
``core.management.audited``) records each run of a data-changing management command.

What an entry says was done is declared on each view with ``@audited(label, …)``, beside
the view; Django's own routes (sign-in, the admin site) are labelled in ``ACTIONS`` here.
tests/test_audit.py fails for a route that accepts POST and has no label.
The admin site's per-model routes are labelled by their kind (``ADMIN_KINDS``).

How it ended (``outcome``):

- failed (失败): the answer is an error (4xx, 5xx: out of scope, wrong method, CSRF,
  locked out), a redirect to a sign-in page, or the view said why it refused with
  ``messages.error`` (every view here does when a workflow rule refuses);
- not saved (未保存): a page (200) answered the POST instead of a redirect. Every view
  here redirects after it saved, and only then, so a page is a form shown again with its
  errors, an edit conflict, or a confirmation step. A route can say otherwise
  (``Action.page``): the sign-in form shown again is a refused sign-in;
- success (成功): any other answer, in practice the redirect after a save.

The entry is its own INSERT after the view's transaction committed, not part of it.
ATOMIC_REQUESTS is off and views commit in their own atomic blocks (row locks,
on_commit jobs); wrapping every view in one more transaction to share it with the audit
row would change what they do. So a failure to write the entry never loses the user's
change: it is logged at ERROR with everything the entry would have held, and the log
is the record of last resort. The price: a process killed between the view's commit and
the INSERT leaves a change without its entry.

Never stored: request bodies, passwords, session or CSRF tokens, query strings. Posted
values are read only for the fields ``Action.variants`` names (which button was pressed)
and the username typed on a sign-in form.
"""

import hashlib
import ipaddress
import logging
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from axes.helpers import get_client_ip_address
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLResolver
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry

logger = logging.getLogger(__name__)

Outcome = AuditEntry.Outcome
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Action:
    """What a route does.

    ``variants`` are (posted field, value, label): the label when the request posted that
    value of the field (None: posted the field at all), e.g. 退回 on the review route.
    ``model`` is the model ("app.Model") whose primary key the route's ``key`` argument
    names, so the entry can say which object. ``page`` is what a page answering the POST
    means (see the module's docstring)."""

    label: str
    model: str = ""
    key: str = "pk"
    variants: tuple = ()
    page: str = Outcome.UNSAVED

    def label_for(self, posted):
        for field, value, label in self.variants:
            if field in posted and (value is None or posted.get(field) == value):
                return label
        return self.label


def submitted(label):
    """The variant of an entry form whose 报送 button was pressed instead of 保存草稿."""
    return (("submit", None, label),)


def returned(label):
    """The variant of a review whose 退回 button was pressed instead of 通过."""
    return (("action", "return", label),)


def audited(label, model="", *, key="pk", variants=(), page=Outcome.UNSAVED):
    """Declare, on the view itself, what posting to it means (see ``Action``). Put it below
    ``login_required`` and the method decorators: they copy the mark onto their wrappers."""
    action = Action(label, model, key, variants, page)

    def mark(view):
        view.audit_action = action
        return view

    return mark


# The routes whose views Django declares (sign-in, the admin site's own pages): what posting
# to them means. The portal's own views say it with ``@audited`` where they are declared.
ACTIONS = {
    # --- signing in and out, the user's own settings ----------------------------------
    "login": Action(_("Sign in"), page=Outcome.FAILED),
    "logout": Action(_("Sign out")),
    "password_change": Action(_("Change password")),
    "password_change_done": Action(_("Open a page")),  # signs in a visitor whatever the method; a POST is a 405
    "set_language": Action(_("Switch the interface language")),
    # --- the admin site's own pages ---------------------------------------------------
    "admin:login": Action(_("Sign in to the administration"), page=Outcome.FAILED),
    "admin:logout": Action(_("Sign out of the administration"), page=Outcome.SUCCESS),
    "admin:password_change": Action(_("Change password")),
    "admin:auth_user_password_change": Action(_("Administration: set a user's password"), "org.User", key="id"),
    # Pages that only show something, whatever the method.
    **dict.fromkeys(
        [
            "admin:index", "admin:app_list", "admin:password_change_done", "admin:jsi18n", "admin:autocomplete",
            "admin:view_on_site",
        ],
        Action(_("Open an administration page")),
    ),
}

# Signing in and out: most of the log by count, and no change to anyone's data, so the log
# page leaves them out unless asked (core.selectors.audit_filtered).
SIGN_IN_ROUTES = ("login", "logout", "admin:login", "admin:logout")

# The admin site's routes of each registered model, "admin:<app>_<model>_<kind>", by kind;
# the label names the model.
ADMIN_KINDS = {
    "changelist": Action(_("Administration: bulk action on %(model)s")),
    "add": Action(_("Administration: add %(model)s")),
    "change": Action(_("Administration: change %(model)s"), key="object_id"),
    "delete": Action(_("Administration: delete %(model)s"), key="object_id"),
    "history": Action(_("Administration: open the history of %(model)s"), key="object_id"),
    "simple_history": Action(_("Administration: revert %(model)s to an earlier version")),
}


def _admin_kind(route):
    """The kind of an admin route of a registered model; None for any route of ACTIONS."""
    if route in ACTIONS or not route.startswith("admin:"):
        return None
    # Longest first: "simple_history" also ends in "history".
    return next((kind for kind in sorted(ADMIN_KINDS, key=len, reverse=True) if route.endswith(f"_{kind}")), None)


def action_for(route, view=None):
    """The ``Action`` of a route: the one its ``view`` declares (``@audited``), else the one
    of Django's routes or the admin site's kinds; None when nothing says."""
    declared = getattr(view, "audit_action", None)
    if declared is not None:
        return declared
    kind = _admin_kind(route)
    return ADMIN_KINDS[kind] if kind else ACTIONS.get(route)


def declared_actions():
    """{route: Action} of every route of the portal that says what posting to it means,
    read from the URL configuration (the views' ``@audited`` marks) and ``ACTIONS``."""
    found = dict(ACTIONS)
    for route, view in _routes(get_resolver()):
        action = action_for(route, view)
        if action is not None:
            found.setdefault(route, action)
    return found


def _routes(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern, inner)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", pattern.callback


def _admin_model(route):
    """The model an admin route of ``ADMIN_KINDS`` is about; None for any other route."""
    kind = _admin_kind(route)
    if kind is None:
        return None
    stem = route.removeprefix("admin:").removesuffix(f"_{kind}")
    return next((m for m in apps.get_models() if f"{m._meta.app_label}_{m._meta.model_name}" == stem), None)


def _model_of(route, action):
    if action.model:
        return apps.get_model(action.model)
    return _admin_model(route)


def action_label(route, action, posted):
    """The words an entry says, in the site's language (zh-hans) whoever's browser asked:
    the log is one record for everyone who reads it."""
    with translation.override(settings.LANGUAGE_CODE):
        if action is None:
            return str(_("Unlisted action %(route)s")) % {"route": route}
        label = str(action.label_for(posted))
        if _admin_kind(route):
            model = _admin_model(route)
            label %= {"model": model._meta.verbose_name if model else route}
        return label


# --- who and where --------------------------------------------------------------------------


def client_ip(request):
    """The client's address by the rule django-axes locks sign-ins with (AXES_IPWARE_* via
    django-ipware when it is installed, else REMOTE_ADDR), so the log and the lockouts
    always name the same address; None when that is not an IP address."""
    address = get_client_ip_address(request)
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def _region_of(user):
    return user.department.region_id if user is not None and user.department_id else None


def _who(request, before, route):
    """(user, username): the signed-in user after the view (sign-in), else before it
    (sign-out); for a refused sign-in, nobody, with the username that was typed."""
    user = request.user if request.user.is_authenticated else before
    if user is not None:
        return user, user.get_username()
    if route in ("login", "admin:login"):
        return None, request.POST.get("username", "")[:150]
    return None, ""


# --- how it ended ----------------------------------------------------------------------------


def _sign_in_paths():
    return {reverse(settings.LOGIN_URL), reverse("admin:login")}


def _sends_to_sign_in(response):
    """A redirect to a sign-in page carrying ``next``: login_required and the admin site
    refusing a visitor (a sign-out also ends on the sign-in page, but without ``next``)."""
    if response.status_code not in REDIRECTS:
        return False
    location = urlsplit(response.get("Location", ""))
    return location.path in _sign_in_paths() and "next=" in location.query


def _refusal_said(request):
    # The messages added during this request wait in the storage's queue until the
    # response is written; an error among them is the view saying why it refused.
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", ())
    return any(message.level >= messages.ERROR for message in queued)


def saved_on_page(request):
    """Say that the page answering this POST follows a save: a secret shown once (a new API
    token) can ride neither on a redirect nor in the session, so that view answers with the
    page itself, and its entry is a success rather than "not saved"."""
    request.audit_saved = True


def outcome_of(request, response, action):
    if response.status_code >= 400 or _sends_to_sign_in(response) or _refusal_said(request):
        return Outcome.FAILED
    if response.status_code == 200:
        if getattr(request, "audit_saved", False):
            return Outcome.SUCCESS
        return action.page if action else Outcome.UNSAVED
    return Outcome.SUCCESS


# --- what it was about -----------------------------------------------------------------------


def _target(match):
    target = {key: value for key, value in match.kwargs.items() if isinstance(value, str | int)}
    if match.args:
        target["args"] = [str(arg) for arg in match.args]
    return target


def _object_repr(match, action):
    """The object the route names, in words, read before the view changes or deletes it;
    '' when the route names none or it does not exist."""
    model = _model_of(match.view_name, action) if action else None
    key = match.kwargs.get(action.key) if action else None
    if model is None or key is None:
        return ""
    if action.key == "object_id":
        key = unquote(key)  # the admin site quotes primary keys in its URLs
    try:
        found = model._default_manager.filter(pk=key).first()
    except (ValueError, TypeError):
        return ""
    return str(found)[:200] if found is not None else ""


def _files(request):
    """Name, size and SHA-256 of every uploaded file, read before the view stores or moves it."""
    described = []
    for field, uploads in request.FILES.lists():
        for upload in uploads:
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            described.append({"field": field, "name": upload.name[:200], "size": upload.size,
                              "sha256": digest.hexdigest()})
    return described


@dataclass
class _Seen:
    """What the middleware noted before the view ran."""

    object_repr: str
    files: list


# --- writing ---------------------------------------------------------------------------------


def record(**fields):
    """Write one entry in its own transaction; a failure is logged at ERROR with the whole
    entry and never raised, so the action it records is not undone or answered with an
    error because of it."""
    try:
        with transaction.atomic():
            return AuditEntry.objects.create(**fields)
    except Exception:
        logger.error("Audit entry NOT written: %r", fields, exc_info=True)
        return None


class AuditMiddleware:
    """Records every non-safe request that resolves to a route (see the module docstring).
    Placed after the authentication and message middleware, and before django-axes so it
    sees axes' lockout answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in SAFE_METHODS:
            return self.get_response(request)
        # Sign-out replaces request.user with an anonymous one: remember who it was.
        before = request.user if request.user.is_authenticated else None
        response = self.get_response(request)
        try:
            self._record(request, response, before)
        except Exception:
            logger.error("Audit entry NOT written for %s %s", request.method, request.path, exc_info=True)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in SAFE_METHODS:
            match = request.resolver_match
            request.audit_seen = _Seen(_object_repr(match, action_for(match.view_name, match.func)), _files(request))

    def _record(self, request, response, before):
        match = request.resolver_match
        if match is None:
            return  # no route: nothing could have been done
        route = match.view_name
        # An API route read and written names its write's label by the method (core.api.wrap_view).
        action = getattr(request, "audit_action", None) or action_for(route, match.func)
        if action is None and response.status_code != 405:  # a 405 is a view that takes no POST: nothing to label
            logger.error("Route %s accepts %s but its view has no @audited label", route, request.method)
        seen = getattr(request, "audit_seen", None) or _Seen("", [])
        outcome = outcome_of(request, response, action)
        user, username = _who(request, before, route)
        # A refused visitor learns nothing about an object out of their scope, nor does
        # whoever reads their district's log.
        in_scope = response.status_code < 400 and not _sends_to_sign_in(response)
        record(
            user=user, username=username, region_id=_region_of(user), ip=client_ip(request),
            # A call of /api/v1/ names the token it came with (org.api_auth), so a change can be
            # traced to the system holding that token.
            origin=getattr(request, "audit_origin", "")[:100], method=request.method,
            path=request.path[:500], route=route[:120], action=action_label(route, action, request.POST),
            target=_target(match), object_repr=seen.object_repr if in_scope else "", files=seen.files,
            status=response.status_code, outcome=outcome,
        )


def record_command(name, *, label, target, outcome):
    """One entry for a run of management command ``name``: nobody signed in, run on this host."""
    with translation.override(settings.LANGUAGE_CODE):
        origin = str(_("Command line %(host)s")) % {"host": socket.gethostname()}
        text = str(label)
    return record(
        user=None, username="", origin=origin[:100], path=f"manage.py {name}", route=f"command:{name}"[:120],
        action=text, target=target, outcome=outcome,
    )
