from django.urls import path

from .views import plans, progress

app_name = "tasks"

urlpatterns = [
    path("", plans.plan_list, name="plan_list"),
    path("new/", plans.plan_create, name="plan_create"),
    path("mine/", plans.my_work, name="my_work"),
    path("import/", plans.import_upload, name="import_upload"),
    path("import/<str:token>/", plans.import_preview, name="import_preview"),
    path("<int:pk>/", plans.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", plans.plan_edit, name="plan_edit"),
    path("<int:pk>/copy/", plans.plan_copy_view, name="plan_copy"),
    path("<int:pk>/export/", plans.plan_export, name="plan_export"),
    path("<int:pk>/unassigned/", plans.plan_unassigned, name="plan_unassigned"),
    path("<int:pk>/tasks/new/", plans.node_create_view, name="node_create"),
    path("tasks/<int:pk>/edit/", plans.node_edit, name="node_edit"),
    path("tasks/<int:pk>/delete/", plans.node_delete_view, name="node_delete"),
    path("tasks/<int:pk>/move/", plans.node_move_view, name="node_move"),
    path("tasks/<int:pk>/restore/", plans.node_restore_view, name="node_restore"),
]

urlpatterns += [
    path("progress/", progress.todo, name="progress_todo"),
    path("progress/<int:item_pk>/<str:quarter>/", progress.entry, name="progress_entry"),
    path("progress/records/<int:pk>/", progress.detail, name="progress_detail"),
    path("progress/records/<int:pk>/review/", progress.review, name="progress_review"),
    path("progress/records/<int:pk>/reopen/", progress.reopen, name="progress_reopen"),
    path("review/", progress.inbox, name="review_inbox"),
    path("review/approve/", progress.bulk_approve, name="progress_bulk_approve"),
]

urlpatterns += [
    path("progress/records/<int:pk>/evidence/", progress.evidence_upload, name="evidence_upload"),
    path("progress/evidence/<int:pk>/", progress.evidence_download, name="evidence_download"),
    path("progress/evidence/<int:pk>/delete/", progress.evidence_delete, name="evidence_delete"),
    path(
        "progress/<int:item_pk>/<str:quarter>/contribution/", progress.contribution, name="progress_contribution"
    ),
]

urlpatterns += [
    path("progress/template/", progress.template_download, name="progress_template"),
    path("progress/template/upload/", progress.template_upload, name="progress_template_upload"),
    path("progress/template/upload/<str:token>/", progress.template_preview, name="progress_template_preview"),
]

urlpatterns += [path("progress/batch/", progress.batch, name="progress_batch")]
