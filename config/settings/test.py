"""Settings for the test suite: the dev settings with a fast password hasher."""

from .dev import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A run on PostgreSQL keeps its files apart: under CI it runs beside the SQLite run, as the
# second lane of SQLite tests does (TEST_MEDIA_DIR).
MEDIA_ROOT = BASE_DIR / env_str("TEST_MEDIA_DIR", ".test-media-postgresql" if env_str("DATABASE_URL", "").startswith(
    "postgres") else ".test-media")
LOGGING["root"]["level"] = "WARNING"
