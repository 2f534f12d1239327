from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from oauth2_provider.models import clear_expired

from .code_reuse import clear_expired_redeemed_codes
from .services import clear_old_sso_sessions, email_confirmation_url


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


@shared_task(name="account.clear_expired_sign_ins")
def clear_expired_sign_ins():
    """
    Delete expired OAuth codes and tokens, records of codes too old to come back, and SSO sessions
    nothing names any more (nightly, by beat); return how many SSO sessions went.
    """
    clear_expired()
    clear_expired_redeemed_codes()
    return clear_old_sso_sessions()
