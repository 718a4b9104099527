"""Response headers Django does not set itself: a Content-Security-Policy on every page, and
``Cache-Control: private, no-store`` on everything a signed-in user is sent.

The policy is PORTAL_CONTENT_SECURITY_POLICY (settings, a directive → sources dict). Every
script and style the portal uses is a static file, so the policy allows no inline script
and no inline style: a script injected into a page, however it got there, does not run.
Pages and downloads for a signed-in user (plans, scores, evidence files, Excel exports) are
someone's data: no browser or proxy cache may keep a copy for the next person at the PC.

Static files are served before this middleware is reached (WhiteNoise sits above it), so
they stay cacheable. ``core.checks`` fails ``check --deploy`` when this middleware is
missing or the policy lets inline script run."""

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

MIDDLEWARE_PATH = "core.security_headers.SecurityHeadersMiddleware"

# For a stored HTML document opened in the browser (the printable quarterly report). It
# keeps its <style> inside so a saved copy prints the same; it may load nothing and run no
# script at all, so it is given this policy instead of the pages' one.
DOCUMENT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def policy_header(policy):
    """The header value of a directive → sources dict: ``default-src 'self'; object-src 'none'``."""
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


def stored_document_response(content):
    """An HttpResponse showing a stored HTML document under DOCUMENT_POLICY."""
    response = HttpResponse(content, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = DOCUMENT_POLICY
    return response


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = policy_header(settings.PORTAL_CONTENT_SECURITY_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        # Django's debug pages for errors (DEBUG only, never in production) are all inline
        # style and script: under the policy a developer would see them broken.
        if not (settings.DEBUG and response.status_code in (404, 500)):
            response.setdefault("Content-Security-Policy", self.policy)
        # request.user is missing when an outer middleware answered before authentication ran.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
