"""Pages that belong to no single domain: the home page and the error pages."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from org.scoping import visible_to


@require_safe
@login_required
def home(request):
    scope = visible_to(request.user)
    return render(
        request,
        "core/home.html",
        {
            "scope": scope,
            "department": request.user.department,
            "region": scope.home_region,
            "regions": scope.regions().select_related("parent").order_by("code")[:20],
        },
    )
