from django.urls import path

from .views import adoptions, bulk, catalogue, data, standards

app_name = "indicators"

urlpatterns = [
    path("", catalogue.board, name="board"),
    path("catalogue/", catalogue.catalogue, name="catalogue"),
    path("catalogue/import/", standards.standard_import, name="standard_import"),
    path("catalogue/import/template/", standards.standard_template, name="standard_template"),
    path("catalogue/import/<str:token>/", standards.standard_preview, name="standard_preview"),
    path("values/<int:pk>/lineage/", catalogue.lineage, name="lineage"),
    path("indicators/<int:pk>/", catalogue.indicator_detail, name="indicator_detail"),
    path("judgements/<str:region>/<int:indicator_pk>/<str:quarter>/", adoptions.judgement, name="judgement"),
    path("regions/<str:code>/standards/", adoptions.adoptions, name="adoptions"),
    path("regions/<str:code>/standards/<int:set_pk>/remove/", adoptions.adoption_remove, name="adoption_remove"),
    path("data/", data.data_home, name="data_home"),
    path("data/entry/", data.data_entry, name="data_entry"),
    path("data/template/", data.template_download, name="data_template"),
    path("data/upload/", data.template_upload, name="data_upload"),
    path("data/upload/<str:token>/", data.template_preview, name="data_upload_preview"),
    path("data/bulk/", bulk.bulk_statistics, name="bulk_statistics"),
    path("data/bulk/template/", bulk.bulk_template, name="bulk_template"),
    path("data/bulk/<str:token>/", bulk.bulk_preview, name="bulk_preview"),
    path("data/reports/<int:pk>/", data.data_report, name="data_report"),
    path("data/reports/<int:pk>/submit/", data.data_submit, name="data_submit"),
    path("data/reports/<int:pk>/review/", data.data_review, name="data_review"),
    path("data/reports/<int:pk>/reopen/", data.data_reopen, name="data_reopen"),
    path(
        "data/reports/<int:pk>/checklist/<int:indicator_pk>/<int:item>/",
        data.checklist_answer,
        name="checklist_answer",
    ),
    path("data/answers/<int:pk>/evidence/", data.checklist_evidence_upload, name="checklist_evidence_upload"),
    path("data/evidence/<int:pk>/delete/", data.checklist_evidence_delete, name="checklist_evidence_delete"),
    path("data/evidence/<int:pk>/", data.checklist_evidence_download, name="checklist_evidence_download"),
]
