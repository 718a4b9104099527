from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("regions/", views.region_list, name="region_list"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
    path("regions/<str:code>/self-review/", views.region_self_review, name="region_self_review"),
    path("departments/<int:pk>/", views.department_detail, name="department_detail"),
    path("notifications/", views.notifications, name="notifications"),
]
