"""Excel import and export of the registry; included by ``carriers.urls`` (app "carriers")."""

from django.urls import path

from . import io_views

urlpatterns = [
    path("import/<str:what>/", io_views.import_upload, name="import_upload"),
    path("import/<str:what>/<str:token>/", io_views.import_preview, name="import_preview"),
    path("export/users.xlsx", io_views.export, {"what": "users"}, name="export_users"),
    path("export/carriers.xlsx", io_views.export, {"what": "carriers"}, name="export_carriers"),
]
