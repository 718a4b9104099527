from django.urls import path

from . import api_account_views, setup_views, views

app_name = "org"

urlpatterns = [
    path("regions/", views.region_list, name="region_list"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
    path("regions/<str:code>/self-review/", views.region_self_review, name="region_self_review"),
    path("departments/<int:pk>/", views.department_detail, name="department_detail"),
    path("divisions/", setup_views.divisions, name="divisions"),
    path("divisions/activate/", setup_views.division_activate, name="division_activate"),
    path("regions/<str:code>/departments/add/", setup_views.department_add, name="department_add"),
    path("regions/<str:code>/departments/upload/", setup_views.department_upload, name="department_upload"),
    path("departments/upload/<str:token>/", setup_views.department_upload_preview, name="department_upload_preview"),
    path("departments/<int:pk>/edit/", setup_views.department_edit, name="department_edit"),
    path("regions/<str:code>/groups/new/", setup_views.group_create, name="group_create"),
    path("regions/<str:code>/groups/members/", setup_views.group_members, name="group_members"),
    path("groups/<int:pk>/edit/", setup_views.group_edit, name="group_edit"),
    path("regions/<str:code>/accounts/new/", setup_views.account_new, name="user_create"),
    path("notifications/", views.notifications, name="notifications"),
    path("api-accounts/", api_account_views.api_accounts, name="api_accounts"),
    path("api-accounts/new/", api_account_views.api_account_create, name="api_account_create"),
    path("api-accounts/<int:pk>/tokens/new/", api_account_views.api_token_create, name="api_token_create"),
    path("api-accounts/<int:pk>/active/", api_account_views.api_account_active, name="api_account_active"),
    path("api-accounts/tokens/<int:pk>/revoke/", api_account_views.api_token_revoke, name="api_token_revoke"),
]
