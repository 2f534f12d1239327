"""
Sign-in throttling against password guessing, counted in the shared cache.

Failures are counted per account (so one account cannot be guessed at from many addresses, nor
under each of its names) and per client address (so one address cannot try many accounts).
Either count at its limit refuses further attempts until the window, which starts at the first
failure, has passed. A successful sign-in clears the count for its account.

A login names an account the way the sign-in backend reads it (``MemberManager.by_login``): the
username or the email, in any case, so ``bob``, ``BOB`` and ``bob@example.org`` share five guesses.
A login that names nobody is counted by its normalised string, and locks after as many failures
with the same answer: the throttle does not tell who is a member.
"""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache

from apps.core import counting
from apps.core.errors import RoseAshError

__all__ = [
    "allow_reset_email",
    "check_sign_in_allowed",
    "clear_sign_in_failures",
    "record_sign_in_failure",
]

RESET_EMAIL_INTERVAL_SECONDS = 300


def _digest(text):
    return hashlib.sha256(text.strip().lower().encode()).hexdigest()[:32]


def _login_key(login):
    member_id = get_user_model().objects.by_login(login).values_list("pk", flat=True).first()
    if member_id is not None:
        return f"signin:fail:member:{member_id}"
    return f"signin:fail:login:{_digest(login)}"


def _keys(login, address):
    return (
        (_login_key(login), settings.SIGN_IN_FAILURE_LIMIT),
        (f"signin:fail:addr:{address}", settings.SIGN_IN_ADDRESS_FAILURE_LIMIT),
    )


def client_address(request):
    """The address failures are counted against (the proxy in front of us sets ``REMOTE_ADDR``)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def check_sign_in_allowed(login, address):
    """Raise ``RoseAshError`` (429) while the account ``login`` names, or ``address``, has failed too often."""
    keys = _keys(login, address)
    counts = cache.get_many([key for key, _ in keys])
    for key, limit in keys:
        if counts.get(key, 0) >= limit:
            minutes = max(1, settings.SIGN_IN_LOCKOUT_SECONDS // 60)
            raise RoseAshError(
                "sign_in_throttled",
                f"Too many failed sign-ins. Wait {minutes} minutes, or reset your password.",
                status=429,
            )


def record_sign_in_failure(login, address):
    for key, _ in _keys(login, address):  # the window starts at the first failure
        counting.hit(key, settings.SIGN_IN_LOCKOUT_SECONDS)


def clear_sign_in_failures(login):
    cache.delete(_login_key(login))


def allow_reset_email(email):
    """True at most once per ``RESET_EMAIL_INTERVAL_SECONDS`` for one address: nobody floods a mailbox."""
    return cache.add(f"reset:mail:{_digest(email)}", 1, RESET_EMAIL_INTERVAL_SECONDS)
