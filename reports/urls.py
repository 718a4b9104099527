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
]
