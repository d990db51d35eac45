"""Root URLs. Every app view checks access through ``cso_recruit.access`` (``/health/`` is public:
it tells anyone only ok or unavailable, see ``cso_recruit.health``)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from . import views
from .forms import AdminLoginForm, LoginForm
from .health import HealthView

admin.site.login_form = AdminLoginForm  # the user name's length checked there too
admin.site.site_header = _("CSO Recruit administration")
admin.site.site_title = _("CSO Recruit")
admin.site.index_title = _("Site administration")


class FaviconView(RedirectView):
    """``/favicon.ico`` (asked by browsers and feed readers on their own): a temporary redirect to
    the SVG favicon under its static name (content-hashed when DEBUG is off, hence not permanent)."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


urlpatterns = [
    path("health/", HealthView.as_view(), name="health"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("account/profile/", views.profile, name="profile"),
    path("account/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("candidates.urls")),
    path("", include("assessments.urls")),
    path("", include("sessions.urls")),
    path("", include("reports.urls")),
    path("", include("audit.urls")),
    path("", include("offers.urls")),
    path("", include("decisions.urls")),
    path("", include("onboarding.urls")),
]
