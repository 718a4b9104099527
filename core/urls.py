from django.urls import path

from .views import audit

app_name = "core"

urlpatterns = [
    path("", audit.audit_log, name="audit_log"),
]
