"""Sign-in pages: the second factor (enrol, verify, backup codes, disable) and Django's password
change and reset views in the site's layout."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cso_recruit.clientip import client_ip

from . import services
from .forms import OutboxPasswordResetForm, TokenForm
from .policy import has_second_factor, is_verified, second_factor_required
from .qr import qr_svg
from .throttle import _second_factor_device

BACKUP_CODES_COUNT = 10
NEW_CODES_SESSION_KEY = "cso_new_backup_codes"


def _next_url(request, default="candidates:mandate_list") -> str:
    """The ``next`` parameter when it points inside this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with ``BACKUP_CODES_COUNT`` new ones; return them (shown once)."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="backup", defaults={"confirmed": True}
    )
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@login_required
def two_factor(request):
    """GET: the second factor's state (enrolled or not, backup codes left, whether required)."""
    totp = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    backup = StaticDevice.objects.filter(user=request.user, confirmed=True).first()
    context = {
        "enrolled": has_second_factor(request.user),
        "totp": totp,
        "codes_left": backup.token_set.count() if backup else 0,
        "required": second_factor_required(request.user),
        "form": TokenForm(),
    }
    return render(request, "account/two_factor/overview.html", context)


#: Session key of the authenticator this browser session is setting up (``two_factor_enrol``).
ENROL_DEVICE_SESSION_KEY = "accounts_enrol_device"


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request):
    """GET: a new authenticator secret (QR code and text); POST: the first code confirms it, then
    the backup codes are shown once. Refused (sent to the verification) when the user already has
    a factor this session has not shown: a password alone never adds an authenticator."""
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:two_factor")
    if has_second_factor(user) and not is_verified(user):
        return redirect(
            f"{reverse('accounts:two_factor_verify')}?{urlencode({'next': reverse('accounts:two_factor_enrol')})}"
        )
    # The pending secret belongs to this browser session only: another session (someone else who
    # knows the password) never sees it, and confirming it discards every other pending one.
    device = TOTPDevice.objects.filter(
        user=user, confirmed=False, pk=request.session.get(ENROL_DEVICE_SESSION_KEY)
    ).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
        request.session[ENROL_DEVICE_SESSION_KEY] = device.pk
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            if device.confirmed:  # a double submit: the first one already confirmed it
                return redirect("accounts:two_factor")
            accepted = device.verify_token(form.cleaned_data["otp_token"].replace(" ", ""))
            if accepted:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
                codes = _new_backup_codes(user)
        if accepted:
            otp_login(request, device)
            request.session[NEW_CODES_SESSION_KEY] = codes
            messages.success(request, _("Your second factor is on."))
            return redirect(
                f"{reverse('accounts:two_factor_backup_codes')}?{urlencode({'next': _next_url(request)})}"
            )
        form.add_error("otp_token", _("This code is not valid. Check the time on your phone and try again."))
    secret = _base32(device)
    context = {
        "form": form,
        "qr": mark_safe(qr_svg(device.config_url)),  # noqa: S308 — SVG generated here from our own data
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": request.GET.get("next", "") or request.POST.get("next", ""),
        "required": second_factor_required(user),
    }
    return render(request, "account/two_factor/enrol.html", context)


def _base32(device) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode().rstrip("=")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """GET/POST: the second step of a login — a code from the authenticator app or a backup code
    (each device throttles wrong codes with growing delays)."""
    user = request.user
    if not has_second_factor(user):
        return redirect(
            "accounts:two_factor_enrol" if second_factor_required(user) else "candidates:mandate_list"
        )
    if is_verified(user):
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _second_factor_device(user, form.cleaned_data["otp_token"])
        if device is not None:
            request.session.cycle_key()
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    _("Backup code used: %(left)d left. Create new ones from your profile.") % {"left": left},
                )
            return redirect(_next_url(request))
        form.add_error(
            "otp_token", _("This code is not valid, or too many wrong codes were tried: wait and try again.")
        )
    return render(
        request,
        "account/two_factor/verify.html",
        {"form": form, "next": request.GET.get("next", "") or request.POST.get("next", "")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_backup_codes(request):
    """GET: the new backup codes, once (right after enrolment or a renewal), else how many are
    left; POST: replace them with new ones."""
    if not has_second_factor(request.user):
        return redirect("accounts:two_factor")
    if request.method == "POST":
        request.session[NEW_CODES_SESSION_KEY] = _new_backup_codes(request.user)
        return redirect("accounts:two_factor_backup_codes")
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    backup = StaticDevice.objects.filter(user=request.user, confirmed=True).first()
    context = {
        "codes": codes,
        "codes_left": backup.token_set.count() if backup else 0,
        "next": _next_url(request, default="accounts:two_factor"),
    }
    return render(request, "account/two_factor/backup_codes.html", context)


@login_required
@require_POST
def two_factor_disable(request):
    """POST with a valid code: remove the user's authenticator and backup codes (to change phone:
    staff and CEOs are then asked to enrol again at once)."""
    form = TokenForm(request.POST)
    device = _second_factor_device(request.user, form.data.get("otp_token", "")) if form.is_valid() else None
    if device is None:
        messages.error(request, _("This code is not valid: the second factor stays on."))
        return redirect("accounts:two_factor")
    TOTPDevice.objects.filter(user=request.user).delete()
    StaticDevice.objects.filter(user=request.user).delete()
    messages.success(request, _("Your second factor is off."))
    return redirect("accounts:two_factor")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, in the site's layout."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    """After a password change."""

    template_name = "registration/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request: the same answer, in the same time, whether the address is known or
    not; the accounts are looked up and the e-mail queued in the background."""

    form_class = OutboxPasswordResetForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        """Hand the address to the background (``services.password_reset_request``): the page
        answers in the same time whether the address is known or not."""
        services.password_reset_request(
            email=form.cleaned_data["email"], language=get_language(), client=client_ip(self.request)
        )
        return redirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    """ "If the address is known, an e-mail is on its way"."""

    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The e-mailed link: a new password, then the owner is signed in (this is also how an
    account locked by others' failures is opened by its owner without a second factor)."""

    template_name = "registration/password_reset_confirm.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    """After the new password is set."""

    template_name = "registration/password_reset_complete.html"
