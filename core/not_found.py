"""The portal's own "not found" page in every mode, and Chinese unless the user chose otherwise.

With DEBUG on (``make run``) Django answers an unknown URL, or a view's Http404 (the scoping
raises it for what an account may not see), with its technical page: yellow, in English, and
listing every URL pattern of the portal. A reporter trying the demo must see what production
shows instead, the friendly 404.html, and nobody should get the URL list in a browser.
PermissionDenied needs nothing here: Django renders 403.html for it whatever DEBUG says.
"""

import contextlib

from django.conf import settings
from django.http import Http404
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.views.defaults import page_not_found


class FriendlyNotFoundMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # No resolver match and a 404: the URL matched no pattern, and with DEBUG on the
        # response is the technical page that lists them all.
        if settings.DEBUG and response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            return page_not_found(request, Http404())
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None


class CookieOnlyLocaleMiddleware(LocaleMiddleware):
    """The portal is in Chinese for everyone; English only for a user who picks it in the
    footer (set_language stores the choice in the language cookie). The browser's
    Accept-Language is not asked: an office PC with an English system would otherwise show
    English pages nobody there asked for."""

    def process_request(self, request):
        language = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
            # A language the portal does not offer (an old or hand-made cookie): Chinese.
            with contextlib.suppress(LookupError):
                language = translation.get_supported_language_variant(chosen)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
