"""The administrator's pages for system accounts and their API tokens (/api/v1/).

A token is shown once, on the page that answers the POST creating it: never in a URL, a
message kept in the session or the audit log, and that page is not cached. Nothing is
deleted: a revoked token keeps who revoked it and when, a disabled account its tokens."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from core.audit import audited, saved_on_page

from .forms import VALIDITY_CHOICES, ApiTokenForm, SystemAccountForm, system_role_label
from .models import ApiToken, User
from .selectors import system_account_regions, system_accounts
from .services.tokens import system_account_create, system_account_set_active, token_create, token_revoke
from .setup_views import _administrator

ACCOUNTS_PER_PAGE = 20


def _system_account(pk):
    return get_object_or_404(User.objects.filter(is_system=True).select_related("department__region"), pk=pk)


def _list_url():
    return reverse("org:api_accounts")


@require_safe
@login_required
def api_accounts(request):
    _administrator(request)
    regions = system_account_regions()
    region = regions.filter(code=request.GET.get("region", "")).first()
    page = Paginator(system_accounts(region), ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    for account in page.object_list:
        account.kind_label = system_role_label(account.role)
        for token in account.api_tokens.all():
            token.state = token.state_at(now)
    return render(request, "org/api_accounts.html", {
        "page": page, "regions": regions, "region": region,
        "query": urlencode({"region": region.code}) if region else "",
    })


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Create a system account"))
def api_account_create(request):
    _administrator(request)
    form = SystemAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = system_account_create(username=data["username"], display_name=data["display_name"],
                                            role=data["role"], department=data["department"])
        except ValidationError as error:
            form.add_error(None, error)  # a taken username, a department of the wrong level: at its field
        else:
            messages.success(request, _("System account %(username)s created. Now give it a token.")
                             % {"username": account.username})
            return redirect("org:api_token_create", pk=account.pk)
    return render(request, "org/api_account_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@never_cache  # the answer shows the token, once
@login_required
@audited(gettext_lazy("Create an API token"), "org.User")
def api_token_create(request, pk):
    _administrator(request)
    account = _system_account(pk)
    form = ApiTokenForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row, token = token_create(account=account, name=data["name"], days=data["validity"],
                                      read_only=data["read_only"],
                                      by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            saved_on_page(request)
            return render(request, "org/api_token_created.html", {
                "account": account, "kind_label": system_role_label(account.role), "row": row, "token": token,
            })
    return render(request, "org/api_token_form.html", {
        "form": form, "account": account, "kind_label": system_role_label(account.role),
        "validity_choices": VALIDITY_CHOICES,
    })


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Revoke an API token"), "org.ApiToken")
def api_token_revoke(request, pk):
    _administrator(request)
    row = get_object_or_404(ApiToken.objects.select_related("account__department__region", "revoked_by"), pk=pk)
    if request.method == "POST":
        if row.revoked_at is not None:
            messages.error(request, _("Token %(prefix)s… was already revoked.") % {"prefix": row.prefix})
        else:
            token_revoke(token=row, by=request.user)
            messages.success(request, _("Token %(prefix)s… revoked: it is refused from now on.")
                             % {"prefix": row.prefix})
        return redirect(_list_url())
    row.state = row.state_at(timezone.now())
    return render(request, "org/api_token_revoke.html", {"row": row, "account": row.account,
                                                         "kind_label": system_role_label(row.account.role)})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Disable a system account"), "org.User",
         variants=(("active", "1", gettext_lazy("Enable a system account")),))
def api_account_active(request, pk):
    """Disable a system account (its tokens are refused at once) or enable it again."""
    _administrator(request)
    account = _system_account(pk)
    if request.method == "POST":
        active = request.POST.get("active") == "1"
        system_account_set_active(account=account, active=active)
        messages.success(request, (_("System account %(username)s enabled again: its valid tokens work.")
                                   if active else
                                   _("System account %(username)s disabled: its tokens are refused from now on."))
                         % {"username": account.username})
        return redirect(_list_url())
    now = timezone.now()
    tokens = list(account.api_tokens.all())
    usable = [token for token in tokens if token.state_at(now) == "valid"]
    return render(request, "org/api_account_active.html", {
        "account": account, "kind_label": system_role_label(account.role), "usable": usable,
    })
