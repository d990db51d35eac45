"""Project-level views."""

from django.conf import settings
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from candidates.models import UserProfile


@require_POST
def set_language(request):
    """Django's ``set_language`` (cookie), plus the signed-in user's saved preference."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        UserProfile.objects.update_or_create(user=request.user, defaults={"language": language})
    return response
