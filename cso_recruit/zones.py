"""Time zones: one list for every form that asks for one, one validator for every field that
stores one. Names are IANA tz database names (``zoneinfo``)."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

#: The zones offered first (the product's usual places), in this order.
COMMON_ZONES = (
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Zurich",
    "Europe/Luxembourg",
    "Europe/London",
    "America/Montreal",
    "America/New_York",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Indian/Reunion",
    "UTC",
)


def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` named ``name``; ``ValidationError`` (code ``unknown_timezone``) otherwise."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as exc:
        raise ValidationError(
            _("Unknown time zone: %(timezone)s."), code="unknown_timezone", params={"timezone": name}
        ) from exc


def validate_time_zone(name: str) -> None:
    """Model/form validator: ``name`` is blank or a known IANA zone."""
    if name:
        zone(name)


def common_zone_choices() -> list[tuple[str, str]]:
    """``[(name, name)]`` of :data:`COMMON_ZONES` (the session form's short list)."""
    return [(name, name) for name in COMMON_ZONES]


def zone_choices(blank_label=None) -> list:
    """Grouped choices for a select: the common zones, then every other known zone, sorted; with a
    leading blank choice labelled ``blank_label`` when given."""
    others = sorted(available_timezones() - set(COMMON_ZONES) - {"localtime", "Factory"})
    choices = [(_("Usual"), common_zone_choices()), (_("All zones"), [(name, name) for name in others])]
    return ([("", blank_label)] if blank_label is not None else []) + choices
