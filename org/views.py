"""Pages about regions and departments. Every queryset starts from the user's scope."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.audit import audited

from .forms import SelfReviewForm
from .models import Department, Notification, User
from .scoping import visible_to
from .selectors import region_overview, region_setup
from .services import notifications_mark_read

DEPARTMENTS_PER_PAGE = 50


@require_safe
@login_required
def region_list(request):
    scope = visible_to(request.user)
    return render(request, "org/region_list.html", {"regions": region_overview(scope)})


@require_safe
@login_required
def region_detail(request, code):
    scope = visible_to(request.user)
    region = get_object_or_404(scope.regions().select_related("parent"), code=code)
    departments = scope.departments().filter(region=region).prefetch_related("aliases").order_by("kind", "short_name")
    kind = request.GET.get("kind", "")
    if kind in Department.Kind.values:
        departments = departments.filter(kind=kind)
    else:
        kind = ""
    page = Paginator(departments, DEPARTMENTS_PER_PAGE).get_page(request.GET.get("page"))
    children = scope.regions().filter(parent=region).order_by("code")
    can_change = scope.can_review_region(region)  # who may change its departments and groups
    return render(
        request,
        "org/region_detail.html",
        {
            "region": region,
            "page": page,
            "children": children,
            "kinds": Department.Kind.choices,
            "kind": kind,
            "groups": region.groups.all() if scope.can_review_region(region) else [],
            "can_change": can_change,
            "setup": region_setup(region, makes_accounts=scope.is_admin) if can_change and region.is_county else None,
            "accounts": User.objects.filter(department__region=region, is_active=True, is_system=False)
            .select_related("department")
            .order_by("department__short_name", "username") if scope.can_review_region(region) else None,
            "self_review_form": SelfReviewForm(instance=region)
            if region.is_county and scope.can_review_region(region) else None,
        },
    )


@require_POST
@login_required
@audited(gettext_lazy("Change whether the reviewer may approve their own entries"), "org.Region", key="code")
def region_self_review(request, code):
    """The district's reviewer (or an administrator) turns 本人审核 on or off."""
    scope = visible_to(request.user)
    region = get_object_or_404(scope.regions(change=True), code=code)
    if not region.is_county or not scope.can_review_region(region):
        raise Http404
    form = SelfReviewForm(request.POST, instance=region)
    if form.is_valid():
        form.save()
        messages.success(request, _("Saved: the district's reviewer may approve entries they submitted (本人审核).")
                         if region.allow_self_review else _("Saved: entries are approved by someone other than "
                                                            "their submitter."))
    return redirect(region)


@require_safe
@login_required
def department_detail(request, pk):
    scope = visible_to(request.user)
    department = get_object_or_404(
        scope.departments().select_related("region__parent").prefetch_related("aliases"), pk=pk
    )
    users = []
    if scope.can_review_region(department.region):
        users = department.users.filter(is_active=True, is_system=False).order_by("role", "username")
    return render(
        request,
        "org/department_detail.html",
        {"department": department, "users": users, "roles": User.Role,
         "can_change": scope.can_review_region(department.region)},
    )


NOTIFICATIONS_PER_PAGE = 30
BELL_SHOWN = 8


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Mark notifications read"))
def notifications(request):
    """The signed-in user's notifications; POST marks them all read."""
    if request.method == "POST":
        notifications_mark_read(user=request.user)
        return redirect("org:notifications")
    items = Notification.objects.filter(user=request.user)
    if request.GET.get("menu"):  # the bell's dropdown
        return render(request, "org/_bell_menu.html", {"items": items[:BELL_SHOWN]})
    page = Paginator(items, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "org/notifications.html", {"page": page})
