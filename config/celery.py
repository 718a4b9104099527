"""The Celery application. Jobs live in each app's ``jobs.py`` because ``tasks`` is the
name of the task-decomposition app, not of a Celery module."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("jieshui")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")
