"""Signed, expiring links for people without an account (the candidate's assessment notice, the
new CSO's start kit): one mechanism, used by every such link.

A token is ``django.core.signing.dumps({"n": nonce}, salt=…, compress=True)``: it names one row by
its random ``nonce`` (never its id), is signed with ``SECRET_KEY`` under a salt proper to the kind of
link (a notice token opens no start kit), and expires ``max_age`` seconds after it was made.
"""

from django.core import signing


class LinkError(Exception):
    """A link token that is tampered (``reason`` ``"bad"``) or too old (``"expired"``)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def link_token(*, salt: str, nonce: str) -> str:
    """The signed token naming the row whose nonce is ``nonce``, for links of kind ``salt``."""
    return signing.dumps({"n": nonce}, salt=salt, compress=True)


def link_nonce(token: str, *, salt: str, max_age: int) -> str:
    """The nonce inside ``token`` (signed under ``salt``, at most ``max_age`` seconds old).

    Raises :class:`LinkError` ``expired`` when too old, ``bad`` when tampered, signed under another
    salt or not of this shape. Whether a row still holds that nonce is the caller's question.
    """
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkError("expired") from exc
    except signing.BadSignature as exc:
        raise LinkError("bad") from exc
    nonce = payload.get("n") if isinstance(payload, dict) else None
    if not isinstance(nonce, str) or not nonce:
        raise LinkError("bad")
    return nonce
