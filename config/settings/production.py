"""Production: DEBUG off, SECRET_KEY required, static files served by WhiteNoise from
``collectstatic`` output. HTTPS hardening is on when PORTAL_HTTPS is true; the demo app
(load_demo, generate_scale_data) only when PORTAL_DEMO is true."""

from .base import *
from .env import env_bool, env_int, env_required

DEBUG = False
SECRET_KEY = env_required("SECRET_KEY")

# A production install has no demo commands, so nobody loads demo users with a known password
# into a live database by mistake. Set PORTAL_DEMO=true for the one command that loads the
# demo on a training or trial server (and the deployment proof does so for its load_demo).
if env_bool("PORTAL_DEMO", False):
    INSTALLED_APPS = [*INSTALLED_APPS, "demo"]

# WhiteNoise serves the collected static files from the application server, so an
# intranet install needs no separate web server for them.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "whitenoise.middleware.WhiteNoiseMiddleware"
)
STORAGES["staticfiles"] = {
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}

PORTAL_HTTPS = env_bool("PORTAL_HTTPS", False)
if PORTAL_HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = [
        # Other hosts under a government intranet domain often serve plain HTTP; forcing
        # HSTS on them from this portal would cut them off. Opt in with the variable above.
        "security.W005",
        # The HSTS preload list is for public internet sites; an intranet host is never on it.
        "security.W021",
    ]
else:
    # Many district intranets serve the portal over plain HTTP on a closed network.
    # These checks concern HTTPS only (redirect, HSTS, cookies sent only over TLS) and
    # cannot be satisfied there: secure cookies would never be sent back over HTTP and
    # the portal could not be signed in to. Set PORTAL_HTTPS=true behind TLS and they apply.
    SILENCED_SYSTEM_CHECKS = [
        "security.W004",  # SECURE_HSTS_SECONDS
        "security.W008",  # SECURE_SSL_REDIRECT
        "security.W012",  # SESSION_COOKIE_SECURE
        "security.W016",  # CSRF_COOKIE_SECURE
    ]
