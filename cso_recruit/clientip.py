"""The client's address, the one place that decides it (login throttling, the read audit, logs).

Behind no proxy (the default) the address is the socket's, ``REMOTE_ADDR``: an ``X-Forwarded-For``
header sent by a client is ignored, so nobody can pose as another address. Behind a reverse proxy,
set ``DJANGO_TRUSTED_PROXY_COUNT`` (how many proxies append to ``X-Forwarded-For`` in front of the
app, default 1 once proxy addresses are given) and optionally ``DJANGO_TRUSTED_PROXY_IPS`` (the
addresses or CIDR blocks the proxy connects from: the header is believed only on connections from them). The
header is then read right to left, taking the entry the outermost trusted proxy appended, as RFC
7239 §5.2 and OWASP's "X-Forwarded-For" guidance recommend (the left-most entry is whatever the
client sent). A client that sent no header of its own gives a one-entry header behind one proxy: that
entry is its address. (django-ipware was tried first and dropped: it fell back to the proxy's
address for such one-entry headers, so every client behind the proxy shared one address.)
"""

import ipaddress

from django.conf import settings


def _valid(address: str) -> str:
    """``address`` when it is an IPv4 or IPv6 address, else ``""``."""
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return ""


def _in_networks(address: str, networks) -> bool:
    """Whether ``address`` lies in one of ``networks`` (addresses or CIDR blocks such as
    ``10.0.0.2`` or ``10.0.0.0/24``; an entry that is neither is ignored). A plain text prefix
    would let ``10.0.0.1`` trust 10.0.0.10–19 and 10.0.0.100–199 as well."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    for entry in networks:
        try:
            if ip in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request) -> str:
    """Return the client's IP address as a string (``""`` when none can be read).

    ``request``: a Django ``HttpRequest``. With no trusted proxy configured this is
    ``request.META["REMOTE_ADDR"]``. With ``TRUSTED_PROXY_COUNT`` = N > 0 (or ``TRUSTED_PROXY_IPS``
    set, N = 1 by default), each of the N proxies appended the address it saw to X-Forwarded-For,
    so the client is the N-th entry from the right (what the outermost trusted proxy saw; entries
    to its left are the client's own claims). A connection from outside ``TRUSTED_PROXY_IPS``
    (when set), or a header with fewer than N valid entries, falls back to ``REMOTE_ADDR``.
    Used as django-axes' ``AXES_CLIENT_IP_CALLABLE``.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    trusted = list(getattr(settings, "TRUSTED_PROXY_IPS", []))
    if not count and not trusted:
        return remote
    if trusted and not _in_networks(remote, trusted):
        return remote  # not our proxy: its X-Forwarded-For is the client's own claim
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    count = count or 1
    if len(hops) < count:
        return remote
    return _valid(hops[-count]) or remote
