"""Deployment checks of the portal's own security headers and password hasher
(``manage.py check --deploy``)."""

from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django.core.checks import Error, Tags, register

from core.security_headers import MIDDLEWARE_PATH

# Sources that would let a script injected into a page run after all.
UNSAFE_SCRIPT_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "data:", "*")


@register(Tags.security, deploy=True)
def check_security_headers(app_configs, **kwargs):
    errors = []
    if MIDDLEWARE_PATH not in settings.MIDDLEWARE:
        errors.append(
            Error(
                "The security-headers middleware is not installed: pages go out without a "
                "Content-Security-Policy and signed-in pages may be cached.",
                hint=f"Add '{MIDDLEWARE_PATH}' to MIDDLEWARE.",
                id="portal.E001",
            )
        )
    policy = getattr(settings, "PORTAL_CONTENT_SECURITY_POLICY", {})
    # Without script-src, browsers fall back to default-src for scripts.
    script_sources = policy.get("script-src", policy.get("default-src"))
    if not script_sources:
        errors.append(
            Error(
                "PORTAL_CONTENT_SECURITY_POLICY sets neither script-src nor default-src: any script may run.",
                id="portal.E002",
            )
        )
    else:
        unsafe = [source for source in script_sources if source in UNSAFE_SCRIPT_SOURCES]
        if unsafe:
            errors.append(
                Error(
                    f"PORTAL_CONTENT_SECURITY_POLICY lets inline or injected script run ({', '.join(unsafe)}).",
                    hint="Move the script into a static file under static/js/ and remove the source.",
                    id="portal.E003",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def check_password_hasher(app_configs, **kwargs):
    hasher = get_hasher("default")
    try:
        # Argon2 and bcrypt live in C libraries: a deployment without them would answer every
        # sign-in and every new password with a server error.
        if hasher.library:
            hasher._load_library()
    except ValueError as missing:
        return [
            Error(
                f"The password hasher cannot run: {missing}", hint="pip install -r requirements.txt", id="portal.E004"
            )
        ]
    return []
