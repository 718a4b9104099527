"""The navigation of the base layout, which depends on the signed-in user's role."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Notification, User

ALL_ROLES = frozenset(User.Role.values)
# An assessment expert belongs to no region: the regional pages have nothing to show them.
REGIONAL_ROLES = ALL_ROLES - {User.Role.EXPERT}
MANAGERS = frozenset({"reviewer", "supervisor", "admin"})


def nav(label):
    """A label of the bar: short English words in their own context, so that the Chinese of the
    bar stays the pages' own names (nav("Plans") is 方案与任务, where "Plans" alone is 方案)."""
    return pgettext_lazy("navigation", label)


# (label, url name, roles that see it). Later apps add their entries here. The labels are
# short on purpose: at 1440 px the whole bar has to fit in English as well as in Chinese
# (tests/test_browser_navbar.py), so the English ones are a word or two.
NAVIGATION = [
    (_("Home"), "home", ALL_ROLES),
    (nav("To-do"), "tasks:progress_todo", frozenset({"reporter", "reviewer"})),
    (nav("Reviews"), "tasks:review_inbox", frozenset({"reviewer", "admin"})),
    (nav("Plans"), "tasks:plan_list", REGIONAL_ROLES),
    (nav("Our work"), "tasks:my_work", frozenset({"reporter", "reviewer"})),
    (_("Indicators"), "indicators:board", REGIONAL_ROLES),
    (_("Statistics"), "indicators:data_home", frozenset({"reporter", "reviewer", "supervisor", "admin"})),
    (nav("Carriers"), "carriers:registry", REGIONAL_ROLES),
    (_("My assessments"), "campaigns:assigned", frozenset({"expert"})),
    (_("Scorecards"), "reports:summary", MANAGERS),
    (nav("Districts"), "reports:city", frozenset({"supervisor", "admin"})),
    # A county's reviewer always: the page says whether the county is in a campaign, and the
    # navigation bar of every page costs no query to find out.
    (nav("Campaigns"), "campaigns:list", MANAGERS),
]

# The pages one looks after rather than works in, behind one "Administration" menu.
ADMINISTRATION = [
    (_("Regions and departments"), "org:region_list", MANAGERS),
    (_("Audit log"), "core:audit_log", frozenset({"reviewer", "admin"})),
    (_("Background jobs"), "reports:jobs", frozenset({"admin"})),
    (_("Activate a district"), "org:divisions", frozenset({"admin"})),
    (_("System accounts and API tokens"), "org:api_accounts", frozenset({"admin"})),
    (_("API documentation"), "api:openapi-view", frozenset({"admin"})),
]


def _links(entries, role):
    return [{"label": label, "url": reverse(url_name)} for label, url_name, roles in entries if role in roles]


def navigation(request):
    """``nav_items``: the bar's own links; ``nav_admin``: the links of the Administration menu
    (the database administration is added by the template for staff accounts)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_admin": [], "unread_notifications": 0}
    role = User.Role.ADMIN if user.is_administrator else user.role
    items, admin = _links(NAVIGATION, role), _links(ADMINISTRATION, role)
    # The entry whose address is the longest prefix of this page is the current one.
    path = request.path
    every = items + admin
    matching = [item for item in every if path == item["url"] or (item["url"] != "/" and path.startswith(item["url"]))]
    current = max(matching, key=lambda item: len(item["url"]), default=None)
    for item in every:
        item["active"] = item is current
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {"nav_items": items, "nav_admin": admin, "nav_admin_active": current in admin,
            "unread_notifications": unread}
