from django.urls import path

from .views import files, leaks, registry

app_name = "carriers"

urlpatterns = [
    path("", registry.registry, name="registry"),
    path("users/new/", registry.user_create, name="user_create"),
    path("users/<int:pk>/", registry.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", registry.user_edit, name="user_edit"),
    path("users/<int:pk>/years/new/", registry.year_create, name="year_create"),
    path("years/<int:pk>/edit/", registry.year_edit, name="year_edit"),
    path("key-monitoring/", registry.key_monitoring, name="key_monitoring"),
    path("planned-use/", registry.planned_use, name="planned_use"),
    path("audits/order/<int:pk>/", registry.audit_order_view, name="audit_order"),
    path("audits/<int:pk>/edit/", registry.audit_edit, name="audit_edit"),
    path("audits/<int:pk>/files/", registry.audit_file_upload, name="audit_file_upload"),
    path("audit-files/<int:pk>/", registry.audit_file_download, name="audit_file_download"),
    path("audit-files/<int:pk>/delete/", registry.audit_file_delete, name="audit_file_delete"),
    path("certifications/", registry.carriers, name="carriers"),
    path("certifications/new/", registry.carrier_create, name="carrier_create"),
    path("certifications/<int:pk>/", registry.carrier_detail, name="carrier_detail"),
    path("certifications/<int:pk>/edit/", registry.carrier_edit, name="carrier_edit"),
    path("certifications/<int:pk>/evidence/", registry.carrier_evidence_upload, name="carrier_evidence_upload"),
    path("evidence/<int:pk>/", registry.carrier_evidence_download, name="carrier_evidence_download"),
    path("evidence/<int:pk>/delete/", registry.carrier_evidence_delete, name="carrier_evidence_delete"),
    path("targets/new/", registry.target_create, name="target_create"),
    path("targets/<int:pk>/edit/", registry.target_edit, name="target_edit"),
    path("leak-repairs/", leaks.leak_repairs, name="leak_repairs"),
    path("leak-repairs/new/", leaks.leak_repair_create, name="leak_repair_create"),
    path("leak-repairs/<int:pk>/edit/", leaks.leak_repair_edit, name="leak_repair_edit"),
    # Excel import and export of the registry.
    path("import/<str:what>/", files.import_upload, name="import_upload"),
    path("import/<str:what>/<str:token>/", files.import_preview, name="import_preview"),
    path("export/users.xlsx", files.export, {"what": "users"}, name="export_users"),
    path("export/carriers.xlsx", files.export, {"what": "carriers"}, name="export_carriers"),
    path("export/leak-repairs.xlsx", files.export, {"what": "leak_repairs"}, name="export_leak_repairs"),
]
