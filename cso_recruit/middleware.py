"""Interface language: the signed-in user's saved choice (``UserProfile.language``), else the
language cookie set by the switcher, else French (``LANGUAGE_CODE``) — the browser's
Accept-Language header is deliberately not followed: the product speaks French by default."""

from django.conf import settings
from django.db import DatabaseError
from django.utils import translation


class UserLanguageMiddleware:
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
