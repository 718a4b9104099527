from django.urls import path

from . import bulk_views, data_views, views

app_name = "indicators"

urlpatterns = [
    path("", views.board, name="board"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("values/<int:pk>/lineage/", views.lineage, name="lineage"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator_detail"),
    path("data/", data_views.data_home, name="data_home"),
    path("data/entry/", data_views.data_entry, name="data_entry"),
    path("data/template/", data_views.template_download, name="data_template"),
    path("data/upload/", data_views.template_upload, name="data_upload"),
    path("data/upload/<str:token>/", data_views.template_preview, name="data_upload_preview"),
    path("data/bulk/", bulk_views.bulk_statistics, name="bulk_statistics"),
    path("data/bulk/template/", bulk_views.bulk_template, name="bulk_template"),
    path("data/bulk/<str:token>/", bulk_views.bulk_preview, name="bulk_preview"),
    path("data/reports/<int:pk>/", data_views.data_report, name="data_report"),
    path("data/reports/<int:pk>/submit/", data_views.data_submit, name="data_submit"),
    path("data/reports/<int:pk>/review/", data_views.data_review, name="data_review"),
    path("data/reports/<int:pk>/reopen/", data_views.data_reopen, name="data_reopen"),
    path(
        "data/reports/<int:pk>/checklist/<int:indicator_pk>/<int:item>/",
        data_views.checklist_answer,
        name="checklist_answer",
    ),
    path("data/answers/<int:pk>/evidence/", data_views.checklist_evidence_upload, name="checklist_evidence_upload"),
    path("data/evidence/<int:pk>/delete/", data_views.checklist_evidence_delete, name="checklist_evidence_delete"),
    path("data/evidence/<int:pk>/", data_views.checklist_evidence_download, name="checklist_evidence_download"),
]
