"""
What both HTTP signature dialects (draft-cavage in ``signatures``, RFC 9421 in
``message_signatures``) share, so that a peer is held to the same rules whichever it speaks: how a
refusal is told, how old or early a signature may be, and which keys verify.
"""

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

MAX_AGE = timedelta(hours=12)
MAX_AHEAD = timedelta(hours=1)


class SignatureError(Exception):
    """Why a request's signature is not accepted: ``code`` for programs, the message for people."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def check_window(signed_at, now, expires=None):
    """Refuse a signature made more than ``MAX_AGE`` ago, ``MAX_AHEAD`` ahead, or past its expiry."""
    if now - signed_at > MAX_AGE:
        raise SignatureError("date_expired", "The request was signed more than 12 hours ago.")
    if signed_at - now > MAX_AHEAD:
        raise SignatureError("date_future", "The request is dated more than an hour ahead.")
    if expires is not None and now.timestamp() > expires:
        raise SignatureError("date_expired", "The signature has expired.")


def signed_at(timestamp):
    """Return the aware datetime of a signature's Unix-time ``created``."""
    try:
        return datetime.fromtimestamp(timestamp, UTC)
    except (OverflowError, OSError, ValueError):
        raise SignatureError("date_invalid", "The signature's creation time is out of range.") from None


@lru_cache(maxsize=1024)
def public_key(pem):
    """Return the loaded RSA public key of ``pem``; kept, as the same peers sign again and again."""
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except ValueError:
        raise SignatureError("key_invalid", "The signer's public key could not be read.") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("key_invalid", "Only RSA keys are accepted.")
    return key
