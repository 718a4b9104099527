"""The navigation of the base layout, which depends on the signed-in user's role."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import User

ALL_ROLES = frozenset(User.Role.values)

# (label, url name, roles that see it). Later apps add their entries here.
NAVIGATION = [
    (_("Home"), "home", ALL_ROLES),
    (_("Regions and departments"), "org:region_list", frozenset({"reviewer", "supervisor", "admin"})),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    role = User.Role.ADMIN if user.is_administrator else user.role
    path = request.path
    items = []
    for label, url_name, roles in NAVIGATION:
        if role not in roles:
            continue
        url = reverse(url_name)
        active = path == url if url == "/" else path.startswith(url)
        items.append({"label": label, "url": url, "active": active})
    if user.department_id and role == User.Role.REPORTER:
        url = reverse("org:department_detail", args=[user.department_id])
        items.append({"label": _("My department"), "url": url, "active": path.startswith(url)})
    return {"nav_items": items}
