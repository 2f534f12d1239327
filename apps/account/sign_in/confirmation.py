"""
Confirming a new member's email: the signed link, and the task that sends it.

The task lives beside the link it sends, so ``services.sign_up`` can queue it without importing
the tasks module (which imports the services).
"""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from apps.core.sites import site_url

FEDERATION = "federation"


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens for sign-up links: a token stops working once the account it confirms is active."""

    key_salt = "apps.account.services.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.is_active}{timestamp}"


email_confirmation_tokens = EmailConfirmationTokenGenerator()


def email_confirmation_url(user):
    """Return the absolute link, on the federation site, that confirms ``user``'s email."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_confirmation_tokens.make_token(user)
    return site_url(FEDERATION, "member:confirm-email", kwargs={"uidb64": uid, "token": token})


@shared_task(name="account.send_email_confirmation", autoretry_for=(OSError,))
def send_email_confirmation(user_id):
    """Email the link that activates a new member's account (skipped once the account is active)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=False).first()
    if user is None:
        return False
    context = {"user": user, "confirm_url": email_confirmation_url(user)}
    send_mail(
        subject="Confirm your Rose Ash membership",
        message=render_to_string("account/email/confirm_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
    return True
