"""The embedded default behind ``make run``: DEBUG on, SQLite unless DATABASE_URL says
otherwise, Celery eager unless REDIS_URL is set."""

from .base import *
from .env import env_str

DEBUG = True
# A fixed, visibly unsafe key is acceptable only because DEBUG is on and this module is
# never used in production (production.py requires SECRET_KEY and has no fallback).
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")

# load_demo and generate_scale_data (the demo app, no models).
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]
