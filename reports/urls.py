from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.summary, name="summary"),
    path("scorecards/<int:pk>/", views.scorecard, name="scorecard"),
    path("city/", views.city, name="city"),
    path("plans/<int:pk>/weights/", views.weights, name="weights"),
    path("recompute/", views.recompute, name="recompute"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/retry/", views.job_retry, name="job_retry"),
    path("quarterly/", views.quarterly, name="quarterly"),
    path("quarterly/build/", views.quarterly_build, name="quarterly_build"),
    path("quarterly/<int:pk>/status/", views.quarterly_status, name="quarterly_status"),
    path("quarterly/<int:pk>/<str:kind>/", views.quarterly_file, name="quarterly_file"),
]
