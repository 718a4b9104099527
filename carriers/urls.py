from django.urls import include, path

from . import views

app_name = "carriers"

urlpatterns = [
    path("", views.registry, name="registry"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/years/new/", views.year_create, name="year_create"),
    path("years/<int:pk>/edit/", views.year_edit, name="year_edit"),
    path("key-monitoring/", views.key_monitoring, name="key_monitoring"),
    path("planned-use/", views.planned_use, name="planned_use"),
    path("audits/order/<int:pk>/", views.audit_order_view, name="audit_order"),
    path("audits/<int:pk>/edit/", views.audit_edit, name="audit_edit"),
    path("audits/<int:pk>/files/", views.audit_file_upload, name="audit_file_upload"),
    path("audit-files/<int:pk>/", views.audit_file_download, name="audit_file_download"),
    path("audit-files/<int:pk>/delete/", views.audit_file_delete, name="audit_file_delete"),
    path("certifications/", views.carriers, name="carriers"),
    path("certifications/new/", views.carrier_create, name="carrier_create"),
    path("certifications/<int:pk>/", views.carrier_detail, name="carrier_detail"),
    path("certifications/<int:pk>/edit/", views.carrier_edit, name="carrier_edit"),
    path("certifications/<int:pk>/evidence/", views.carrier_evidence_upload, name="carrier_evidence_upload"),
    path("evidence/<int:pk>/", views.carrier_evidence_download, name="carrier_evidence_download"),
    path("evidence/<int:pk>/delete/", views.carrier_evidence_delete, name="carrier_evidence_delete"),
    path("targets/new/", views.target_create, name="target_create"),
    path("targets/<int:pk>/edit/", views.target_edit, name="target_edit"),
    path("", include("carriers.io_urls")),
]
