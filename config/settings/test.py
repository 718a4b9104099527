"""Settings for the test suite: the dev settings with a fast password hasher."""

from .dev import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / ".test-media"
LOGGING["root"]["level"] = "WARNING"
