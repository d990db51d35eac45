"""Who must use a second factor, and whether a request still has to show one.

The rule: staff and every user who is the CEO of a mandate MUST use a second factor (TOTP, with
backup codes); anyone else MAY enrol from their profile, and once enrolled is asked for it at every
login too (an enrolled factor that could be skipped would protect nothing).
"""

from django_otp import user_has_device

from candidates.models import Mandate


def second_factor_required(user) -> bool:
    """``True`` for staff and for the CEO of any mandate (whatever their groups)."""
    if not (user and user.is_authenticated):
        return False
    return bool(user.is_staff or user.is_superuser or Mandate.objects.filter(ceo=user).exists())


def has_second_factor(user) -> bool:
    """``True`` when the user has a confirmed TOTP or backup-code device."""
    return bool(user and user.is_authenticated and user_has_device(user, confirmed=True))


def is_verified(user) -> bool:
    """``True`` when this session showed a second factor (``django_otp.middleware.OTPMiddleware``)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def must_show_second_factor(user) -> str:
    """What a signed-in user still has to do before reaching the site: ``"verify"`` (enrolled,
    not verified in this session), ``"enrol"`` (required, not enrolled) or ``""`` (nothing)."""
    if not (user and user.is_authenticated) or is_verified(user):
        return ""
    if has_second_factor(user):
        return "verify"
    if second_factor_required(user):
        return "enrol"
    return ""
