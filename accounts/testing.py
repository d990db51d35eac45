"""For tests and benchmarks that sign users in with ``Client.force_login``: a forced login stands
for a whole login, second factor included."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice


def mark_second_factor_verified(client, user, *, device_name: str = "tests") -> None:
    """Record in ``client``'s session (a ``django.test.Client`` already signed in as ``user``) that
    ``user`` showed a second factor: a confirmed backup-code device named ``device_name``."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=device_name, defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
