from django.urls import path

from . import progress_views, views

app_name = "tasks"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_create, name="plan_create"),
    path("mine/", views.my_work, name="my_work"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<str:token>/", views.import_preview, name="import_preview"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/copy/", views.plan_copy_view, name="plan_copy"),
    path("<int:pk>/export/", views.plan_export, name="plan_export"),
    path("<int:pk>/tasks/new/", views.node_create_view, name="node_create"),
    path("tasks/<int:pk>/edit/", views.node_edit, name="node_edit"),
    path("tasks/<int:pk>/delete/", views.node_delete_view, name="node_delete"),
    path("tasks/<int:pk>/move/", views.node_move_view, name="node_move"),
]

urlpatterns += [
    path("progress/", progress_views.todo, name="progress_todo"),
    path("progress/<int:item_pk>/<str:quarter>/", progress_views.entry, name="progress_entry"),
    path("progress/records/<int:pk>/", progress_views.detail, name="progress_detail"),
    path("progress/records/<int:pk>/review/", progress_views.review, name="progress_review"),
    path("progress/records/<int:pk>/reopen/", progress_views.reopen, name="progress_reopen"),
    path("review/", progress_views.inbox, name="review_inbox"),
    path("review/approve/", progress_views.bulk_approve, name="progress_bulk_approve"),
]

urlpatterns += [
    path("progress/records/<int:pk>/evidence/", progress_views.evidence_upload, name="evidence_upload"),
    path("progress/evidence/<int:pk>/", progress_views.evidence_download, name="evidence_download"),
    path("progress/evidence/<int:pk>/delete/", progress_views.evidence_delete, name="evidence_delete"),
    path(
        "progress/<int:item_pk>/<str:quarter>/contribution/", progress_views.contribution, name="progress_contribution"
    ),
]

urlpatterns += [
    path("progress/template/", progress_views.template_download, name="progress_template"),
    path("progress/template/upload/", progress_views.template_upload, name="progress_template_upload"),
    path("progress/template/upload/<str:token>/", progress_views.template_preview, name="progress_template_preview"),
]

urlpatterns += [path("progress/batch/", progress_views.batch, name="progress_batch")]
