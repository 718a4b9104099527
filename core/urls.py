from django.urls import path

from . import audit_views

app_name = "core"

urlpatterns = [
    path("", audit_views.audit_log, name="audit_log"),
]
