"""Project-level views."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from candidates import services
from candidates.models import UserProfile

from .forms import ProfileForm


@require_POST
def set_language(request):
    """Django's ``set_language`` (cookie), plus the signed-in user's saved preference."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.profile_update(user=request.user, language=language)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """GET/POST: the signed-in user's language and e-mail time zone (``UserProfile``)."""
    current = UserProfile.objects.filter(user=request.user).first()
    initial = {
        "language": (current.language if current else "") or translation.get_language(),
        "time_zone": current.time_zone if current else "",
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=request.user, **form.cleaned_data)
        translation.activate(form.cleaned_data["language"])
        messages.success(request, _("Your profile is saved."))
        response = redirect("profile")
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            form.cleaned_data["language"],
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
        return response
    return render(request, "account/profile.html", {"form": form})
