"""Site middlewares.

``UserLanguageMiddleware`` — interface language: the signed-in user's saved choice
(``UserProfile.language``), else the language cookie set by the switcher, else French
(``LANGUAGE_CODE``) — the browser's Accept-Language header is deliberately not followed: the product
speaks French by default.

``PrivateCacheMiddleware`` — ``Cache-Control: private, no-store`` on what no shared cache (proxy)
nor the browser's disk may keep.
"""

from django.conf import settings
from django.db import DatabaseError
from django.utils import translation
from django.utils.cache import patch_cache_control


class UserLanguageMiddleware:
    """Activate the interface language of the request (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = ""
        user = getattr(request, "user", None)
        try:
            if user is not None and user.is_authenticated:
                language = getattr(getattr(user, "profile", None), "language", "")
        except DatabaseError:
            language = ""  # the database is down: the cookie's language; the view reports the outage
        if not language:
            cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            language = cookie if cookie in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        return self.get_response(request)


def must_not_be_stored(request, response) -> bool:
    """Whether ``response`` is private: every answer to a signed-in user (or when who is signed in
    cannot be told, the database being down), every download (a ``Content-Disposition``: CV,
    report PDF, CSV export, calendar file) and every page reached through a secret link (a
    ``token`` in the address: the candidate's debrief link, the calendar feed). Static files never
    get here (whitenoise answers first); other public pages (login, 404) keep Django's headers."""
    if response.has_header("Content-Disposition"):
        return True
    match = getattr(request, "resolver_match", None)
    if match is not None and "token" in match.kwargs:
        return True
    user = getattr(request, "user", None)
    try:
        return user is not None and user.is_authenticated
    except DatabaseError:
        return True


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` (added to the view's own directives, ``public``
    removed) on every private response (:func:`must_not_be_stored`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if must_not_be_stored(request, response):
            # Merged into what the view set (``never_cache``'s no-cache, max-age=0 stay; public goes).
            patch_cache_control(response, private=True, no_store=True)
            if response.has_header("Expires"):
                del response["Expires"]
        return response
