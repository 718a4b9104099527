from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.api import urls as api_urls
from core.health import health
from core.metrics import metrics
from org.forms import LoginForm
from org.throttle import PasswordChangeView
from reports import views as report_views

admin.site.site_header = _("Water-saving compliance portal administration")
admin.site.site_title = _("Water-saving compliance portal")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", report_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("org/", include("org.urls")),
    path("plans/", include("tasks.urls")),
    path("indicators/", include("indicators.urls")),
    path("carriers/", include("carriers.urls")),
    path("reports/", include("reports.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("audit/", include("core.urls")),
    path("api/v1/", api_urls()),
    path("admin/", admin.site.urls),
    # For operators (docs/deploy.md): anyone may ask /health/; /metrics answers the monitoring host only.
    path("health/", health, name="health"),
    path("metrics", metrics, name="metrics"),
]
