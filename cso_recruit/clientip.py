"""The client's address, the one place that decides it (login throttling, the read audit, logs).

Behind no proxy (the default) the address is the socket's, ``REMOTE_ADDR``: an ``X-Forwarded-For``
header sent by a client is ignored, so nobody can pose as another address. Behind a reverse proxy,
set ``DJANGO_TRUSTED_PROXY_COUNT`` (how many proxies append to ``X-Forwarded-For`` in front of the
app, default 1 once proxy addresses are given) and optionally ``DJANGO_TRUSTED_PROXY_IPS`` (the
addresses the proxy connects from: the header is believed only on connections from them). The
header is then read right to left by django-ipware, skipping exactly those hops, as RFC 7239 §5.2
and OWASP's "X-Forwarded-For" guidance recommend (the left-most entry is whatever the client sent).
"""

from django.conf import settings
from ipware import get_client_ip

_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")


def client_ip(request) -> str:
    """Return the client's IP address as a string (``""`` when none can be read).

    ``request``: a Django ``HttpRequest``. With no trusted proxy configured this is
    ``request.META["REMOTE_ADDR"]``. With ``TRUSTED_PROXY_COUNT`` > 0 or ``TRUSTED_PROXY_IPS``
    set, it is the address the last trusted proxy saw (django-ipware, right-most order); a
    connection from outside ``TRUSTED_PROXY_IPS`` (when set), or a chain shorter than the proxy
    count, falls back to ``REMOTE_ADDR``.
    Used as django-axes' ``AXES_CLIENT_IP_CALLABLE``.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    trusted = list(getattr(settings, "TRUSTED_PROXY_IPS", []))
    if not count and not trusted:
        return remote
    if trusted and not any(remote.startswith(prefix) for prefix in trusted):
        return remote  # not our proxy: its X-Forwarded-For is the client's own claim
    address, _routable = get_client_ip(
        request,
        proxy_order="right-most",
        proxy_count=count or 1,
        request_header_order=_PROXY_HEADERS,
    )
    return address or remote
