"""The navigation of the base layout, which depends on the signed-in user's role."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Notification, User

ALL_ROLES = frozenset(User.Role.values)
# An assessment expert belongs to no region: the regional pages have nothing to show them.
REGIONAL_ROLES = ALL_ROLES - {User.Role.EXPERT}

# (label, url name, roles that see it). Later apps add their entries here.
NAVIGATION = [
    (_("Home"), "home", ALL_ROLES),
    (_("This quarter's to-do"), "tasks:progress_todo", frozenset({"reporter", "reviewer"})),
    (_("Review inbox"), "tasks:review_inbox", frozenset({"reviewer", "admin"})),
    (_("Plans and tasks"), "tasks:plan_list", REGIONAL_ROLES),
    (_("Indicators"), "indicators:board", REGIONAL_ROLES),
    (_("Statistics"), "indicators:data_home", frozenset({"reporter", "reviewer", "supervisor", "admin"})),
    (_("Water users and carriers"), "carriers:registry", REGIONAL_ROLES),
    (_("My assessments"), "campaigns:assigned", frozenset({"expert"})),
    (_("Scorecards"), "reports:summary", frozenset({"reviewer", "supervisor", "admin"})),
    (_("Districts compared"), "reports:city", frozenset({"supervisor", "admin"})),
    (_("Background jobs"), "reports:jobs", frozenset({"admin"})),
    (_("Audit log"), "core:audit_log", frozenset({"reviewer", "admin"})),
    (_("My department's work"), "tasks:my_work", frozenset({"reporter", "reviewer"})),
    (_("Regions and departments"), "org:region_list", frozenset({"reviewer", "supervisor", "admin"})),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "unread_notifications": 0}
    role = User.Role.ADMIN if user.is_administrator else user.role
    items = [{"label": label, "url": reverse(url_name)} for label, url_name, roles in NAVIGATION if role in roles]
    # A county's reviewer always: the page says whether the county is in a campaign, and the
    # navigation bar of every page costs no query to find out.
    if role in (User.Role.SUPERVISOR, User.Role.ADMIN, User.Role.REVIEWER):
        items.append({"label": _("Creation work"), "url": reverse("campaigns:list")})
    if user.department_id and role == User.Role.REPORTER:
        items.append({"label": _("My department"), "url": reverse("org:department_detail", args=[user.department_id])})
    # The entry whose address is the longest prefix of this page is the current one.
    path = request.path
    matching = [item for item in items if path == item["url"] or (item["url"] != "/" and path.startswith(item["url"]))]
    current = max(matching, key=lambda item: len(item["url"]), default=None)
    for item in items:
        item["active"] = item is current
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {"nav_items": items, "unread_notifications": unread}
