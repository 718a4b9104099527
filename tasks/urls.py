from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("mine/", views.my_work, name="my_work"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<str:token>/", views.import_preview, name="import_preview"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/export/", views.plan_export, name="plan_export"),
]
