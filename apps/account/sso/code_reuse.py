"""
An authorization code works once: a second exchange revokes everything the first one issued.

RFC 6749 §4.1.2: "If an authorization code is used more than once, the authorization server
MUST deny the request and SHOULD revoke (when possible) all tokens previously issued based on
that authorization code." django-oauth-toolkit denies the second exchange (it deletes a code once
used) but forgets what the code gave, so the validator (``server.py``) records every exchange here
and, when a code comes back, asks for its tokens to be revoked.

A code seen twice has leaked, and nobody can tell which exchange was the member's site: the whole
refresh-token family goes (rotated descendants included), with the access tokens bound to it and
the ID tokens issued with them. The member simply signs in again.
"""

import hashlib
import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from oauth2_provider.models import get_id_token_model, get_refresh_token_model
from oauth2_provider.settings import oauth2_settings

from ..models import RedeemedCode

__all__ = ["clear_expired_redeemed_codes", "remember_exchange", "revoke_tokens_of_reused_code"]

logger = logging.getLogger(__name__)

# Beyond the code's own lifetime, so an exchange at the last second and its replay are both covered.
MARGIN_SECONDS = 60


def _digest(code):
    return hashlib.sha256(code.encode()).hexdigest()


def remember_exchange(application_id, code, *, token_family, id_token_id):
    """Record that ``code`` was exchanged for the refresh-token family ``token_family`` and that ID token."""
    lifetime = oauth2_settings.AUTHORIZATION_CODE_EXPIRE_SECONDS + MARGIN_SECONDS
    RedeemedCode.objects.create(
        application_id=application_id,
        code_hash=_digest(code),
        token_family=token_family,
        id_token_id=id_token_id,
        expires=timezone.now() + timedelta(seconds=lifetime),
    )


@transaction.atomic
def revoke_tokens_of_reused_code(application_id, code):
    """
    Revoke what earlier exchanges of ``code`` by ``application_id`` issued; return how many exchanges
    that was (0 for a code never exchanged, or one exchanged too long ago to be presented again).
    """
    redeemed = list(
        RedeemedCode.objects.filter(application_id=application_id, code_hash=_digest(code), expires__gt=timezone.now())
    )
    for exchange in redeemed:
        # Deleting an ID token deletes the access token bound to it (the toolkit's cascade).
        get_id_token_model().objects.filter(
            Q(pk=exchange.id_token_id) | Q(access_token__refresh_token__token_family=exchange.token_family)
        ).delete()
        get_refresh_token_model().revoke_family(exchange.token_family)
    if redeemed:
        logger.warning("An authorization code of application %s came back: its tokens are revoked", application_id)
    return len(redeemed)


def clear_expired_redeemed_codes(*, now=None):
    """Delete the records of codes that can no longer be presented; return how many went."""
    deleted, _ = RedeemedCode.objects.filter(expires__lte=now or timezone.now()).delete()
    return deleted
