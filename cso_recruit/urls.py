"""Root URLs. Every app view checks access through ``cso_recruit.access`` (``/health/`` is public:
it tells anyone only ok or unavailable, see ``cso_recruit.health``)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .forms import AdminLoginForm, LoginForm
from .health import HealthView

admin.site.login_form = AdminLoginForm  # the user name's length checked there too

urlpatterns = [
    path("health/", HealthView.as_view(), name="health"),
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
]
